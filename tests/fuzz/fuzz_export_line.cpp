// libFuzzer target: one NDJSON export line through ParseChainLine and ParseRecordLine (both
// profiles). Any input must give a value or a Status, never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "forensics/chain_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto meta = forensics::ParseChainLine(line, "fuzz:1");
  (void)meta;
  for (forensics::Profile p : {forensics::Profile::kNeta, forensics::Profile::kCoreV4}) {
    auto rec = forensics::ParseRecordLine(line, p, "fuzz:2");
    (void)rec;
  }
  return 0;
}
