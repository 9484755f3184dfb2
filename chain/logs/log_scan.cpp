// ScanLogs (every event, sorted) and ScanLogsAround (only the timeline window), both over
// StreamLogs (logs/log_stream.cpp), and LogEvent::Field.
#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "forensics/log_events.h"
#include "logs/event_copy.h"
#include "logs/window.h"

namespace forensics {

std::optional<std::string_view> LogEvent::Field(std::string_view key) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), key,
                             [](const LogField& f, std::string_view k) { return f.key < k; });
  if (it == fields.end() || it->key != key) return std::nullopt;
  return it->value;
}

Status ScanLogs(const std::vector<std::string>& files, const LogScanOptions& options,
                LogScanResult* out) {
  logs::CollectSink sink;
  FORENSICS_RETURN_IF_ERROR(StreamLogs(files, options, &sink, out));
  out->events = sink.Take();
  return Status::Ok();
}

namespace {

// ScanLogsAround by time, pass 1: one small record per event.
class IndexSink final : public LogEventSink {
 public:
  // 32 bytes. The event's own time, when it has one, is its key.
  struct Entry {
    int64_t key;
    uint64_t line;
    uint64_t height;
    uint32_t file;
    uint8_t has_height : 1;
    uint8_t has_time : 1;
    uint8_t names_anchor : 1;
    uint8_t eligible : 1;
  };
  static_assert(sizeof(Entry) == 32);
  IndexSink(const TimelineAnchor& anchor, const TimelineOptions& options)
      : anchor_(anchor), options_(options) {}
  bool OnEvent(const LogEvent& e, int64_t order_time_us) override {
    const bool names = logs::NamesAnchor(e, anchor_);
    Entry entry{order_time_us, e.line, e.block_height.value_or(0), e.file_index, 0, 0, 0, 0};
    entry.has_height = e.block_height.has_value();
    entry.has_time = e.has_time();
    entry.names_anchor = names;
    entry.eligible = options_.include_unclassified || e.kind != EventKind::kOther;
    entries_.push_back(entry);
    return true;
  }
  std::deque<Entry>& entries() { return entries_; }

 private:
  const TimelineAnchor& anchor_;
  const TimelineOptions& options_;
  std::deque<Entry> entries_;  // grows without copying what it holds
};

// Pass 2: copies the chosen lines of each file and stops after its last one.
class PickSink final : public LogEventSink {
 public:
  PickSink(std::vector<std::vector<uint64_t>> lines, bool stop_early)
      : lines_(std::move(lines)), stop_early_(stop_early) {}
  bool OnEvent(const LogEvent& e, int64_t order_time_us) override {
    const std::vector<uint64_t>& want = lines_[e.file_index];
    if (std::binary_search(want.begin(), want.end(), e.line)) collect_.OnEvent(e, order_time_us);
    return !stop_early_ || (!want.empty() && e.line < want.back());
  }
  std::vector<LogEvent> Take() { return collect_.Take(); }

 private:
  std::vector<std::vector<uint64_t>> lines_;
  bool stop_early_;
  logs::CollectSink collect_;
};

}  // namespace

namespace {

// Where an event sorts in ScanLogs order.
struct Position {
  int64_t key;
  uint32_t file;
  uint64_t line;
  bool operator<(const Position& o) const {
    if (key != o.key) return key < o.key;
    if (file != o.file) return file < o.file;
    return line < o.line;
  }
  bool operator==(const Position& o) const = default;
};


// The positions of a count window (logs/window.h, step 2): the anchor, the eligible events just
// before it and just after it, each side in a heap of the window's size. The anchor may move to an
// earlier position while events stream in (pass 1 does not know the final anchor yet); the window
// then stays exact unless an event it dropped could belong to the new one, which sets dirty().
class Window {
 public:
  explicit Window(const TimelineOptions& options)
      : before_max_(options.events_before), after_max_(options.events_after) {}

  void SetAnchor(const Position& p, bool eligible) {
    if (anchor_ && anchor_eligible_) OfferAfter(*anchor_);
    anchor_ = p;
    anchor_eligible_ = eligible;
    size_t kept = 0;
    for (const Position& q : before_) {
      if (p < q) {
        OfferAfter(q);
      } else {
        before_[kept++] = q;
      }
    }
    if (kept != before_.size()) {
      before_.resize(kept);
      std::make_heap(before_.begin(), before_.end(), Greater);
    }
    // A dropped event after p may be one of the first after it; one before p is needed only when
    // fewer than events_before are left (all kept ones are later than every dropped one).
    if (dropped_ && (p < max_dropped_ || before_.size() < before_max_)) dirty_ = true;
  }
  // An eligible event other than the anchor.
  void Offer(const Position& p) {
    if (anchor_ && *anchor_ == p) return;
    if (!anchor_ || p < *anchor_) {
      OfferBefore(p);
    } else {
      OfferAfter(p);
    }
  }
  bool dirty() const { return dirty_; }
  // The chosen lines of each file, sorted.
  std::vector<std::vector<uint64_t>> Lines(size_t files) const {
    std::vector<std::vector<uint64_t>> lines(files);
    if (anchor_) lines[anchor_->file].push_back(anchor_->line);
    for (const Position& p : before_) lines[p.file].push_back(p.line);
    for (const Position& p : after_) lines[p.file].push_back(p.line);
    for (auto& l : lines) std::sort(l.begin(), l.end());
    return lines;
  }

 private:
  static bool Greater(const Position& a, const Position& b) { return b < a; }
  void Drop(const Position& p) {
    if (!dropped_ || max_dropped_ < p) max_dropped_ = p;
    dropped_ = true;
  }
  // Keeps the events_before latest: a min-heap.
  void OfferBefore(const Position& p) {
    if (before_.size() < before_max_) {
      before_.push_back(p);
      std::push_heap(before_.begin(), before_.end(), Greater);
    } else if (!before_.empty() && before_.front() < p) {
      std::pop_heap(before_.begin(), before_.end(), Greater);
      Drop(before_.back());
      before_.back() = p;
      std::push_heap(before_.begin(), before_.end(), Greater);
    } else {
      Drop(p);
    }
  }
  // Keeps the events_after earliest: a max-heap. What it drops is never needed again: anchors
  // only move earlier, and the heap stays full once full.
  void OfferAfter(const Position& p) {
    if (after_.size() < after_max_) {
      after_.push_back(p);
      std::push_heap(after_.begin(), after_.end());
    } else if (!after_.empty() && p < after_.front()) {
      std::pop_heap(after_.begin(), after_.end());
      after_.back() = p;
      std::push_heap(after_.begin(), after_.end());
    }
  }

  size_t before_max_, after_max_;
  std::optional<Position> anchor_;
  bool anchor_eligible_ = false;
  std::vector<Position> before_, after_;
  bool dropped_ = false;
  Position max_dropped_{};
  bool dirty_ = false;
};

// Count windows, pass 1: the anchor event's position (logs/window.h, step 1) in O(1) memory, and
// the window around the first event naming the block, exact unless Window::dirty().
class AnchorSink final : public LogEventSink {
 public:
  AnchorSink(const TimelineAnchor& anchor, const TimelineOptions& options)
      : anchor_(anchor), options_(options), window_(options) {}
  bool OnEvent(const LogEvent& e, int64_t order_time_us) override {
    Position p{order_time_us, e.file_index, e.line};
    const bool eligible = options_.include_unclassified || e.kind != EventKind::kOther;
    if (logs::NamesAnchor(e, anchor_) && (!named_ || p < *named_)) {
      named_ = p;
      window_.SetAnchor(p, eligible);
    } else if (eligible) {
      window_.Offer(p);
    }
    if (anchor_.height && e.block_height) {
      if (*e.block_height > *anchor_.height) Min(&above_, p);
      if (!highest_ || *highest_ < p) highest_ = p;
    }
    return true;
  }
  std::optional<Position> anchor() const {
    if (named_) return named_;
    if (!anchor_.height) return std::nullopt;
    return above_ ? above_ : highest_;  // the first event above, else the last with a height
  }
  // The window, when pass 1 got it exactly.
  const Window* window() const { return named_ && !window_.dirty() ? &window_ : nullptr; }

 private:
  static void Min(std::optional<Position>* m, const Position& p) {
    if (!*m || p < **m) *m = p;
  }
  const TimelineAnchor& anchor_;
  const TimelineOptions& options_;
  Window window_;
  std::optional<Position> named_, above_, highest_;
};

// Count windows, pass 2 when pass 1 could not settle the window: the anchor is known.
class WindowSink final : public LogEventSink {
 public:
  WindowSink(Position anchor, const TimelineOptions& options) : options_(options), window_(options) {
    window_.SetAnchor(anchor, true);
  }
  bool OnEvent(const LogEvent& e, int64_t order_time_us) override {
    if (options_.include_unclassified || e.kind != EventKind::kOther) {
      window_.Offer(Position{order_time_us, e.file_index, e.line});
    }
    return true;
  }
  const Window& window() const { return window_; }

 private:
  const TimelineOptions& options_;
  Window window_;
};

}  // namespace

Status ScanLogsAround(const std::vector<std::string>& files, const LogScanOptions& options,
                      const TimelineAnchor& anchor, const TimelineOptions& timeline,
                      LogScanResult* out) {
  // Passes after the first count nothing again: their issues and problems are the first's.
  LogScanOptions quiet = options;
  quiet.max_issues = 0;
  LogScanResult ignored;
  std::vector<std::vector<uint64_t>> lines;
  const bool maybe_by_time = timeline.seconds_before.has_value() || timeline.seconds_after.has_value();
  if (!maybe_by_time) {
    // By count: memory bounded by the window whatever the size of the logs. Pass 1 finds the
    // anchor and, unless events out of time order got in the way, the window too.
    AnchorSink find(anchor, timeline);
    FORENSICS_RETURN_IF_ERROR(StreamLogs(files, options, &find, out));
    if (out->stopped) return Status::Ok();
    std::optional<Position> a = find.anchor();
    if (!a) return Status::Ok();
    if (const Window* w = find.window()) {
      lines = w->Lines(files.size());
    } else {
      WindowSink window(*a, timeline);
      FORENSICS_RETURN_IF_ERROR(StreamLogs(files, quiet, &window, &ignored));
      if (ignored.stopped) {
        out->stopped = ignored.stopped;
        return Status::Ok();
      }
      lines = window.window().Lines(files.size());
    }
  } else {
    // By time: a 32-byte record per event, sorted, then the window of logs/window.h.
    IndexSink index(anchor, timeline);
    FORENSICS_RETURN_IF_ERROR(StreamLogs(files, options, &index, out));
    if (out->stopped) return Status::Ok();
    std::deque<IndexSink::Entry>& entries = index.entries();
    auto less = [](const IndexSink::Entry& a, const IndexSink::Entry& b) {
      return Position{a.key, a.file, a.line} < Position{b.key, b.file, b.line};
    };
    if (!std::is_sorted(entries.begin(), entries.end(), less)) {
      std::stable_sort(entries.begin(), entries.end(), less);
    }
    struct Seq {
      const std::deque<IndexSink::Entry>& e;
      size_t size() const { return e.size(); }
      bool NamesAnchor(size_t i) const { return e[i].names_anchor; }
      std::optional<uint64_t> Height(size_t i) const {
        return e[i].has_height ? std::optional<uint64_t>(e[i].height) : std::nullopt;
      }
      bool Eligible(size_t i) const { return e[i].eligible; }
      bool HasTime(size_t i) const { return e[i].has_time; }
      int64_t Time(size_t i) const { return e[i].key; }
    };
    logs::WindowChoice w = logs::ChooseWindow(Seq{entries}, anchor.height, timeline);
    if (w.chosen.empty()) return Status::Ok();
    lines.resize(files.size());
    for (size_t i : w.chosen) lines[entries[i].file].push_back(entries[i].line);
    for (auto& l : lines) std::sort(l.begin(), l.end());
  }

  // Last pass: copy the chosen events. Held journald events (no year given) take their year from
  // every timestamp read, so then every file is read to its end; otherwise each file stops after
  // its last chosen line.
  bool held = !options.year && std::any_of(out->files.begin(), out->files.end(), [](const LogFileStats& f) {
    return f.lines_by_format.count(LogFormat::kJournalShort) > 0;
  });
  PickSink pick(std::move(lines), /*stop_early=*/!held);
  FORENSICS_RETURN_IF_ERROR(StreamLogs(files, quiet, &pick, &ignored));
  out->stopped = ignored.stopped;
  out->events = pick.Take();
  return Status::Ok();
}

}  // namespace forensics

