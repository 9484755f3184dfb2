// SHA-256 with the x86 SHA extensions (sha256rnds2, sha256msg1/2). Compiled with -msha -msse4.1;
// call only when cpu::Detect() reports kSha, kSse41 and kSsse3. Intrinsics and plain functions only.
//
// sha256rnds2 keeps the state as two registers, ABEF = {f, e, b, a} and CDGH = {h, g, d, c} (lane 0
// first), and does two rounds per instruction, so latency, not throughput, bounds one stream. The
// batched entry points therefore run two independent messages interleaved. For 64-byte messages the
// second (padding) block is the same for every message: its K + W comes precomputed (kPad64KW). A
// 48-byte message is one block whose last four words are constant.
#include <immintrin.h>
#include <string.h>

#include "hash/sha256_constants.h"
#include "hash/sha256_kernels.h"

namespace forensics::sha256::internal {
namespace {

#define FORENSICS_INLINE inline __attribute__((always_inline))

FORENSICS_INLINE __m128i ByteSwapMask() {
  return _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
}
FORENSICS_INLINE __m128i InitAbef() {
  return _mm_set_epi32(static_cast<int>(kInit[0]), static_cast<int>(kInit[1]),
                       static_cast<int>(kInit[4]), static_cast<int>(kInit[5]));
}
FORENSICS_INLINE __m128i InitCdgh() {
  return _mm_set_epi32(static_cast<int>(kInit[2]), static_cast<int>(kInit[3]),
                       static_cast<int>(kInit[6]), static_cast<int>(kInit[7]));
}
FORENSICS_INLINE __m128i LoadK(const uint32_t* k) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(k));
}
FORENSICS_INLINE __m128i LoadWords(const uint8_t* p) {
  return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), ByteSwapMask());
}
// Words 12..15 of a 48-byte message's block: 0x80000000, 0, 0, 384.
FORENSICS_INLINE __m128i Pad48Words() {
  return _mm_set_epi32(static_cast<int>(kPad48W15), 0, 0, static_cast<int>(kPad48W12));
}

// Four rounds on kw = K + W (lanes 0..3 = rounds t..t+3).
FORENSICS_INLINE void Quad(__m128i& abef, __m128i& cdgh, __m128i kw) {
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, kw);
  abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(kw, 0x0e));
}

// W[t..t+3] from W[t-16..t-1] held as four groups w0 (oldest) .. w3.
FORENSICS_INLINE __m128i NextWords(__m128i w0, __m128i w1, __m128i w2, __m128i w3) {
  return _mm_sha256msg2_epu32(
      _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4)), w3);
}

// One block: 16 groups of four rounds, schedule computed in a ring of four groups.
FORENSICS_INLINE void Compress(__m128i& abef, __m128i& cdgh, __m128i w0, __m128i w1, __m128i w2,
                               __m128i w3) {
  const __m128i abef_in = abef, cdgh_in = cdgh;
  __m128i w[4] = {w0, w1, w2, w3};
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    if (i >= 4) w[i & 3] = NextWords(w[i & 3], w[(i + 1) & 3], w[(i + 2) & 3], w[(i + 3) & 3]);
    Quad(abef, cdgh, _mm_add_epi32(w[i & 3], LoadK(kK + 4 * i)));
  }
  abef = _mm_add_epi32(abef, abef_in);
  cdgh = _mm_add_epi32(cdgh, cdgh_in);
}

// Two independent blocks, statement by statement interleaved so the two dependency chains overlap.
FORENSICS_INLINE void Compress2(__m128i& abef0, __m128i& cdgh0, const __m128i in0[4], __m128i& abef1,
                                __m128i& cdgh1, const __m128i in1[4]) {
  const __m128i abef0_in = abef0, cdgh0_in = cdgh0, abef1_in = abef1, cdgh1_in = cdgh1;
  __m128i w[4] = {in0[0], in0[1], in0[2], in0[3]};
  __m128i v[4] = {in1[0], in1[1], in1[2], in1[3]};
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    if (i >= 4) {
      w[i & 3] = NextWords(w[i & 3], w[(i + 1) & 3], w[(i + 2) & 3], w[(i + 3) & 3]);
      v[i & 3] = NextWords(v[i & 3], v[(i + 1) & 3], v[(i + 2) & 3], v[(i + 3) & 3]);
    }
    const __m128i k = LoadK(kK + 4 * i);
    const __m128i kw0 = _mm_add_epi32(w[i & 3], k);
    const __m128i kw1 = _mm_add_epi32(v[i & 3], k);
    cdgh0 = _mm_sha256rnds2_epu32(cdgh0, abef0, kw0);
    cdgh1 = _mm_sha256rnds2_epu32(cdgh1, abef1, kw1);
    abef0 = _mm_sha256rnds2_epu32(abef0, cdgh0, _mm_shuffle_epi32(kw0, 0x0e));
    abef1 = _mm_sha256rnds2_epu32(abef1, cdgh1, _mm_shuffle_epi32(kw1, 0x0e));
  }
  abef0 = _mm_add_epi32(abef0, abef0_in);
  cdgh0 = _mm_add_epi32(cdgh0, cdgh0_in);
  abef1 = _mm_add_epi32(abef1, abef1_in);
  cdgh1 = _mm_add_epi32(cdgh1, cdgh1_in);
}

// The padding block of a 64-byte message: rounds only, on precomputed K + W.
FORENSICS_INLINE void PadBlock64(__m128i& abef, __m128i& cdgh) {
  const __m128i abef_in = abef, cdgh_in = cdgh;
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) Quad(abef, cdgh, LoadK(kPad64KW + 4 * i));
  abef = _mm_add_epi32(abef, abef_in);
  cdgh = _mm_add_epi32(cdgh, cdgh_in);
}

FORENSICS_INLINE void PadBlock64x2(__m128i& abef0, __m128i& cdgh0, __m128i& abef1, __m128i& cdgh1) {
  const __m128i abef0_in = abef0, cdgh0_in = cdgh0, abef1_in = abef1, cdgh1_in = cdgh1;
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    const __m128i kw = LoadK(kPad64KW + 4 * i);
    const __m128i kw_hi = _mm_shuffle_epi32(kw, 0x0e);
    cdgh0 = _mm_sha256rnds2_epu32(cdgh0, abef0, kw);
    cdgh1 = _mm_sha256rnds2_epu32(cdgh1, abef1, kw);
    abef0 = _mm_sha256rnds2_epu32(abef0, cdgh0, kw_hi);
    abef1 = _mm_sha256rnds2_epu32(abef1, cdgh1, kw_hi);
  }
  abef0 = _mm_add_epi32(abef0, abef0_in);
  cdgh0 = _mm_add_epi32(cdgh0, cdgh0_in);
  abef1 = _mm_add_epi32(abef1, abef1_in);
  cdgh1 = _mm_add_epi32(cdgh1, cdgh1_in);
}

FORENSICS_INLINE void StoreDigest(__m128i abef, __m128i cdgh, uint8_t* out) {
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1b);  // {a, b, e, f}
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);  // {g, h, c, d}
  const __m128i abcd = _mm_blend_epi16(feba, dchg, 0xf0);
  const __m128i efgh = _mm_alignr_epi8(dchg, feba, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(abcd, ByteSwapMask()));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_shuffle_epi8(efgh, ByteSwapMask()));
}

FORENSICS_INLINE void LoadBlock(const uint8_t* p, __m128i w[4]) {
  w[0] = LoadWords(p);
  w[1] = LoadWords(p + 16);
  w[2] = LoadWords(p + 32);
  w[3] = LoadWords(p + 48);
}

FORENSICS_INLINE void Load48(const uint8_t* p, __m128i w[4]) {
  w[0] = LoadWords(p);
  w[1] = LoadWords(p + 16);
  w[2] = LoadWords(p + 32);
  w[3] = Pad48Words();
}

void HashOne64(const uint8_t* in, uint8_t* out) {
  __m128i abef = InitAbef(), cdgh = InitCdgh();
  __m128i w[4];
  LoadBlock(in, w);
  Compress(abef, cdgh, w[0], w[1], w[2], w[3]);
  PadBlock64(abef, cdgh);
  StoreDigest(abef, cdgh, out);
}

void HashOne48(const uint8_t* in, uint8_t* out) {
  __m128i abef = InitAbef(), cdgh = InitCdgh();
  __m128i w[4];
  Load48(in, w);
  Compress(abef, cdgh, w[0], w[1], w[2], w[3]);
  StoreDigest(abef, cdgh, out);
}

}  // namespace

void ShaniHash(const uint8_t* in, size_t len, uint8_t* out) {
  __m128i abef = InitAbef(), cdgh = InitCdgh();
  __m128i w[4];
  const size_t full = len / 64;
  for (size_t i = 0; i < full; ++i) {
    LoadBlock(in + 64 * i, w);
    Compress(abef, cdgh, w[0], w[1], w[2], w[3]);
  }
  // Tail, 0x80, zeros, 64-bit big-endian bit length: one block if the tail is ≤ 55 bytes, else two.
  uint8_t tail[128];
  memset(tail, 0, sizeof(tail));
  const size_t rest = len % 64;
  if (rest) memcpy(tail, in + 64 * full, rest);
  tail[rest] = 0x80;
  const size_t tail_len = rest < 56 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(len) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t off = 0; off < tail_len; off += 64) {
    LoadBlock(tail + off, w);
    Compress(abef, cdgh, w[0], w[1], w[2], w[3]);
  }
  StoreDigest(abef, cdgh, out);
}

void ShaniHash64Many(const uint8_t* in, uint8_t* out, size_t n) {
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    __m128i abef0 = InitAbef(), cdgh0 = InitCdgh(), abef1 = InitAbef(), cdgh1 = InitCdgh();
    __m128i w0[4], w1[4];
    LoadBlock(in + 64 * i, w0);
    LoadBlock(in + 64 * (i + 1), w1);
    Compress2(abef0, cdgh0, w0, abef1, cdgh1, w1);
    PadBlock64x2(abef0, cdgh0, abef1, cdgh1);
    StoreDigest(abef0, cdgh0, out + 32 * i);
    StoreDigest(abef1, cdgh1, out + 32 * (i + 1));
  }
  if (i < n) HashOne64(in + 64 * i, out + 32 * i);
}

void ShaniHash48Many(const uint8_t* in, uint8_t* out, size_t n) {
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    __m128i abef0 = InitAbef(), cdgh0 = InitCdgh(), abef1 = InitAbef(), cdgh1 = InitCdgh();
    __m128i w0[4], w1[4];
    Load48(in + 48 * i, w0);
    Load48(in + 48 * (i + 1), w1);
    Compress2(abef0, cdgh0, w0, abef1, cdgh1, w1);
    StoreDigest(abef0, cdgh0, out + 32 * i);
    StoreDigest(abef1, cdgh1, out + 32 * (i + 1));
  }
  if (i < n) HashOne48(in + 48 * i, out + 32 * i);
}

}  // namespace forensics::sha256::internal
