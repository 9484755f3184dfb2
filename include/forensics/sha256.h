// SHA-256 with a batched backend picked once per process from a best-first list.
//
// Backends (portable scalar, SHA-NI, AVX2 8-lane, AVX-512 16-lane) share one interface. The first
// call to Active() walks AllBackends() in order and takes the first one the CPU supports that passes
// a known-answer self-test. Force() overrides the choice (still subject to CPU support and the
// self-test). The library reads no environment variable: the CLI applies FORENSICS_SHA256_BACKEND and
// --hash-backend through Force(); another front end calls it the same way.
#ifndef FORENSICS_SHA256_H_
#define FORENSICS_SHA256_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "forensics/status.h"
#include "forensics/types.h"

namespace forensics::sha256 {

struct Backend {
  std::string_view name;  // "avx512x16", "avx2x8", "shani", "scalar"
  uint32_t required_isa;  // cpu feature bits (see cpu_features), 0 for scalar
  size_t lanes;           // independent messages per kernel call
  // n messages of exactly 64 bytes (merkle inner nodes), contiguous; out gets n × 32 bytes.
  void (*hash64_many)(const uint8_t* in, uint8_t* out, size_t n);
  // n messages of exactly 48 bytes (state leaves: address ‖ balance LE ‖ nonce LE).
  void (*hash48_many)(const uint8_t* in, uint8_t* out, size_t n);
  // One message of any length.
  void (*hash)(const uint8_t* in, size_t len, uint8_t* out);
};

// Every backend compiled in, best first.
std::span<const Backend* const> AllBackends();
// True if the running CPU has the instructions the backend needs.
bool Supported(const Backend& b);
// The instructions the backend needs that the running CPU lacks ("sha avx2"), empty if Supported.
std::string MissingFeatures(const Backend& b);
// Known-answer test of all three entry points, including lane edge cases.
bool SelfTest(const Backend& b);
// The backend in use. Unless Force() ran first, the first call chooses the best supported one that
// passes SelfTest.
const Backend& Active();
// Makes `name` the active backend. InvalidArgument if unknown, NotSupported if the CPU lacks it or
// its self-test fails; the active backend is then unchanged.
Status Force(std::string_view name);

// Convenience entry points on the active backend.
Hash32 Hash(std::span<const uint8_t> msg);
inline Hash32 Hash(std::string_view s) {
  return Hash({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}
void Hash64Many(const uint8_t* in, uint8_t* out, size_t n);
void Hash48Many(const uint8_t* in, uint8_t* out, size_t n);

}  // namespace forensics::sha256

#endif  // FORENSICS_SHA256_H_
