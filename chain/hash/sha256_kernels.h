// Entry points of the SHA-256 kernels, one set per translation unit (scalar, SHA-NI, AVX2, AVX-512).
//
// Plain function declarations only. Each kernel file is compiled with its own ISA flags, so a kernel may
// be called only after cpu::Detect() reports its instructions (sha256_dispatch.cpp does this).
// Contracts shared by all:
//   HashN(in, len, out):        out[0..32) = SHA-256(in[0..len)).
//   Hash64Many(in, out, n):     n messages of 64 bytes at in + 64 i → digests at out + 32 i. Any n ≥ 0.
//   Hash48Many(in, out, n):     n messages of 48 bytes at in + 48 i → digests at out + 32 i. Any n ≥ 0.
// Nothing outside in[0..n × size) is read and nothing outside out[0..32 n) is written.
#ifndef FORENSICS_CHAIN_HASH_SHA256_KERNELS_H_
#define FORENSICS_CHAIN_HASH_SHA256_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

namespace forensics::sha256::internal {

void ScalarHash(const uint8_t* in, size_t len, uint8_t* out);
void ScalarHash64Many(const uint8_t* in, uint8_t* out, size_t n);
void ScalarHash48Many(const uint8_t* in, uint8_t* out, size_t n);

void ShaniHash(const uint8_t* in, size_t len, uint8_t* out);
void ShaniHash64Many(const uint8_t* in, uint8_t* out, size_t n);  // 2 streams interleaved
void ShaniHash48Many(const uint8_t* in, uint8_t* out, size_t n);

void Avx2Hash64Many(const uint8_t* in, uint8_t* out, size_t n);  // 8 lanes
void Avx2Hash48Many(const uint8_t* in, uint8_t* out, size_t n);

void Avx512Hash64Many(const uint8_t* in, uint8_t* out, size_t n);  // 16 lanes
void Avx512Hash48Many(const uint8_t* in, uint8_t* out, size_t n);

}  // namespace forensics::sha256::internal

#endif  // FORENSICS_CHAIN_HASH_SHA256_KERNELS_H_
