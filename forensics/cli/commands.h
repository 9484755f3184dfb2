// One function per command: call the library, render, map the outcome to an exit status.
#ifndef FORENSICS_CLI_COMMANDS_H_
#define FORENSICS_CLI_COMMANDS_H_

#include <atomic>
#include <string>
#include <vector>

#include "forensics/run_metrics.h"
#include "forensics/verdict.h"
#include "options.h"

namespace forensics::cli {

inline constexpr int kExitClean = 0, kExitFound = 1, kExitUsage = 2, kExitUnreadable = 3, kExitInconclusive = 4;

int RunStateViolation(const StateViolationCommand& c);
int RunParityDrift(const ParityDriftCommand& c);
int RunImport(const ImportCommand& c);
int RunGenerate(const GenerateCommand& c);
int RunHashBackends();
int RunFingerprint(const FingerprintCommand& c);
int RunNetworkFork(const NetworkForkCommand& c);
int RunCidQuorum(const CidQuorumCommand& c);

// Prints "forensics: <message>" on stderr and returns the exit status for the error.
int ReportError(const Status& s);
// CheckReportDir for --out DIR, if given, before any work.
Status CheckOutDir(const Common& common, const std::vector<std::string>& inputs);
// Writes --out DIR (report.md, report.json), prints the chosen format on stdout (and, for text, the
// gh command to file the report), writes --metrics-out FILE, and returns the verdict's exit status,
// also when the report or the metrics could not be written (that is said on stderr with the reason).
struct RenderedReport {
  Verdict verdict = Verdict::kInconclusive;
  std::string text, json, markdown, title, label;
  RunMetrics metrics;  // --metrics-out (verdict, issue and timestamp are filled in by EmitReport)
};
int EmitReport(const Common& common, const RenderedReport& report);
// True when progress should be shown on stderr.
bool ShowProgress(bool forced);
// InvalidArgument when more than one input of the command line is "-": standard input can be
// read as one input only.
Status CheckStandardInputOnce(const Parsed& parsed);

// Catches SIGINT and SIGTERM once (stop_signals.cpp); the flag is set when one arrived.
const std::atomic<bool>* InstallStopSignals();
// 128 + the signal caught (130 for SIGINT, 143 for SIGTERM), or `status` when none was.
int StopSignalStatus(int status);

}  // namespace forensics::cli

#endif  // FORENSICS_CLI_COMMANDS_H_
