// Constructors of the analyzers in this library (internal; the list that uses them is registry.cpp).
#ifndef FORENSICS_ANALYZERS_ANALYZERS_H_
#define FORENSICS_ANALYZERS_ANALYZERS_H_

#include <memory>

#include "forensics/analyzer.h"

namespace forensics {

std::unique_ptr<Analyzer> MakeHeaderLinksAnalyzer(const AnalyzerOptions& options);
std::unique_ptr<Analyzer> MakeTxRootAnalyzer(const AnalyzerOptions& options);
std::unique_ptr<Analyzer> MakeGasAccountingAnalyzer(const AnalyzerOptions& options);
std::unique_ptr<Analyzer> MakeTransactionRulesAnalyzer(const AnalyzerOptions& options);
std::unique_ptr<Analyzer> MakeRecordedStateAnalyzer(const AnalyzerOptions& options);
std::unique_ptr<Analyzer> MakeStateRootAnalyzer(const AnalyzerOptions& options);
std::unique_ptr<Analyzer> MakeNodeLedgerAnalyzer(const AnalyzerOptions& options);

// Hex of a hash, or "(absent)".
std::string HexOrAbsent(const std::optional<Hash32>& h);

}  // namespace forensics

#endif  // FORENSICS_ANALYZERS_ANALYZERS_H_
