// forensics import.
#include <fmt/format.h>

#include "commands.h"

namespace forensics::cli {

int RunImport(const ImportCommand&) {
  fmt::print(stderr, "forensics: import is not available in this build yet\n");
  return kExitUsage;
}

}  // namespace forensics::cli
