// Container decoding for LineReader: turns a file made of plain, zstd and gzip members (in any
// concatenation) into one decoded byte stream, with fixed-size buffers and damage reported as
// ReadIssues. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_IO_DECODERS_H_
#define FORENSICS_CHAIN_IO_DECODERS_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "forensics/line_reader.h"
#include "forensics/result.h"

namespace forensics::io {

// A stream of decoded bytes.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Writes up to `cap` (> 0) decoded bytes to `out` and returns how many. 0 means the end of the
  // input; every later call returns 0 too. Damage found on the way is appended to *issues.
  virtual size_t Read(char* out, size_t cap, std::vector<ReadIssue>* issues) = 0;
  virtual uint64_t file_bytes_read() const = 0;
  virtual uint64_t file_size() const = 0;
};

// Which container a member is, from its first bytes.
enum class MemberKind { kPlain, kZstd, kZstdSkippable, kGzip };

// Classifies the bytes at `p` (n available). Returns kPlain when no magic matches. With fewer
// than 4 bytes only the gzip magic can match.
MemberKind SniffMember(const unsigned char* p, size_t n);

// Decodes one file in the calling thread.
//
// Member handling:
//  1. At the start of the file and after each compressed member the next bytes are sniffed.
//     zstd (including skippable frames) and gzip members are decoded; anything else is plain
//     text that runs until a compressed-member magic appears in it or the file ends. After a
//     compressed member, bytes that neither carry a magic nor look like text are reported as
//     kCorruptFrame (typically a damaged header) and skipped as in 3; trailing NUL padding is
//     ignored silently.
//  2. A member that ends with the file before it is complete is reported as kTruncatedFrame at
//     the member's first byte; what was decoded from it is kept.
//  3. A decoding error is reported as kCorruptFrame at the member's first byte; decoding then
//     resumes at the next zstd or gzip magic after that byte (validated header bits), or stops
//     at the end of the file.
class FileDecoder final : public ByteSource {
 public:
  // IoError if `path` cannot be opened or is a directory. An input that can be read only once
  // (a pipe, FIFO, "-") is read from its copy (input_spool.h); issues name `path`.
  // `read_bytes` (0: 256 KiB; at least 64) is the most read from the file at once.
  static Result<std::unique_ptr<FileDecoder>> Open(const std::string& path, size_t read_bytes = 0);
  ~FileDecoder() override;

  size_t Read(char* out, size_t cap, std::vector<ReadIssue>* issues) override;
  uint64_t file_bytes_read() const override { return bytes_read_.load(std::memory_order_relaxed); }
  uint64_t file_size() const override { return file_size_; }

 private:
  enum class State { kSniff, kPlain, kZstd, kGzip, kResync, kTrailingZeros, kDone };

  FileDecoder(int fd, std::string path, uint64_t size, size_t read_bytes);
  // Makes at least `want` unconsumed bytes available unless the file ends first. Returns the
  // number available. On a read error records kIoError and marks the end of input.
  size_t Fill(size_t want, std::vector<ReadIssue>* issues);
  size_t Avail() const { return in_len_ - in_pos_; }
  uint64_t Pos() const { return in_file_off_ + in_pos_; }
  void AddIssue(ReadIssue::Kind kind, uint64_t offset, std::string what,
                std::vector<ReadIssue>* issues);
  void StartMember(State state);

  size_t ReadPlain(char* out, size_t cap, std::vector<ReadIssue>* issues);
  size_t ReadZstd(char* out, size_t cap, std::vector<ReadIssue>* issues);
  size_t ReadGzip(char* out, size_t cap, std::vector<ReadIssue>* issues);
  void Sniff(std::vector<ReadIssue>* issues);
  void Resync(std::vector<ReadIssue>* issues);
  void SkipTrailingZeros(std::vector<ReadIssue>* issues);
  void Corrupt(const std::string& what, std::vector<ReadIssue>* issues);

  int fd_;
  std::string path_;
  uint64_t file_size_;
  std::atomic<uint64_t> bytes_read_{0};
  bool file_eof_ = false;

  std::unique_ptr<unsigned char[]> in_;
  size_t in_cap_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  uint64_t in_file_off_ = 0;  // file offset of in_[0]

  State state_ = State::kSniff;
  bool after_compressed_ = false;  // the previous member was compressed
  uint64_t member_start_ = 0;      // file offset of the current member's first byte
  uint64_t resync_from_ = 0;       // where the resynchronisation scan starts

  struct ZstdState;
  struct GzipState;
  std::unique_ptr<ZstdState> zstd_;
  std::unique_ptr<GzipState> gzip_;
};

// Runs a ByteSource on a background thread, a few fixed-size chunks ahead of the reader, so that
// decompression and the reader's own work use two cores.
//
// The chunks can be read by copy (Read) or taken whole (TakeChunk): then the reader reads its
// lines straight from the buffer the bytes were decoded into. Each chunk's bytes start `headroom`
// bytes into its buffer, so that a reader can put the partial line it holds right before them.
// A taken buffer goes back to the source's pool when its last holder lets it go; the source
// decodes ahead into at most max_chunks chunks not yet handed out, and allocates a buffer when
// none is free (the holders of taken chunks bound the rest).
class PrefetchingSource final : public ByteSource {
 public:
  // A buffer of headroom and chunk is then one 2 MiB huge page.
  static constexpr size_t kDefaultChunkBytes = (2u << 20) - (32u << 10);
  // headroom: chunk_bytes / 4, at most 32 KiB.
  // idle_work: see LineReaderOptions::background_idle_work.
  explicit PrefetchingSource(std::unique_ptr<ByteSource> inner,
                             size_t chunk_bytes = kDefaultChunkBytes, size_t max_chunks = 2,
                             std::function<bool()> idle_work = {});
  ~PrefetchingSource() override;

  size_t Read(char* out, size_t cap, std::vector<ReadIssue>* issues) override;
  uint64_t file_bytes_read() const override { return inner_->file_bytes_read(); }
  uint64_t file_size() const override { return inner_->file_size(); }

  struct ChunkView {
    std::shared_ptr<char> owner;  // the chunk's buffer
    char* data = nullptr;         // the bytes not read yet, in the decoded stream's order
    size_t size = 0;              // > 0
    size_t room = 0;              // bytes before data the holder may overwrite (>= headroom())
  };
  // Sets *view to the bytes of the current chunk that Read() has not returned, or else to the
  // next chunk, and returns true; false at the end of the input. The next Read() or TakeChunk()
  // goes on after them. The chunk's issues are appended with its bytes, as a Read() that reads
  // past its end appends them.
  bool TakeChunk(ChunkView* view, std::vector<ReadIssue>* issues);
  size_t headroom() const { return headroom_; }

 private:
  struct Pool;  // free chunk buffers, shared with the buffers handed out
  struct Chunk {
    std::shared_ptr<char> buf;  // the bytes are at buf + headroom_
    size_t size = 0;
    std::vector<ReadIssue> issues;  // found while decoding this chunk; reported after its bytes
    bool last = false;
  };
  void Run();
  // Moves past the current chunk (appending its issues) to the next one; false at the end.
  bool Advance(std::vector<ReadIssue>* issues);

  std::unique_ptr<ByteSource> inner_;
  size_t chunk_bytes_;
  size_t headroom_;
  size_t max_chunks_;
  std::function<bool()> idle_work_;
  std::shared_ptr<Pool> pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> ready_;
  bool stop_ = false;
  Chunk current_;
  size_t current_pos_ = 0;
  bool done_ = false;
  std::thread thread_;
};

// True if [p, p+n) is valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool IsValidUtf8(const char* p, size_t n);
// Appends the offset of every '\n' in [p, p+n) to *at, in order, and returns whether every byte
// is below 0x80 (then every line in it is valid UTF-8).
bool FindNewlines(const char* p, size_t n, std::vector<size_t>* at);

}  // namespace forensics::io

#endif  // FORENSICS_CHAIN_IO_DECODERS_H_
