// Message classification (logs/classify.h).
#include "logs/classify.h"

#include <array>
#include <cstdint>
#include <optional>

#include "logs/trim.h"

namespace forensics::logs {
namespace {

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

EventKind IncidentMarker(std::string_view s) {
  if (s.size() < 15) return EventKind::kOther;
  if (Contains(s, "StateRootMismatch") || Contains(s, "tate root mismatch")) {
    return EventKind::kStateRootMismatch;
  }
  if (Contains(s, "InflationDetected") || Contains(s, "nflation detected")) {
    return EventKind::kInflationDetected;
  }
  if (Contains(s, "PinQuorumFailed") || Contains(s, "in quorum not met")) {
    return EventKind::kPinQuorumFailed;
  }
  return EventKind::kOther;
}

bool IsParityLine(std::string_view msg) {
  return Contains(msg, "PARITY DRIFT") || Contains(msg, ": parity \xE2\x9C\x93") ||
         Contains(msg, ": legacy failed") || Contains(msg, ": refactored failed") ||
         Contains(msg, "falling back to legacy") || Contains(msg, ": legacy fallback success") ||
         Contains(msg, "PARITY REPORT");
}

// The token after `label` in `text`, up to a comma, space or the end.
std::string_view TokenAfter(std::string_view text, std::string_view label) {
  size_t k = text.find(label);
  if (k == std::string_view::npos) return {};
  std::string_view rest = text.substr(k + label.size());
  size_t end = rest.find_first_of(", )");
  return rest.substr(0, end);
}

}  // namespace

void AddIncidentDetails(ParsedLine* e) {
  // A copy of the view, not a pointer into e->fields: push_back below may move the vector.
  const std::string_view* error_field = FindField(*e, "error");
  const std::optional<std::string_view> error =
      error_field != nullptr ? std::optional<std::string_view>(*error_field) : std::nullopt;
  auto add = [&](std::string_view key, std::string_view label) {
    if (FindField(*e, key) != nullptr) return;
    std::string_view v = TokenAfter(e->msg, label);
    if (v.empty() && error) v = TokenAfter(*error, label);
    if (!v.empty()) e->fields.push_back(LogField{key, v});
  };
  size_t before = e->fields.size();
  if (e->kind == EventKind::kStateRootMismatch) {
    add("expected_root", "expected ");
    add("computed_root", "computed ");
  } else {
    add("pins_got", "not met: got ");
    add("pins_required", "required ");
  }
  if (e->fields.size() != before) NormalizeFields(&e->fields);
}


bool IsParityReportOpener(std::string_view msg) { return Contains(msg, "PARITY REPORT"); }

bool IsParityReportCloser(std::string_view text) {
  if (text.empty() || (text[0] != '=' && text[0] != ' ' && text[0] != '\t')) return false;
  text = TrimRight(TrimLeft(text));
  if (text.size() < 3) return false;
  for (char c : text) {
    if (c != '=') return false;
  }
  return true;
}

namespace {
struct Known {
  std::string_view msg;
  EventKind kind;
};
constexpr Known kKnown[] = {
      {"Applying block to state", EventKind::kBlockApplying},
      {"Block applied successfully", EventKind::kBlockApplied},
      {"New block produced", EventKind::kBlockProduced},
      {"Failed to apply transaction", EventKind::kTxFailed},
      {"Distributing block rewards", EventKind::kRewardDistributing},
      {"Block reward distributed", EventKind::kRewardDistributed},
      {"Chain reorganization triggered", EventKind::kReorgTriggered},
      {"Found common ancestor for reorg", EventKind::kReorgAncestor},
      {"Chain reorganization complete", EventKind::kReorgComplete},
      {"Rolling back state", EventKind::kRollback},
      {"State rollback complete", EventKind::kRollbackComplete},
      {"Content pinned with quorum", EventKind::kPinQuorum},
      {"Pin failed", EventKind::kPinFailed},
      {"CID audit failed", EventKind::kCidAuditFailed},
      {"Starting COINjecture daemon", EventKind::kDaemonStart},
      {"Configuration loaded", EventKind::kConfigLoaded},
};
}  // namespace

std::string_view KnownMessageText(EventKind kind) {
  for (const Known& k : kKnown) {
    if (k.kind == kind) return k.msg;
  }
  return {};
}

namespace {
// For each first byte, the entries of kKnown starting with it (bit i: kKnown[i]).
constexpr std::array<uint16_t, 256> KnownByFirstByte() {
  std::array<uint16_t, 256> t{};
  for (size_t i = 0; i < std::size(kKnown); ++i) {
    t[static_cast<unsigned char>(kKnown[i].msg[0])] |= static_cast<uint16_t>(1u << i);
  }
  return t;
}
constexpr std::array<uint16_t, 256> kKnownByFirstByte = KnownByFirstByte();
static_assert(std::size(kKnown) <= 16);
}  // namespace

// Messages of upstream's daemon that begin with one of kKnown but are messages of their own.
constexpr std::string_view kDistinct[] = {
    "New block produced, broadcasting to network",  // engine.go, after "New block produced"
};

void ClassifyEvent(ParsedLine* e) {
  std::string_view msg = TrimRight(e->msg);
  EventKind kind = EventKind::kOther;
  unsigned candidates = msg.empty() ? 0u : kKnownByFirstByte[static_cast<unsigned char>(msg[0])];
  for (; candidates != 0; candidates &= candidates - 1) {
    const Known& k = kKnown[__builtin_ctz(candidates)];  // in the order of kKnown
    // Exact, or followed by text (text-format lines carry their fields after the message).
    if (msg.size() >= k.msg.size() && msg.compare(0, k.msg.size(), k.msg) == 0 &&
        (msg.size() == k.msg.size() || msg[k.msg.size()] == ' ' || msg[k.msg.size()] == ':' ||
         msg[k.msg.size()] == '.' || msg[k.msg.size()] == ',')) {
      kind = k.kind;
      if (msg.size() > k.msg.size()) {
        for (std::string_view d : kDistinct)
          if (msg.substr(0, d.size()) == d) kind = EventKind::kOther;
      }
      break;
    }
  }
  EventKind marker = EventKind::kOther;
  if (kind == EventKind::kOther) marker = IncidentMarker(msg);
  if (marker == EventKind::kOther) {
    if (const std::string_view* err = FindField(*e, "error")) marker = IncidentMarker(*err);
  }
  if (marker != EventKind::kOther) {
    kind = marker;
  } else if (kind == EventKind::kOther && IsParityLine(msg)) {
    kind = EventKind::kParity;
  }
  e->kind = kind;
  // main.go names no height for the genesis block: it is block 0.
  if (kind == EventKind::kOther && !e->block_height && msg.size() == 25 && msg == "Genesis block initialized") {
    e->block_height = 0;
  }
}

}  // namespace forensics::logs
