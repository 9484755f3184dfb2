// Account state and the block state-transition function of docs/chain.md §2–§3, with checked u64
// arithmetic: a rule violation is returned as a Finding, never wrapped and never thrown.
#ifndef FORENSICS_STATE_H_
#define FORENSICS_STATE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "forensics/address_map.h"
#include "forensics/chain.h"
#include "forensics/codec.h"
#include "forensics/finding.h"
#include "forensics/state_root.h"

namespace forensics {

struct Account {
  Amount balance = 0;
  uint64_t nonce = 0;
  friend bool operator==(const Account&, const Account&) = default;
};

struct AddressHasher {  // for the standard containers
  size_t operator()(const Address& a) const { return static_cast<size_t>(AddressHash()(a)); }
};

// The replayed world state: accounts, their total (as 128-bit, since Σ balances may pass 2^64),
// and an incrementally maintained state root.
class AccountState {
 public:
  explicit AccountState(OddRule rule) : tree_(rule) {}

  Account Get(const Address& a) const {
    const Account* v = accounts_.find(a);
    return v ? *v : Account{};
  }
  void Set(const Address& a, const Account& v);
  // Starts fetching the accounts `txs` send from and to: the index slots of all in one pass, then
  // the accounts they point to, so that the cache misses of a block's lookups overlap.
  void Prefetch(const std::vector<Transaction>& txs) const {
    for (const Transaction& tx : txs) {
      accounts_.PrefetchSlot(tx.from);
      accounts_.PrefetchSlot(tx.to);
    }
    for (const Transaction& tx : txs) {
      accounts_.PrefetchEntry(tx.from);
      accounts_.PrefetchEntry(tx.to);
    }
  }
  // Replaces everything (genesis allocations, snapshots).
  void Reset(const std::vector<AccountEntry>& accounts);
  Wei128 supply() const { return supply_; }
  size_t size() const { return tree_.size(); }
  Hash32 Root() { return tree_.Root(); }
  // What the last Root() hashed, and its hashing time when MeasureRootHashTime(true).
  StateRootTree::Stats last_root_stats() const { return tree_.last_root_stats(); }
  void MeasureRootHashTime(bool on) { tree_.MeasureHashTime(on); }
  // All non-empty accounts, ascending by address.
  std::vector<AccountEntry> Entries() const;

 private:
  AddressMap<Account> accounts_;  // non-empty accounts only
  Wei128 supply_;  // updated in state.cpp with 128-bit arithmetic (wide_int.h)
  StateRootTree tree_;
};

struct BlockExecutionOptions {
  Profile profile = Profile::kNeta;
  bool verify_signatures = true;
  // Per transaction: signature verification result, computed ahead (possibly on other threads).
  // Empty: signatures are not checked. 1 = valid, 0 = invalid, 2 = unverifiable (no signature).
  const std::vector<uint8_t>* signature_ok = nullptr;
};

struct BlockExecution {
  std::vector<Finding> findings;  // tx-rule and gas findings, in transaction order
  // Accounts the block changed with their values before the block (the undo log).
  AddressMap<Account> before;
  // (account, index of a transaction of the block that touched it), in transaction order; reward
  // credits add none. Read through TouchedBy.
  std::vector<std::pair<Address, uint32_t>> touches;

  // Indices of the block's transactions that touched `a`, ascending.
  std::vector<size_t> TouchedBy(const Address& a) const;
  uint64_t fees = 0;
  uint64_t reward = 0;
  FeeShares shares;
  Wei128 supply_before;
  Wei128 supply_after;
  size_t txs_applied = 0;
  size_t txs_skipped = 0;  // could not be applied (insufficient balance, overflow)
};

// Applies `block` to `state` as the rules say (§2, then the rewards of §3 for height ≥ 1).
// A transaction that breaks a rule but can be applied mechanically (bad signature, nonce, fee, gas)
// is applied as the node did, so that later comparisons isolate execution faults; one that cannot
// (insufficient balance, overflow) is skipped. Every violation becomes a Finding.
// REQUIRES: block.state_fields_missing is empty.
BlockExecution ExecuteBlock(const Block& block, const ChainMeta& meta,
                            const BlockExecutionOptions& options, AccountState* state);

}  // namespace forensics

#endif  // FORENSICS_STATE_H_
