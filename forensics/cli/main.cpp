// forensics command-line entry point: parse, dispatch to one command, exit with its status.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/sha256.h"
#include "output.h"

namespace {

int Run(int argc, char** argv) {
  using namespace forensics::cli;
  auto parsed = ParseCommandLine(argc, argv);
  forensics::Status usage = parsed ? CheckStandardInputOnce(*parsed) : parsed.error();
  if (!usage.ok()) {
    PrintError(fmt::format("forensics: {}\nTry 'forensics --help'.\n", usage.message()));
    return kExitUsage;
  }
  if (forensics::Status env = forensics::sha256::EnvironmentStatus(); !env.ok())
    PrintError(fmt::format("forensics: warning: {}; using {}\n", env.message(), forensics::sha256::Active().name));
  if (parsed->hash_backend) {
    forensics::Status s = forensics::sha256::Force(*parsed->hash_backend);
    if (!s.ok()) {
      PrintError(fmt::format("forensics: --hash-backend: {}\n", s.message()));
      return kExitUsage;
    }
  }
  switch (parsed->kind) {
    case Parsed::Kind::kHelp: Print(parsed->help_text); return kExitClean;
    case Parsed::Kind::kVersion: Print(fmt::format("forensics {}\n", FORENSICS_VERSION)); return kExitClean;
    case Parsed::Kind::kStateViolation: return RunStateViolation(parsed->state_violation);
    case Parsed::Kind::kParityDrift: return RunParityDrift(parsed->parity_drift);
    case Parsed::Kind::kImport: return RunImport(parsed->import);
    case Parsed::Kind::kGenerate: return RunGenerate(parsed->generate);
    case Parsed::Kind::kHashBackends: return RunHashBackends();
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  forensics::cli::InitOutput();
  return forensics::cli::FinishOutput(Run(argc, argv));
}
