// How the CLI spells the options the library's warnings and advice name (forensics/option_names.h).
// Header-only, so that tests which compare library output with the CLI's can spell them alike.
#ifndef FORENSICS_CLI_FLAG_NAMES_H_
#define FORENSICS_CLI_FLAG_NAMES_H_

#include <string_view>

#include "forensics/option_names.h"

namespace forensics::cli {

constexpr std::string_view FlagName(OptionName o) {
  switch (o) {
    case OptionName::kChain: return "--chain";
    case OptionName::kMetrics: return "--metrics";
    case OptionName::kYear: return "--year";
    case OptionName::kFrom: return "--from";
    case OptionName::kGenesis: return "--genesis";
    case OptionName::kSkipSignatures: return "--skip-signatures";
    case OptionName::kStateViolation: return "forensics --issue state-violation";
  }
  return "";
}

}  // namespace forensics::cli

#endif  // FORENSICS_CLI_FLAG_NAMES_H_
