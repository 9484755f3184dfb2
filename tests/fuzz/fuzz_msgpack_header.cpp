// libFuzzer target: the core-v4 msgpack header codec. Two round trips must hold:
//   decode(bytes) ok  ⇒  encode(decode(bytes), encoding found) == bytes   (strict decoding), and
//   decode(encode(h)) == h for both extra_data encodings.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "forensics/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  forensics::ExtraDataEncoding enc = forensics::ExtraDataEncoding::kArray;
  auto h = forensics::DecodeCoreV4Header(bytes, &enc);
  if (!h.has_value()) return 0;
  if (forensics::EncodeCoreV4Header(*h, enc) != bytes) std::abort();
  for (auto e : {forensics::ExtraDataEncoding::kArray, forensics::ExtraDataEncoding::kBin}) {
    forensics::ExtraDataEncoding found = forensics::ExtraDataEncoding::kArray;
    auto back = forensics::DecodeCoreV4Header(forensics::EncodeCoreV4Header(*h, e), &found);
    if (!back.has_value() || !(*back == *h) || found != e) std::abort();
  }
  return 0;
}
