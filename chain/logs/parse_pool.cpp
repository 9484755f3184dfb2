// The log scan's parse pool: BatchParser (a batch's lines → Records) and the threads that run it.
#include "logs/parse_pool.h"

#include "io/decoders.h"
#include "logs/classify.h"

namespace forensics::logs {
namespace {

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

}  // namespace

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

void BatchParser::ParseBatch(Batch* b) {
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

// For a logrus JSON line: reads only its "time" and returns true (setting *time_us) when that
// time is outside the window, so the line need not be parsed.
bool BatchParser::OutsideWindowFast(std::string_view text, int64_t* time_us) const {
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

ParsePool::ParsePool(const LogScanOptions& options, size_t threads) {
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, &options] {
      BatchParser parser(options);
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        ParseOldest(lock, &parser);
      }
    });
  }
}

ParsePool::~ParsePool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ParsePool::Submit(Batch* b) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    b->done = false;
    queue_.push_back(b);
  }
  work_cv_.notify_one();
}

bool ParsePool::Done(const Batch* b) {
  std::lock_guard<std::mutex> lock(mu_);
  return b->done;
}

bool ParsePool::HelpOnce(BatchParser* parser) {
  std::unique_lock<std::mutex> lock(mu_);
  if (queue_.empty()) return false;
  ParseOldest(lock, parser);
  return true;
}

void ParsePool::Wait(const Batch* b) {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return b->done; });
}

void ParsePool::WaitHelping(const Batch* b, BatchParser* parser) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!b->done) {
    if (queue_.empty()) {
      done_cv_.wait(lock);
      continue;
    }
    ParseOldest(lock, parser);
  }
}

void ParsePool::ParseOldest(std::unique_lock<std::mutex>& lock, BatchParser* parser) {
  Batch* b = queue_.front();
  queue_.pop_front();
  lock.unlock();
  parser->ParseBatch(b);
  lock.lock();
  b->done = true;
  done_cv_.notify_all();
}

}  // namespace forensics::logs
