// libFuzzer target: LineReader over arbitrary bytes (plain, zstd, gzip or a mix, detected by
// magic). Reading must end, with every damage recorded as a ReadIssue; lines are cut short
// (max_line_bytes 4 KiB) to exercise the overlong-line path, and UTF-8 is checked.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "forensics/line_reader.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = forensics::fuzz::WriteInputFile(data, size);

  forensics::LineReaderOptions options;
  options.max_line_bytes = 4096;
  options.check_utf8 = true;
  auto reader = forensics::LineReader::Open(path, options);
  if (!reader.has_value()) return 0;
  forensics::Line line;
  uint64_t last = 0;
  while ((*reader)->Next(&line)) {
    if (line.number <= last || line.text.size() > options.max_line_bytes) std::abort();
    last = line.number;
  }
  (void)(*reader)->issues();
  return 0;
}
