// Address order and the leaf rules shared by the from-scratch state root (state_root.cpp) and the
// incremental tree (state_root_tree*.cpp). Private to forensics_chain.
#ifndef FORENSICS_CHAIN_STATE_ROOT_ORDER_H_
#define FORENSICS_CHAIN_STATE_ROOT_ORDER_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "forensics/types.h"

namespace forensics::state_root {

// Leaves are encoded and hashed in batches (chunks) of this many.
constexpr size_t kChunkLog = 12;
constexpr size_t kChunk = size_t{1} << kChunkLog;

// (0, 0) accounts have no leaf.
inline bool IsZero(const AccountEntry& a) { return a.balance == 0 && a.nonce == 0; }

// Big-endian 8-byte word: comparing four of these orders addresses like memcmp, without the call
// (GCC does not inline an ordering memcmp; this comparison is the inner loop of every search here).
inline uint64_t Word(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

inline bool Less(const Address& x, const Address& y) {
  for (int i = 0; i < 32; i += 8) {
    const uint64_t a = Word(x.data() + i), b = Word(y.data() + i);
    if (a != b) return a < b;
  }
  return false;
}

}  // namespace forensics::state_root

#endif  // FORENSICS_CHAIN_STATE_ROOT_ORDER_H_
