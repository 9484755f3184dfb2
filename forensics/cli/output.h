// Standard output and standard error of the commands. What is printed carries text from the inputs,
// so it is made terminal-safe here, at the one place it leaves the process; a failed write to
// standard output is remembered (never thrown) and turned into an exit status at the end.
#ifndef FORENSICS_CLI_OUTPUT_H_
#define FORENSICS_CLI_OUTPUT_H_

#include <string_view>

namespace forensics::cli {

// Call first in main: ignores SIGPIPE (a closed pipe is then an EPIPE write error) and puts
// /dev/null on a closed standard descriptor, so that no file the run opens takes its number.
void InitOutput();
// Text on standard output, through TerminalSafe.
void Print(std::string_view text);
// A JSON document on standard output, through TerminalSafeJson.
void PrintJson(std::string_view json);
// Text on standard error, through TerminalSafe.
void PrintError(std::string_view text);
// Progress lines on standard error: the tool's own "\r" and erase-line sequences pass; the caller
// makes input-derived fields safe with TerminalSafe.
void PrintProgress(std::string_view text);
// Flushes standard output. If a write to it failed, says so on standard error (not for a closed
// pipe, whose reader has stopped listening) and returns kExitUnreadable; else `status`.
int FinishOutput(int status);

}  // namespace forensics::cli

#endif  // FORENSICS_CLI_OUTPUT_H_
