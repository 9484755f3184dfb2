// LineReader over a decoded byte stream (io/decoders.h): splits lines in one growable buffer,
// skips over-long lines without holding them, strips "\r\n", optionally checks UTF-8.
//
// Buffer outline:
//  1. The buffer's [begin_, end_) holds decoded bytes not yet returned; the search for '\n'
//     resumes at scan_ so that a partial line is never scanned twice.
//  2. A complete line is returned as a view into the buffer (no copy).
//  3. Without a '\n' in view, the partial line is moved to the front and more is decoded behind
//     it. The buffer grows only while the partial line fits in max_line_bytes; once the partial
//     line exceeds it, its bytes are dropped and the rest of it is skipped up to its '\n'
//     (memory stays bounded by max_line_bytes plus one chunk).
//  4. NextBlock() hands out the complete lines in view at once (one scan for their newlines)
//     and takes the path of Next() only where that one would refill the buffer or skip a line,
//     so both see the same lines, numbers, offsets and issues, in the same order.
//  5. When a decoding thread fills chunks (decode_in_background), a refill takes the next chunk
//     whole instead of copying it: the partial line, if it fits in the room the chunk leaves
//     before its bytes, is copied there and the chunk becomes the buffer the lines are read
//     from. A chunk is never written after that (blocks may point into it); a longer partial
//     line goes back to a buffer of our own, as in 3, and the chunks' bytes are copied behind it.
#include "forensics/line_reader.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "io/decoders.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace forensics {
namespace {

constexpr size_t kDefaultBufferBytes = 1u << 20;
constexpr size_t kMinBufferBytes = 64;
// Buffers kept for reuse once the blocks handed out from them are let go.
constexpr size_t kMaxSpareBuffers = 4;

// The length of the longest prefix of [p, p+n) that ends with a '\n' and holds at most
// max_lines (>= 1) of them, and in *lines how many it holds. 0 when there is no '\n'.
size_t CompleteLines(const char* p, size_t n, size_t max_lines, uint64_t* lines) {
  size_t count = 0, end = 0, i = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  for (; i + 64 <= n; i += 64) {
    const __m128i* q = reinterpret_cast<const __m128i*>(p + i);
    __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128(q), nl);
    __m128i b = _mm_cmpeq_epi8(_mm_loadu_si128(q + 1), nl);
    __m128i c = _mm_cmpeq_epi8(_mm_loadu_si128(q + 2), nl);
    __m128i d = _mm_cmpeq_epi8(_mm_loadu_si128(q + 3), nl);
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) == 0) continue;
    uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(a))) |
                 (static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(b))) << 16) |
                 (static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(c))) << 32) |
                 (static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(d))) << 48);
    while (m != 0) {
      end = i + static_cast<size_t>(__builtin_ctzll(m)) + 1;
      m &= m - 1;
      if (++count == max_lines) {
        *lines = count;
        return end;
      }
    }
  }
#endif
  for (; i < n; ++i) {
    if (p[i] != '\n') continue;
    end = i + 1;
    if (++count == max_lines) break;
  }
  *lines = count;
  return end;
}

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

// The line buffer, shared with the holders of the blocks handed out from it (LineBlock::owner).
struct Storage {
  Buffer bytes;
  size_t cap;
};

std::shared_ptr<Storage> NewStorage(size_t cap) {
  return std::make_shared<Storage>(Storage{AllocateBuffer(cap), cap});
}

class LineReaderImpl final : public LineReader {
 public:
  // `chunks`: the source itself when it is a PrefetchingSource, else null.
  LineReaderImpl(std::string path, const LineReaderOptions& options,
                 std::unique_ptr<io::ByteSource> source, io::PrefetchingSource* chunks)
      : path_(std::move(path)),
        options_(options),
        source_(std::move(source)),
        chunks_(chunks),
        base_bytes_(options.buffer_bytes == 0 ? kDefaultBufferBytes
                                              : std::max(options.buffer_bytes, kMinBufferBytes)),
        buf_(NewStorage(base_bytes_)),
        data_(buf_->bytes.get()),
        cap_(base_bytes_) {}

  bool Next(Line* line) override;
  bool NextBlock(LineBlock* block, size_t max_bytes, size_t max_lines) override;
  void ReleaseLine() override;
  const std::vector<ReadIssue>& issues() const override { return issues_; }
  uint64_t file_bytes_read() const override { return source_->file_bytes_read(); }
  uint64_t file_size() const override { return source_->file_size(); }
  const std::string& path() const override { return path_; }

 private:
  // Decodes more bytes behind the partial line. Returns false at the end of the input.
  bool Refill();
  void Deliver(size_t len, size_t consumed, Line* line);
  // Takes the complete lines at begin_ that fit in max_bytes, up to max_lines of them and up to
  // the first over-long one, without refilling. Returns how many (0: Next() must go on).
  uint64_t TakeLines(size_t max_bytes, size_t max_lines);
  void ReportTooLong(uint64_t number, uint64_t offset, uint64_t length, bool at_eof);
  char* data() const { return data_; }
  // Moves the partial line to a buffer of our own no block points into (see Refill).
  void SwitchBuffer();
  // The pending bytes, [begin_, end_) until now, have been copied to the start of `data`, a
  // buffer of `cap` bytes no block points into: it becomes the buffer the lines are read from.
  void Rebase(char* data, size_t cap);
  // Keeps our buffer as a spare when it has the base size and there is room, and lets it go.
  void RetireBuffer();
  // A long line made our buffer grow: when what is left of it fits the base size and no block
  // points into it, moves that to a buffer of the base size and gives the memory back.
  bool ShrinkGrownBuffer();
  // Step 5: the partial line (at most the chunk's room) and the next chunk become the buffer.
  // Returns false at the end of the input.
  bool TakeChunk();

  std::string path_;
  LineReaderOptions options_;
  std::unique_ptr<io::ByteSource> source_;
  io::PrefetchingSource* chunks_;
  std::vector<ReadIssue> issues_;
  const size_t base_bytes_;  // the size of a buffer of our own (LineReaderOptions::buffer_bytes)

  // The buffer the lines are read from: data_[0, cap_), in buf_ (ours) or in chunk_ (taken from
  // chunks_; then buf_ is null and cap_ == end_).
  std::shared_ptr<Storage> buf_;
  std::shared_ptr<char> chunk_;
  char* data_;
  size_t cap_;
  // Blocks handed out point into buf_[0, handed_end_); 0 when none is held any more (or the
  // buffer is a chunk, which is never written).
  size_t handed_end_ = 0;
  std::vector<std::shared_ptr<Storage>> spare_;  // earlier buffers, reused once no block holds them
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scan_ = 0;
  uint64_t base_offset_ = 0;  // decoded-stream offset of data_[0]
  bool eof_ = false;
  uint64_t next_number_ = 1;
  size_t delivered_at_ = 0;  // where the line Deliver() returned last starts in data_

  bool skipping_ = false;  // inside an over-long line, discarding bytes up to its '\n'
  uint64_t skip_number_ = 0;
  uint64_t skip_offset_ = 0;
  uint64_t skip_length_ = 0;
  bool skip_cr_ = false;  // the last byte skipped was a CR (not counted if a LF follows)
};

void LineReaderImpl::ReportTooLong(uint64_t number, uint64_t offset, uint64_t length,
                                   bool at_eof) {
  issues_.push_back(ReadIssue{
      ReadIssue::Kind::kLineTooLong, path_, offset, number,
      "line of " + std::to_string(length) + " bytes" + (at_eof ? " (unterminated)" : "") +
          " exceeds max_line_bytes " + std::to_string(options_.max_line_bytes) + "; skipped"});
}

void LineReaderImpl::Deliver(size_t len, size_t consumed, Line* line) {
  delivered_at_ = begin_;
  line->text = std::string_view(data() + begin_, len);
  line->number = next_number_++;
  line->offset = base_offset_ + begin_;
  if (options_.check_utf8 && !io::IsValidUtf8(line->text.data(), line->text.size())) {
    issues_.push_back(ReadIssue{ReadIssue::Kind::kInvalidUtf8, path_, line->offset, line->number,
                                "line is not valid UTF-8"});
  }
  begin_ += consumed;
  scan_ = begin_;
}

void LineReaderImpl::SwitchBuffer() {
  const size_t pending = end_ - begin_;
  const size_t cap = pending < base_bytes_ / 2 ? base_bytes_
                     : chunk_                  ? std::max(base_bytes_, pending)
                                               : cap_;
  std::shared_ptr<Storage> next;
  for (auto& spare : spare_) {
    if (spare.use_count() == 1 && spare->cap == cap) {
      next = std::move(spare);
      spare = std::move(spare_.back());
      spare_.pop_back();
      break;
    }
  }
  if (!next) next = NewStorage(cap);
  std::memcpy(next->bytes.get(), data() + begin_, pending);
  RetireBuffer();
  buf_ = std::move(next);
  chunk_.reset();
  Rebase(buf_->bytes.get(), cap);
}

void LineReaderImpl::Rebase(char* data, size_t cap) {
  const size_t pending = end_ - begin_;
  data_ = data;
  cap_ = cap;
  handed_end_ = 0;
  base_offset_ += begin_;
  scan_ -= begin_;
  begin_ = 0;
  end_ = pending;
}

bool LineReaderImpl::ShrinkGrownBuffer() {
  const size_t pending = end_ - begin_;
  if (cap_ <= base_bytes_ || pending >= base_bytes_ / 2 || handed_end_ > 0 || chunk_ || !buf_) return false;
  std::shared_ptr<Storage> small = NewStorage(base_bytes_);
  std::memcpy(small->bytes.get(), data() + begin_, pending);
  buf_ = std::move(small);
  Rebase(buf_->bytes.get(), base_bytes_);
  return true;
}

void LineReaderImpl::ReleaseLine() {
  if (cap_ <= base_bytes_ || handed_end_ > 0 || chunk_ || !buf_ || ShrinkGrownBuffer()) return;
  // More than half a buffer was read past the line: it moves to the front and the buffer is cut
  // to it (realloc of a large block gives the pages back in place). The next refill, once the
  // caller has taken those lines, goes back to a buffer of base_bytes_ (ShrinkGrownBuffer).
  const size_t pending = end_ - begin_;
  std::memmove(data(), data() + begin_, pending);
  Rebase(data(), cap_);
  const size_t cap = std::max(pending, base_bytes_);
  char* smaller = static_cast<char*>(std::realloc(data(), cap));
  if (smaller == nullptr) return;  // the larger buffer is kept, whole
  (void)buf_->bytes.release();
  buf_->bytes.reset(smaller);
  buf_->cap = cap;
  data_ = smaller;
  cap_ = cap;
}

void LineReaderImpl::RetireBuffer() {
  if (buf_ && cap_ == base_bytes_ && spare_.size() < kMaxSpareBuffers) spare_.push_back(std::move(buf_));
  buf_.reset();
}

bool LineReaderImpl::TakeChunk() {
  io::PrefetchingSource::ChunkView view;
  if (!chunks_->TakeChunk(&view, &issues_)) {
    eof_ = true;
    return false;
  }
  const size_t pending = end_ - begin_;
  char* start = view.data - pending;
  std::memcpy(start, data() + begin_, pending);
  RetireBuffer();
  chunk_ = std::move(view.owner);
  Rebase(start, pending + view.size);
  end_ = cap_;
  return true;
}

bool LineReaderImpl::Refill() {
  if (eof_) return false;
  size_t pending = end_ - begin_;
  if (chunks_ != nullptr && pending <= chunks_->headroom()) return TakeChunk();
  if (handed_end_ > 0 && buf_ && buf_.use_count() == 1) handed_end_ = 0;  // no block holds it any more
  if (handed_end_ > 0 || chunk_) {
    // Moving the partial line to the front or reading over the bytes of a block still held
    // would change that block: go on in another buffer.
    SwitchBuffer();
  } else if (ShrinkGrownBuffer()) {
  } else if (begin_ > 0) {
    std::memmove(data(), data() + begin_, pending);
    Rebase(data(), cap_);
  }
  if (end_ == cap_) {
    // Room for a partial line of max_line_bytes + 1 bytes, the least that proves it too long, and
    // one more for a CR that may end a line of max_line_bytes.
    size_t want = std::max(cap_ * 2, cap_ + 1);
    size_t limit = options_.max_line_bytes >= SIZE_MAX - 2 ? SIZE_MAX : options_.max_line_bytes + 2;
    size_t new_cap = std::max(cap_ + 1, std::min(want, limit));
    // No block points into the buffer here (handed_end_ is 0), so it may move.
    char* bigger = static_cast<char*>(std::realloc(data(), new_cap));
    if (bigger == nullptr) throw std::bad_alloc();
    (void)buf_->bytes.release();
    buf_->bytes.reset(bigger);
    buf_->cap = new_cap;
    data_ = bigger;
    cap_ = new_cap;
  }
  size_t n = source_->Read(data() + end_, cap_ - end_, &issues_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReaderImpl::Next(Line* line) {
  const size_t max = options_.max_line_bytes;
  // The long line returned last is not held while the caller works on the ones after it. A chunk
  // taken from the decoding thread (buf_ null) is larger than base_bytes_ but never grown: the
  // check keeps the call off every line.
  if (cap_ > base_bytes_ && buf_) ShrinkGrownBuffer();
  for (;;) {
    if (skipping_) {
      const char* start = data() + begin_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
      if (nl != nullptr) {
        skip_length_ += static_cast<uint64_t>(nl - start);
        // The line's CR may be the last byte of the buffer before this one.
        if (nl > start ? nl[-1] == '\r' : skip_cr_) --skip_length_;
        begin_ = scan_ = static_cast<size_t>(nl - data()) + 1;
        skipping_ = false;
        ReportTooLong(skip_number_, skip_offset_, skip_length_, false);
        continue;
      }
      skip_length_ += end_ - begin_;
      if (end_ > begin_) skip_cr_ = data()[end_ - 1] == '\r';
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
        static_cast<const char*>(std::memchr(data() + scan_, '\n', end_ - scan_));
    if (nl != nullptr) {
      size_t end = static_cast<size_t>(nl - data());
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
    // A trailing CR may be the line's own, its LF still to come: a line of max bytes and its CRLF fits.
    size_t partial = end_ - begin_;
    if (partial > 0 && data()[end_ - 1] == '\r') --partial;
    if (partial > max) {
      skipping_ = true;
      skip_number_ = next_number_++;
      skip_offset_ = base_offset_ + begin_;
      skip_length_ = end_ - begin_;
      skip_cr_ = data()[end_ - 1] == '\r';
      base_offset_ += end_;
      begin_ = end_ = scan_ = 0;
      continue;
    }
    Refill();
  }
}

uint64_t LineReaderImpl::TakeLines(size_t max_bytes, size_t max_lines) {
  if (skipping_ || begin_ == end_) return 0;
  const size_t max = options_.max_line_bytes;
  const size_t window = std::min(end_ - begin_, max_bytes);
  const char* p = data() + begin_;
  size_t len = 0;
  uint64_t count = 0;
  if (window <= max) {
    // Every whole line in the window is shorter than max_line_bytes.
    len = CompleteLines(p, window, max_lines, &count);
  } else {
    while (count < max_lines) {
      const char* nl = static_cast<const char*>(std::memchr(p + len, '\n', window - len));
      if (nl == nullptr) break;
      size_t line_len = static_cast<size_t>(nl - (p + len));
      if (line_len > 0 && nl[-1] == '\r') --line_len;
      if (line_len > max) break;  // Next() reports it
      len = static_cast<size_t>(nl - p) + 1;
      ++count;
    }
  }
  if (count == 0) return 0;
  if (options_.check_utf8) {
    size_t pos = 0;
    for (uint64_t i = 0; i < count; ++i) {
      const char* nl = static_cast<const char*>(std::memchr(p + pos, '\n', len - pos));
      size_t line_len = static_cast<size_t>(nl - (p + pos));
      if (line_len > 0 && nl[-1] == '\r') --line_len;
      if (!io::IsValidUtf8(p + pos, line_len)) {
        issues_.push_back(ReadIssue{ReadIssue::Kind::kInvalidUtf8, path_, base_offset_ + begin_ + pos,
                                    next_number_ + i, "line is not valid UTF-8"});
      }
      pos = static_cast<size_t>(nl - p) + 1;
    }
  }
  next_number_ += count;
  begin_ += len;
  scan_ = begin_;
  return count;
}

bool LineReaderImpl::NextBlock(LineBlock* block, size_t max_bytes, size_t max_lines) {
  max_bytes = std::max<size_t>(max_bytes, 1);
  max_lines = std::max<size_t>(max_lines, 1);
  size_t start = begin_;
  uint64_t first = next_number_;
  uint64_t lines = TakeLines(max_bytes, max_lines);
  if (lines == 0) {
    // A refill, an over-long line, the unterminated last line or a line longer than max_bytes:
    // one line the way of Next(), then whatever complete lines follow it in the buffer.
    Line line;
    if (!Next(&line)) return false;
    start = delivered_at_;
    first = line.number;
    lines = 1;
    size_t used = begin_ - start;
    if (used < max_bytes && max_lines > 1) lines += TakeLines(max_bytes - used, max_lines - 1);
  }
  block->text = std::string_view(data() + start, begin_ - start);
  if (chunk_) {
    block->owner = chunk_;
  } else {
    block->owner = buf_;
  }
  handed_end_ = begin_;
  block->first_number = first;
  block->offset = base_offset_ + start;
  block->lines = lines;
  return true;
}

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path,
                                                     const LineReaderOptions& options) {
  auto decoder = io::FileDecoder::Open(path, options.buffer_bytes);
  if (!decoder.has_value()) return decoder.error();
  std::unique_ptr<io::ByteSource> source = std::move(decoder).value();
  io::PrefetchingSource* chunks = nullptr;
  if (options.decode_in_background) {
    auto prefetch = std::make_unique<io::PrefetchingSource>(
        std::move(source),
        options.background_chunk_bytes != 0 ? options.background_chunk_bytes
                                            : io::PrefetchingSource::kDefaultChunkBytes,
        /*max_chunks=*/2, options.background_idle_work);
    chunks = prefetch.get();
    source = std::move(prefetch);
  }
  return std::unique_ptr<LineReader>(
      std::make_unique<LineReaderImpl>(path, options, std::move(source), chunks));
}

}  // namespace forensics
