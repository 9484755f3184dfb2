// SIGINT and SIGTERM during an analysis: the first asks the library to stop at the next block or log
// batch (it then writes the partial report as a spent time budget does); SA_RESETHAND restores the
// default action, so a second signal ends the process at once.
#include <csignal>

#include "commands.h"

namespace forensics::cli {
namespace {

std::atomic<bool> g_stop_requested{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void OnStopSignal(int signo) {
  g_signal = signo;
  g_stop_requested.store(true, std::memory_order_relaxed);
}

}  // namespace

const std::atomic<bool>* InstallStopSignals() {
  static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_stop_requested;
}

int StopSignalStatus(int status) { return g_signal != 0 ? 128 + static_cast<int>(g_signal) : status; }

}  // namespace forensics::cli
