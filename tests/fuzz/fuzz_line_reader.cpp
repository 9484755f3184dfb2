// libFuzzer target: LineReader over arbitrary bytes (plain, zstd, gzip or a mix, detected by
// magic). Reading must end, with every damage recorded as a ReadIssue; lines are cut short
// (max_line_bytes 4 KiB) to exercise the overlong-line path, and UTF-8 is checked.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "forensics/line_reader.h"

namespace {

const std::string& TempPath() {
  static const std::string path = [] {
    // In memory (tmpfs) when there is one: every input is written to this file.
    std::string templ = std::string(access("/dev/shm", W_OK) == 0 ? "/dev/shm/" : "/tmp/") + "fuzz_line_reader-XXXXXX";
    int fd = mkstemp(templ.data());
    if (fd < 0) std::abort();
    close(fd);
    return templ;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = TempPath();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);

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
