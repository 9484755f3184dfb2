// Transaction rules (docs/chain.md §2) as the replay applied them: the engine's state transition records
// each violation; this analyzer places them in the block's verdict in transaction order.
#include "analyzers.h"

namespace forensics {
namespace {

class TransactionRulesAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "transaction_rules"; }

  void OnBlock(const BlockContext& ctx, BlockVerdict* v) override {
    if (ctx.execution == nullptr) {
      v->unverifiable.push_back({UncheckedKind::kTransactionRules, {}});
      return;
    }
    for (const Finding& f : ctx.execution->findings) v->findings.push_back(f);
  }
};

}  // namespace

std::unique_ptr<Analyzer> MakeTransactionRulesAnalyzer(const AnalyzerOptions&) {
  return std::make_unique<TransactionRulesAnalyzer>();
}

}  // namespace forensics
