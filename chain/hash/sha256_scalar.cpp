// Portable SHA-256 (FIPS 180-4): the reference every other kernel is checked against, and the
// fallback on CPUs without SHA-NI or AVX2. No ISA flags.
#include <cstring>

#include "hash/sha256_constants.h"
#include "hash/sha256_kernels.h"

namespace forensics::sha256::internal {
namespace {

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline uint32_t Sigma0(uint32_t x) { return Rotr(x, 2) ^ Rotr(x, 13) ^ Rotr(x, 22); }
inline uint32_t Sigma1(uint32_t x) { return Rotr(x, 6) ^ Rotr(x, 11) ^ Rotr(x, 25); }
inline uint32_t SmallSigma0(uint32_t x) { return Rotr(x, 7) ^ Rotr(x, 18) ^ (x >> 3); }
inline uint32_t SmallSigma1(uint32_t x) { return Rotr(x, 17) ^ Rotr(x, 19) ^ (x >> 10); }
inline uint32_t Ch(uint32_t e, uint32_t f, uint32_t g) { return g ^ (e & (f ^ g)); }
inline uint32_t Maj(uint32_t a, uint32_t b, uint32_t c) { return (a & b) | (c & (a | b)); }

inline uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline void StoreBe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline void StoreBe64(uint8_t* p, uint64_t v) {
  StoreBe32(p, static_cast<uint32_t>(v >> 32));
  StoreBe32(p + 4, static_cast<uint32_t>(v));
}

// The 64 rounds on schedule-plus-constant words kw[t] = K[t] + W[t]; adds the result into s.
inline void Rounds(uint32_t s[8], const uint32_t kw[64]) {
  uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
  for (int t = 0; t < 64; ++t) {
    const uint32_t t1 = h + Sigma1(e) + Ch(e, f, g) + kw[t];
    const uint32_t t2 = Sigma0(a) + Maj(a, b, c);
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  s[0] += a;
  s[1] += b;
  s[2] += c;
  s[3] += d;
  s[4] += e;
  s[5] += f;
  s[6] += g;
  s[7] += h;
}

// Expands w[0..16) to the full schedule and adds K.
inline void Schedule(uint32_t w[64]) {
  for (int t = 16; t < 64; ++t) {
    w[t] = SmallSigma1(w[t - 2]) + w[t - 7] + SmallSigma0(w[t - 15]) + w[t - 16];
  }
  for (int t = 0; t < 64; ++t) w[t] += kK[t];
}

void CompressBlock(uint32_t s[8], const uint8_t* block) {
  uint32_t w[64];
  for (int t = 0; t < 16; ++t) w[t] = LoadBe32(block + 4 * t);
  Schedule(w);
  Rounds(s, w);
}

inline void InitState(uint32_t s[8]) { std::memcpy(s, kInit, sizeof(kInit)); }

inline void StoreDigest(const uint32_t s[8], uint8_t* out) {
  for (int i = 0; i < 8; ++i) StoreBe32(out + 4 * i, s[i]);
}

}  // namespace

void ScalarHash(const uint8_t* in, size_t len, uint8_t* out) {
  uint32_t s[8];
  InitState(s);
  const size_t full = len / 64;
  for (size_t i = 0; i < full; ++i) CompressBlock(s, in + 64 * i);

  // Tail, 0x80, zeros, 64-bit big-endian bit length: one block if the tail is ≤ 55 bytes, else two.
  uint8_t tail[128] = {};
  const size_t rest = len % 64;
  if (rest) std::memcpy(tail, in + 64 * full, rest);
  tail[rest] = 0x80;
  const size_t tail_len = rest < 56 ? 64 : 128;
  StoreBe64(tail + tail_len - 8, static_cast<uint64_t>(len) * 8);
  CompressBlock(s, tail);
  if (tail_len == 128) CompressBlock(s, tail + 64);
  StoreDigest(s, out);
}

void ScalarHash64Many(const uint8_t* in, uint8_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t s[8];
    InitState(s);
    CompressBlock(s, in + 64 * i);
    Rounds(s, kPad64KW);
    StoreDigest(s, out + 32 * i);
  }
}

void ScalarHash48Many(const uint8_t* in, uint8_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* msg = in + 48 * i;
    uint32_t w[64];
    for (int t = 0; t < 12; ++t) w[t] = LoadBe32(msg + 4 * t);
    w[12] = kPad48W12;
    w[13] = 0;
    w[14] = 0;
    w[15] = kPad48W15;
    Schedule(w);
    uint32_t s[8];
    InitState(s);
    Rounds(s, w);
    StoreDigest(s, out + 32 * i);
  }
}

}  // namespace forensics::sha256::internal
