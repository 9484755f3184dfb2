// Running the forensics CLI from the tests: one process, its exit status, stdout and stderr, and on
// request its own peak resident set.
//
// The peak is the CLI's VmHWM (/proc/PID/status), read while it exits: the CLI runs traced
// (PTRACE_O_TRACEEXIT), so it stops once more after exit() with its memory still mapped. Neither
// wait4's ru_maxrss nor RUSAGE_CHILDREN can give it: a forked child starts with the RSS of the
// test binary it was copied from and the kernel carries that peak across execve, so the figure
// measures whatever the tests before it left in this process.
#ifndef FORENSICS_TESTS_CLI_RUN_H_
#define FORENSICS_TESTS_CLI_RUN_H_

#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "io_fixtures.h"

namespace forensics::testing {

struct CliRun {
  int status = -1;  // exit status, or -1 when the process died from a signal
  std::string out, err;
  long peak_rss_kb = -1;  // VmHWM at exit, when asked for and readable
};

// The "VmHWM:" figure of /proc/PID/status in kB, or -1.
inline long PeakRssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The CLI the tests run: FORENSICS_BINARY, or $FORENSICS_TEST_CLI to run the same cases against
// another build.
inline std::string CliBinary() {
  const char* other = std::getenv("FORENSICS_TEST_CLI");
  return other != nullptr ? other : FORENSICS_BINARY;
}

// Runs `script` with `shell` (/bin/sh, or /bin/bash for <(…)), its stdout and stderr captured. With
// `measure_peak`, peak_rss_kb is the peak of the process the script execs last; with
// `address_space_mb`, it may map no more (RLIMIT_AS), so that memory it reserves without touching
// fails as it would on a smaller machine.
inline CliRun RunScript(const std::string& shell, const std::string& script, bool measure_peak = false,
                        long address_space_mb = 0) {
  TempDir dir;
  const std::string cmd = "{ " + script + "\n} > '" + dir.File("out") + "' 2> '" + dir.File("err") + "'";
  std::fflush(nullptr);
  CliRun r;
  const pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    if (measure_peak) ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    if (address_space_mb > 0) {
      const rlim_t bytes = static_cast<rlim_t>(address_space_mb) << 20;
      const rlimit limit{bytes, bytes};
      if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(126);
    }
    execl(shell.c_str(), shell.c_str(), "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int rc = 0;
  for (;;) {
    if (waitpid(pid, &rc, 0) != pid) return r;
    if (!WIFSTOPPED(rc)) break;
    // Traced: the stop after the first execve (a plain SIGTRAP, before the options are set), the
    // exec and exit events, and signals on their way to the process, which go on to it.
    int deliver = WSTOPSIG(rc);
    if (deliver == SIGTRAP) {
      const int event = rc >> 16;
      if (event == 0)
        ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
      if (event == PTRACE_EVENT_EXIT) r.peak_rss_kb = PeakRssKb(pid);
      deliver = 0;
    }
    ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(deliver)));
  }
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = ReadWholeFile(dir.File("out"));
  r.err = ReadWholeFile(dir.File("err"));
  return r;
}

// Runs the CLI with `args` (shell words) through /bin/sh, which execs it; the options as RunScript's.
inline CliRun RunCli(const std::string& args, bool measure_peak = false, long address_space_mb = 0) {
  return RunScript("/bin/sh", "exec '" + CliBinary() + "' " + args, measure_peak, address_space_mb);
}

// The same, from directory `dir` (for relative paths in the arguments).
inline CliRun RunCliIn(const std::string& dir, const std::string& args) {
  return RunScript("/bin/sh", "cd '" + dir + "' && exec '" + CliBinary() + "' " + args);
}

}  // namespace forensics::testing

#endif  // FORENSICS_TESTS_CLI_RUN_H_
