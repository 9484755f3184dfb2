// The parse pool of the log scan (step 1 of logs/log_stream.cpp): a batch is the lines of one
// LineBlock, parsed on one of a few threads into Records whose views are made stable inside the
// batch (its text or its Scratch), with the per-line tests that need no order done there too.
// Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_PARSE_POOL_H_
#define FORENSICS_CHAIN_LOGS_PARSE_POOL_H_

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "forensics/log_events.h"
#include "logs/line_parser.h"
#include "logs/log_time.h"

namespace forensics::logs {

// Whether t is inside the options' since/until.
inline bool InWindow(const LogScanOptions& options, int64_t t) {
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

// "0x" removed and lower case, as LogEvent promises; views that are already so are kept, others
// are copied to *scratch.
std::string_view NormalHex(std::string_view s, Scratch* scratch);

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
  int64_t time_us = LogEvent::kUnknownTime;
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

// Parses batches, one at a time (each thread of the pool has its own).
class BatchParser {
 public:
  explicit BatchParser(const LogScanOptions& options) : options_(options) {}

  // Splits the batch's text into lines (as LineBlock says) and parses each.
  void ParseBatch(Batch* b);

 private:
  // For a logrus JSON line: reads only its "time" and returns true (setting *time_us) when that
  // time is outside the window, so the line need not be parsed.
  bool OutsideWindowFast(std::string_view text, int64_t* time_us) const;

  const LogScanOptions& options_;
  logs::LineParser parser_;
  logs::ParsedLine parsed_;
  std::string error_;
  std::vector<size_t> newlines_;  // of the batch being parsed
};

// Parse threads working through submitted batches; each batch is parsed by one thread.
class ParsePool {
 public:
  ParsePool(const LogScanOptions& options, size_t threads);
  ~ParsePool();
  void Submit(Batch* b);
  bool Done(const Batch* b);
  // Parses the oldest batch waiting for a thread, if any, with `parser`; returns whether there
  // was one. For the decoding thread while it may not decode further.
  bool HelpOnce(BatchParser* parser);
  void Wait(const Batch* b);
  // Waits for b and, rather than sleep while batches wait for a thread, parses them with
  // `parser` (the oldest first): the calling thread works instead of sleeping and being woken
  // for each batch, and the records it parses are in its own cache when it consumes them.
  void WaitHelping(const Batch* b, BatchParser* parser);

 private:
  // With `lock` held on mu_ and a batch waiting: takes the oldest, parses it with `parser`
  // without the lock, and marks it done.
  void ParseOldest(std::unique_lock<std::mutex>& lock, BatchParser* parser);

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<Batch*> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_PARSE_POOL_H_
