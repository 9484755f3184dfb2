// Command-line parsing: boost::program_options → the library's option structs. Nothing else of
// boost leaves this file pair.
#ifndef FORENSICS_CLI_OPTIONS_H_
#define FORENSICS_CLI_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "forensics/fingerprint.h"
#include "forensics/cid_quorum.h"
#include "forensics/generate.h"
#include "forensics/network_fork.h"
#include "forensics/parity.h"
#include "forensics/state_violation.h"

namespace forensics::cli {

enum class Format { kText, kJson, kMarkdown };

struct Common {
  std::optional<std::string> out_dir;
  std::optional<std::string> metrics_out;  // --metrics-out FILE
  Format format = Format::kText;
  bool progress = false;       // --progress (else only when stderr is a terminal)
  std::string command_line;    // for the report stamp, without --out
};

struct StateViolationCommand {
  StateViolationOptions options;
  Common common;
};

struct ParityDriftCommand {
  ParityDriftOptions options;
  Common common;
};

struct ImportCommand {
  std::vector<std::string> exports;
  std::string db_dir;
  std::optional<std::string> genesis_path;  // --genesis (a coinjecture.db's allocations)
  bool progress = false;
};

struct GenerateCommand {
  GenerateOptions options;
};

struct HashBackendsCommand {};

struct FingerprintCommand {
  FingerprintOptions options;
  bool progress = false;
};

struct NetworkForkCommand {
  NetworkForkOptions options;
  Common common;
};

struct CidQuorumCommand {
  CidQuorumOptions options;
  Common common;
};

struct Parsed {
  enum class Kind { kHelp, kVersion, kStateViolation, kParityDrift, kImport, kGenerate, kHashBackends, kFingerprint,
                    kNetworkFork, kCidQuorum } kind;
  std::string help_text;
  std::optional<std::string> hash_backend;  // --hash-backend (any command)
  StateViolationCommand state_violation;
  ParityDriftCommand parity_drift;
  ImportCommand import;
  GenerateCommand generate;
  FingerprintCommand fingerprint;
  NetworkForkCommand network_fork;
  CidQuorumCommand cid_quorum;
};

// Parses argv. Usage errors are returned as InvalidArgument with the message to print.
Result<Parsed> ParseCommandLine(int argc, char** argv);

}  // namespace forensics::cli

#endif  // FORENSICS_CLI_OPTIONS_H_
