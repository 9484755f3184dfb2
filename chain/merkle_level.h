// One level of a merkle tree and its odd-node rule, shared by MerkleRoot and the state root.
// Private to forensics_chain.
#ifndef FORENSICS_CHAIN_MERKLE_LEVEL_H_
#define FORENSICS_CHAIN_MERKLE_LEVEL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "forensics/merkle.h"

namespace forensics {

// The odd-node rule: *out becomes the parent of `child`, the last node of a level with no right
// sibling: `child` itself (kPromote) or H(child ‖ child) (kDuplicate), hashed as one 64-byte
// message by hash64(message, out, 1). Returns the number of nodes hashed (0 or 1).
template <typename Hash64>
size_t OddParent(const Hash32& child, OddRule rule, Hash32* out, Hash64&& hash64) {
  if (rule == OddRule::kPromote) {
    *out = child;
    return 0;
  }
  uint8_t m[64];
  std::memcpy(m, child.data(), 32);
  std::memcpy(m + 32, child.data(), 32);
  hash64(m, out->data(), size_t{1});
  return 1;
}

// One level up: n nodes at `in` -> (n + 1) / 2 nodes at `out`, an odd last node by OddParent.
// Returns the number of nodes written.
size_t HashLevel(const Hash32* in, size_t n, Hash32* out, OddRule rule);

}  // namespace forensics

#endif  // FORENSICS_CHAIN_MERKLE_LEVEL_H_
