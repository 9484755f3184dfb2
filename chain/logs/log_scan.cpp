// ScanLogs: reads every file line by line (decompression on a background thread, parsing on
// the calling thread), groups continuation lines, resolves journald years, applies the time
// window and sorts the events deterministically.
//
// Outline:
//  1. Per file, per line: an indented line continues the previous record; otherwise the line is
//     parsed (logs/line_parser.h). A text line without a recognised prefix also continues the
//     previous record when that record had a Python prefix or opened a PARITY REPORT block.
//  2. Events with a full timestamp are filtered against since/until at once. Events whose time
//     is yearless (journald short), or unknown and inherited from a yearless one, wait for 3.
//  3. Journald years: LogScanOptions::year, else per event the year nearest the span of all
//     full timestamps read (so a log crossing New Year gets both years), else 1970 + warning.
//  4. The waiting events are filtered; all are sorted by (time, file index, line), an event with
//     unknown time taking the time of the event before it in its file.
#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "forensics/log_events.h"
#include "logs/arena.h"
#include "logs/line_parser.h"
#include "logs/log_time.h"

namespace forensics {
namespace {

constexpr int64_t kUnknown = LogEvent::kUnknownTime;
constexpr size_t kExcerptBytes = 160;

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool StartsWithAny(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view p : prefixes) {
    if (s.substr(0, p.size()) == p) return true;
  }
  return false;
}

// Per-event bookkeeping while scanning, parallel to LogScanResult::events.
struct Side {
  int64_t key = kUnknown;  // sort time
  uint32_t file = 0;
  int32_t slot = -1;       // yearless slot whose time this event has (yearless) or inherits
  bool yearless = false;   // the event's own time is the slot's
  bool late = false;       // window check waits for the year
  bool drop = false;
};

std::string_view CopyHex(logs::Arena* arena, std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty()) return {};
  char* p = static_cast<char*>(arena->Allocate(s.size(), 1));
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    p[i] = c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {p, s.size()};
}

class Scanner {
 public:
  Scanner(const LogScanOptions& options, LogScanResult* out)
      : options_(options), out_(out), arena_(std::make_shared<logs::Arena>()) {}

  Status ScanFile(uint32_t file_index, const std::string& path);
  void Finish();

 private:
  bool InWindow(int64_t t) const {
    return (!options_.since_us || t >= *options_.since_us) &&
           (!options_.until_us || t <= *options_.until_us);
  }
  // For a logrus JSON line: reads only its "time" and returns true (setting *time_us) when that
  // time is outside the window, so the line need not be parsed.
  bool OutsideWindowFast(std::string_view text, int64_t* time_us) const {
    if (text.size() < 20 || text[0] != '{') return false;
    size_t k = text.rfind("\"time\":\"");
    if (k == std::string_view::npos) return false;
    std::string_view rest = text.substr(k + 8);
    int64_t t;
    size_t used;
    if (!logs::ParseIsoPrefix(rest, &t, &used) || used >= rest.size() || rest[used] != '"') {
      return false;
    }
    if (InWindow(t)) return false;
    *time_us = t;
    return true;
  }
  void AddProblem(const std::string& path, const Line& line, std::string what) {
    ++out_->problem_count;
    if (out_->problems.size() >= options_.max_issues) return;
    std::string_view excerpt = line.text.substr(0, kExcerptBytes);
    out_->problems.push_back(
        LogParseProblem{path, line.number, line.offset, std::move(what), std::string(excerpt)});
  }

  // Copies a parsed line into the arena as an event.
  void Commit(const logs::ParsedLine& parsed, uint32_t file_index, std::string_view file,
              std::string_view default_node, const Line& line, LogEvent* event);

  // Keys repeat on every line: a small direct-mapped cache in front of Arena::Intern.
  std::string_view InternKey(std::string_view key) {
    if (key.empty()) return {};
    size_t slot = (key.size() * 31 + static_cast<unsigned char>(key[0]) * 7 +
                   static_cast<unsigned char>(key[key.size() - 1])) &
                  (key_cache_.size() - 1);
    if (key_cache_[slot] != key) key_cache_[slot] = arena_->Intern(key);
    return key_cache_[slot];
  }

  const LogScanOptions& options_;
  LogScanResult* out_;
  std::array<std::string_view, 256> key_cache_{};
  std::shared_ptr<logs::Arena> arena_;
  std::vector<LogField> field_scratch_;
  std::vector<std::string_view> continuation_;
  logs::LineParser parser_;
  // Events are collected in fixed chunks (never reallocated) and moved once, in order, into
  // LogScanResult::events at the end.
  static constexpr size_t kChunkShift = 15;
  static constexpr size_t kChunkEvents = size_t{1} << kChunkShift;
  struct Chunk {
    std::vector<LogEvent> events;
    std::vector<Side> side;
  };
  LogEvent& Ev(size_t i) { return chunks_[i >> kChunkShift].events[i & (kChunkEvents - 1)]; }
  Side& Sd(size_t i) { return chunks_[i >> kChunkShift].side[i & (kChunkEvents - 1)]; }
  void NewChunk() {
    Chunk& c = chunks_.emplace_back();
    c.events.reserve(kChunkEvents);
    logs::AdviseHugePages(c.events.data(), kChunkEvents * sizeof(LogEvent));
    c.side.reserve(kChunkEvents);
  }
  std::vector<Chunk> chunks_;
  size_t count_ = 0;
  std::vector<logs::YearlessTime> slots_;
  int64_t min_full_ = std::numeric_limits<int64_t>::max();
  int64_t max_full_ = std::numeric_limits<int64_t>::min();
};

void Scanner::Commit(const logs::ParsedLine& parsed, uint32_t file_index, std::string_view file,
                     std::string_view default_node, const Line& line, LogEvent* e) {
  logs::Arena& arena = *arena_;
  e->time_us = parsed.time_us;
  e->line = line.number;
  e->offset = line.offset;
  e->block_height = parsed.block_height;
  e->file = file;
  e->node = parsed.node.empty() ? default_node : arena.Intern(parsed.node);
  std::string_view known = logs::KnownMessageText(parsed.kind);
  e->msg = known == parsed.msg ? known : arena.Intern(parsed.msg);
  // The hash and root are field values too: share the copy when it is already normalised.
  auto normalised = [](std::string_view v) {
    if (v.size() >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) return false;
    return std::none_of(v.begin(), v.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  };
  bool hash_shared = false, root_shared = false;
  field_scratch_.clear();
  for (const LogField& f : parsed.fields) {
    std::string_view value = arena.Copy(f.value);
    if (!hash_shared && f.value.data() == parsed.block_hash.data() && normalised(f.value)) {
      e->block_hash_prefix = value;
      hash_shared = true;
    }
    if (!root_shared && f.value.data() == parsed.state_root.data() && normalised(f.value)) {
      e->state_root_prefix = value;
      root_shared = true;
    }
    field_scratch_.push_back(LogField{InternKey(f.key), value});
  }
  if (!hash_shared) e->block_hash_prefix = CopyHex(&arena, parsed.block_hash);
  if (!root_shared) e->state_root_prefix = CopyHex(&arena, parsed.state_root);
  e->fields = arena.CopyArray(std::span<const LogField>(field_scratch_));
  e->file_index = file_index;
  e->level = parsed.level;
  e->format = parsed.format;
  e->kind = parsed.kind;
  e->storage = arena_;
}

Status Scanner::ScanFile(uint32_t file_index, const std::string& path) {
  LineReaderOptions reader_options = options_.reader;
  reader_options.decode_in_background = true;
  auto opened = LineReader::Open(path, reader_options);
  if (!opened.has_value()) return opened.error();
  LineReader& reader = **opened;

  LogFileStats stats;
  stats.file = path;
  stats.node = BaseName(path);
  std::string_view file_view = arena_->Copy(path);
  std::string_view node_view = arena_->Copy(stats.node);

  // The record continuation lines attach to, if any, and whether it was kept.
  bool have_last = false;
  size_t last_index = 0;
  bool last_kept = false;
  bool last_python_prefixed = false;
  bool in_parity_report = false;
  int64_t last_time = kUnknown;  // the last known time in this file (full timestamp)
  int32_t last_slot = -1;        // >= 0 when the last timed record was yearless

  auto add_continuation = [&](std::string_view text) {
    ++stats.continuation_lines;
    if (last_kept) continuation_.push_back(arena_->Copy(text));
  };
  auto flush_continuation = [&] {
    if (continuation_.empty()) return;
    Ev(last_index).continuation =
        arena_->CopyArray(std::span<const std::string_view>(continuation_));
    continuation_.clear();
  };

  Line line;
  std::string error;
  logs::ParsedLine parsed;
  const bool windowed = options_.since_us.has_value() || options_.until_us.has_value();
  while (reader.Next(&line)) {
    ++stats.lines;
    stats.decoded_bytes = line.offset + line.text.size();
    std::string_view text = line.text;
    if (have_last && !text.empty() && (text[0] == ' ' || text[0] == '\t')) {
      std::string_view rest = text;
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      if (!rest.empty() && rest.front() != '{') {
        add_continuation(text);
        continue;
      }
    }
    if (windowed && OutsideWindowFast(text, &last_time)) {
      // Skipped unparsed: only its time was read (so it is not checked for bad JSON).
      flush_continuation();
      ++stats.outside_window;
      ++stats.lines_by_format[LogFormat::kLogrusJson];
      min_full_ = std::min(min_full_, last_time);
      max_full_ = std::max(max_full_, last_time);
      last_slot = -1;
      have_last = true;
      last_kept = false;
      last_python_prefixed = false;
      in_parity_report = false;
      continue;
    }
    error.clear();
    logs::LineOutcome outcome = parser_.Parse(text, &parsed, &error);
    switch (outcome) {
      case logs::LineOutcome::kBlank:
        ++stats.blank_lines;
        continue;
      case logs::LineOutcome::kJournalMarker:
        ++stats.journal_markers;
        flush_continuation();
        have_last = false;
        in_parity_report = false;
        continue;
      case logs::LineOutcome::kBad:
        ++stats.bad_lines;
        AddProblem(path, line, error);
        flush_continuation();
        have_last = false;
        in_parity_report = false;
        continue;
      case logs::LineOutcome::kEvent:
        break;
    }
    if (have_last) {
      bool unprefixed = parsed.format == LogFormat::kText && !parsed.has_time();
      bool closer = logs::IsParityReportCloser(parsed.msg);
      if (in_parity_report &&
          (unprefixed || (parsed.kind == EventKind::kOther &&
                          (closer || StartsWithAny(parsed.msg, {"Codec Mode:", "Rust Available:",
                                                                "Parity Matches:", "Parity Drifts:",
                                                                "Drift Rate:",
                                                                "Total Comparisons:"}))))) {
        add_continuation(unprefixed ? text : parsed.msg);
        if (closer) in_parity_report = false;
        continue;
      }
      if (unprefixed && last_python_prefixed && parsed.kind == EventKind::kOther) {
        add_continuation(text);
        continue;
      }
    }
    flush_continuation();
    ++stats.lines_by_format[parsed.format];

    Side side;
    side.file = file_index;
    if (parsed.yearless) {
      side.slot = static_cast<int32_t>(slots_.size());
      side.yearless = true;
      side.late = true;
      slots_.push_back(parsed.yearless_time);
      last_slot = side.slot;
      last_time = kUnknown;
    } else if (parsed.has_time()) {
      min_full_ = std::min(min_full_, parsed.time_us);
      max_full_ = std::max(max_full_, parsed.time_us);
      side.key = parsed.time_us;
      last_time = parsed.time_us;
      last_slot = -1;
    } else if (last_slot >= 0) {
      side.slot = last_slot;
      side.late = true;
    } else {
      side.key = last_time;
    }

    have_last = true;
    last_python_prefixed = parsed.format == LogFormat::kPythonText ||
                           (parsed.format == LogFormat::kJournalShort &&
                            parsed.Field("logger").has_value());
    in_parity_report = parsed.kind == EventKind::kParity && logs::IsParityReportOpener(parsed.msg);

    bool keep = true;
    if (!side.late && side.key != kUnknown && !InWindow(side.key)) {
      ++stats.outside_window;
      keep = false;
    } else if (!options_.keep_unclassified && parsed.kind == EventKind::kOther) {
      ++stats.unclassified_dropped;
      keep = false;
    }
    last_kept = keep;
    if (!keep) continue;
    if (chunks_.empty() || chunks_.back().events.size() == kChunkEvents) NewChunk();
    Chunk& chunk = chunks_.back();
    last_index = count_++;
    chunk.events.emplace_back();
    Commit(parsed, file_index, file_view, node_view, line, &chunk.events.back());
    chunk.side.push_back(side);
  }
  flush_continuation();

  for (const ReadIssue& issue : reader.issues()) {
    if (issue.kind == ReadIssue::Kind::kLineTooLong) ++stats.too_long_lines;
    if (issue.kind == ReadIssue::Kind::kTruncatedFrame ||
        issue.kind == ReadIssue::Kind::kCorruptFrame || issue.kind == ReadIssue::Kind::kIoError) {
      out_->warnings.push_back(path + ": " +
                               (issue.kind == ReadIssue::Kind::kTruncatedFrame ? "truncated"
                                : issue.kind == ReadIssue::Kind::kCorruptFrame ? "corrupt"
                                                                               : "unreadable") +
                               " data at byte " + std::to_string(issue.offset) + ": " +
                               issue.what);
    }
    ++out_->read_issue_count;
    if (out_->read_issues.size() < options_.max_issues) out_->read_issues.push_back(issue);
  }
  stats.file_bytes = reader.file_size();
  out_->files.push_back(std::move(stats));
  return Status::Ok();
}

void Scanner::Finish() {
  if (!slots_.empty()) {
    std::vector<int64_t> resolved(slots_.size());
    if (options_.year) {
      for (size_t i = 0; i < slots_.size(); ++i) {
        resolved[i] = logs::ResolveYearless(slots_[i], *options_.year);
      }
    } else if (min_full_ <= max_full_) {
      int ref = logs::YearOfTime(max_full_);
      out_->inferred_year = ref;
      bool used_other = false;
      for (size_t i = 0; i < slots_.size(); ++i) {
        int64_t best = 0;
        int64_t best_distance = std::numeric_limits<int64_t>::max();
        for (int year : {ref, ref - 1, ref + 1}) {
          if (!logs::IsValidDate(year, slots_[i].month, slots_[i].day)) continue;
          int64_t t = logs::ResolveYearless(slots_[i], year);
          int64_t d = t < min_full_ ? min_full_ - t : t > max_full_ ? t - max_full_ : 0;
          if (d < best_distance) {
            best_distance = d;
            best = t;
            used_other = year != ref;
          }
        }
        if (best_distance == std::numeric_limits<int64_t>::max()) {
          best = logs::ResolveYearless(slots_[i], ref);  // Feb 29 in no nearby leap year
        }
        resolved[i] = best;
      }
      out_->warnings.push_back(
          "journald short timestamps carry no year: took " + std::to_string(ref) +
          (used_other ? " (and the adjacent year where closer)" : "") +
          " from the other timestamps in the inputs; pass the year to override");
    } else {
      for (size_t i = 0; i < slots_.size(); ++i) resolved[i] = logs::ResolveYearless(slots_[i], 1970);
      out_->warnings.push_back(
          "journald short timestamps carry no year and no other input has one: assumed 1970; "
          "pass the year to get real dates");
    }
    for (size_t i = 0; i < count_; ++i) {
      Side& s = Sd(i);
      if (s.slot < 0) continue;
      s.key = resolved[static_cast<size_t>(s.slot)];
      if (s.yearless) {
        Ev(i).time_us = s.key;
        Ev(i).time_from_yearless = true;
      }
      if (s.late && !InWindow(s.key)) {
        s.drop = true;
        ++out_->files[s.file].outside_window;
      }
    }
  }

  // Sort by (time, file, line); most inputs are already in order.
  std::vector<uint32_t> order;
  auto less = [&](uint32_t a, uint32_t b) {
    const Side& sa = Sd(a);
    const Side& sb = Sd(b);
    if (sa.key != sb.key) return sa.key < sb.key;
    if (sa.file != sb.file) return sa.file < sb.file;
    return Ev(a).line < Ev(b).line;
  };
  order.reserve(count_);
  for (uint32_t i = 0; i < count_; ++i) {
    if (!Sd(i).drop) order.push_back(i);
  }
  bool ascending = std::is_sorted(order.begin(), order.end(), less);
  if (!ascending) std::sort(order.begin(), order.end(), less);
  for (LogFileStats& f : out_->files) f.events = 0;
  for (uint32_t i : order) ++out_->files[Sd(i).file].events;

  std::vector<LogEvent>& events = out_->events;
  events.reserve(order.size());
  const size_t bytes = order.size() * sizeof(LogEvent);
  logs::AdviseHugePages(events.data(), bytes);
  // Faulting in fresh pages costs as much as the moves: a helper thread touches the back half
  // of the (still unconstructed) storage while this one moves events into the front half; it is
  // joined before the back half is written.
  std::thread prefault;
  const size_t half = order.size() / 2;
  if (bytes >= (size_t{16} << 20)) {
    size_t from = half * sizeof(LogEvent);
    prefault = std::thread([p = reinterpret_cast<volatile char*>(events.data()), from, bytes] {
      for (size_t off = from; off < bytes; off += 4096) p[off] = 0;
    });
  }
  size_t released = 0;
  for (uint32_t i : order) {
    if (events.size() == half && prefault.joinable()) prefault.join();
    events.push_back(std::move(Ev(i)));
    // In file order, a chunk is done once the next index is past it: give its memory back.
    while (ascending && (i >> kChunkShift) > released) {
      chunks_[released++] = Chunk();
    }
  }
  if (prefault.joinable()) prefault.join();
  chunks_.clear();
}

}  // namespace

std::optional<std::string_view> LogEvent::Field(std::string_view key) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), key,
                             [](const LogField& f, std::string_view k) { return f.key < k; });
  if (it == fields.end() || it->key != key) return std::nullopt;
  return it->value;
}

Status ScanLogs(const std::vector<std::string>& files, const LogScanOptions& options,
                LogScanResult* out) {
  *out = LogScanResult{};
  if (options.since_us && options.until_us && *options.since_us > *options.until_us) {
    return Status::InvalidArgument("--since is after --until");
  }
  if (files.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("too many log files");
  }
  Scanner scanner(options, out);
  for (size_t i = 0; i < files.size(); ++i) {
    FORENSICS_RETURN_IF_ERROR(scanner.ScanFile(static_cast<uint32_t>(i), files[i]));
  }
  scanner.Finish();
  return Status::Ok();
}

}  // namespace forensics
