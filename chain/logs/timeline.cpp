// SelectTimeline (the events around a bad block, with claimed-vs-replayed roots) and the names
// of the log enums.
#include <algorithm>

#include "forensics/log_events.h"

namespace forensics {
namespace {

bool IsReorg(EventKind k) {
  return k == EventKind::kReorgTriggered || k == EventKind::kReorgAncestor ||
         k == EventKind::kReorgComplete;
}
bool IsRollback(EventKind k) {
  return k == EventKind::kRollback || k == EventKind::kRollbackComplete;
}
bool IsIncident(EventKind k) {
  return k == EventKind::kStateRootMismatch || k == EventKind::kInflationDetected ||
         k == EventKind::kPinQuorumFailed;
}

std::string_view StripHexPrefix(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool HexPrefixMatches(std::string_view a, std::string_view b) {
  a = StripHexPrefix(a);
  b = StripHexPrefix(b);
  if (a.empty() || b.empty()) return false;
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

Timeline SelectTimeline(std::span<const LogEvent> events, const TimelineAnchor& anchor,
                        const std::map<uint64_t, std::string>& replayed_roots,
                        const TimelineOptions& options) {
  Timeline tl;
  auto names_anchor = [&](const LogEvent& e) {
    if (anchor.height && e.block_height && *e.block_height == *anchor.height) return true;
    return !anchor.hash_prefix.empty() && HexPrefixMatches(e.block_hash_prefix, anchor.hash_prefix);
  };

  // 1. The anchor event.
  for (size_t i = 0; i < events.size(); ++i) {
    if (names_anchor(events[i])) {
      tl.anchor_event = i;
      tl.anchor_found = true;
      break;
    }
  }
  if (!tl.anchor_event && anchor.height) {
    std::optional<size_t> last_below;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& h = events[i].block_height;
      if (!h) continue;
      if (*h > *anchor.height) {
        tl.anchor_event = i;
        break;
      }
      last_below = i;
    }
    if (!tl.anchor_event) tl.anchor_event = last_below;
  }
  if (!tl.anchor_event) return tl;
  const size_t a = *tl.anchor_event;
  tl.anchor_time_us = events[a].time_us;

  // 2. The window: eligible events, by count or by time.
  auto eligible = [&](size_t i) {
    return i == a || options.include_unclassified || events[i].kind != EventKind::kOther;
  };
  std::vector<size_t> chosen;
  bool by_time = (options.seconds_before || options.seconds_after) && events[a].has_time();
  if (by_time) {
    int64_t lo = tl.anchor_time_us - options.seconds_before.value_or(0) * 1000000;
    int64_t hi = tl.anchor_time_us + options.seconds_after.value_or(0) * 1000000;
    bool previous_in = false;
    for (size_t i = 0; i < events.size(); ++i) {
      if (!eligible(i)) continue;
      bool in = events[i].has_time() ? (events[i].time_us >= lo && events[i].time_us <= hi)
                                     : previous_in;
      if (i == a) in = true;
      if (in) chosen.push_back(i);
      previous_in = in;
    }
  } else {
    std::vector<size_t> before;
    for (size_t i = a; i-- > 0 && before.size() < options.events_before;) {
      if (eligible(i)) before.push_back(i);
    }
    chosen.assign(before.rbegin(), before.rend());
    chosen.push_back(a);
    size_t after = 0;
    for (size_t i = a + 1; i < events.size() && after < options.events_after; ++i) {
      if (!eligible(i)) continue;
      chosen.push_back(i);
      ++after;
    }
  }

  // 3. Flags and root checks.
  for (size_t i : chosen) {
    const LogEvent& e = events[i];
    TimelineEntry entry;
    entry.event_index = i;
    entry.is_anchor = names_anchor(e);
    entry.is_reorg = IsReorg(e.kind);
    entry.is_rollback = IsRollback(e.kind);
    entry.is_incident = IsIncident(e.kind);
    if ((e.kind == EventKind::kBlockApplied || e.kind == EventKind::kBlockProduced) &&
        !e.state_root_prefix.empty()) {
      entry.claims_state_root = true;
      entry.claimed_state_root = e.state_root_prefix;
      auto it = e.block_height ? replayed_roots.find(*e.block_height) : replayed_roots.end();
      if (it == replayed_roots.end()) {
        entry.root_check = TimelineEntry::RootCheck::kNoReplayedRoot;
      } else {
        entry.replayed_state_root = it->second;
        if (HexPrefixMatches(e.state_root_prefix, it->second)) {
          entry.root_check = TimelineEntry::RootCheck::kMatch;
          ++tl.claims_matching;
        } else {
          entry.root_check = TimelineEntry::RootCheck::kMismatch;
          ++tl.claims_mismatching;
        }
      }
    }
    tl.entries.push_back(std::move(entry));
  }
  return tl;
}

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kOther: return "other";
    case EventKind::kBlockApplying: return "block-applying";
    case EventKind::kBlockApplied: return "block-applied";
    case EventKind::kBlockProduced: return "block-produced";
    case EventKind::kTxFailed: return "tx-failed";
    case EventKind::kRewardDistributing: return "reward-distributing";
    case EventKind::kRewardDistributed: return "reward-distributed";
    case EventKind::kReorgTriggered: return "reorg-triggered";
    case EventKind::kReorgAncestor: return "reorg-ancestor";
    case EventKind::kReorgComplete: return "reorg-complete";
    case EventKind::kRollback: return "rollback";
    case EventKind::kRollbackComplete: return "rollback-complete";
    case EventKind::kPinQuorum: return "pin-quorum";
    case EventKind::kPinFailed: return "pin-failed";
    case EventKind::kCidAuditFailed: return "cid-audit-failed";
    case EventKind::kDaemonStart: return "daemon-start";
    case EventKind::kConfigLoaded: return "config-loaded";
    case EventKind::kStateRootMismatch: return "state-root-mismatch";
    case EventKind::kInflationDetected: return "inflation-detected";
    case EventKind::kPinQuorumFailed: return "pin-quorum-failed";
    case EventKind::kParity: return "parity";
  }
  return "other";
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kUnknown: return "unknown";
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
    case LogLevel::kFatal: return "fatal";
    case LogLevel::kPanic: return "panic";
  }
  return "unknown";
}

std::string_view LogFormatName(LogFormat format) {
  switch (format) {
    case LogFormat::kText: return "text";
    case LogFormat::kLogrusJson: return "logrus-json";
    case LogFormat::kLogrusText: return "logrus-text";
    case LogFormat::kJournalJson: return "journal-json";
    case LogFormat::kJournalShort: return "journal-short";
    case LogFormat::kPythonText: return "python";
    case LogFormat::kPrefixedJson: return "prefixed-json";
  }
  return "text";
}

}  // namespace forensics
