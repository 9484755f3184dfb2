// One function per command: call the library, render, map the outcome to an exit status.
#ifndef FORENSICS_CLI_COMMANDS_H_
#define FORENSICS_CLI_COMMANDS_H_

#include "options.h"

namespace forensics::cli {

inline constexpr int kExitClean = 0, kExitFound = 1, kExitUsage = 2, kExitUnreadable = 3, kExitInconclusive = 4;

int RunStateViolation(const StateViolationCommand& c);
int RunParityDrift(const ParityDriftCommand& c);
int RunImport(const ImportCommand& c);
int RunGenerate(const GenerateCommand& c);
int RunHashBackends();

// Prints "forensics: <message>" on stderr and returns the exit status for the error.
int ReportError(const Status& s);
// True when progress should be shown on stderr.
bool ShowProgress(bool forced);

}  // namespace forensics::cli

#endif  // FORENSICS_CLI_COMMANDS_H_
