// One level of a merkle tree and its odd-node rule, shared by MerkleRoot and the state root.
// Private to forensics_chain.
#ifndef FORENSICS_CHAIN_MERKLE_LEVEL_H_
#define FORENSICS_CHAIN_MERKLE_LEVEL_H_

#include <cstddef>

#include "forensics/merkle.h"

namespace forensics {

// One level up: n nodes at `in` -> (n + 1) / 2 nodes at `out`; an odd last node is paired with
// itself (kDuplicate) or carried up unchanged (kPromote). in[n] must be writable (scratch for the
// duplicated odd node). Returns the number of nodes written.
size_t HashLevel(Hash32* in, size_t n, Hash32* out, OddRule rule);

}  // namespace forensics

#endif  // FORENSICS_CHAIN_MERKLE_LEVEL_H_
