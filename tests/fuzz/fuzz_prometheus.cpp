// libFuzzer target: the Prometheus text exposition parser. A bad line is a problem, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "forensics/parity_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  forensics::PromParseResult r = forensics::ParsePrometheusText(text);
  for (const auto& s : r.samples) (void)s.Label("function");
  return 0;
}
