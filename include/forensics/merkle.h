// Binary merkle roots over 32-byte leaves, with the odd-node rule of each hash profile (docs/chain.md §1).
#ifndef FORENSICS_MERKLE_H_
#define FORENSICS_MERKLE_H_

#include <span>

#include "forensics/types.h"

namespace forensics {

// What happens to the last node of a level with an odd number of nodes.
enum class OddRule {
  kDuplicate,  // neta: the node is paired with itself, H(x ‖ x)
  kPromote,    // core-v4: the node is carried up to the next level unchanged
};

// Root of the binary tree whose inner nodes are H(left ‖ right). No leaves → 32 zero bytes; one leaf →
// that leaf. Each level is hashed with one sha256::Hash64Many call.
Hash32 MerkleRoot(std::span<const Hash32> leaves, OddRule rule);

}  // namespace forensics

#endif  // FORENSICS_MERKLE_H_
