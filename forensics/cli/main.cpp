// forensics command-line entry point: parse, dispatch to one command, exit with its status.
#include <fmt/format.h>

#include <cstdlib>
#include <new>
#include <string>
#include <system_error>

#include "commands.h"
#include "forensics/sha256.h"
#include "output.h"

namespace {

// sha256::Force for FORENSICS_SHA256_BACKEND, a refusal worded for the variable.
forensics::Status ForceFromEnvironment(const std::string& name) {
  using forensics::Status;
  namespace sha256 = forensics::sha256;
  Status s = sha256::Force(name);
  if (s.ok()) return s;
  const std::string var = "FORENSICS_SHA256_BACKEND: ";
  for (const sha256::Backend* b : sha256::AllBackends()) {
    if (b->name != name) continue;
    if (!sha256::Supported(*b))
      return Status::NotSupported(var + "this CPU lacks " + sha256::MissingFeatures(*b) + " for '" + name + "'");
    return Status::NotSupported(var + "'" + name + "' failed its self-test");
  }
  return Status::InvalidArgument(var + "unknown backend '" + name + "'");
}

int Run(int argc, char** argv) {
  using namespace forensics::cli;
  auto parsed = ParseCommandLine(argc, argv);
  forensics::Status usage = parsed ? CheckStandardInputOnce(*parsed) : parsed.error();
  if (!usage.ok()) {
    PrintError(fmt::format("forensics: {}\nTry 'forensics --help'.\n", usage.message()));
    return kExitUsage;
  }
  // FORENSICS_SHA256_BACKEND picks the SHA-256 backend for the run; a name that cannot be used is a
  // warning and the automatic choice stands. --hash-backend, applied after it, wins.
  if (const char* env = std::getenv("FORENSICS_SHA256_BACKEND"); env != nullptr && *env != '\0') {
    if (forensics::Status s = ForceFromEnvironment(env); !s.ok())
      PrintError(fmt::format("forensics: warning: {}; using {}\n", s.message(), forensics::sha256::Active().name));
  }
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
    case Parsed::Kind::kFingerprint: return RunFingerprint(parsed->fingerprint);
    case Parsed::Kind::kNetworkFork: return RunNetworkFork(parsed->network_fork);
    case Parsed::Kind::kCidQuorum: return RunCidQuorum(parsed->cid_quorum);
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  forensics::cli::InitOutput();
  int status = forensics::cli::kExitUnreadable;
  try {
    status = Run(argc, argv);
  } catch (const std::bad_alloc&) {
    // An input within the documented limits (README, "Hostile and broken input") that still does
    // not fit this machine's memory, or its address-space limit: a message and exit 3, no abort.
    forensics::cli::PrintError("forensics: out of memory: the input does not fit in the memory this process may use; "
                               "nothing was reported\n");
  } catch (const std::system_error& e) {
    // The same limits met elsewhere: a thread that cannot be started (EAGAIN), a lock refused.
    forensics::cli::PrintError(fmt::format("forensics: the system refused a resource: {}; nothing was reported\n",
                                           e.what()));
  }
  return forensics::cli::FinishOutput(status);
}
