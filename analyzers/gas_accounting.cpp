// Gas accounting of neta blocks (docs/chain.md §1.1): 0 < gas_limit ≤ 50,000,000, gas_used ≤ gas_limit,
// gas_used = Σ tx.gas_limit, at most 1,000 transactions.
#include "analyzers.h"
#include "forensics/codec.h"
#include "forensics/wide_int.h"

namespace forensics {
namespace {

class GasAccountingAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "gas_accounting"; }

  void OnBlock(const BlockContext& ctx, BlockVerdict* v) override {
    const Block& b = *ctx.block;
    const BlockHeader& h = b.header;
    auto add = [&](std::string expected, std::string actual, std::string detail, FindingValue value) {
      Finding f;
      f.height = h.height;
      f.code = FindingCode::kGasAccounting;
      f.expected = std::move(expected);
      f.actual = std::move(actual);
      f.detail = std::move(detail);
      f.values = {std::move(value)};
      v->findings.push_back(std::move(f));
    };
    auto dec = [](unsigned __int128 x) { return U128ToString(x); };
    if (b.txs.size() > kMaxTxsPerBlock)
      add(fmt::format("at most {} transactions", kMaxTxsPerBlock), fmt::format("{}", b.txs.size()),
          "too many transactions in the block",
          {"transactions", ValueUnit::kTransactions, ValueRelation::kAtMost, dec(kMaxTxsPerBlock), dec(b.txs.size())});
    if (ctx.profile != Profile::kNeta) return;
    if (!h.gas_limit || !h.gas_used) {
      v->unverifiable.push_back({UncheckedKind::kGasHeaderFields, {}});
      return;
    }
    if (*h.gas_limit == 0 || *h.gas_limit > kMaxBlockGasLimit)
      add(fmt::format("0 < gas_limit ≤ {}", kMaxBlockGasLimit), fmt::format("{}", *h.gas_limit),
          "block gas limit out of range",
          *h.gas_limit == 0 ? FindingValue{"gas_limit", ValueUnit::kGas, ValueRelation::kAtLeast, "1", "0"}
                            : FindingValue{"gas_limit", ValueUnit::kGas, ValueRelation::kAtMost,
                                           dec(kMaxBlockGasLimit), dec(*h.gas_limit)});
    if (*h.gas_used > *h.gas_limit)
      add(fmt::format("gas_used ≤ {}", *h.gas_limit), fmt::format("{}", *h.gas_used),
          "gas used exceeds the block gas limit",
          {"gas_used", ValueUnit::kGas, ValueRelation::kAtMost, dec(*h.gas_limit), dec(*h.gas_used)});
    if (!b.state_fields_missing.empty()) {
      v->unverifiable.push_back({UncheckedKind::kGasTransactionsIncomplete, {}});
      return;
    }
    unsigned __int128 sum = 0;
    for (const Transaction& tx : b.txs) sum += tx.gas_limit;
    if (sum != *h.gas_used)
      add(fmt::format("gas_used = Σ tx.gas_limit = {}", static_cast<uint64_t>(sum > UINT64_MAX ? UINT64_MAX : sum)),
          fmt::format("{}", *h.gas_used), "gas_used is not the sum of the transactions' gas limits",
          {"gas_used", ValueUnit::kGas, ValueRelation::kEqual, dec(sum), dec(*h.gas_used)});
  }
};

}  // namespace

std::unique_ptr<Analyzer> MakeGasAccountingAnalyzer(const AnalyzerOptions&) {
  return std::make_unique<GasAccountingAnalyzer>();
}

}  // namespace forensics
