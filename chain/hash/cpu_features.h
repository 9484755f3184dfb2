// CPU feature detection for the hash kernels: which instruction sets the running CPU and OS allow.
#ifndef FORENSICS_CHAIN_HASH_CPU_FEATURES_H_
#define FORENSICS_CHAIN_HASH_CPU_FEATURES_H_

#include <cstdint>
#include <string>

namespace forensics::cpu {

// Feature bits, combined in sha256::Backend::required_isa.
enum Feature : uint32_t {
  kSsse3 = 1u << 0,
  kSse41 = 1u << 1,
  kSha = 1u << 2,      // SHA-NI (sha256rnds2, sha256msg1/2)
  kAvx2 = 1u << 3,     // includes OS support for YMM state
  kAvx512f = 1u << 4,  // AVX-512 bits include OS support for ZMM and opmask state
  kAvx512bw = 1u << 5,
  kAvx512vl = 1u << 6,
};

// Features of this CPU that the OS has enabled. Detected once; thread-safe; 0 on non-x86 builds.
uint32_t Detect();

// "sse4.1 sha avx2 …" for the bits set in `features`, in the order of Feature.
std::string FeatureNames(uint32_t features);

}  // namespace forensics::cpu

#endif  // FORENSICS_CHAIN_HASH_CPU_FEATURES_H_
