// StreamLogs: read every file line by line, parse the lines on worker threads
// (logs/parse_pool.h), group continuation lines, resolve journald years, apply the time window,
// and hand the events to a sink. ScanLogs and ScanLogsAround (logs/log_scan.cpp) are built on it.
//
// Outline of one file:
//  1. The calling thread takes blocks of whole lines from the LineReader (which decompresses on
//     its own thread), one block per batch, without copying them; a small pool of parse threads
//     splits each batch into lines and turns them into records (logs/line_parser.h), all views
//     made stable inside the batch, with the per-line tests that need no order (indent, hex
//     case, parity report closer) done there too. While it waits for the oldest batch, the
//     calling thread parses batches no parse thread has started.
//  2. The calling thread takes the batches back in order and, per record: an indented line
//     continues the previous record; a text line without a recognised prefix also continues it
//     when that record had a Python prefix or opened a PARITY REPORT block; else the record is
//     an event, held until its continuation lines are in, then checked against since/until and
//     handed to the sink.
//  3. Events whose time is yearless (journald short), or unknown and inherited from a yearless
//     one, wait for the end when no year is given: their year is logs::YearlessResolver's over
//     all full timestamps read (so a log crossing New Year gets both years), else 1970 + a
//     warning. Then they are filtered and delivered.
#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "forensics/log_events.h"
#include "io/decoders.h"
#include "logs/arena.h"
#include "logs/classify.h"
#include "logs/event_copy.h"
#include "logs/file_describe.h"
#include "logs/line_parser.h"
#include "logs/log_time.h"
#include "logs/parse_pool.h"

namespace forensics {
namespace {

using logs::Batch;
using logs::BatchParser;
using logs::CopyEvent;
using logs::InWindow;
using logs::LineExcerpt;
using logs::NodeOfPath;
using logs::NormalHex;
using logs::ParsePool;
using logs::Record;
using logs::Scratch;

constexpr int64_t kUnknown = LogEvent::kUnknownTime;
constexpr size_t kExcerptBytes = 160;
constexpr size_t kBatchBytes = 256u << 10;
constexpr size_t kBatchLines = 2048;
constexpr size_t kFormats = static_cast<size_t>(LogFormat::kJournalMonotonic) + 1;
// A multi-line journal entry longer than this is skipped (and reported), not kept whole.
constexpr size_t kMaxEntryBytes = 16u << 20;
constexpr size_t kKinds = static_cast<size_t>(EventKind::kParity) + 1;

bool StartsWithAny(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view p : prefixes) {
    if (s.substr(0, p.size()) == p) return true;
  }
  return false;
}

class Streamer {
 public:
  Streamer(const LogScanOptions& options, LogEventSink* sink, LogScanResult* out)
      : options_(options),
        sink_(sink),
        out_(out),
        held_arena_(std::make_shared<logs::Arena>()),
        threads_(options.parse_threads != 0
                     ? options.parse_threads
                     : std::clamp<size_t>(std::thread::hardware_concurrency(), 2, 9) - 1),
        own_parser_(options),
        decoder_parser_(options),
        pool_(options, threads_) {}

  Status StreamFile(uint32_t file_index, const std::string& path);
  void Finish();

 private:
  void AddProblem(const std::string& path, const Record& r, std::string_view text) {
    ++out_->problem_count;
    if (out_->problems.size() >= options_.max_issues) return;
    out_->problems.push_back(LogParseProblem{path, r.number, r.offset, std::string(r.error),
                                             std::string(text.substr(0, kExcerptBytes))});
  }
  // A batch nobody holds (not in flight, not pinned by a pending event), reset.
  std::shared_ptr<Batch> Acquire() {
    for (auto& b : batches_) {
      if (b.use_count() == 1) {
        b->Reset();
        return b;
      }
    }
    return batches_.emplace_back(std::make_shared<Batch>());
  }

  // Per-file state of step 2.
  struct FileState {
    uint32_t index = 0;
    std::string_view file;
    std::string_view node;
    LogFileStats stats;
    bool have_last = false;   // a record continuation lines may attach to
    bool pending = false;     // that record is an event waiting for its continuation lines
    bool last_python_prefixed = false;
    bool in_parity_report = false;
    int64_t last_time = kUnknown;  // the last full timestamp in this file
    int32_t last_slot = -1;        // >= 0 when the last timed record was yearless
    bool stop = false;             // the sink asked to stop reading this file
    std::vector<ReadIssue> utf8_issues;  // the first max_issues lines that are not UTF-8
    // The pending event: views into pinned batches.
    LogEvent event;
    int64_t key = kUnknown;
    int32_t slot = -1;
    bool event_yearless = false;
    std::vector<std::string_view> continuation;
    std::vector<std::shared_ptr<Batch>> pinned;  // what a pending event's views point into
    std::array<uint64_t, kFormats> format_lines{};  // lines_by_format, merged at the end
    // An open multi-line journal entry: its first line (views into pinned batches) and the
    // others, copied.
    logs::JournalEntry entry = logs::JournalEntry::kNone;
    Record entry_header;
    std::string entry_header_text;
    std::string entry_body;
    bool entry_too_big = false;
    logs::ExportEntryTracker export_tracker;
    std::string_view boot;      // from the last "-- Boot <id> --" line (interned), or empty
    bool recognised = false;    // some line was read as a format of docs/logs.md
    bool seen_line = false;     // a non-blank line was read (first_line is set)
  };
  // Step 2 for one batch; pins it when an event is still pending after it.
  void Consume(FileState* fs, const std::shared_ptr<Batch>& batch);
  void ConsumeRecords(FileState* fs, const std::shared_ptr<Batch>& batch);
  // A record that is an event: timing, window, then pending until its continuation lines are in.
  void Admit(FileState* fs, const Record& r, std::span<const LogField> fields);
  // Lines of an open journal entry; false when `r` is not one of them (the entry is then closed).
  bool ContinueEntry(FileState* fs, const Batch& batch, const Record& r, std::string_view text);
  void CloseEntry(FileState* fs);
  void FlushPending(FileState* fs);
  // The height of the node's last "Applying block to state", for "Failed to apply transaction".
  std::optional<uint64_t>* ApplyingHeight(std::string_view node);
  std::string_view InternBoot(std::string_view boot);
  void FileWarnings(FileState* fs);

  // Held yearless events (step 3).
  struct Held {
    LogEvent event;
    int32_t slot;
    bool yearless;
  };

  const LogScanOptions& options_;
  LogEventSink* sink_;
  LogScanResult* out_;
  std::vector<std::shared_ptr<Batch>> batches_;
  std::shared_ptr<logs::Arena> held_arena_;
  std::vector<Held> held_;
  std::array<uint64_t, kKinds> kind_events_{};  // events_by_kind, merged after each file
  std::vector<logs::YearlessTime> slots_;
  logs::YearlessResolver years_;  // fed every full timestamp (step 3)
  std::vector<LogField> field_scratch_;
  std::vector<std::string_view> cont_scratch_;
  // Journal entries are parsed here, on the calling thread, once whole.
  logs::LineParser entry_parser_;
  logs::ParsedLine entry_parsed_;
  std::vector<LogField> entry_fields_;
  Scratch entry_scratch_;
  std::string entry_error_;
  std::vector<std::pair<std::string, std::optional<uint64_t>>> applying_;  // by node, all files
  std::deque<std::string> boots_;  // interned boot IDs (stable addresses)
  size_t threads_;
  BatchParser own_parser_;      // the calling thread's (ParsePool::WaitHelping)
  BatchParser decoder_parser_;  // the decoding thread's (ParsePool::HelpOnce), one file at a time
  ParsePool pool_;  // last: its threads stop before the batches go
};

std::optional<uint64_t>* Streamer::ApplyingHeight(std::string_view node) {
  for (auto& [name, height] : applying_)
    if (name == node) return &height;
  return &applying_.emplace_back(std::string(node), std::nullopt).second;
}

std::string_view Streamer::InternBoot(std::string_view boot) {
  if (boot.empty()) return {};
  for (auto it = boots_.rbegin(); it != boots_.rend(); ++it)
    if (*it == boot) return *it;
  return boots_.emplace_back(boot);
}

bool Streamer::ContinueEntry(FileState* fs, const Batch& batch, const Record& r, std::string_view text) {
  LogFileStats& stats = fs->stats;
  auto append = [&](std::string_view line) {
    ++stats.continuation_lines;
    if (fs->entry_too_big) return;
    if (fs->entry_body.size() + line.size() + 1 > kMaxEntryBytes) {
      fs->entry_too_big = true;
      fs->entry_body.clear();
      return;
    }
    fs->entry_body.append(line);
    fs->entry_body += '\n';
  };
  switch (fs->entry) {
    case logs::JournalEntry::kExport: {
      // Binary values are taken as read, a CR before the newline included.
      std::string_view raw = text;
      if (r.begin + r.length < batch.text.size() && batch.text[r.begin + r.length] == '\r') {
        raw = std::string_view(batch.text.data() + r.begin, r.length + 1);
      }
      if (!fs->export_tracker.in_binary() && raw.substr(0, 9) == "__CURSOR=") return false;  // no blank line
      if (fs->export_tracker.Feed(raw)) {
        ++stats.blank_lines;
        CloseEntry(fs);
        return true;
      }
      append(raw);
      return true;
    }
    case logs::JournalEntry::kVerbose:
      if (text.empty() || (text[0] != ' ' && text[0] != '\t')) return false;
      append(text);
      return true;
    case logs::JournalEntry::kJsonPretty:
      if (text == "}" || text == "},") {
        append("}");
        CloseEntry(fs);
        return true;
      }
      if (text.empty() || (text[0] != ' ' && text[0] != '\t')) return false;
      append(text);
      return true;
    case logs::JournalEntry::kNone:
      break;
  }
  return false;
}

void Streamer::CloseEntry(FileState* fs) {
  const logs::JournalEntry shape = fs->entry;
  if (shape == logs::JournalEntry::kNone) return;
  fs->entry = logs::JournalEntry::kNone;
  const Record& h = fs->entry_header;
  std::string_view header = fs->entry_header_text;  // a copy: the entry may span batches
  LogFileStats& stats = fs->stats;
  entry_error_.clear();
  logs::LineOutcome outcome = logs::LineOutcome::kBad;
  if (fs->entry_too_big) {
    entry_error_ = "journal entry over " + std::to_string(kMaxEntryBytes >> 20) + " MiB: skipped";
  } else {
    outcome = entry_parser_.ParseEntry(shape, header, h.time_us, fs->entry_body, &entry_parsed_, &entry_error_);
  }
  fs->entry_body.clear();
  fs->entry_too_big = false;
  if (outcome != logs::LineOutcome::kEvent) {
    ++stats.bad_lines;
    Record bad = h;
    bad.error = entry_error_;
    AddProblem(stats.file, bad, header);
    return;
  }
  const logs::ParsedLine& p = entry_parsed_;
  entry_scratch_.Reset();
  Record r = h;
  r.outcome = logs::LineOutcome::kEvent;
  r.entry = logs::JournalEntry::kNone;
  r.time_us = p.time_us;
  r.level = p.level;
  r.format = p.format;
  r.kind = p.kind;
  r.yearless = false;
  r.block_height = p.block_height;
  r.node = p.node;
  r.msg = p.msg;
  r.boot = p.boot;
  r.block_hash = NormalHex(p.block_hash, &entry_scratch_);
  r.state_root = NormalHex(p.state_root, &entry_scratch_);
  r.has_logger = p.Field("logger").has_value();
  r.parity_closer = logs::IsParityReportCloser(r.msg);
  entry_fields_.assign(p.fields.begin(), p.fields.end());
  Admit(fs, r, entry_fields_);
  FlushPending(fs);  // its views are the entry parser's: delivered now
}

void Streamer::FlushPending(FileState* fs) {
  if (fs->entry != logs::JournalEntry::kNone) CloseEntry(fs);
  if (!fs->pending) return;
  fs->pending = false;
  LogEvent& e = fs->event;
  e.continuation = fs->continuation;
  if (fs->slot >= 0 && !options_.year) {
    // Step 3: the year is known only at the end.
    held_.push_back(Held{CopyEvent(e, held_arena_, &field_scratch_, &cont_scratch_), fs->slot,
                         fs->event_yearless});
  } else {
    ++fs->stats.events;
    ++out_->event_count;
    ++kind_events_[static_cast<size_t>(e.kind)];
    if (!sink_->OnEvent(e, fs->key)) fs->stop = true;
  }
  fs->continuation.clear();
  fs->pinned.clear();
}

void Streamer::Consume(FileState* fs, const std::shared_ptr<Batch>& batch) {
  ConsumeRecords(fs, batch);
  if ((fs->pending || fs->entry != logs::JournalEntry::kNone) &&
      (fs->pinned.empty() || fs->pinned.back() != batch)) {
    fs->pinned.push_back(batch);
  }
}

void Streamer::ConsumeRecords(FileState* fs, const std::shared_ptr<Batch>& batch) {
  LogFileStats& stats = fs->stats;
  const char* base = batch->text.data();
  for (const Record& r : batch->records) {
    if (fs->stop) return;
    ++stats.lines;
    stats.decoded_bytes = r.offset + r.length;
    std::string_view text(base + r.begin, r.length);
    const bool in_entry = fs->entry != logs::JournalEntry::kNone;
    if (r.bad_utf8 && !(in_entry && fs->entry == logs::JournalEntry::kExport)) {  // export: binary values
      ++stats.invalid_utf8_lines;
      if (fs->utf8_issues.size() < options_.max_issues) {
        fs->utf8_issues.push_back(ReadIssue{ReadIssue::Kind::kInvalidUtf8, stats.file, r.offset, r.number,
                                            "line " + std::to_string(r.number) + " is not valid UTF-8"});
      }
    }
    if (in_entry && ContinueEntry(fs, *batch, r, text)) continue;
    if (!fs->seen_line && r.outcome != logs::LineOutcome::kBlank) {
      fs->seen_line = true;
      stats.first_line = LineExcerpt(text, 80);
    }
    auto add_continuation = [&](std::string_view line) {
      ++stats.continuation_lines;
      if (fs->pending) fs->continuation.push_back(line);
    };
    if (fs->have_last && r.indented) {
      add_continuation(text);
      continue;
    }
    if (r.outside_fast) {
      // Skipped unparsed: only its time was read (so it is not checked for bad JSON).
      FlushPending(fs);
      fs->recognised = true;
      ++stats.outside_window;
      ++fs->format_lines[static_cast<size_t>(LogFormat::kLogrusJson)];
      fs->last_time = r.time_us;
      years_.See(r.time_us);
      fs->last_slot = -1;
      fs->have_last = true;
      fs->last_python_prefixed = false;
      fs->in_parity_report = false;
      continue;
    }
    switch (r.outcome) {
      case logs::LineOutcome::kBlank:
        ++stats.blank_lines;
        continue;
      case logs::LineOutcome::kJournalMarker:
        ++stats.journal_markers;
        FlushPending(fs);
        fs->recognised = true;
        fs->have_last = false;
        fs->in_parity_report = false;
        // "-- Boot 3f2a… --": the boot of the lines after it; "-- Reboot --" and others: unknown.
        if (text.substr(0, 8) == "-- Boot ") {
          std::string_view id = text.substr(8);
          id = id.substr(0, id.find(' '));
          fs->boot = InternBoot(id);
        } else if (text.find("Reboot") != std::string_view::npos) {
          fs->boot = {};
        }
        continue;
      case logs::LineOutcome::kBad:
        ++stats.bad_lines;
        AddProblem(stats.file, r, text);
        FlushPending(fs);
        fs->have_last = false;
        fs->in_parity_report = false;
        continue;
      case logs::LineOutcome::kEvent:
        break;
    }
    const bool has_time = r.time_us != kUnknown;
    if (fs->have_last) {
      bool unprefixed = r.format == LogFormat::kText && !has_time && !r.yearless;
      bool closer = r.parity_closer;
      if (fs->in_parity_report &&
          (unprefixed || (r.kind == EventKind::kOther &&
                          (closer || StartsWithAny(r.msg, {"Codec Mode:", "Rust Available:",
                                                           "Parity Matches:", "Parity Drifts:",
                                                           "Drift Rate:", "Total Comparisons:"}))))) {
        add_continuation(unprefixed ? text : r.msg);
        if (closer) fs->in_parity_report = false;
        continue;
      }
      if (unprefixed && fs->last_python_prefixed && r.kind == EventKind::kOther) {
        add_continuation(text);
        continue;
      }
    }
    FlushPending(fs);
    if (fs->stop) return;
    if (r.entry != logs::JournalEntry::kNone) {
      // Read whole before it is parsed (CloseEntry).
      fs->recognised = true;
      fs->entry = r.entry;
      fs->entry_header = r;
      fs->entry_header_text.assign(text);
      fs->entry_body.clear();
      fs->entry_too_big = false;
      fs->export_tracker.Reset();
      fs->have_last = true;
      fs->last_python_prefixed = false;
      fs->in_parity_report = false;
      continue;
    }
    Admit(fs, r, std::span<const LogField>(batch->fields.data() + r.fields_begin, r.fields_count));
  }
}

void Streamer::Admit(FileState* fs, const Record& r, std::span<const LogField> fields) {
  LogFileStats& stats = fs->stats;
  const bool has_time = r.time_us != kUnknown;
  ++fs->format_lines[static_cast<size_t>(r.format)];
  if (r.format != LogFormat::kText) fs->recognised = true;
  if (!r.node.empty()) stats.names_node = true;
  const std::string_view node = r.node.empty() ? fs->node : r.node;

  // "Failed to apply transaction" names no block: it is the node's block being applied.
  std::optional<uint64_t> height = r.block_height;
  switch (r.kind) {
    case EventKind::kBlockApplying:
      if (height) *ApplyingHeight(node) = height;
      break;
    case EventKind::kBlockApplied:
      ApplyingHeight(node)->reset();
      break;
    case EventKind::kTxFailed:
    case EventKind::kStateRootMismatch:
    case EventKind::kInflationDetected:
    case EventKind::kPinQuorumFailed:
      if (!height && r.msg.substr(0, 27) == logs::KnownMessageText(EventKind::kTxFailed)) {
        height = *ApplyingHeight(node);
      }
      break;
    default:
      break;
  }

  int64_t key = kUnknown;
  int32_t slot = -1;
  bool late = false;  // the window check waits for the year
  int64_t own_time = r.time_us;
  if (r.yearless) {
    if (options_.year) {
      own_time = logs::ResolveYearless(r.yearless_time, *options_.year);
      key = own_time;
      fs->last_time = own_time;
      fs->last_slot = -1;
    } else {
      slot = static_cast<int32_t>(slots_.size());
      slots_.push_back(r.yearless_time);
      late = true;
      fs->last_slot = slot;
      fs->last_time = kUnknown;
    }
  } else if (has_time) {
    years_.See(r.time_us);
    key = r.time_us;
    fs->last_time = r.time_us;
    fs->last_slot = -1;
  } else if (fs->last_slot >= 0) {
    slot = fs->last_slot;
    late = true;
  } else {
    key = fs->last_time;
  }

  fs->have_last = true;
  fs->last_python_prefixed = r.format == LogFormat::kPythonText ||
                             (r.format == LogFormat::kJournalShort && r.has_logger);
  fs->in_parity_report = r.kind == EventKind::kParity && logs::IsParityReportOpener(r.msg);

  if (!late && key != kUnknown && !InWindow(options_, key)) {
    ++stats.outside_window;
    return;
  }
  if (!options_.keep_unclassified && r.kind == EventKind::kOther) {
    ++stats.unclassified_dropped;
    return;
  }
  if (!has_time && !r.yearless) ++stats.untimed_events;
  LogEvent& e = fs->event;  // every member set here (storage stays empty)
  e.time_us = own_time;
  e.time_from_yearless = r.yearless && options_.year.has_value();
  e.line = r.number;
  e.offset = r.offset;
  e.block_height = height;
  e.file = fs->file;
  e.node = node;
  e.msg = r.msg;
  e.block_hash_prefix = r.block_hash;
  e.state_root_prefix = r.state_root;
  e.boot = r.boot.empty() ? fs->boot : r.boot;
  e.fields = fields;
  e.file_index = fs->index;
  e.level = r.level;
  e.format = r.format;
  e.kind = r.kind;
  fs->key = key;
  fs->slot = slot;
  fs->event_yearless = r.yearless && !options_.year;
  fs->pending = true;
}

Status Streamer::StreamFile(uint32_t file_index, const std::string& path) {
  LineReaderOptions reader_options = options_.reader;
  reader_options.decode_in_background = true;
  reader_options.background_idle_work = [this] { return pool_.HelpOnce(&decoder_parser_); };
  reader_options.check_utf8 = false;  // checked by the parse threads instead
  auto opened = LineReader::Open(path, reader_options);
  if (!opened.has_value()) return opened.error();
  LineReader& reader = **opened;

  FileState fs;
  fs.index = file_index;
  fs.stats.file = path;
  fs.stats.node = NodeOfPath(path);
  fs.file = fs.stats.file;
  fs.node = fs.stats.node;

  const size_t max_in_flight = 2 * threads_ + 2;
  std::deque<std::shared_ptr<Batch>> in_flight;
  bool eof = false;
  LineBlock block;
  uint64_t next_line = 1;
  while (!fs.stop && (!eof || !in_flight.empty())) {
    if (const StopReason why = options_.stop.Check(); why != StopReason::kNone) {
      out_->stopped = options_.stop.Describe(why) + " while reading " + path + " near line " + std::to_string(next_line);
      fs.stop = true;
      break;
    }
    if (!eof && in_flight.size() < max_in_flight) {
      if (reader.NextBlock(&block, kBatchBytes, kBatchLines)) {
        next_line = block.first_number;
        std::shared_ptr<Batch> b = Acquire();
        b->text = block.text;
        b->owner = std::move(block.owner);
        b->first_number = block.first_number;
        b->offset = block.offset;
        b->lines = block.lines;
        pool_.Submit(b.get());
        in_flight.push_back(std::move(b));
      } else {
        eof = true;
      }
      while (!in_flight.empty() && pool_.Done(in_flight.front().get())) {
        Consume(&fs, in_flight.front());
        in_flight.pop_front();
        if (fs.stop) break;
      }
      continue;
    }
    pool_.WaitHelping(in_flight.front().get(), &own_parser_);
    Consume(&fs, in_flight.front());
    in_flight.pop_front();
  }
  for (const auto& b : in_flight) pool_.Wait(b.get());  // stopped early: let the workers finish
  in_flight.clear();
  if (!fs.stop) FlushPending(&fs);
  fs.pending = false;
  fs.pinned.clear();
  for (size_t f = 0; f < kFormats; ++f) {
    if (fs.format_lines[f] != 0) fs.stats.lines_by_format[static_cast<LogFormat>(f)] += fs.format_lines[f];
  }
  for (size_t k = 0; k < kKinds; ++k) {
    if (kind_events_[k] != 0) out_->events_by_kind[static_cast<EventKind>(k)] += kind_events_[k];
  }
  kind_events_.fill(0);

  for (const ReadIssue& issue : reader.issues()) {
    if (issue.kind == ReadIssue::Kind::kLineTooLong) ++fs.stats.too_long_lines;
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
  out_->read_issue_count += fs.stats.invalid_utf8_lines;
  for (ReadIssue& issue : fs.utf8_issues) {
    if (out_->read_issues.size() < options_.max_issues) out_->read_issues.push_back(std::move(issue));
  }
  fs.stats.file_bytes = reader.file_size();
  if (!fs.stop) FileWarnings(&fs);
  out_->files.push_back(std::move(fs.stats));
  return Status::Ok();
}

void Streamer::FileWarnings(FileState* fs) {
  LogFileStats& st = fs->stats;
  const std::string& path = st.file;
  if (fs->seen_line && !fs->recognised) {
    // Plain text, blank or bad lines only: nothing could be read as a log of docs/logs.md.
    st.nothing_recognised = true;
    out_->warnings.push_back(path + ": no line was recognised as any log format (" + std::to_string(st.lines) +
                             " line(s); the first reads \"" + st.first_line +
                             "\"): nothing in it is known to have happened");
    return;
  }
  auto lines_of = [&](LogFormat f) { return fs->format_lines[static_cast<size_t>(f)]; };
  if (const uint64_t n = lines_of(LogFormat::kJournalMonotonic); n != 0) {
    out_->warnings.push_back(
        path + ": " + std::to_string(n) +
        " line(s) carry journalctl's monotonic time (short-monotonic, short-delta: seconds since the host's "
        "boot, from several boots), which is no date: an event has the time its message carries (logrus "
        "\"time\"), else none");
  }
  if (st.untimed_events != 0) {
    std::string w = path + ": " + std::to_string(st.untimed_events) + " of " + std::to_string(st.events) +
                    " event(s) carry no time of their own and are placed after the line before them";
    if (!st.names_node) {
      // journalctl -o cat: the message alone, no time, host, unit or boot.
      w += "; no line names its host (as journalctl -o cat writes them), so every event is taken for node \"" +
           st.node + "\" and boots cannot be told apart";
    }
    out_->warnings.push_back(std::move(w));
  }
}

void Streamer::Finish() {
  if (slots_.empty()) return;
  std::vector<int64_t> resolved(slots_.size());
  if (years_.has_reference()) {
    const int ref = years_.reference_year();
    out_->inferred_year = ref;
    bool used_other = false;  // some slot took the year before or after the reference
    for (size_t i = 0; i < slots_.size(); ++i) {
      bool other = false;
      resolved[i] = years_.Resolve(slots_[i], &other);
      used_other = used_other || other;
    }
    out_->warnings.push_back(
        "journald short timestamps carry no year: took " + std::to_string(ref) +
        (used_other ? " (and the adjacent year where closer)" : "") +
        " from the other timestamps in the inputs; pass the year to override");
  } else {
    for (size_t i = 0; i < slots_.size(); ++i) resolved[i] = years_.Resolve(slots_[i]);
    out_->warnings.push_back(
        "journald short timestamps carry no year and no other input has one: assumed 1970; "
        "pass the year to get real dates");
  }
  for (Held& h : held_) {
    int64_t key = resolved[static_cast<size_t>(h.slot)];
    if (h.yearless) {
      h.event.time_us = key;
      h.event.time_from_yearless = true;
    }
    LogFileStats& stats = out_->files[h.event.file_index];
    if (!InWindow(options_, key)) {
      ++stats.outside_window;
      continue;
    }
    ++stats.events;
    ++out_->event_count;
    ++out_->events_by_kind[h.event.kind];
    sink_->OnEvent(h.event, key);
  }
  held_.clear();
}

Status CheckArguments(const std::vector<std::string>& files, const LogScanOptions& options) {
  if (options.since_us && options.until_us && *options.since_us > *options.until_us) {
    return Status::InvalidArgument("the log window starts after it ends (since_us > until_us)");
  }
  if (files.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("too many log files");
  }
  return Status::Ok();
}

}  // namespace

Status StreamLogs(const std::vector<std::string>& files, const LogScanOptions& options,
                  LogEventSink* sink, LogScanResult* out) {
  *out = LogScanResult{};
  FORENSICS_RETURN_IF_ERROR(CheckArguments(files, options));
  Streamer streamer(options, sink, out);
  for (size_t i = 0; i < files.size() && !out->stopped; ++i) {
    FORENSICS_RETURN_IF_ERROR(streamer.StreamFile(static_cast<uint32_t>(i), files[i]));
  }
  streamer.Finish();
  return Status::Ok();
}

}  // namespace forensics
