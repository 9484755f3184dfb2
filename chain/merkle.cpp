// Merkle root a level at a time: every pair of a level goes to the SHA-256 backend in one batch.
#include "forensics/merkle.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "forensics/sha256.h"
#include "merkle_level.h"

namespace forensics {

Hash32 MerkleRoot(std::span<const Hash32> leaves, OddRule rule) {
  if (leaves.empty()) return Hash32{};
  if (leaves.size() == 1) return leaves[0];
  static_assert(sizeof(Hash32) == 32, "levels are hashed as contiguous 64-byte pairs");

  // One spare slot so an odd level can be made even by duplicating its last node.
  std::vector<Hash32> cur(leaves.size() + 1);
  std::vector<Hash32> next(leaves.size() / 2 + 2);
  std::copy(leaves.begin(), leaves.end(), cur.begin());
  size_t n = leaves.size();
  while (n > 1) {
    n = HashLevel(cur.data(), n, next.data(), rule);
    std::swap(cur, next);
  }
  return cur[0];
}

size_t HashLevel(Hash32* in, size_t n, Hash32* out, OddRule rule) {
  size_t pairs = n / 2;
  const bool odd = (n % 2) != 0;
  if (odd && rule == OddRule::kDuplicate) {
    in[n] = in[n - 1];
    ++pairs;
  }
  sha256::Hash64Many(in[0].data(), out[0].data(), pairs);
  if (odd && rule == OddRule::kPromote) out[pairs++] = in[n - 1];
  return pairs;
}

}  // namespace forensics
