// CPUID/XGETBV feature detection (Intel SDM vol. 2A "CPUID", vol. 1 §13 "XSAVE").
//
// Instruction support alone is not enough for AVX and AVX-512: the OS must also save the wider
// register state on context switches, which it advertises through OSXSAVE and XCR0. We do not use
// __builtin_cpu_supports("sha"): GCC 12 accepts it, clang 14 rejects it.
#include "hash/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define FORENSICS_X86 1
#endif

namespace forensics::cpu {
namespace {

#if defined(FORENSICS_X86)
// XGETBV(0) without -mxsave on this translation unit.
uint64_t ReadXcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

uint32_t DetectUncached() {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
  const uint32_t max_leaf = eax;

  uint32_t features = 0;
  __cpuid(1, eax, ebx, ecx, edx);
  const uint32_t leaf1_ecx = ecx;
  if (leaf1_ecx & (1u << 9)) features |= kSsse3;
  if (leaf1_ecx & (1u << 19)) features |= kSse41;
  const bool osxsave = (leaf1_ecx & (1u << 27)) != 0;
  const bool avx = (leaf1_ecx & (1u << 28)) != 0;

  if (max_leaf < 7) return features;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const uint32_t leaf7_ebx = ebx;
  if (leaf7_ebx & (1u << 29)) features |= kSha;

  if (!osxsave) return features;
  const uint64_t xcr0 = ReadXcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;      // XMM (bit 1) and YMM (bit 2)
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;    // plus opmask, ZMM_Hi256, Hi16_ZMM (bits 5-7)
  if (avx && ymm_state && (leaf7_ebx & (1u << 5))) features |= kAvx2;
  if (zmm_state && (features & kAvx2)) {
    if (leaf7_ebx & (1u << 16)) features |= kAvx512f;
    if (leaf7_ebx & (1u << 30)) features |= kAvx512bw;
    if (leaf7_ebx & (1u << 31)) features |= kAvx512vl;
  }
  return features;
}
#else
uint32_t DetectUncached() { return 0; }
#endif

}  // namespace

uint32_t Detect() {
  static const uint32_t features = DetectUncached();
  return features;
}

std::string FeatureNames(uint32_t features) {
  static constexpr struct {
    uint32_t bit;
    const char* name;
  } kNames[] = {{kSsse3, "ssse3"}, {kSse41, "sse4.1"},     {kSha, "sha"},
                {kAvx2, "avx2"},   {kAvx512f, "avx512f"}, {kAvx512bw, "avx512bw"},
                {kAvx512vl, "avx512vl"}};
  std::string out;
  for (const auto& n : kNames) {
    if (!(features & n.bit)) continue;
    if (!out.empty()) out += ' ';
    out += n.name;
  }
  return out;
}

}  // namespace forensics::cpu
