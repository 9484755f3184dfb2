// SHA-256 on eight independent messages at once, one per 32-bit lane of the AVX2 registers.
// Compiled with -mavx2; call only when cpu::Detect() reports kAvx2. Intrinsics and plain functions only.
//
// Outline of a batch of eight:
//   1. Load the eight messages and transpose 8 × 8 words, so that register W[t] holds word t of every
//      message (lane j = message j); byte-swap to big-endian words.
//   2. Run the 64 rounds lane-parallel (the schedule W[16..63] too).
//   3. For 64-byte messages, run the padding block's 64 rounds on the precomputed K + W (kPad64KW),
//      identical in every lane, so no schedule at all.
//   4. Transpose the eight state registers back to one digest per message and store.
// A batch shorter than eight goes through a zero-padded stack buffer.
#include <immintrin.h>
#include <string.h>

#include "hash/sha256_constants.h"
#include "hash/sha256_kernels.h"

namespace forensics::sha256::internal {
namespace {

#define FORENSICS_INLINE inline __attribute__((always_inline))

using V = __m256i;
constexpr size_t kLanes = 8;

FORENSICS_INLINE V Add(V a, V b) { return _mm256_add_epi32(a, b); }
FORENSICS_INLINE V Xor(V a, V b) { return _mm256_xor_si256(a, b); }
FORENSICS_INLINE V Broadcast(uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }

#define FORENSICS_ROTR(x, n) _mm256_or_si256(_mm256_srli_epi32((x), (n)), _mm256_slli_epi32((x), 32 - (n)))

FORENSICS_INLINE V BigSigma0(V x) {
  return Xor(Xor(FORENSICS_ROTR(x, 2), FORENSICS_ROTR(x, 13)), FORENSICS_ROTR(x, 22));
}
FORENSICS_INLINE V BigSigma1(V x) {
  return Xor(Xor(FORENSICS_ROTR(x, 6), FORENSICS_ROTR(x, 11)), FORENSICS_ROTR(x, 25));
}
FORENSICS_INLINE V SmallSigma0(V x) {
  return Xor(Xor(FORENSICS_ROTR(x, 7), FORENSICS_ROTR(x, 18)), _mm256_srli_epi32(x, 3));
}
FORENSICS_INLINE V SmallSigma1(V x) {
  return Xor(Xor(FORENSICS_ROTR(x, 17), FORENSICS_ROTR(x, 19)), _mm256_srli_epi32(x, 10));
}
FORENSICS_INLINE V Ch(V e, V f, V g) { return Xor(g, _mm256_and_si256(e, Xor(f, g))); }
FORENSICS_INLINE V Maj(V a, V b, V c) {
  return _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(c, _mm256_or_si256(a, b)));
}

FORENSICS_INLINE V ByteSwap(V x) {
  const V mask = _mm256_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8,
                                 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
  return _mm256_shuffle_epi8(x, mask);
}

// In-place 8 × 8 transpose of 32-bit words: r[j] word i ↔ r[i] word j.
FORENSICS_INLINE void Transpose8(V r[8]) {
  const V t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const V t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  const V t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  const V t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  const V u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  const V u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  const V u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  const V u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
  r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
  r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
  r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
  r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
  r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
  r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
  r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

// One round. The eight state words live in x[] and rotate by index instead of by copying: logical
// word k (a = 0 … h = 7) of round t sits in x[(k - t) & 7].
#define FORENSICS_ROUND(x, t, kw)                                                             \
  do {                                                                                      \
    V& a_ = x[(0 - (t)) & 7];                                                               \
    V& b_ = x[(1 - (t)) & 7];                                                               \
    V& c_ = x[(2 - (t)) & 7];                                                               \
    V& d_ = x[(3 - (t)) & 7];                                                               \
    V& e_ = x[(4 - (t)) & 7];                                                               \
    V& f_ = x[(5 - (t)) & 7];                                                               \
    V& g_ = x[(6 - (t)) & 7];                                                               \
    V& h_ = x[(7 - (t)) & 7];                                                               \
    const V t1_ = Add(Add(h_, BigSigma1(e_)), Add(Ch(e_, f_, g_), (kw)));                   \
    const V t2_ = Add(BigSigma0(a_), Maj(a_, b_, c_));                                      \
    d_ = Add(d_, t1_);                                                                      \
    h_ = Add(t1_, t2_);                                                                     \
  } while (0)

// 64 rounds on message words w[0..16) (big-endian values); adds the result into s.
FORENSICS_INLINE void Compress(V s[8], V w[16]) {
  V x[8] = {s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
#pragma GCC unroll 64
  for (int t = 0; t < 64; ++t) {
    if (t >= 16) {
      w[t & 15] = Add(Add(SmallSigma1(w[(t - 2) & 15]), w[(t - 7) & 15]),
                      Add(SmallSigma0(w[(t - 15) & 15]), w[t & 15]));
    }
    FORENSICS_ROUND(x, t, Add(w[t & 15], Broadcast(kK[t])));
  }
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) s[k] = Add(s[k], x[k]);
}

// The padding block of a 64-byte message: rounds only, on precomputed K + W.
FORENSICS_INLINE void PadBlock64(V s[8]) {
  V x[8] = {s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
#pragma GCC unroll 64
  for (int t = 0; t < 64; ++t) FORENSICS_ROUND(x, t, Broadcast(kPad64KW[t]));
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) s[k] = Add(s[k], x[k]);
}

FORENSICS_INLINE void InitState(V s[8]) {
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) s[k] = Broadcast(kInit[k]);
}

FORENSICS_INLINE void StoreDigests(V s[8], uint8_t* out) {
  Transpose8(s);
#pragma GCC unroll 16
  for (size_t j = 0; j < kLanes; ++j) {
    _mm256_storeu_si256(reinterpret_cast<V*>(out + 32 * j), ByteSwap(s[j]));
  }
}

// Exactly eight 64-byte messages.
void Hash64x8(const uint8_t* in, uint8_t* out) {
  V w[16];
#pragma GCC unroll 16
  for (size_t j = 0; j < kLanes; ++j) {
    w[j] = _mm256_loadu_si256(reinterpret_cast<const V*>(in + 64 * j));
    w[8 + j] = _mm256_loadu_si256(reinterpret_cast<const V*>(in + 64 * j + 32));
  }
  Transpose8(w);
  Transpose8(w + 8);
#pragma GCC unroll 16
  for (int t = 0; t < 16; ++t) w[t] = ByteSwap(w[t]);
  V s[8];
  InitState(s);
  Compress(s, w);
  PadBlock64(s);
  StoreDigests(s, out);
}

// Exactly eight 48-byte messages.
void Hash48x8(const uint8_t* in, uint8_t* out) {
  V w[16];
#pragma GCC unroll 16
  for (size_t j = 0; j < kLanes; ++j) w[j] = _mm256_loadu_si256(reinterpret_cast<const V*>(in + 48 * j));
  Transpose8(w);
  // Words 8..11: message j in the low half and j + 4 in the high half, then a 4 × 4 transpose per half.
  V q[4];
#pragma GCC unroll 16
  for (size_t j = 0; j < 4; ++j) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 48 * j + 32));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 48 * (j + 4) + 32));
    q[j] = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
  }
  const V t0 = _mm256_unpacklo_epi32(q[0], q[1]), t1 = _mm256_unpackhi_epi32(q[0], q[1]);
  const V t2 = _mm256_unpacklo_epi32(q[2], q[3]), t3 = _mm256_unpackhi_epi32(q[2], q[3]);
  w[8] = _mm256_unpacklo_epi64(t0, t2);
  w[9] = _mm256_unpackhi_epi64(t0, t2);
  w[10] = _mm256_unpacklo_epi64(t1, t3);
  w[11] = _mm256_unpackhi_epi64(t1, t3);
#pragma GCC unroll 16
  for (int t = 0; t < 12; ++t) w[t] = ByteSwap(w[t]);
  w[12] = Broadcast(kPad48W12);
  w[13] = _mm256_setzero_si256();
  w[14] = _mm256_setzero_si256();
  w[15] = Broadcast(kPad48W15);
  V s[8];
  InitState(s);
  Compress(s, w);
  StoreDigests(s, out);
}

}  // namespace

void Avx2Hash64Many(const uint8_t* in, uint8_t* out, size_t n) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) Hash64x8(in + 64 * i, out + 32 * i);
  if (i < n) {
    uint8_t buf_in[64 * kLanes];
    uint8_t buf_out[32 * kLanes];
    memset(buf_in, 0, sizeof(buf_in));
    memcpy(buf_in, in + 64 * i, 64 * (n - i));
    Hash64x8(buf_in, buf_out);
    memcpy(out + 32 * i, buf_out, 32 * (n - i));
  }
}

void Avx2Hash48Many(const uint8_t* in, uint8_t* out, size_t n) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) Hash48x8(in + 48 * i, out + 32 * i);
  if (i < n) {
    uint8_t buf_in[48 * kLanes];
    uint8_t buf_out[32 * kLanes];
    memset(buf_in, 0, sizeof(buf_in));
    memcpy(buf_in, in + 48 * i, 48 * (n - i));
    Hash48x8(buf_in, buf_out);
    memcpy(out + 32 * i, buf_out, 32 * (n - i));
  }
}

}  // namespace forensics::sha256::internal
