// The library's internal 128-bit arithmetic on supplies and their differences (GCC/Clang __int128),
// converted to and from the plain-word Wei128 and SignedWei128 of the public API (types.h). The one
// header under include/ that names __int128: the library's .cpp files include it; the public headers
// and a front end (the CLI, a binding) use Wei128 / SignedWei128 and ToDecimal instead.
#ifndef FORENSICS_WIDE_INT_H_
#define FORENSICS_WIDE_INT_H_

#include <string>

#include "forensics/types.h"

namespace forensics {

inline unsigned __int128 Wide(const Wei128& v) { return (static_cast<unsigned __int128>(v.hi) << 64) | v.lo; }
inline __int128 Wide(const SignedWei128& v) {
  return static_cast<__int128>((static_cast<unsigned __int128>(static_cast<uint64_t>(v.hi)) << 64) | v.lo);
}
inline Wei128 ToWei128(unsigned __int128 v) { return {static_cast<uint64_t>(v >> 64), static_cast<uint64_t>(v)}; }
inline SignedWei128 ToSignedWei128(__int128 v) {
  const auto u = static_cast<unsigned __int128>(v);
  return {static_cast<int64_t>(static_cast<uint64_t>(u >> 64)), static_cast<uint64_t>(u)};
}

// Decimal of a 128-bit integer (ToDecimal of the plain words goes through these).
std::string U128ToString(unsigned __int128 v);
std::string I128ToString(__int128 v);

}  // namespace forensics

#endif  // FORENSICS_WIDE_INT_H_
