// Container decoding for LineReader: plain / zstd / gzip members, truncation and corruption
// handling, resynchronisation, and the background-prefetch wrapper. See decoders.h.
#include "io/decoders.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "forensics/input_spool.h"
#include "io/huge_pages.h"

namespace forensics::io {
namespace {

constexpr size_t kInputBufferBytes = 256u << 10;
// How many bytes after a compressed member are examined to decide whether they are text.
constexpr size_t kTextProbeBytes = 64;
// Longest magic plus the header byte we validate.
constexpr size_t kMagicLookahead = 5;

bool IsZstdMagic(const unsigned char* p) {
  return p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD;
}
bool IsSkippableMagic(const unsigned char* p) {
  return (p[0] & 0xF0) == 0x50 && p[1] == 0x2A && p[2] == 0x4D && p[3] == 0x18;
}

// A stricter test than SniffMember, for magics found inside other data (plain text, or the
// bytes after a corrupt member): the header bits that must be zero are checked too.
// REQUIRES: n >= kMagicLookahead bytes readable at p, or the check fails safely with fewer.
bool IsValidatedMagic(const unsigned char* p, size_t n) {
  if (n >= 5 && IsZstdMagic(p)) return (p[4] & 0x08) == 0;  // frame header reserved bit
  if (n >= 4 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 0x08) return (p[3] & 0xE0) == 0;
  return false;
}

// First offset s in [0, n) at which a validated magic starts, given `limit` (>= n) readable
// bytes at p. Returns n if there is none.
size_t FindValidatedMagic(const unsigned char* p, size_t n, size_t limit) {
  size_t best = n;
  // The second byte of each magic is rare in text and in compressed data, so search for it.
  for (unsigned char second : {static_cast<unsigned char>(0xB5), static_cast<unsigned char>(0x8B)}) {
    size_t end = std::min(best + 1, limit);
    size_t from = 1;
    while (from < end) {
      const void* hit = std::memchr(p + from, second, end - from);
      if (hit == nullptr) break;
      size_t at = static_cast<size_t>(static_cast<const unsigned char*>(hit) - p);
      if (IsValidatedMagic(p + at - 1, limit - (at - 1))) {
        best = at - 1;
        break;
      }
      from = at + 1;
    }
  }
  return best;
}

bool LooksLikeText(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r' || c == 0x1B || c == '\f' || c == '\v' ||
        c == '\b') {
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

MemberKind SniffMember(const unsigned char* p, size_t n) {
  if (n >= 4 && IsZstdMagic(p)) return MemberKind::kZstd;
  if (n >= 4 && IsSkippableMagic(p)) return MemberKind::kZstdSkippable;
  if (n >= 2 && p[0] == 0x1F && p[1] == 0x8B) return MemberKind::kGzip;
  return MemberKind::kPlain;
}

struct FileDecoder::ZstdState {
  ZSTD_DStream* ds = nullptr;
  ~ZstdState() { ZSTD_freeDStream(ds); }
};

struct FileDecoder::GzipState {
  z_stream zs{};
  bool initialised = false;
  ~GzipState() {
    if (initialised) inflateEnd(&zs);
  }
};

Result<std::unique_ptr<FileDecoder>> FileDecoder::Open(const std::string& path, size_t read_bytes) {
  auto readable = ReadablePath(path);
  if (!readable) return readable.error();
  int fd = ::open(readable->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IoError(path + ": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::IoError(path + ": is a directory");
  }
#ifdef POSIX_FADV_SEQUENTIAL
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::unique_ptr<FileDecoder>(
      new FileDecoder(fd, path, S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0,
                      read_bytes == 0 ? kInputBufferBytes : std::clamp<size_t>(read_bytes, kTextProbeBytes, kInputBufferBytes)));
}

FileDecoder::FileDecoder(int fd, std::string path, uint64_t size, size_t read_bytes)
    : fd_(fd),
      path_(std::move(path)),
      file_size_(size),
      in_(new unsigned char[read_bytes]),
      in_cap_(read_bytes) {}

FileDecoder::~FileDecoder() { ::close(fd_); }

void FileDecoder::AddIssue(ReadIssue::Kind kind, uint64_t offset, std::string what,
                           std::vector<ReadIssue>* issues) {
  issues->push_back(ReadIssue{kind, path_, offset, 0, std::move(what)});
}

size_t FileDecoder::Fill(size_t want, std::vector<ReadIssue>* issues) {
  if (Avail() >= want || file_eof_) return Avail();
  if (in_pos_ > 0) {
    std::memmove(in_.get(), in_.get() + in_pos_, Avail());
    in_file_off_ += in_pos_;
    in_len_ -= in_pos_;
    in_pos_ = 0;
  }
  while (in_len_ < want && !file_eof_) {
    ssize_t r = ::read(fd_, in_.get() + in_len_, in_cap_ - in_len_);
    if (r < 0) {
      if (errno == EINTR) continue;
      AddIssue(ReadIssue::Kind::kIoError, in_file_off_ + in_len_,
               std::string("read failed: ") + std::strerror(errno), issues);
      file_eof_ = true;
      break;
    }
    if (r == 0) {
      file_eof_ = true;
      break;
    }
    in_len_ += static_cast<size_t>(r);
    uint64_t end = in_file_off_ + in_len_;
    if (end > bytes_read_.load(std::memory_order_relaxed)) {
      bytes_read_.store(end, std::memory_order_relaxed);
    }
  }
  return Avail();
}

void FileDecoder::StartMember(State state) {
  member_start_ = Pos();
  state_ = state;
  if (state == State::kZstd) {
    if (!zstd_) {
      zstd_ = std::make_unique<ZstdState>();
      zstd_->ds = ZSTD_createDStream();
    }
    ZSTD_DCtx_reset(zstd_->ds, ZSTD_reset_session_only);
  } else if (state == State::kGzip) {
    if (!gzip_) gzip_ = std::make_unique<GzipState>();
    if (!gzip_->initialised) {
      gzip_->initialised = inflateInit2(&gzip_->zs, 15 + 16) == Z_OK;
    } else {
      inflateReset(&gzip_->zs);
    }
  }
}

void FileDecoder::Corrupt(const std::string& what, std::vector<ReadIssue>* issues) {
  AddIssue(ReadIssue::Kind::kCorruptFrame, member_start_, what, issues);
  resync_from_ = member_start_ + 1;
  state_ = State::kResync;
}

void FileDecoder::Sniff(std::vector<ReadIssue>* issues) {
  size_t n = Fill(kTextProbeBytes, issues);
  if (n == 0) {
    state_ = State::kDone;
    return;
  }
  const unsigned char* p = in_.get() + in_pos_;
  switch (SniffMember(p, n)) {
    case MemberKind::kZstd:
    case MemberKind::kZstdSkippable:
      StartMember(State::kZstd);
      if (!zstd_->ds) Corrupt("zstd: cannot allocate a decompression context", issues);
      return;
    case MemberKind::kGzip:
      StartMember(State::kGzip);
      if (!gzip_->initialised) Corrupt("gzip: cannot initialise zlib", issues);
      return;
    case MemberKind::kPlain:
      break;
  }
  if (!after_compressed_) {
    StartMember(State::kPlain);
    return;
  }
  if (p[0] == 0) {
    state_ = State::kTrailingZeros;
    return;
  }
  if (LooksLikeText(p, std::min(n, kTextProbeBytes))) {
    StartMember(State::kPlain);
    return;
  }
  member_start_ = Pos();
  Corrupt("unrecognised data after a compressed member (damaged header?)", issues);
}

void FileDecoder::SkipTrailingZeros(std::vector<ReadIssue>* issues) {
  while (Fill(1, issues) > 0) {
    const unsigned char* p = in_.get() + in_pos_;
    size_t n = Avail();
    size_t i = 0;
    while (i < n && p[i] == 0) ++i;
    in_pos_ += i;
    if (i < n) {
      state_ = State::kSniff;
      return;
    }
  }
  state_ = State::kDone;
}

void FileDecoder::Resync(std::vector<ReadIssue>* issues) {
  // Rewind to just after the damaged member's first byte: the next member may start anywhere
  // in the bytes the failed decoder already consumed.
  if (resync_from_ < in_file_off_ || resync_from_ > in_file_off_ + in_len_) {
    if (::lseek(fd_, static_cast<off_t>(resync_from_), SEEK_SET) < 0) {
      AddIssue(ReadIssue::Kind::kIoError, resync_from_,
               std::string("seek failed: ") + std::strerror(errno), issues);
      state_ = State::kDone;
      return;
    }
    in_file_off_ = resync_from_;
    in_pos_ = in_len_ = 0;
    file_eof_ = false;
  } else {
    in_pos_ = static_cast<size_t>(resync_from_ - in_file_off_);
  }
  for (;;) {
    size_t n = Fill(kMagicLookahead, issues);
    if (n == 0) break;
    const unsigned char* p = in_.get() + in_pos_;
    // Without the end of the file in view, only starts whose whole header is buffered count.
    size_t search = file_eof_ ? n : n - (kMagicLookahead - 1);
    size_t at = FindValidatedMagic(p, search, n);
    if (at < search) {
      in_pos_ += at;
      after_compressed_ = false;
      state_ = State::kSniff;
      return;
    }
    if (file_eof_) break;
    in_pos_ += search;
  }
  in_pos_ = in_len_;
  state_ = State::kDone;
}

size_t FileDecoder::ReadPlain(char* out, size_t cap, std::vector<ReadIssue>* issues) {
  size_t n = Fill(kMagicLookahead, issues);
  if (n == 0) {
    state_ = State::kDone;
    return 0;
  }
  const unsigned char* p = in_.get() + in_pos_;
  // Keep the last bytes back until more arrive, so a magic split across reads is still seen.
  size_t emit = file_eof_ ? n : n - (kMagicLookahead - 1);
  emit = std::min(emit, cap);
  size_t at = FindValidatedMagic(p, emit, n);
  if (at == 0) {
    after_compressed_ = false;
    state_ = State::kSniff;
    return 0;
  }
  if (at < emit) {
    emit = at;
    state_ = State::kSniff;
    after_compressed_ = false;
  }
  std::memcpy(out, p, emit);
  in_pos_ += emit;
  return emit;
}

size_t FileDecoder::ReadZstd(char* out, size_t cap, std::vector<ReadIssue>* issues) {
  ZSTD_outBuffer ob{out, cap, 0};
  for (;;) {
    bool at_eof = Fill(1, issues) == 0;
    ZSTD_inBuffer ib{in_.get() + in_pos_, Avail(), 0};
    size_t before = ob.pos;
    size_t r = ZSTD_decompressStream(zstd_->ds, &ob, &ib);
    in_pos_ += ib.pos;
    if (ZSTD_isError(r)) {
      Corrupt(std::string("zstd: ") + ZSTD_getErrorName(r) + " (detected near byte " +
                  std::to_string(Pos()) + ")",
              issues);
      return ob.pos;
    }
    if (r == 0) {
      after_compressed_ = true;
      state_ = State::kSniff;
      return ob.pos;
    }
    if (ob.pos == ob.size) return ob.pos;
    if (at_eof && ob.pos == before) {
      AddIssue(ReadIssue::Kind::kTruncatedFrame, member_start_,
               "zstd frame cut short at end of file (" + std::to_string(Pos() - member_start_) +
                   " bytes of the frame present)",
               issues);
      state_ = State::kDone;
      return ob.pos;
    }
  }
}

size_t FileDecoder::ReadGzip(char* out, size_t cap, std::vector<ReadIssue>* issues) {
  z_stream& zs = gzip_->zs;
  size_t produced = 0;
  cap = std::min<size_t>(cap, UINT_MAX);
  for (;;) {
    bool at_eof = Fill(1, issues) == 0;
    size_t avail = std::min<size_t>(Avail(), UINT_MAX);
    zs.next_in = in_.get() + in_pos_;
    zs.avail_in = static_cast<uInt>(avail);
    zs.next_out = reinterpret_cast<Bytef*>(out + produced);
    zs.avail_out = static_cast<uInt>(cap - produced);
    int r = inflate(&zs, Z_NO_FLUSH);
    in_pos_ += avail - zs.avail_in;
    size_t before = produced;
    produced = cap - zs.avail_out;
    if (r == Z_STREAM_END) {
      after_compressed_ = true;
      state_ = State::kSniff;
      return produced;
    }
    if (r != Z_OK && r != Z_BUF_ERROR) {
      Corrupt(std::string("gzip: ") + (zs.msg ? zs.msg : "inflate error " + std::to_string(r)) +
                  " (detected near byte " + std::to_string(Pos()) + ")",
              issues);
      return produced;
    }
    if (produced == cap) return produced;
    if (at_eof && produced == before) {
      AddIssue(ReadIssue::Kind::kTruncatedFrame, member_start_,
               "gzip member cut short at end of file (" + std::to_string(Pos() - member_start_) +
                   " bytes of the member present)",
               issues);
      state_ = State::kDone;
      return produced;
    }
  }
}

size_t FileDecoder::Read(char* out, size_t cap, std::vector<ReadIssue>* issues) {
  while (cap > 0) {
    size_t n = 0;
    switch (state_) {
      case State::kDone:
        return 0;
      case State::kSniff:
        Sniff(issues);
        break;
      case State::kTrailingZeros:
        SkipTrailingZeros(issues);
        break;
      case State::kResync:
        Resync(issues);
        break;
      case State::kPlain:
        n = ReadPlain(out, cap, issues);
        break;
      case State::kZstd:
        n = ReadZstd(out, cap, issues);
        break;
      case State::kGzip:
        n = ReadGzip(out, cap, issues);
        break;
    }
    if (n > 0) return n;
  }
  return 0;
}

namespace {

// A chunk buffer. Those of kHugePageBytes or more are huge-page mappings of their own
// (io/huge_pages.h): where the kernel grants them, a buffer costs one page fault instead of one
// per 4 KiB page (faults on fresh memory are most of what a buffer costs on some virtual machines).
class ChunkMemory {
 public:
  explicit ChunkMemory(size_t bytes) {
    if (bytes < kHugePageBytes) {
      heap_.reset(new char[bytes]);
      data_ = heap_.get();
      return;
    }
    mapped_ = bytes;
    data_ = static_cast<char*>(MapHugePages(bytes));
  }
  ~ChunkMemory() {
    if (mapped_ != 0) UnmapHugePages(data_, mapped_);
  }
  ChunkMemory(const ChunkMemory&) = delete;
  ChunkMemory& operator=(const ChunkMemory&) = delete;
  char* data() const { return data_; }

 private:
  std::unique_ptr<char[]> heap_;
  char* data_ = nullptr;
  size_t mapped_ = 0;  // bytes asked of MapHugePages, 0 for a heap buffer
};

}  // namespace

struct PrefetchingSource::Pool {
  std::mutex mu;
  std::vector<std::unique_ptr<ChunkMemory>> free;
  size_t bytes = 0;  // of each buffer
  size_t keep = 0;   // free buffers kept at most

  static std::shared_ptr<char> Get(const std::shared_ptr<Pool>& pool) {
    std::unique_ptr<ChunkMemory> buf;
    {
      std::lock_guard<std::mutex> lock(pool->mu);
      if (!pool->free.empty()) {
        buf = std::move(pool->free.back());
        pool->free.pop_back();
      }
    }
    if (!buf) buf = std::make_unique<ChunkMemory>(pool->bytes);
    char* data = buf->data();
    return std::shared_ptr<char>(data, [pool, memory = buf.release()](char*) {
      std::unique_ptr<ChunkMemory> back(memory);
      std::lock_guard<std::mutex> lock(pool->mu);
      if (pool->free.size() < pool->keep) pool->free.push_back(std::move(back));
    });
  }
};

PrefetchingSource::PrefetchingSource(std::unique_ptr<ByteSource> inner, size_t chunk_bytes,
                                     size_t max_chunks, std::function<bool()> idle_work)
    : inner_(std::move(inner)),
      chunk_bytes_(std::max<size_t>(chunk_bytes, 1)),
      headroom_(std::min<size_t>(chunk_bytes_ / 4, 32u << 10)),
      max_chunks_(std::max<size_t>(max_chunks, 1)),
      idle_work_(std::move(idle_work)),
      pool_(std::make_shared<Pool>()) {
  pool_->bytes = headroom_ + chunk_bytes_;
  pool_->keep = max_chunks_ + 4;
  thread_ = std::thread([this] { Run(); });
}

PrefetchingSource::~PrefetchingSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PrefetchingSource::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto may_go_on = [&] { return stop_ || ready_.size() < max_chunks_; };
      while (!may_go_on()) {
        if (!idle_work_) {
          cv_.wait(lock, may_go_on);
          break;
        }
        lock.unlock();
        bool worked = idle_work_();
        lock.lock();
        // Nothing to do: sleep until a chunk is taken, or a moment, then ask again.
        if (!worked) cv_.wait_for(lock, std::chrono::microseconds(200), may_go_on);
      }
      if (stop_) return;
    }
    Chunk chunk;
    chunk.buf = Pool::Get(pool_);
    char* out = chunk.buf.get() + headroom_;
    while (chunk.size < chunk_bytes_) {
      size_t n = inner_->Read(out + chunk.size, chunk_bytes_ - chunk.size, &chunk.issues);
      if (n == 0) {
        chunk.last = true;
        break;
      }
      chunk.size += n;
    }
    bool last = chunk.last;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_.push_back(std::move(chunk));
    }
    cv_.notify_all();
    if (last) return;
  }
}

bool PrefetchingSource::Advance(std::vector<ReadIssue>* issues) {
  // The current chunk is used up: its issues come after its bytes.
  if (current_.buf || current_.last) {
    for (ReadIssue& issue : current_.issues) issues->push_back(std::move(issue));
    if (current_.last) {
      done_ = true;
      current_.buf.reset();
      return false;
    }
  }
  Chunk next;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !ready_.empty(); });
    next = std::move(ready_.front());
    ready_.pop_front();
  }
  cv_.notify_all();  // the decoding thread may go on
  current_ = std::move(next);  // lets the previous chunk's buffer go, unless it was taken
  current_pos_ = 0;
  return true;
}

size_t PrefetchingSource::Read(char* out, size_t cap, std::vector<ReadIssue>* issues) {
  size_t copied = 0;
  while (copied < cap && !done_) {
    if (current_.buf && current_pos_ < current_.size) {
      size_t n = std::min(cap - copied, current_.size - current_pos_);
      std::memcpy(out + copied, current_.buf.get() + headroom_ + current_pos_, n);
      current_pos_ += n;
      copied += n;
      continue;
    }
    if (!Advance(issues)) break;
  }
  return copied;
}

bool PrefetchingSource::TakeChunk(ChunkView* view, std::vector<ReadIssue>* issues) {
  while (!done_) {
    if (current_.buf && current_pos_ < current_.size) {
      view->owner = current_.buf;
      view->data = current_.buf.get() + headroom_ + current_pos_;
      view->size = current_.size - current_pos_;
      view->room = headroom_ + current_pos_;  // bytes already copied out by Read() may go too
      current_pos_ = current_.size;
      // Read() past the chunk's end: its issues follow its bytes.
      for (ReadIssue& issue : current_.issues) issues->push_back(std::move(issue));
      current_.issues.clear();
      return true;
    }
    if (!Advance(issues)) break;
  }
  return false;
}

bool FindNewlines(const char* p, size_t n, std::vector<size_t>* at) {
  size_t i = 0;
  unsigned char high = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  __m128i any = _mm_setzero_si128();
  for (; i + 64 <= n; i += 64) {
    const __m128i* q = reinterpret_cast<const __m128i*>(p + i);
    __m128i a = _mm_loadu_si128(q), b = _mm_loadu_si128(q + 1);
    __m128i c = _mm_loadu_si128(q + 2), d = _mm_loadu_si128(q + 3);
    any = _mm_or_si128(any, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
    uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, nl)))) |
                 (static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, nl)))) << 16) |
                 (static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(c, nl)))) << 32) |
                 (static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(d, nl)))) << 48);
    for (; m != 0; m &= m - 1) at->push_back(i + static_cast<size_t>(__builtin_ctzll(m)));
  }
  if (_mm_movemask_epi8(any) != 0) high = 0x80;
#endif
  for (; i < n; ++i) {
    high |= static_cast<unsigned char>(p[i]);
    if (p[i] == '\n') at->push_back(i);
  }
  return high < 0x80;
}

bool IsValidUtf8(const char* s, size_t n) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s);
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace forensics::io
