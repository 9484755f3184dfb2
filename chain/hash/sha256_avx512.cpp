// SHA-256 on sixteen independent messages at once, one per 32-bit lane of the AVX-512 registers.
// Compiled with -mavx512f -mavx512bw -mavx512vl; call only when cpu::Detect() reports all three.
// Intrinsics and plain functions only.
//
// Same outline as sha256_avx2.cpp, with 16 lanes: transpose 16 × 16 words in, 64 lane-parallel
// rounds (vprord for rotations, vpternlogd for Ch, Maj and the three-way XORs), the padding block of
// 64-byte messages on precomputed K + W, transpose out. 48-byte messages are loaded with a 12-word
// mask, so nothing past a message is read. A batch shorter than sixteen goes through a stack buffer.
//
// The round is associated for a short dependency chain. With sixteen lanes in one group of registers
// the kernel is bound by the chain from one round's e to the next, not by throughput (on Zen 5 a
// vector add takes 2 cycles, a rotate feeding a vpternlogd about 5.7). The textbook
//     e' = d + ((h + Σ1(e)) + (Ch(e, f, g) + K + W))
// puts Σ1 and three adds on the chain (about 11.7 cycles a round); summing first what does not
// depend on e,
//     y = h + K + W,   e' = ((y + d) + Ch(e, f, g)) + Σ1(e),   a' = Σ0(a) + (Maj(a, b, c) + (y + Ch + Σ1)),
// leaves Σ1 and one add (about 7.7 cycles), for one add more per round: about 30% more hashes a
// second, measured. GCC's tree-reassoc pass would re-associate the adds back into the long chain, so
// this file is compiled with -fno-tree-reassoc (sources.cmake). The round constants come in through
// pointers of a function the compiler may not look into (noipa), so each K or K + W is a broadcast
// memory operand of the add instead of a load and a broadcast into a register (about 3% more).
// GCC 12's avx512fintrin.h passes _mm512_undefined_epi32() values as pass-through operands and then
// warns -Wuninitialized about them once inlined here (GCC bug 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>
#include <string.h>

#include "hash/sha256_constants.h"
#include "hash/sha256_kernels.h"

namespace forensics::sha256::internal {
namespace {

#define FORENSICS_INLINE inline __attribute__((always_inline))
// A function whose arguments the compiler may not propagate into it (GCC's noipa; clang has none).
#if defined(__clang__)
#define FORENSICS_NO_IPA __attribute__((noinline))
#else
#define FORENSICS_NO_IPA __attribute__((noipa))
#endif

using V = __m512i;
constexpr size_t kLanes = 16;

FORENSICS_INLINE V Add(V a, V b) { return _mm512_add_epi32(a, b); }
FORENSICS_INLINE V Broadcast(uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
// vpternlogd truth tables: x ^ y ^ z, (x ? y : z), majority(x, y, z).
FORENSICS_INLINE V Xor3(V x, V y, V z) { return _mm512_ternarylogic_epi32(x, y, z, 0x96); }
FORENSICS_INLINE V Ch(V e, V f, V g) { return _mm512_ternarylogic_epi32(e, f, g, 0xca); }
FORENSICS_INLINE V Maj(V a, V b, V c) { return _mm512_ternarylogic_epi32(a, b, c, 0xe8); }

FORENSICS_INLINE V BigSigma0(V x) {
  return Xor3(_mm512_ror_epi32(x, 2), _mm512_ror_epi32(x, 13), _mm512_ror_epi32(x, 22));
}
FORENSICS_INLINE V BigSigma1(V x) {
  return Xor3(_mm512_ror_epi32(x, 6), _mm512_ror_epi32(x, 11), _mm512_ror_epi32(x, 25));
}
FORENSICS_INLINE V SmallSigma0(V x) {
  return Xor3(_mm512_ror_epi32(x, 7), _mm512_ror_epi32(x, 18), _mm512_srli_epi32(x, 3));
}
FORENSICS_INLINE V SmallSigma1(V x) {
  return Xor3(_mm512_ror_epi32(x, 17), _mm512_ror_epi32(x, 19), _mm512_srli_epi32(x, 10));
}

FORENSICS_INLINE V ByteSwap(V x) {
  const V mask = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
  return _mm512_shuffle_epi8(x, mask);
}

// In-place 16 × 16 transpose of 32-bit words: r[j] word i ↔ r[i] word j.
FORENSICS_INLINE void Transpose16(V r[16]) {
  V t[16], u[16];
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
  }
  // u[4 g + w], 128-bit lane k: messages 4g..4g+3, word 4k + w.
#pragma GCC unroll 16
  for (int g = 0; g < 4; ++g) {
    u[4 * g + 0] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
    u[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
    u[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
    u[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
  }
  // 4 × 4 transpose of 128-bit lanes across u[w], u[4 + w], u[8 + w], u[12 + w].
#pragma GCC unroll 16
  for (int w = 0; w < 4; ++w) {
    const V v0 = _mm512_shuffle_i32x4(u[w], u[4 + w], 0x44);
    const V v1 = _mm512_shuffle_i32x4(u[w], u[4 + w], 0xee);
    const V v2 = _mm512_shuffle_i32x4(u[8 + w], u[12 + w], 0x44);
    const V v3 = _mm512_shuffle_i32x4(u[8 + w], u[12 + w], 0xee);
    r[w] = _mm512_shuffle_i32x4(v0, v2, 0x88);
    r[4 + w] = _mm512_shuffle_i32x4(v0, v2, 0xdd);
    r[8 + w] = _mm512_shuffle_i32x4(v1, v3, 0x88);
    r[12 + w] = _mm512_shuffle_i32x4(v1, v3, 0xdd);
  }
}

// One round on kw = K[t] + W[t]; logical word k (a = 0 … h = 7) of round t sits in x[(k - t) & 7].
// The association of the adds is the point (see the top of the file): do not simplify it.
#define FORENSICS_ROUND(x, t, kw)                                  \
  do {                                                             \
    V& a_ = x[(0 - (t)) & 7];                                      \
    V& b_ = x[(1 - (t)) & 7];                                      \
    V& c_ = x[(2 - (t)) & 7];                                      \
    V& d_ = x[(3 - (t)) & 7];                                      \
    V& e_ = x[(4 - (t)) & 7];                                      \
    V& f_ = x[(5 - (t)) & 7];                                      \
    V& g_ = x[(6 - (t)) & 7];                                      \
    V& h_ = x[(7 - (t)) & 7];                                      \
    const V y_ = Add(h_, (kw));                                    \
    const V ch_ = Ch(e_, f_, g_);                                  \
    const V s1_ = BigSigma1(e_);                                   \
    const V t1_ = Add(Add(y_, ch_), s1_);                          \
    d_ = Add(Add(Add(y_, d_), ch_), s1_); /* the new e */          \
    h_ = Add(BigSigma0(a_), Add(Maj(a_, b_, c_), t1_)); /* the new a */ \
  } while (0)

// k: kK, passed in (see the top of the file).
FORENSICS_INLINE void Compress(V s[8], V w[16], const uint32_t* k) {
  V x[8] = {s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
#pragma GCC unroll 64
  for (int t = 0; t < 64; ++t) {
    if (t >= 16) {
      w[t & 15] = Add(Add(SmallSigma1(w[(t - 2) & 15]), w[(t - 7) & 15]),
                      Add(SmallSigma0(w[(t - 15) & 15]), w[t & 15]));
    }
    FORENSICS_ROUND(x, t, Add(w[t & 15], Broadcast(k[t])));
  }
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) s[k] = Add(s[k], x[k]);
}

// pad_kw: kPad64KW, passed in (see the top of the file).
FORENSICS_INLINE void PadBlock64(V s[8], const uint32_t* pad_kw) {
  V x[8] = {s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
#pragma GCC unroll 64
  for (int t = 0; t < 64; ++t) FORENSICS_ROUND(x, t, Broadcast(pad_kw[t]));
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) s[k] = Add(s[k], x[k]);
}

FORENSICS_INLINE void InitState(V s[8]) {
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) s[k] = Broadcast(kInit[k]);
}

FORENSICS_INLINE void StoreDigests(const V s[8], uint8_t* out) {
  V r[16];
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) r[k] = s[k];
#pragma GCC unroll 16
  for (int k = 8; k < 16; ++k) r[k] = _mm512_setzero_si512();
  Transpose16(r);
#pragma GCC unroll 16
  for (size_t j = 0; j < kLanes; ++j) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * j), _mm512_castsi512_si256(ByteSwap(r[j])));
  }
}

FORENSICS_NO_IPA void Hash64x16(const uint8_t* in, uint8_t* out, const uint32_t* k, const uint32_t* pad_kw) {
  V w[16];
#pragma GCC unroll 16
  for (size_t j = 0; j < kLanes; ++j) w[j] = _mm512_loadu_si512(in + 64 * j);
  Transpose16(w);
#pragma GCC unroll 16
  for (int t = 0; t < 16; ++t) w[t] = ByteSwap(w[t]);
  V s[8];
  InitState(s);
  Compress(s, w, k);
  PadBlock64(s, pad_kw);
  StoreDigests(s, out);
}

FORENSICS_NO_IPA void Hash48x16(const uint8_t* in, uint8_t* out, const uint32_t* k) {
  V w[16];
#pragma GCC unroll 16
  for (size_t j = 0; j < kLanes; ++j) w[j] = _mm512_maskz_loadu_epi32(0x0fff, in + 48 * j);
  Transpose16(w);
#pragma GCC unroll 16
  for (int t = 0; t < 12; ++t) w[t] = ByteSwap(w[t]);
  w[12] = Broadcast(kPad48W12);
  w[13] = _mm512_setzero_si512();
  w[14] = _mm512_setzero_si512();
  w[15] = Broadcast(kPad48W15);
  V s[8];
  InitState(s);
  Compress(s, w, k);
  StoreDigests(s, out);
}

}  // namespace

void Avx512Hash64Many(const uint8_t* in, uint8_t* out, size_t n) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) Hash64x16(in + 64 * i, out + 32 * i, kK, kPad64KW);
  if (i < n) {
    uint8_t buf_in[64 * kLanes];
    uint8_t buf_out[32 * kLanes];
    memset(buf_in, 0, sizeof(buf_in));
    memcpy(buf_in, in + 64 * i, 64 * (n - i));
    Hash64x16(buf_in, buf_out, kK, kPad64KW);
    memcpy(out + 32 * i, buf_out, 32 * (n - i));
  }
}

void Avx512Hash48Many(const uint8_t* in, uint8_t* out, size_t n) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) Hash48x16(in + 48 * i, out + 32 * i, kK);
  if (i < n) {
    uint8_t buf_in[48 * kLanes];
    uint8_t buf_out[32 * kLanes];
    memset(buf_in, 0, sizeof(buf_in));
    memcpy(buf_in, in + 48 * i, 48 * (n - i));
    Hash48x16(buf_in, buf_out, kK);
    memcpy(out + 32 * i, buf_out, 32 * (n - i));
  }
}

}  // namespace forensics::sha256::internal
