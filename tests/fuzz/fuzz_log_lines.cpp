// libFuzzer target: daemon and parity log lines. Each physical line goes through the per-line
// parser (every format: logrus JSON, journal JSON, journald short, Python text, plain) and the
// parity record parser; the whole input then goes through ScanLogs from a temporary file, which
// adds the multi-line parity report handling and year inference, and through ScanLogsAround, whose
// window must be the one SelectTimeline picks from the full scan. The two scans cost most of the
// time (threads, buffers): they run for one input in sixteen, picked by a hash of the input so that a
// reproducer always takes them, with small read buffers and decoding chunks.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "forensics/log_events.h"
#include "forensics/parity_log.h"
#include "logs/line_parser.h"
#include "fuzz_input_file.h"

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

  if (forensics::fuzz::Hash(data, size) % 16 != 0) return 0;
  const std::string& path = forensics::fuzz::WriteInputFile(data, size);
  forensics::LogScanOptions options;
  options.parse_threads = 1 + size % 2;
  options.reader.buffer_bytes = 4096;
  options.reader.background_chunk_bytes = 16384;
  forensics::LogScanResult result;
  if (!forensics::ScanLogs({path}, options, &result).ok()) return 0;
  if (result.event_count != result.events.size()) std::abort();

  // The timeline cut must agree with the full scan: same counts, the window SelectTimeline picks.
  forensics::TimelineAnchor anchor;
  anchor.height = size % 64;
  forensics::TimelineOptions to;
  to.events_before = to.events_after = 3;
  forensics::LogScanResult around;
  if (!forensics::ScanLogsAround({path}, options, anchor, to, &around).ok()) std::abort();
  if (around.event_count != result.event_count) std::abort();
  forensics::Timeline full = forensics::SelectTimeline(result.events, anchor, {}, to);
  if (full.entries.size() != around.events.size()) std::abort();
  for (size_t i = 0; i < around.events.size(); ++i) {
    const forensics::LogEvent& a = around.events[i];
    const forensics::LogEvent& b = result.events[full.entries[i].event_index];
    if (a.line != b.line || a.time_us != b.time_us || a.kind != b.kind) std::abort();
  }
  return 0;
}
