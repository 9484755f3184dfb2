// CopyEvent and CollectSink (logs/event_copy.h).
#include "logs/event_copy.h"

#include <algorithm>
#include <numeric>
#include <span>

#include "logs/classify.h"

namespace forensics::logs {

LogEvent CopyEvent(const LogEvent& e, const std::shared_ptr<Arena>& arena,
                   std::vector<LogField>* field_scratch, std::vector<std::string_view>* cont_scratch) {
  Arena& a = *arena;
  LogEvent c;
  c.time_us = e.time_us;
  c.line = e.line;
  c.offset = e.offset;
  c.block_height = e.block_height;
  c.file = a.Intern(e.file);
  c.node = a.Intern(e.node);
  c.boot = a.Intern(e.boot);
  std::string_view known = logs::KnownMessageText(e.kind);
  c.msg = known == e.msg ? known : a.Intern(e.msg);
  field_scratch->clear();
  for (const LogField& f : e.fields) {
    std::string_view value = a.Copy(f.value);
    if (f.value.data() == e.block_hash_prefix.data() && f.value.size() == e.block_hash_prefix.size()) {
      c.block_hash_prefix = value;
    }
    if (f.value.data() == e.state_root_prefix.data() && f.value.size() == e.state_root_prefix.size()) {
      c.state_root_prefix = value;
    }
    field_scratch->push_back(LogField{a.Intern(f.key), value});
  }
  // Already without "0x" and lower case (the parse threads normalise them).
  if (c.block_hash_prefix.empty()) c.block_hash_prefix = a.Copy(e.block_hash_prefix);
  if (c.state_root_prefix.empty()) c.state_root_prefix = a.Copy(e.state_root_prefix);
  c.fields = a.CopyArray(std::span<const LogField>(*field_scratch));
  cont_scratch->clear();
  for (std::string_view s : e.continuation) cont_scratch->push_back(a.Copy(s));
  c.continuation = a.CopyArray(std::span<const std::string_view>(*cont_scratch));
  c.file_index = e.file_index;
  c.level = e.level;
  c.format = e.format;
  c.kind = e.kind;
  c.time_from_yearless = e.time_from_yearless;
  c.storage = arena;
  return c;
}

std::vector<LogEvent> CollectSink::Take() {
  std::vector<uint32_t> order(events_.size());
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](uint32_t a, uint32_t b) {
    if (keys_[a] != keys_[b]) return keys_[a] < keys_[b];
    if (events_[a].file_index != events_[b].file_index) {
      return events_[a].file_index < events_[b].file_index;
    }
    return events_[a].line < events_[b].line;
  };
  if (std::is_sorted(order.begin(), order.end(), less)) return std::move(events_);
  std::stable_sort(order.begin(), order.end(), less);
  std::vector<LogEvent> sorted;
  sorted.reserve(order.size());
  for (uint32_t i : order) sorted.push_back(std::move(events_[i]));
  return sorted;
}

}  // namespace forensics::logs
