// OptionName: an option of an analysis that a warning, a cause or a piece of advice may point the user
// to ("pass the chain to confirm…"). The library never spells a front end's flags: each analysis takes
// an OptionSpeller from its options and words such messages with it. The default spells an option by
// its field in the options struct; the CLI spells its flags (forensics/cli/flag_names.h).
#ifndef FORENSICS_OPTION_NAMES_H_
#define FORENSICS_OPTION_NAMES_H_

#include <cstdint>
#include <string_view>

namespace forensics {

enum class OptionName : uint8_t {
  kChain,             // ParityDriftOptions::chain_path
  kMetrics,           // ParityDriftOptions::metrics_path
  kYear,              // ParityDriftOptions::year
  kFrom,              // StateViolationOptions::from
  kSkipSignatures,    // StateViolationOptions::verify_signatures = false
  kStateViolation,    // the state-violation analysis (AnalyzeStateViolation)
  kGenesis,           // StateViolationOptions::genesis_path
};

using OptionSpeller = std::string_view (*)(OptionName);

constexpr std::string_view OptionFieldName(OptionName o) {
  switch (o) {
    case OptionName::kChain: return "chain_path";
    case OptionName::kMetrics: return "metrics_path";
    case OptionName::kYear: return "year";
    case OptionName::kFrom: return "from";
    case OptionName::kSkipSignatures: return "verify_signatures = false";
    case OptionName::kStateViolation: return "AnalyzeStateViolation";
    case OptionName::kGenesis: return "genesis_path";
  }
  return "";
}

}  // namespace forensics

#endif  // FORENSICS_OPTION_NAMES_H_
