// Transaction root: the merkle root over the block's tx hashes with the profile's odd-node rule.
// neta leaves are H(signing message); core-v4 leaves come only from the input (docs/chain.md §1.3).
#include "analyzers.h"
#include "forensics/codec.h"

namespace forensics {
namespace {

class TxRootAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "tx_root"; }

  void OnBlock(const BlockContext& ctx, BlockVerdict* v) override {
    const Block& b = *ctx.block;
    if (!b.header.tx_root) {
      v->unverifiable.push_back({UncheckedKind::kTxRootNone, {}});
      return;
    }
    if (!b.state_fields_missing.empty() && b.txs.empty()) {
      v->unverifiable.push_back({UncheckedKind::kTxRootNoTransactions, {}});
      return;
    }
    leaves_.clear();
    for (size_t i = 0; i < b.txs.size(); ++i) {
      const Transaction& tx = b.txs[i];
      if (ctx.profile == Profile::kNeta) {
        if (!tx.message_complete) {
          v->unverifiable.push_back({UncheckedKind::kTxRootSigningFields, {}});
          return;
        }
        Hash32 computed = NetaTxHash(tx);
        if (tx.hash && *tx.hash != computed) {
          Finding f;
          f.height = b.header.height;
          f.code = FindingCode::kTxRootMismatch;
          f.expected = computed.Hex();
          f.actual = tx.hash->Hex();
          f.values = {{"tx_hash", ValueUnit::kHash, ValueRelation::kEqual, f.expected, f.actual}};
          f.detail = fmt::format("transaction {}'s recorded hash is not H(signing message)", i);
          f.tx_index = i;
          v->findings.push_back(std::move(f));
        }
        leaves_.push_back(computed);
      } else {
        if (!tx.hash) {
          v->unverifiable.push_back({UncheckedKind::kTxRootCoreHashMissing, {}});
          return;
        }
        leaves_.push_back(*tx.hash);
      }
    }
    Hash32 root = MerkleRoot(leaves_, ProfileOddRule(ctx.profile));
    if (root != *b.header.tx_root) {
      Finding f;
      f.height = b.header.height;
      f.code = FindingCode::kTxRootMismatch;
      f.expected = root.Hex();
      f.actual = b.header.tx_root->Hex();
      f.values = {{"tx_root", ValueUnit::kHash, ValueRelation::kEqual, f.expected, f.actual}};
      f.detail = fmt::format("the header's tx root is not the merkle root of its {} transaction(s)", b.txs.size());
      v->findings.push_back(std::move(f));
    }
  }

 private:
  std::vector<Hash32> leaves_;
};

}  // namespace

std::unique_ptr<Analyzer> MakeTxRootAnalyzer(const AnalyzerOptions&) {
  return std::make_unique<TxRootAnalyzer>();
}

}  // namespace forensics
