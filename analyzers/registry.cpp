// THE list of analyzers. Its order is the order of findings within a block and of report sections.
#include "analyzers.h"

namespace forensics {

std::vector<std::unique_ptr<Analyzer>> MakeAllAnalyzers(const AnalyzerOptions& options) {
  std::vector<std::unique_ptr<Analyzer>> all;
  all.push_back(MakeHeaderLinksAnalyzer(options));
  all.push_back(MakeTxRootAnalyzer(options));
  all.push_back(MakeGasAccountingAnalyzer(options));
  all.push_back(MakeTransactionRulesAnalyzer(options));
  all.push_back(MakeRecordedStateAnalyzer(options));
  all.push_back(MakeStateRootAnalyzer(options));
  all.push_back(MakeNodeLedgerAnalyzer(options));
  return all;
}

std::vector<std::string> AnalyzerNames() {
  std::vector<std::string> names;
  for (const auto& a : MakeAllAnalyzers({})) names.emplace_back(a->name());
  return names;
}

std::string HexOrAbsent(const std::optional<Hash32>& h) { return h ? h->Hex() : "(absent)"; }

}  // namespace forensics
