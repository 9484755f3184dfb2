// The window SelectTimeline picks around an anchor block, over any sequence in ScanLogs order:
// shared by SelectTimeline (full events) and ScanLogsAround (compact records). Private to
// forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_WINDOW_H_
#define FORENSICS_CHAIN_LOGS_WINDOW_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "forensics/log_events.h"

namespace forensics::logs {

// An event names the anchor block: its height, or its block hash on the common prefix.
inline bool NamesAnchor(const LogEvent& e, const TimelineAnchor& anchor) {
  return (anchor.height && e.block_height && *e.block_height == *anchor.height) ||
         (!anchor.hash_prefix.empty() && HexPrefixMatches(e.block_hash_prefix, anchor.hash_prefix));
}

struct WindowChoice {
  std::optional<size_t> anchor;
  bool anchor_found = false;  // the anchor event names the anchor block
  std::vector<size_t> chosen;  // ascending, the anchor included
};

// Seq: size(), NamesAnchor(i), Height(i) -> std::optional<uint64_t>, Eligible(i) (kind is
// not kOther, or unclassified events are listed), HasTime(i), Time(i).
template <typename Seq>
WindowChoice ChooseWindow(const Seq& seq, std::optional<uint64_t> anchor_height,
                          const TimelineOptions& options) {
  WindowChoice w;
  const size_t n = seq.size();
  // 1. The anchor event: the first naming the block; else, with a height, the first event at a
  //    greater height, else the last at a lower one.
  for (size_t i = 0; i < n; ++i) {
    if (seq.NamesAnchor(i)) {
      w.anchor = i;
      w.anchor_found = true;
      break;
    }
  }
  if (!w.anchor && anchor_height) {
    std::optional<size_t> last_below;
    for (size_t i = 0; i < n; ++i) {
      std::optional<uint64_t> h = seq.Height(i);
      if (!h) continue;
      if (*h > *anchor_height) {
        w.anchor = i;
        break;
      }
      last_below = i;
    }
    if (!w.anchor) w.anchor = last_below;
  }
  if (!w.anchor) return w;
  const size_t a = *w.anchor;

  // 2. The window: eligible events, by time or by count.
  auto eligible = [&](size_t i) { return i == a || seq.Eligible(i); };
  bool by_time = (options.seconds_before || options.seconds_after) && seq.HasTime(a);
  if (by_time) {
    int64_t lo = seq.Time(a) - options.seconds_before.value_or(0) * 1000000;
    int64_t hi = seq.Time(a) + options.seconds_after.value_or(0) * 1000000;
    bool previous_in = false;
    for (size_t i = 0; i < n; ++i) {
      if (!eligible(i)) continue;
      bool in = seq.HasTime(i) ? (seq.Time(i) >= lo && seq.Time(i) <= hi) : previous_in;
      if (i == a) in = true;
      if (in) w.chosen.push_back(i);
      previous_in = in;
    }
  } else {
    std::vector<size_t> before;
    for (size_t i = a; i-- > 0 && before.size() < options.events_before;) {
      if (eligible(i)) before.push_back(i);
    }
    w.chosen.assign(before.rbegin(), before.rend());
    w.chosen.push_back(a);
    size_t after = 0;
    for (size_t i = a + 1; i < n && after < options.events_after; ++i) {
      if (!eligible(i)) continue;
      w.chosen.push_back(i);
      ++after;
    }
  }
  return w;
}

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_WINDOW_H_
