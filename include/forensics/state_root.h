// The account state root of docs/chain.md §4, from scratch and incrementally.
//
// Leaf per account: H(address 32 ‖ balance u64 LE ‖ nonce u64 LE) (48 bytes). Leaves in ascending
// address order; accounts with balance 0 and nonce 0 are left out. Binary tree of H(left ‖ right) with
// the profile's odd rule (merkle.h). No accounts → 32 zero bytes.
#ifndef FORENSICS_STATE_ROOT_H_
#define FORENSICS_STATE_ROOT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "forensics/merkle.h"
#include "forensics/types.h"

namespace forensics {

// The 48-byte leaf message of one account.
void EncodeStateLeaf(const Address& address, Amount balance, uint64_t nonce, uint8_t out[48]);

// State root from scratch, for checks and snapshots. Accounts may come in any order; (0, 0) accounts
// are skipped. If an address appears more than once, its last entry counts.
Hash32 ComputeStateRoot(std::span<const AccountEntry> accounts, OddRule rule);

// Incremental state root: keeps leaf and inner-node hashes between Root() calls, so a block that
// touches k of n accounts costs about k·(11 + log2(n)) hashes when no account appears or disappears.
// When some do, the leaves to their right shift; the three lowest inner levels are kept at every
// alignment so that shifted spans are moved rather than rehashed, and about n/8 nodes above them
// right of the first change are rehashed (instead of about 0.6·n).
// Not thread-safe; one instance per chain being replayed.
// For profiling: when on (per thread; off by default), StateRootTree adds the wall time of its
// SHA-256 batches to a per-thread total. Off, it reads no clock.

class StateRootTree {
 public:
  explicit StateRootTree(OddRule rule);
  ~StateRootTree();
  StateRootTree(StateRootTree&&) noexcept;
  StateRootTree& operator=(StateRootTree&&) noexcept;
  StateRootTree(const StateRootTree&) = delete;
  StateRootTree& operator=(const StateRootTree&) = delete;

  // Sets an account's state; (0, 0) removes it. Takes effect at the next Root().
  void Set(const Address& a, Amount balance, uint64_t nonce);
  // Root over the current accounts. Recomputes only what changed since the last Root().
  Hash32 Root();
  // Number of accounts with balance or nonce non-zero, counting Set() calls not yet rooted.
  size_t size() const;

  // What the last Root() hashed (for tests and benchmarks of the incremental cost).
  struct Stats {
    size_t leaf_hashes = 0;  // 48-byte leaf messages
    size_t node_hashes = 0;  // 64-byte inner nodes
    double hash_seconds = 0;  // wall time in SHA-256 batches, when MeasureHashTime(true)
  };
  Stats last_root_stats() const;
  // Whether Root() times its SHA-256 batches (a clock read around each; off by default).
  void MeasureHashTime(bool on);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace forensics

#endif  // FORENSICS_STATE_ROOT_H_
