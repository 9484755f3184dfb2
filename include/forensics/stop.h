// StopCondition: when a long analysis stops early and reports what it has: a time budget spent, or a
// stop asked for from outside (the CLI sets the flag when it catches SIGINT or SIGTERM). Asking costs
// one atomic load and one clock read, so the replay asks once a block and the log scan once a batch.
#ifndef FORENSICS_STOP_H_
#define FORENSICS_STOP_H_

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

namespace forensics {

enum class StopReason { kNone, kTimeBudget, kRequested };

class StopCondition {
 public:
  StopCondition() = default;
  // budget_seconds <= 0: no budget. `requested` may be null; it must outlive every copy.
  StopCondition(double budget_seconds, const std::atomic<bool>* requested);

  StopReason Check() const;
  // "time budget of 3 s reached" / "stopped on request (signal)"; "" for kNone.
  std::string Describe(StopReason reason) const;

 private:
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  double budget_seconds_ = 0;
  const std::atomic<bool>* requested_ = nullptr;
};

}  // namespace forensics

#endif  // FORENSICS_STOP_H_
