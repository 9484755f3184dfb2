// LineReader: streams the lines of a plain, zstd (multi-frame) or gzip file, or of a concatenation
// of such members, detected by magic bytes rather than by file name. Never loads a whole file.
//
// Damage does not stop reading: a truncated or corrupt compressed member, a line longer than
// max_line_bytes, or (when asked) invalid UTF-8 is recorded as a ReadIssue with the file and byte
// offset, and reading goes on with what can still be read.
#ifndef FORENSICS_LINE_READER_H_
#define FORENSICS_LINE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/result.h"

namespace forensics {

struct ReadIssue {
  enum class Kind { kTruncatedFrame, kCorruptFrame, kLineTooLong, kInvalidUtf8, kIoError };
  Kind kind;
  std::string file;
  uint64_t offset = 0;  // byte offset: in the file for container damage, in the decoded text for line issues
  uint64_t line = 0;    // 1-based line number for line issues, 0 for container damage
  std::string what;     // human-readable description
};

struct LineReaderOptions {
  size_t max_line_bytes = 64u << 20;  // longer lines are skipped (counted, reported) without buffering them whole
  bool check_utf8 = false;            // report (and still deliver) lines that are not valid UTF-8
  // Decompress on a background thread, a few 2 MiB chunks ahead of Next(), so that decoding and
  // the caller's per-line work run on two cores. Same lines, issues and offsets either way.
  bool decode_in_background = false;
  // The size of those chunks (0: 2 MiB less 32 KiB). The lines are read from the chunks
  // themselves, without a copy; other sizes are for tests and measurements.
  size_t background_chunk_bytes = 0;
  // Work the decoding thread does, instead of sleeping, while it is as far ahead as it may go:
  // called from that thread with no lock held, it returns whether it did any (when not, the
  // thread sleeps a little and asks again). Lets a pipeline on few cores use the decoder's core
  // when decoding is not the slowest step.
  std::function<bool()> background_idle_work = nullptr;
  // The line buffer's size (0: 1 MiB; at least 64), which is also the most read from the file at
  // once (up to 256 KiB). Smaller sizes are for tests and fuzzing: more refills, less memory.
  size_t buffer_bytes = 0;
};

struct Line {
  std::string_view text;  // without the trailing "\n" or "\r\n"; valid until the next Next()
  uint64_t number = 0;    // 1-based line number in the decoded stream
  uint64_t offset = 0;    // byte offset of the line's first byte in the decoded stream
};

// Consecutive lines handed out at once (LineReader::NextBlock), for callers that split them
// themselves, for instance on other threads.
//
// `text` holds `lines` lines as they are in the decoded stream: each ends with "\n" (one "\r"
// before it belongs to the terminator, as Next() strips it), except the input's last line when it
// has no "\n"; that one is whole to the end of `text`, a "\r" at its end included. Splitting
// `text` that way gives exactly the lines, numbers (first_number, +1 per line) and offsets
// (offset + position in text) that Next() would have returned, and the reader's issues are the
// same, in the same order.
struct LineBlock {
  // Valid until the next Next() or NextBlock(), or for as long as a copy of `owner` is kept.
  std::string_view text;
  std::shared_ptr<const void> owner;  // holds the bytes of text, unchanged
  uint64_t first_number = 0;
  uint64_t offset = 0;  // byte offset of text[0] in the decoded stream
  uint64_t lines = 0;   // >= 1
};

class LineReader {
 public:
  // Opens `path`; "-" is standard input, and a pipe, FIFO or "-" is read from its copy
  // (input_spool.h), so it may be opened again. IoError if it cannot be opened.
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path,
                                                  const LineReaderOptions& options = {});
  virtual ~LineReader() = default;

  // Sets *line to the next line and returns true, or returns false at the end of the input.
  virtual bool Next(Line* line) = 0;
  // Sets *block to the next lines and returns true, or returns false at the end of the input:
  // as many whole lines as fit in max_bytes (a longer line comes alone) and at most max_lines
  // of them (both >= 1). Lines skipped as over-long never are in a block: a block's lines are
  // consecutive. May be mixed with Next().
  virtual bool NextBlock(LineBlock* block, size_t max_bytes, size_t max_lines) = 0;
  // The caller is done with the line Next() returned last: a buffer grown for a long line is
  // given back now rather than at the next Next() or refill, so that what the caller builds from
  // the line is not held beside it. What was read past the line stays.
  virtual void ReleaseLine() = 0;
  // Everything that was skipped or damaged so far, in order of occurrence.
  virtual const std::vector<ReadIssue>& issues() const = 0;
  // Bytes of the underlying file consumed so far and the file's size (for progress reporting).
  virtual uint64_t file_bytes_read() const = 0;
  virtual uint64_t file_size() const = 0;
  virtual const std::string& path() const = 0;
};

}  // namespace forensics

#endif  // FORENSICS_LINE_READER_H_
