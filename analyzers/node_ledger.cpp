// The node's own money ledger (coinjecture.db supply_metrics and fee_tracking, docs/node-store.md)
// held against the replay: a column that differs is a finding named for its table and column.
#include <fmt/format.h>

#include "analyzers.h"
#include "forensics/wide_int.h"

namespace forensics {
namespace {

class NodeLedgerAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "node_ledger"; }

  void OnBlock(const BlockContext& ctx, BlockVerdict* v) override {
    const Block& b = *ctx.block;
    const BlockHeight h = b.header.height;
    const bool replayed = ctx.state && ctx.execution;
    // The running burn is known only while every block from genesis on was replayed.
    if (!replayed || (h != 0 && !(burn_known_ && last_height_ && *last_height_ + 1 == h))) burn_known_ = false;
    if (replayed && h == 0) {
      burn_known_ = true;
      burned_ = 0;
    }
    last_height_ = h;
    if (replayed && h != 0) burned_ += ctx.execution->shares.burn;
    if (!b.node_ledger) return;
    const NodeLedger& l = *b.node_ledger;
    for (const LostValue& lost : l.lost) v->unverifiable.push_back({UncheckedKind::kStoredValueLost, Describe(lost)});
    if (l.supply_row) {
      if (l.total_supply && l.locked_supply && l.circulating_supply) {
        const unsigned __int128 total = Wide(*l.total_supply), locked = Wide(*l.locked_supply);
        // total − locked, a '-' first when the node locks more than it has (no circulating supply holds that).
        const std::string expected =
            total >= locked ? ToDecimal(ToWei128(total - locked)) : "-" + ToDecimal(ToWei128(locked - total));
        if (expected != ToDecimal(*l.circulating_supply))
          Mismatch(h, "supply_metrics", "circulating_supply", expected, ToDecimal(*l.circulating_supply),
                   "the node's circulating supply is not its total less its locked supply", v);
      }
      v->unverifiable.push_back({UncheckedKind::kNodeLedgerColumn, "locked_supply is not checked against escrows"});
    }
    if (!replayed) {
      if (l.supply_row || l.fee_row) v->unverifiable.push_back({UncheckedKind::kNodeLedgerStateUnknown, {}});
      return;
    }
    const BlockExecution& x = *ctx.execution;
    if (l.supply_row) {
      Compare(h, "supply_metrics", "total_supply", ctx.state->supply(), l.total_supply,
              "the node's total supply after the block is not the replayed Σ of balances", v);
      // Block 0 mints the genesis allocations (node-store.md); later blocks the reward.
      const unsigned __int128 minted = h == 0 ? Wide(ctx.state->supply()) : x.reward;
      Compare(h, "supply_metrics", "minted_this_block", ToWei128(minted), l.minted_this_block,
              h == 0 ? "the node's genesis mint is not the genesis allocations" : "the node's minted amount is not the block reward", v);
      Compare(h, "supply_metrics", "burned_this_block", ToWei128(h == 0 ? 0 : x.shares.burn), l.burned_this_block,
              "the node's burn for the block is not the burn share of its fees", v);
      if (burn_known_) {
        Compare(h, "supply_metrics", "burned_cumulative", ToWei128(burned_), l.burned_cumulative,
                "the node's cumulative burn is not the sum of the replayed burn shares", v);
      } else if (l.burned_cumulative) {
        v->unverifiable.push_back({UncheckedKind::kNodeLedgerColumn, "burned_cumulative: the replay did not run from genesis"});
      }
    }
    if (l.fee_row)
      Compare(h, "fee_tracking", "total_fees", ToWei128(x.fees), l.total_fees, "the node's fees for the block are not the replayed fees", v, FindingCode::kFeeLedgerMismatch);
  }

  void OnSnapshot(const Snapshot& s, const AccountState& state, BlockVerdict* v) override {
    (void)state;
    if (!s.node_ledger) return;
    const NodeLedger& l = *s.node_ledger;
    for (const LostValue& lost : l.lost) v->unverifiable.push_back({UncheckedKind::kStoredValueLost, Describe(lost)});
    if (!l.supply_row || !l.total_supply) return;
    if (!s.lost.empty()) {
      v->unverifiable.push_back({UncheckedKind::kNodeLedgerColumn, "total_supply against the accounts: a balance was lost"});
      return;
    }
    unsigned __int128 sum = 0;
    for (const AccountEntry& e : s.accounts) sum += e.balance;
    Compare(s.height, "supply_metrics", "total_supply", ToWei128(sum), l.total_supply,
            "the node's total supply is not the Σ of its own accounts", v);
  }

  static std::string Describe(const LostValue& l) {
    return fmt::format("table {}, {}, column {}: stored {}, {}", l.table, l.key, l.column, l.stored, l.why);
  }

 private:
  static void Compare(BlockHeight h, std::string_view table, std::string_view column, const Wei128& expected,
                      const std::optional<Wei128>& stored, std::string_view detail, BlockVerdict* v,
                      FindingCode code = FindingCode::kSupplyLedgerMismatch) {
    if (!stored || *stored == expected) return;
    Mismatch(h, table, column, ToDecimal(expected), ToDecimal(*stored), detail, v, code);
  }

  static void Mismatch(BlockHeight h, std::string_view table, std::string_view column, std::string expected,
                       std::string actual, std::string_view detail, BlockVerdict* v,
                       FindingCode code = FindingCode::kSupplyLedgerMismatch) {
    Finding f;
    f.height = h;
    f.code = code;
    f.expected = fmt::format("{}.{} {}", table, column, expected);
    f.actual = fmt::format("{}.{} {}", table, column, actual);
    f.detail = fmt::format("{} (table {}, block {}, column {})", detail, table, h, column);
    f.values = {{fmt::format("{}.{}", table, column), ValueUnit::kWei, ValueRelation::kEqual, std::move(expected), std::move(actual)}};
    v->findings.push_back(std::move(f));
  }

  bool burn_known_ = false;
  std::optional<BlockHeight> last_height_;
  unsigned __int128 burned_ = 0;
};

}  // namespace

std::unique_ptr<Analyzer> MakeNodeLedgerAnalyzer(const AnalyzerOptions& options) {
  (void)options;
  return std::make_unique<NodeLedgerAnalyzer>();
}

}  // namespace forensics
