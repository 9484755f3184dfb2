// --issue parity-drift.
#include <fmt/format.h>

#include "commands.h"

namespace forensics::cli {

int RunParityDrift(const ParityDriftCommand&) {
  fmt::print(stderr, "forensics: --issue parity-drift is not available in this build yet\n");
  return kExitUsage;
}

}  // namespace forensics::cli
