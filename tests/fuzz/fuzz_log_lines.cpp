// libFuzzer target: daemon and parity log lines. Each physical line goes through the per-line
// parser (every format: logrus JSON, journal JSON, journald short, Python text, plain) and the
// parity record parser; the whole input then goes through ScanLogs from a temporary file, which
// adds the multi-line parity report handling, year inference and the timeline.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "forensics/log_events.h"
#include "forensics/parity.h"
#include "logs/line_parser.h"

namespace {

const std::string& TempPath() {
  static const std::string path = [] {
    std::string templ = "/tmp/fuzz_log_lines-XXXXXX";
    int fd = mkstemp(templ.data());
    if (fd < 0) std::abort();
    close(fd);
    return templ;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  forensics::logs::LineParser parser;
  forensics::logs::ParsedLine parsed;
  std::string error;
  forensics::ParityLogParser parity("fuzz.log", [](forensics::ParityRecord&&) {},
                                    [](forensics::ParityProblem&&) {});
  uint64_t number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++number;
    (void)parser.Parse(line, &parsed, &error);
    parity.AddLine(line, number, start);
    start = end + 1;
  }
  parity.Finish();

  const std::string& path = TempPath();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  forensics::LogScanResult result;
  auto st = forensics::ScanLogs({path}, forensics::LogScanOptions{}, &result);
  (void)st;
  return 0;
}
