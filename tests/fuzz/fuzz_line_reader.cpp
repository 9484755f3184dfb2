// libFuzzer target: LineReader over arbitrary bytes (plain, zstd, gzip or a mix, detected by
// magic). Reading must end, with every damage recorded as a ReadIssue; lines are cut short
// (max_line_bytes 4 KiB) to exercise the overlong-line path, the line buffer is small (its size
// from the input), and UTF-8 is checked. NextBlock (limits taken from the input) must give the
// lines, numbers, offsets and issues of Next() (which releases each line for half the inputs), and
// so must Next() over small chunks decoded on a thread (decode_in_background), unless a member is
// corrupt. The threaded read is the slow part (a thread, and a hand-over per chunk): it runs for
// one input in eight, picked by a hash of the input so that a reproducer always takes it, over at
// most about 64 chunks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/line_reader.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = forensics::fuzz::WriteInputFile(data, size);

  forensics::LineReaderOptions options;
  options.max_line_bytes = 4096;
  options.check_utf8 = true;
  // A small buffer (size from the input): lines cross its end and make it grow, and no megabyte
  // is allocated per input.
  options.buffer_bytes = 64 + (size > 3 ? data[3] * 32 : 0);
  auto reader = forensics::LineReader::Open(path, options);
  if (!reader.has_value()) return 0;
  forensics::Line line;
  uint64_t last = 0;
  std::vector<std::string> lines;
  std::vector<uint64_t> numbers, offsets;
  // For half the inputs each line is released once taken (ReleaseLine): the reads below, which do
  // not release, must still give the same lines.
  const bool release = size > 2 && (data[2] & 1) != 0;
  while ((*reader)->Next(&line)) {
    if (line.number <= last || line.text.size() > options.max_line_bytes) std::abort();
    last = line.number;
    lines.emplace_back(line.text);
    numbers.push_back(line.number);
    offsets.push_back(line.offset);
    if (release) (*reader)->ReleaseLine();
  }
  const std::vector<forensics::ReadIssue> issues = (*reader)->issues();

  auto blocks = forensics::LineReader::Open(path, options);
  if (!blocks.has_value()) std::abort();
  const size_t max_bytes = 1 + (size > 0 ? data[0] * 37 : 0);
  const size_t max_lines = 1 + (size > 1 ? data[1] % 16 : 0);
  forensics::LineBlock block;
  size_t i = 0;
  while ((*blocks)->NextBlock(&block, max_bytes, max_lines)) {
    if (block.lines == 0 || block.lines > max_lines) std::abort();
    std::string_view text = block.text;
    size_t pos = 0;
    for (uint64_t n = 0; n < block.lines; ++n) {
      size_t nl = text.find('\n', pos);
      size_t end = nl == std::string_view::npos ? text.size() : nl;
      size_t len = end - pos;
      if (nl != std::string_view::npos && len > 0 && text[end - 1] == '\r') --len;
      if (i >= lines.size() || text.substr(pos, len) != lines[i] ||
          block.first_number + n != numbers[i] || block.offset + pos != offsets[i]) {
        std::abort();
      }
      ++i;
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    if (pos != text.size()) std::abort();
  }
  if (i != lines.size()) std::abort();
  const std::vector<forensics::ReadIssue>& block_issues = (*blocks)->issues();
  if (block_issues.size() != issues.size()) std::abort();
  for (size_t k = 0; k < issues.size(); ++k) {
    if (block_issues[k].kind != issues[k].kind || block_issues[k].offset != issues[k].offset ||
        block_issues[k].line != issues[k].line || block_issues[k].what != issues[k].what) {
      std::abort();
    }
  }

  // Decoded on a thread in small chunks (size from the input), the lines read from the chunks
  // themselves: the same lines, numbers, offsets and issues. Not after a corrupt member: how
  // much of it was decoded before the damage showed depends on the size of each read.
  for (const auto& issue : issues) {
    if (issue.kind == forensics::ReadIssue::Kind::kCorruptFrame) return 0;
  }
  if (forensics::fuzz::Hash(data, size) % 8 != 0) return 0;
  const uint64_t decoded = offsets.empty() ? size : offsets.back() + lines.back().size() + 2;
  forensics::LineReaderOptions chunked = options;
  chunked.decode_in_background = true;
  chunked.background_chunk_bytes = std::max<size_t>(16 + (size > 2 ? data[2] * 16 : 0), decoded / 64);
  auto threaded = forensics::LineReader::Open(path, chunked);
  if (!threaded.has_value()) std::abort();
  i = 0;
  while ((*threaded)->Next(&line)) {
    if (i >= lines.size() || line.text != lines[i] || line.number != numbers[i] ||
        line.offset != offsets[i]) {
      std::abort();
    }
    ++i;
  }
  if (i != lines.size()) std::abort();
  // The same issues; damage to the container (line 0) and line issues each in the same order
  // (the two interleave by where the chunks end).
  const std::vector<forensics::ReadIssue>& threaded_issues = (*threaded)->issues();
  if (threaded_issues.size() != issues.size()) std::abort();
  for (bool container : {true, false}) {
    std::vector<const forensics::ReadIssue*> a, b;
    for (const auto& issue : issues) {
      if ((issue.line == 0) == container) a.push_back(&issue);
    }
    for (const auto& issue : threaded_issues) {
      if ((issue.line == 0) == container) b.push_back(&issue);
    }
    if (a.size() != b.size()) std::abort();
    for (size_t k = 0; k < a.size(); ++k) {
      if (a[k]->kind != b[k]->kind || a[k]->offset != b[k]->offset || a[k]->line != b[k]->line ||
          a[k]->what != b[k]->what) {
        std::abort();
      }
    }
  }
  return 0;
}
