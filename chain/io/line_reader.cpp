// LineReader over a decoded byte stream (io/decoders.h): splits lines in one growable buffer,
// skips over-long lines without holding them, strips "\r\n", optionally checks UTF-8.
//
// Buffer outline:
//  1. buf_[begin_, end_) holds decoded bytes not yet returned; the search for '\n' resumes at
//     scan_ so that a partial line is never scanned twice.
//  2. A complete line is returned as a view into buf_ (no copy).
//  3. Without a '\n' in view, the partial line is moved to the front and more is decoded behind
//     it. The buffer grows only while the partial line fits in max_line_bytes; once the partial
//     line exceeds it, its bytes are dropped and the rest of it is skipped up to its '\n'
//     (memory stays bounded by max_line_bytes plus one chunk).
#include "forensics/line_reader.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "io/decoders.h"

namespace forensics {
namespace {

constexpr size_t kBaseBufferBytes = 1u << 20;

// The line buffer lives in malloc'd memory so that growing it is a realloc, which glibc does by
// remapping large blocks: growing towards max_line_bytes never holds the old and new buffer at once.
struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<char, FreeDeleter>;

Buffer AllocateBuffer(size_t bytes) {
  char* p = static_cast<char*>(std::malloc(bytes));
  if (p == nullptr) throw std::bad_alloc();
  return Buffer(p);
}

class LineReaderImpl final : public LineReader {
 public:
  LineReaderImpl(std::string path, const LineReaderOptions& options,
                 std::unique_ptr<io::ByteSource> source)
      : path_(std::move(path)),
        options_(options),
        source_(std::move(source)),
        buf_(AllocateBuffer(kBaseBufferBytes)),
        cap_(kBaseBufferBytes) {}

  bool Next(Line* line) override;
  const std::vector<ReadIssue>& issues() const override { return issues_; }
  uint64_t file_bytes_read() const override { return source_->file_bytes_read(); }
  uint64_t file_size() const override { return source_->file_size(); }
  const std::string& path() const override { return path_; }

 private:
  // Decodes more bytes behind the partial line. Returns false at the end of the input.
  bool Refill();
  void Deliver(size_t len, size_t consumed, Line* line);
  void ReportTooLong(uint64_t number, uint64_t offset, uint64_t length, bool at_eof);

  std::string path_;
  LineReaderOptions options_;
  std::unique_ptr<io::ByteSource> source_;
  std::vector<ReadIssue> issues_;

  Buffer buf_;
  size_t cap_;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scan_ = 0;
  uint64_t base_offset_ = 0;  // decoded-stream offset of buf_[0]
  bool eof_ = false;
  uint64_t next_number_ = 1;

  bool skipping_ = false;  // inside an over-long line, discarding bytes up to its '\n'
  uint64_t skip_number_ = 0;
  uint64_t skip_offset_ = 0;
  uint64_t skip_length_ = 0;
};

void LineReaderImpl::ReportTooLong(uint64_t number, uint64_t offset, uint64_t length,
                                   bool at_eof) {
  issues_.push_back(ReadIssue{
      ReadIssue::Kind::kLineTooLong, path_, offset, number,
      "line of " + std::to_string(length) + " bytes" + (at_eof ? " (unterminated)" : "") +
          " exceeds max_line_bytes " + std::to_string(options_.max_line_bytes) + "; skipped"});
}

void LineReaderImpl::Deliver(size_t len, size_t consumed, Line* line) {
  line->text = std::string_view(buf_.get() + begin_, len);
  line->number = next_number_++;
  line->offset = base_offset_ + begin_;
  if (options_.check_utf8 && !io::IsValidUtf8(line->text.data(), line->text.size())) {
    issues_.push_back(ReadIssue{ReadIssue::Kind::kInvalidUtf8, path_, line->offset, line->number,
                                "line is not valid UTF-8"});
  }
  begin_ += consumed;
  scan_ = begin_;
}

bool LineReaderImpl::Refill() {
  if (eof_) return false;
  size_t pending = end_ - begin_;
  if (cap_ > kBaseBufferBytes && pending < kBaseBufferBytes / 2) {
    // A long line made the buffer grow; give the memory back.
    Buffer small = AllocateBuffer(kBaseBufferBytes);
    std::memcpy(small.get(), buf_.get() + begin_, pending);
    buf_ = std::move(small);
    cap_ = kBaseBufferBytes;
    base_offset_ += begin_;
    scan_ -= begin_;
    begin_ = 0;
    end_ = pending;
  } else if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, pending);
    base_offset_ += begin_;
    scan_ -= begin_;
    begin_ = 0;
    end_ = pending;
  }
  if (end_ == cap_) {
    // Room for a partial line of max_line_bytes + 1 bytes, the least that proves it too long.
    size_t want = std::max(cap_ * 2, cap_ + 1);
    size_t limit = options_.max_line_bytes == SIZE_MAX ? SIZE_MAX : options_.max_line_bytes + 1;
    size_t new_cap = std::max(cap_ + 1, std::min(want, limit));
    char* bigger = static_cast<char*>(std::realloc(buf_.get(), new_cap));
    if (bigger == nullptr) throw std::bad_alloc();
    (void)buf_.release();
    buf_.reset(bigger);
    cap_ = new_cap;
  }
  size_t n = source_->Read(buf_.get() + end_, cap_ - end_, &issues_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReaderImpl::Next(Line* line) {
  const size_t max = options_.max_line_bytes;
  for (;;) {
    if (skipping_) {
      const char* start = buf_.get() + begin_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
      if (nl != nullptr) {
        skip_length_ += static_cast<uint64_t>(nl - start);
        if (skip_length_ > 0 && nl > start && nl[-1] == '\r') --skip_length_;
        begin_ = scan_ = static_cast<size_t>(nl - buf_.get()) + 1;
        skipping_ = false;
        ReportTooLong(skip_number_, skip_offset_, skip_length_, false);
        continue;
      }
      skip_length_ += end_ - begin_;
      base_offset_ += end_;
      begin_ = end_ = scan_ = 0;
      if (!Refill()) {
        skipping_ = false;
        ReportTooLong(skip_number_, skip_offset_, skip_length_, true);
        return false;
      }
      continue;
    }

    const char* nl =
        static_cast<const char*>(std::memchr(buf_.get() + scan_, '\n', end_ - scan_));
    if (nl != nullptr) {
      size_t end = static_cast<size_t>(nl - buf_.get());
      size_t len = end - begin_;
      if (len > 0 && nl[-1] == '\r') --len;
      if (len > max) {
        ReportTooLong(next_number_++, base_offset_ + begin_, len, false);
        begin_ = scan_ = end + 1;
        continue;
      }
      Deliver(len, end + 1 - begin_, line);
      return true;
    }
    scan_ = end_;
    if (eof_) {
      if (begin_ == end_) return false;
      size_t len = end_ - begin_;
      if (len > max) {
        ReportTooLong(next_number_++, base_offset_ + begin_, len, true);
        begin_ = scan_ = end_;
        return false;
      }
      Deliver(len, len, line);
      return true;
    }
    if (end_ - begin_ > max) {
      skipping_ = true;
      skip_number_ = next_number_++;
      skip_offset_ = base_offset_ + begin_;
      skip_length_ = end_ - begin_;
      base_offset_ += end_;
      begin_ = end_ = scan_ = 0;
      continue;
    }
    Refill();
  }
}

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path,
                                                     const LineReaderOptions& options) {
  if (path == "-") return Status::NotSupported("reading standard input (\"-\") is not supported");
  auto decoder = io::FileDecoder::Open(path);
  if (!decoder.has_value()) return decoder.error();
  std::unique_ptr<io::ByteSource> source = std::move(decoder).value();
  if (options.decode_in_background) {
    source = std::make_unique<io::PrefetchingSource>(std::move(source));
  }
  return std::unique_ptr<LineReader>(
      std::make_unique<LineReaderImpl>(path, options, std::move(source)));
}

}  // namespace forensics
