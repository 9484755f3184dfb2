// libFuzzer target: the Python repr decoder. Any input decodes or is InvalidArgument; a decoded
// bytes value re-encoded with EncodePyBytesRepr must decode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "forensics/parity_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view repr(reinterpret_cast<const char*>(data), size);
  auto v = forensics::DecodePyRepr(repr);
  if (!v.has_value()) return 0;
  (void)forensics::PyValueDisplay(*v);
  if (v->kind == forensics::PyValue::Kind::kBytes) {
    auto again = forensics::DecodePyRepr(forensics::EncodePyBytesRepr(v->bytes));
    if (!again.has_value() || again->kind != forensics::PyValue::Kind::kBytes || again->bytes != v->bytes) {
      std::abort();
    }
  }
  return 0;
}
