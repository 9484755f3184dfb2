// BranchTree: the chains of many nodes as one tree of branches, each distinct block held once.
//
// A branch is a run of consecutive heights with a parent branch it leaves at `from` (its first
// block differs from the parent's block there, or the parent had none there yet). A node is walked
// in height order against the branch it follows: a block equal to that branch's is merged (its
// verdict joined to what other nodes said), a differing one moves the walk to the child that holds
// it or starts a new child. A node is thus compared with one branch, never with every other node.
// Private to the forensics library.
#ifndef FORENSICS_BRANCH_TREE_H_
#define FORENSICS_BRANCH_TREE_H_

#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "forensics/fingerprint.h"

namespace forensics {

class BranchTree {
 public:
  struct Entry {
    Hash32 hash;
    BlockCheck check = BlockCheck::kUnverifiable;
    bool present = false;         // false: a height no node walking here gave (a gap in its data)
    bool judged = false;          // some node's replay gave a verdict (not only its hash)
    bool state_verified = false;
  };
  struct Branch {
    std::optional<int> parent;
    BlockHeight from = 0;
    std::vector<Entry> entries;  // heights from, from + 1, …
    std::vector<int> children;
    BlockHeight last() const { return from + entries.size() - 1; }
  };
  // Where a walk stands: the branch of its last block and that block's height.
  struct Position {
    int branch = -1;
    BlockHeight height = 0;
    bool placed() const { return branch >= 0; }
  };
  struct Conflict {
    BlockHeight height = 0;
    Hash32 hash;
    BlockCheck before = BlockCheck::kUnverifiable, now = BlockCheck::kUnverifiable;
  };

  // A block as a node gives it (48 bytes: a hundred nodes of 100,000 blocks are read a few at a time).
  struct Block {
    BlockHeight height = 0;
    Hash32 hash;
    BlockCheck check = BlockCheck::kUnverifiable;
    bool state_verified = false;
  };
  static Block Of(const FingerprintBlock& b) { return {b.height, b.hash, b.check, b.state_verified}; }

  // Adds the next block of the chain walked from *pos (pos->placed() false before its first block).
  // `judged`: b carries a replay's verdict (else only its hash is known); `codes`, a violation's.
  // Returns a conflict when the block was judged violation by one node and verified by another.
  std::optional<Conflict> Add(Position* pos, const Block& b, std::span<const FindingCode> codes, bool judged);

  size_t size() const { return branches_.size(); }
  const Branch& branch(int id) const { return branches_[static_cast<size_t>(id)]; }
  uint64_t distinct_blocks() const { return distinct_; }
  // The first branch of the tree that `id` descends from (itself for a first branch).
  int Root(int id) const;

  // The block at `height` on the chain that ends at `pos` (nullptr when that chain has none there);
  // *branch_out, if given, gets the branch holding it.
  const Entry* OnPath(Position pos, BlockHeight height, int* branch_out = nullptr) const;
  // The highest height at which the chains ending at a and b hold the same block, and its branch;
  // nullopt when they share none (different first branches).
  std::optional<Position> Common(Position a, Position b) const;
  // The codes of a violation block (branch, height).
  const std::vector<FindingCode>& Codes(int branch, BlockHeight height) const;
  // The blocks at `height`, of every branch, whose hash starts with the hex `prefix`.
  std::vector<Position> FindByPrefix(BlockHeight height, std::string_view prefix) const;
  // The lowest height ≤ pos.height on the chain ending at pos whose block is a violation (resp. not
  // verified), if any.
  std::optional<BlockHeight> FirstViolation(Position pos) const;
  std::optional<BlockHeight> FirstUnverified(Position pos) const;

 private:
  int NewBranch(std::optional<int> parent, BlockHeight from);
  static void Join(Entry* e, const Block& b, bool judged, std::optional<Conflict>* conflict);
  // The lowest height ≤ upto of the branch's own entries that is a violation (violation) or is
  // not verified (!violation).
  std::optional<BlockHeight> FirstOwn(int branch, bool violation, BlockHeight upto) const;
  std::optional<BlockHeight> FirstOnPath(Position pos, bool violation) const;

  std::vector<Branch> branches_;
  std::map<std::pair<int, BlockHeight>, std::vector<FindingCode>> codes_;
  uint64_t distinct_ = 0;
};

}  // namespace forensics

#endif  // FORENSICS_BRANCH_TREE_H_
