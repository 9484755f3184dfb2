// StopCondition (stop.h).
#include "forensics/stop.h"

#include <fmt/format.h>

namespace forensics {

StopCondition::StopCondition(double budget_seconds, const std::atomic<bool>* requested)
    : budget_seconds_(budget_seconds), requested_(requested) {
  if (budget_seconds > 0)
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(budget_seconds));
}

StopReason StopCondition::Check() const {
  if (requested_ != nullptr && requested_->load(std::memory_order_relaxed)) return StopReason::kRequested;
  if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) return StopReason::kTimeBudget;
  return StopReason::kNone;
}

std::string StopCondition::Describe(StopReason reason) const {
  switch (reason) {
    case StopReason::kTimeBudget: return fmt::format("time budget of {} s reached", budget_seconds_);
    case StopReason::kRequested: return "stopped on request (interrupted)";
    case StopReason::kNone: break;
  }
  return {};
}

}  // namespace forensics
