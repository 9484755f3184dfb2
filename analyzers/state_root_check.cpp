// State root (docs/chain.md §4): the replayed root against the header's claim (neta) or the root the node
// recorded (core-v4). A claim of 32 zero bytes means "not committed": skipped and said so.
#include "analyzers.h"

namespace forensics {
namespace {

class StateRootAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "state_root"; }

  void OnBlock(const BlockContext& ctx, BlockVerdict* v) override {
    const BlockHeader& h = ctx.block->header;
    if (!h.state_root) {
      v->unverifiable.push_back({UncheckedKind::kStateRootNone, {}});
      return;
    }
    if (h.state_root->IsZero()) {
      v->unverifiable.push_back({UncheckedKind::kStateRootNotCommitted, {}});
      return;
    }
    if (!ctx.replayed_root) {
      v->unverifiable.push_back({UncheckedKind::kStateRootStateUnknown, {}});
      return;
    }
    if (*ctx.replayed_root == *h.state_root) {
      v->state_verified = true;
      v->verified_by = v->verified_by.empty() ? "its committed state root" : v->verified_by + " and its committed state root";
      return;
    }
    Finding f;
    f.height = h.height;
    f.code = FindingCode::kStateRootMismatch;
    f.expected = ctx.replayed_root->Hex();
    f.actual = h.state_root->Hex();
    f.values = {{"state_root", ValueUnit::kHash, ValueRelation::kEqual, f.expected, f.actual}};
    f.detail = ctx.profile == Profile::kNeta ? "the header's state root differs from the replayed state"
                                             : "the root the node recorded differs from the replayed state";
    for (const AccountDiff& d : v->diffs) f.accounts.push_back(d.address);
    v->findings.push_back(std::move(f));
  }
};

}  // namespace

std::unique_ptr<Analyzer> MakeStateRootAnalyzer(const AnalyzerOptions&) {
  return std::make_unique<StateRootAnalyzer>();
}

}  // namespace forensics
