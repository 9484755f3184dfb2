// StreamLogs, ScanLogs and ScanLogsAround: read every file line by line, parse the lines on
// worker threads, group continuation lines, resolve journald years, apply the time window, and
// hand the events to a sink (StreamLogs), collect and sort them (ScanLogs) or keep only the
// timeline window (ScanLogsAround).
//
// Outline of one file (StreamLogs):
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
//     one, wait for the end when no year is given: their year is the one nearest the span of all
//     full timestamps read (so a log crossing New Year gets both years), else 1970 + a warning.
//     Then they are filtered and delivered.
#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "forensics/log_events.h"
#include "io/decoders.h"
#include "logs/arena.h"
#include "logs/classify.h"
#include "logs/line_parser.h"
#include "logs/log_time.h"
#include "logs/window.h"

namespace forensics {
namespace {

constexpr int64_t kUnknown = LogEvent::kUnknownTime;
constexpr size_t kExcerptBytes = 160;
constexpr size_t kBatchBytes = 256u << 10;
constexpr size_t kBatchLines = 2048;
constexpr size_t kFormats = static_cast<size_t>(LogFormat::kJournalMonotonic) + 1;
// A multi-line journal entry longer than this is skipped (and reported), not kept whole.
constexpr size_t kMaxEntryBytes = 16u << 20;
constexpr size_t kKinds = static_cast<size_t>(EventKind::kParity) + 1;

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The node a file's lines belong to when they name none: its base name without a compression
// suffix or a rotation number, so that node-03.log.1.zst and node-03.log are one node.
std::string NodeOfPath(const std::string& path) {
  std::string name = BaseName(path);
  for (std::string_view suffix : {".zst", ".gz", ".xz", ".bz2", ".lz4"}) {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < name.size() &&
      name.find_first_not_of("0123456789", dot + 1) == std::string::npos) {
    name.resize(dot);
  }
  return name.empty() ? BaseName(path) : name;
}

// The first bytes of a line as they can be shown: printable ASCII and valid UTF-8 as they are,
// tab, CR, backslash and every other byte as an escape.
std::string LineExcerpt(std::string_view line, size_t max_bytes) {
  size_t cut = std::min(line.size(), max_bytes);
  while (cut > 0 && cut < line.size() && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  const bool utf8 = io::IsValidUtf8(line.data(), cut);
  std::string out;
  for (size_t i = 0; i < cut; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut < line.size()) out += "...";
  return out;
}

bool StartsWithAny(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view p : prefixes) {
    if (s.substr(0, p.size()) == p) return true;
  }
  return false;
}

bool InWindow(const LogScanOptions& options, int64_t t) {
  return (!options.since_us || t >= *options.since_us) && (!options.until_us || t <= *options.until_us);
}

// Bump storage for the few strings of a batch that do not point into its text (unescaped JSON,
// decoded journald messages, reader-added keys). Keeps its blocks across reuse.
class Scratch {
 public:
  std::string_view Copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = Allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }
  // n (> 0) bytes.
  char* Allocate(size_t n) {
    if (blocks_.empty() || used_ + n > blocks_[current_].size) {
      size_t want = std::max<size_t>(n, 64u << 10);
      while (current_ + 1 < blocks_.size() && blocks_[current_ + 1].size < want) ++current_;
      if (blocks_.empty() || current_ + 1 >= blocks_.size()) {
        blocks_.push_back(Block{std::make_unique<char[]>(want), want});
        current_ = blocks_.size() - 1;
      } else {
        ++current_;
      }
      used_ = 0;
    }
    char* p = blocks_[current_].data.get() + used_;
    used_ += n;
    return p;
  }
  void Reset() {
    current_ = 0;
    used_ = 0;
  }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  std::vector<Block> blocks_;
  size_t current_ = 0;
  size_t used_ = 0;
};

// True if some byte of s is 'A'..'F' (eight bytes at a time).
bool HasUpperHex(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    // Per byte b < 0x80: bit 7 set in (b + 0x3F) when b >= 0x41 and in (b + 0x39) when b >= 0x47.
    uint64_t low = w & ~kHigh;
    uint64_t at_least_a = low + kOnes * 0x3F;
    uint64_t at_least_g = low + kOnes * 0x39;
    if ((at_least_a & ~at_least_g & ~w & kHigh) != 0) return true;
  }
  for (; i < s.size(); ++i) {
    if (s[i] >= 'A' && s[i] <= 'F') return true;
  }
  return false;
}

// "0x" removed and lower case, as LogEvent promises; views that are already so are kept, others
// are copied to *scratch.
std::string_view NormalHex(std::string_view s, Scratch* scratch) {
  if (s.empty()) return s;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (!HasUpperHex(s)) return s;
  char* p = scratch->Allocate(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    p[i] = c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {p, s.size()};
}

// One parsed line. Views point into the batch (its text or its scratch).
struct Record {
  uint64_t number = 0;
  uint64_t offset = 0;
  uint64_t begin = 0;  // of the line in Batch::text
  uint64_t length = 0;
  logs::LineOutcome outcome = logs::LineOutcome::kBlank;
  bool outside_fast = false;  // a logrus JSON line outside since/until: only its time was read
  bool yearless = false;
  bool has_logger = false;    // a "logger" field (Python logging inside journald)
  bool bad_utf8 = false;      // checked when LogScanOptions::reader.check_utf8
  bool parity_closer = false;  // msg closes a PARITY REPORT block
  bool indented = false;       // starts with blanks, then text that is not '{': may continue
  bool relative_time = false;  // short-monotonic / short-delta
  logs::JournalEntry entry = logs::JournalEntry::kNone;  // opens a multi-line journal entry
  LogLevel level = LogLevel::kUnknown;
  LogFormat format = LogFormat::kText;
  EventKind kind = EventKind::kOther;
  int64_t time_us = kUnknown;
  logs::YearlessTime yearless_time;
  std::optional<uint64_t> block_height;
  std::string_view node, msg, error, boot;
  std::string_view block_hash, state_root;  // "0x" removed and lower case, as LogEvent has them
  uint32_t fields_begin = 0;
  uint32_t fields_count = 0;
};

struct Batch {
  std::string_view text;  // the lines of one LineBlock, as read (held by owner)
  std::shared_ptr<const void> owner;
  uint64_t first_number = 0;
  uint64_t offset = 0;
  uint64_t lines = 0;
  std::vector<Record> records;  // one per line, made by the parse thread
  std::vector<LogField> fields;
  Scratch scratch;
  bool done = false;  // parsed (guarded by the pool's mutex)

  void Reset() {
    text = {};
    owner.reset();
    first_number = offset = lines = 0;
    records.clear();
    fields.clear();
    scratch.Reset();
    done = false;
  }
};

class Parser {
 public:
  explicit Parser(const LogScanOptions& options) : options_(options) {}

  // Splits the batch's text into lines (as LineBlock says) and parses each.
  void ParseBatch(Batch* b) {
    const bool windowed = options_.since_us.has_value() || options_.until_us.has_value();
    const char* base = b->text.data();
    const size_t size = b->text.size();
    newlines_.clear();
    const bool ascii = io::FindNewlines(base, size, &newlines_);
    const bool check_utf8 = options_.reader.check_utf8 && !ascii;
    b->records.reserve(b->lines);
    uint64_t number = b->first_number;
    size_t next_newline = 0;
    for (size_t pos = 0; pos < size;) {
      // Each line ends at the next '\n', or at the end of the text (the input's last line).
      const bool nl = next_newline < newlines_.size();
      const size_t end = nl ? newlines_[next_newline++] : size;
      size_t length = end - pos;
      if (nl && length > 0 && base[end - 1] == '\r') --length;
      static const Record kFresh{};  // copied rather than value-initialised (no rep stos)
      Record& r = b->records.emplace_back(kFresh);
      r.number = number++;
      r.offset = b->offset + pos;
      r.begin = pos;
      r.length = length;
      pos = nl ? end + 1 : size;
      std::string_view text(base + r.begin, r.length);
      if (check_utf8) r.bad_utf8 = !io::IsValidUtf8(text.data(), text.size());
      if (!text.empty() && (text[0] == ' ' || text[0] == '\t')) {
        size_t first = text.find_first_not_of(" \t");
        r.indented = first != std::string_view::npos && text[first] != '{';
      }
      int64_t t;
      if (windowed && OutsideWindowFast(text, &t)) {
        r.outside_fast = true;
        r.time_us = t;
        continue;
      }
      error_.clear();
      r.outcome = parser_.Parse(text, &parsed_, &error_);
      if (r.outcome == logs::LineOutcome::kBad) {
        r.error = b->scratch.Copy(error_);
        continue;
      }
      if (r.outcome != logs::LineOutcome::kEvent) continue;
      auto stable = [&](std::string_view v) {
        if (v.empty()) return v;
        if (v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size()) return v;
        if (v.data() == logs::KnownMessageText(parsed_.kind).data()) return v;  // static
        return b->scratch.Copy(v);
      };
      r.time_us = parsed_.time_us;
      r.level = parsed_.level;
      r.format = parsed_.format;
      r.kind = parsed_.kind;
      r.yearless = parsed_.yearless;
      r.yearless_time = parsed_.yearless_time;
      r.relative_time = parsed_.relative_time;
      r.entry = parsed_.entry;
      r.block_height = parsed_.block_height;
      r.fields_begin = static_cast<uint32_t>(b->fields.size());
      r.fields_count = static_cast<uint32_t>(parsed_.fields.size());
      if (parsed_.views_in_text) {
        // Already stable (the usual flat JSON line): the views as they are.
        r.node = parsed_.node;
        r.msg = parsed_.msg;
        r.boot = parsed_.boot;
        r.block_hash = parsed_.block_hash;
        r.state_root = parsed_.state_root;
        for (const LogField& f : parsed_.fields)
          if (f.key == "logger") r.has_logger = true;
      } else {
        r.node = stable(parsed_.node);
        r.msg = stable(parsed_.msg);
        r.boot = stable(parsed_.boot);
        // Made stable in place.
        for (LogField& f : parsed_.fields) {
          std::string_view value = stable(f.value);
          if (f.value.data() == parsed_.block_hash.data() && f.value.size() == parsed_.block_hash.size()) {
            r.block_hash = value;
          }
          if (f.value.data() == parsed_.state_root.data() && f.value.size() == parsed_.state_root.size()) {
            r.state_root = value;
          }
          if (f.key == "logger") r.has_logger = true;
          f = LogField{stable(f.key), value};
        }
        if (r.block_hash.empty()) r.block_hash = stable(parsed_.block_hash);
        if (r.state_root.empty()) r.state_root = stable(parsed_.state_root);
      }
      b->fields.insert(b->fields.end(), parsed_.fields.begin(), parsed_.fields.end());
      r.block_hash = NormalHex(r.block_hash, &b->scratch);
      r.state_root = NormalHex(r.state_root, &b->scratch);
      r.parity_closer = logs::IsParityReportCloser(r.msg);
    }
  }

 private:
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
    if (InWindow(options_, t)) return false;
    *time_us = t;
    return true;
  }

  const LogScanOptions& options_;
  logs::LineParser parser_;
  logs::ParsedLine parsed_;
  std::string error_;
  std::vector<size_t> newlines_;  // of the batch being parsed
};

// Parse threads working through submitted batches; each batch is parsed by one thread.
class ParsePool {
 public:
  ParsePool(const LogScanOptions& options, size_t threads) {
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, &options] {
        Parser parser(options);
        std::unique_lock<std::mutex> lock(mu_);
        for (;;) {
          work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
          if (queue_.empty()) return;
          ParseOldest(lock, &parser);
        }
      });
    }
  }
  ~ParsePool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  void Submit(Batch* b) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      b->done = false;
      queue_.push_back(b);
    }
    work_cv_.notify_one();
  }
  bool Done(const Batch* b) {
    std::lock_guard<std::mutex> lock(mu_);
    return b->done;
  }
  // Parses the oldest batch waiting for a thread, if any, with `parser`; returns whether there
  // was one. For the decoding thread while it may not decode further.
  bool HelpOnce(Parser* parser) {
    std::unique_lock<std::mutex> lock(mu_);
    if (queue_.empty()) return false;
    ParseOldest(lock, parser);
    return true;
  }
  void Wait(const Batch* b) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return b->done; });
  }
  // Waits for b and, rather than sleep while batches wait for a thread, parses them with
  // `parser` (the oldest first): the calling thread works instead of sleeping and being woken
  // for each batch, and the records it parses are in its own cache when it consumes them.
  void WaitHelping(const Batch* b, Parser* parser) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!b->done) {
      if (queue_.empty()) {
        done_cv_.wait(lock);
        continue;
      }
      ParseOldest(lock, parser);
    }
  }

 private:
  // With `lock` held on mu_ and a batch waiting: takes the oldest, parses it with `parser`
  // without the lock, and marks it done.
  void ParseOldest(std::unique_lock<std::mutex>& lock, Parser* parser) {
    Batch* b = queue_.front();
    queue_.pop_front();
    lock.unlock();
    parser->ParseBatch(b);
    lock.lock();
    b->done = true;
    done_cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<Batch*> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// A deep copy of an event into `arena`.
LogEvent CopyEvent(const LogEvent& e, const std::shared_ptr<logs::Arena>& arena,
                   std::vector<LogField>* field_scratch, std::vector<std::string_view>* cont_scratch) {
  logs::Arena& a = *arena;
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
  Parser own_parser_;      // the calling thread's (ParsePool::WaitHelping)
  Parser decoder_parser_;  // the decoding thread's (ParsePool::HelpOnce), one file at a time
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
    bool used_other = false;  // as the last slot dated by one of the three years was
    for (size_t i = 0; i < slots_.size(); ++i) resolved[i] = years_.Resolve(slots_[i], &used_other);
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

// ScanLogs: keeps a copy of every event.
class CollectSink final : public LogEventSink {
 public:
  CollectSink() : arena_(std::make_shared<logs::Arena>()) {}
  bool OnEvent(const LogEvent& event, int64_t order_time_us) override {
    events_.push_back(CopyEvent(event, arena_, &fields_, &cont_));
    keys_.push_back(order_time_us);
    return true;
  }
  // Sorted by (time, file, line).
  std::vector<LogEvent> Take() {
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

 private:
  std::shared_ptr<logs::Arena> arena_;
  std::vector<LogEvent> events_;
  std::vector<int64_t> keys_;
  std::vector<LogField> fields_;
  std::vector<std::string_view> cont_;
};

Status CheckArguments(const std::vector<std::string>& files, const LogScanOptions& options) {
  if (options.since_us && options.until_us && *options.since_us > *options.until_us) {
    return Status::InvalidArgument("--since is after --until");
  }
  if (files.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("too many log files");
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string_view> LogEvent::Field(std::string_view key) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), key,
                             [](const LogField& f, std::string_view k) { return f.key < k; });
  if (it == fields.end() || it->key != key) return std::nullopt;
  return it->value;
}

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

Status ScanLogs(const std::vector<std::string>& files, const LogScanOptions& options,
                LogScanResult* out) {
  CollectSink sink;
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
  CollectSink collect_;
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
