// Helpers shared by the commands.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "commands.h"

namespace forensics::cli {

int ReportError(const Status& s) {
  fmt::print(stderr, "forensics: {}\n", s.ToString());
  return s.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitUnreadable;
}

bool ShowProgress(bool forced) { return forced || ::isatty(STDERR_FILENO); }

}  // namespace forensics::cli
