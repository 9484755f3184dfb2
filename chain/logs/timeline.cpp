// SelectTimeline (the events around a bad block, with claimed-vs-replayed roots) and the names
// of the log enums.
#include <algorithm>

#include "forensics/log_events.h"
#include "logs/window.h"

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

bool IsUncommittedRoot(std::string_view hex) {
  hex = StripHexPrefix(hex);
  return hex.size() >= 16 && hex.find_first_not_of('0') == std::string_view::npos;
}

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
  auto names_anchor = [&](const LogEvent& e) { return logs::NamesAnchor(e, anchor); };
  struct Seq {
    std::span<const LogEvent> events;
    const decltype(names_anchor)& names;
    bool unclassified;
    size_t size() const { return events.size(); }
    bool NamesAnchor(size_t i) const { return names(events[i]); }
    std::optional<uint64_t> Height(size_t i) const { return events[i].block_height; }
    bool Eligible(size_t i) const { return unclassified || events[i].kind != EventKind::kOther; }
    bool HasTime(size_t i) const { return events[i].has_time(); }
    int64_t Time(size_t i) const { return events[i].time_us; }
  };
  logs::WindowChoice w =
      logs::ChooseWindow(Seq{events, names_anchor, options.include_unclassified}, anchor.height, options);
  tl.anchor_found = w.anchor_found;
  tl.anchor_event = w.anchor;
  if (!w.anchor) return tl;
  tl.anchor_time_us = events[*w.anchor].time_us;
  const std::vector<size_t>& chosen = w.chosen;

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
      if (it != replayed_roots.end()) entry.replayed_state_root = it->second;
      if (IsUncommittedRoot(e.state_root_prefix)) {
        entry.root_check = TimelineEntry::RootCheck::kNotCommitted;
        ++tl.claims_not_committed;
      } else if (it == replayed_roots.end()) {
        entry.root_check = TimelineEntry::RootCheck::kNoReplayedRoot;
      } else {
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
    case LogFormat::kJournalVerbose: return "journal-verbose";
    case LogFormat::kJournalExport: return "journal-export";
    case LogFormat::kJournalMonotonic: return "journal-monotonic";
  }
  return "text";
}

}  // namespace forensics
