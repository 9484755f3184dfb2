// Checked, terminal-safe standard output and error.
#include "output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"
#include "forensics/terminal_text.h"

namespace forensics::cli {
namespace {

int stdout_error = 0;  // errno of the first failed write to standard output

void Write(std::FILE* f, std::string_view s) {
  if (f == stdout && stdout_error != 0) return;
  if (std::fwrite(s.data(), 1, s.size(), f) != s.size() && f == stdout) stdout_error = errno ? errno : EIO;
}

void FlushStdout() {
  if (stdout_error == 0 && std::fflush(stdout) != 0) stdout_error = errno ? errno : EIO;
}

}  // namespace

void InitOutput() {
  std::signal(SIGPIPE, SIG_IGN);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int null = ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
    if (null >= 0 && null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
    if (fd == STDOUT_FILENO) stdout_error = EBADF;
  }
}

void Print(std::string_view text) { Write(stdout, TerminalSafe(text)); }
void PrintJson(std::string_view json) { Write(stdout, TerminalSafeJson(json)); }
void PrintError(std::string_view text) {
  FlushStdout();  // keep the order of the two streams when they share a terminal
  Write(stderr, TerminalSafe(text));
}
void PrintProgress(std::string_view text) {
  Write(stderr, text);
  std::fflush(stderr);
}

int FinishOutput(int status) {
  FlushStdout();
  if (stdout_error == 0) return status;
  if (stdout_error != EPIPE)
    Write(stderr, std::string("forensics: cannot write to standard output: ") + std::strerror(stdout_error) + "\n");
  return kExitUnreadable;
}

}  // namespace forensics::cli
