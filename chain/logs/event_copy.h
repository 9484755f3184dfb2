// Events kept beyond the stream: CopyEvent (a deep copy into an arena) and CollectSink, which keeps
// a copy of every event it is handed and gives them back in ScanLogs order. Private to
// forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_EVENT_COPY_H_
#define FORENSICS_CHAIN_LOGS_EVENT_COPY_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "forensics/log_events.h"
#include "logs/arena.h"

namespace forensics::logs {

// A deep copy of an event into `arena`.
LogEvent CopyEvent(const LogEvent& e, const std::shared_ptr<logs::Arena>& arena,
                   std::vector<LogField>* field_scratch, std::vector<std::string_view>* cont_scratch);

// ScanLogs' sink: keeps a copy of every event.
class CollectSink final : public LogEventSink {
 public:
  CollectSink() : arena_(std::make_shared<logs::Arena>()) {}
  bool OnEvent(const LogEvent& event, int64_t order_time_us) override {
    events_.push_back(CopyEvent(event, arena_, &fields_, &cont_));
    keys_.push_back(order_time_us);
    return true;
  }
  // Sorted by (time, file, line).
  std::vector<LogEvent> Take();


 private:
  std::shared_ptr<logs::Arena> arena_;
  std::vector<LogEvent> events_;
  std::vector<int64_t> keys_;
  std::vector<LogField> fields_;
  std::vector<std::string_view> cont_;
};

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_EVENT_COPY_H_
