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

  std::vector<Hash32> cur(leaves.begin(), leaves.end());
  std::vector<Hash32> next((leaves.size() + 1) / 2);
  size_t n = leaves.size();
  while (n > 1) {
    n = HashLevel(cur.data(), n, next.data(), rule);
    std::swap(cur, next);
  }
  return cur[0];
}

size_t HashLevel(const Hash32* in, size_t n, Hash32* out, OddRule rule) {
  const size_t pairs = n / 2;
  sha256::Hash64Many(in[0].data(), out[0].data(), pairs);
  if (n % 2 != 0) OddParent(in[n - 1], rule, &out[pairs], sha256::Hash64Many);
  return (n + 1) / 2;
}

}  // namespace forensics
