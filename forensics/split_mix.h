// SplitMix64: the fixed, portable random sequence behind the deterministic sample generators
// (std distributions differ between standard libraries, so they cannot be used for byte-identical
// output).
#ifndef FORENSICS_FORENSICS_SPLIT_MIX_H_
#define FORENSICS_FORENSICS_SPLIT_MIX_H_

#include <cstdint>

namespace forensics {

struct SplitMix64 {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n ? Next() % n : 0; }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
};

}  // namespace forensics

#endif  // FORENSICS_FORENSICS_SPLIT_MIX_H_
