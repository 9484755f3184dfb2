// Analyzer: one family of per-block checks. The replay engine owns the world state and calls every
// analyzer of MakeAllAnalyzers() once per block in height order; analyzers append Findings (rule
// violations, as values) and evidence to the block's verdict.
#ifndef FORENSICS_ANALYZER_H_
#define FORENSICS_ANALYZER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/chain.h"
#include "forensics/finding.h"
#include "forensics/state.h"
#include "forensics/unchecked.h"

namespace forensics {

// One account's replayed and recorded values at a block (for state mismatches).
struct AccountDiff {
  Address address;
  Account replayed;
  std::optional<Account> recorded;  // nullopt: the node did not record the account at this block
  Account recorded_or_previous;     // what the node holds after the block
  std::vector<size_t> touched_by;   // indices of the block's transactions touching the account
  std::string source;               // "state_changes" or "snapshot"
};

// Money created or destroyed by a block, from the node's recorded values.
struct SupplyRow {
  BlockHeight height = 0;
  Wei128 supply_before;  // the node's total before the block
  Wei128 supply_after;
  uint64_t reward = 0;
  uint64_t fees = 0;
  uint64_t dust = 0;
  // (supply_after − supply_before) − (reward − dust): > 0 surplus, < 0 deficit.
  SignedWei128 surplus;
  bool recorded = false;  // true: from the node's recorded values; false: from the replay alone
};

struct BlockVerdict {
  std::vector<Finding> findings;
  std::vector<AccountDiff> diffs;
  std::optional<SupplyRow> supply;
  bool state_verified = false;        // the root or the recorded state matched the replay
  std::string verified_by;            // what matched: "its committed state root", …
  std::vector<Address> matched_again;  // accounts whose recorded value matches the replay again
  std::vector<Unchecked> unverifiable;  // checks that could not run on this block
};

struct PreviousBlock {
  BlockHeight height = 0;
  std::optional<Hash32> stored_hash;
  std::optional<Hash32> computed_hash;
  std::optional<Hash32> state_root;  // the root the block claims (header or recorded)
};

struct BlockContext {
  Profile profile = Profile::kNeta;
  const ChainMeta* meta = nullptr;
  const Block* block = nullptr;
  std::optional<PreviousBlock> previous;   // nullopt for the first block read
  std::optional<Hash32> computed_hash;     // nullopt: a header field is missing
  std::string hash_missing_field;
  // State: present only when the replay could apply this block (state known and fields present).
  const AccountState* state = nullptr;      // after the block
  const BlockExecution* execution = nullptr;
  std::optional<Hash32> replayed_root;
  bool signatures_checked = false;
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual std::string_view name() const = 0;
  virtual void OnBlock(const BlockContext& ctx, BlockVerdict* verdict) = 0;
  // A node snapshot of the full state after `snapshot.height` was read while the replayed state is
  // `state` (after the same block).
  virtual void OnSnapshot(const Snapshot& snapshot, const AccountState& state, BlockVerdict* verdict) {
    (void)snapshot, (void)state, (void)verdict;
  }
};

struct AnalyzerOptions {
  Profile profile = Profile::kNeta;
};

// Every analyzer, in report order.
std::vector<std::unique_ptr<Analyzer>> MakeAllAnalyzers(const AnalyzerOptions& options);
std::vector<std::string> AnalyzerNames();

}  // namespace forensics

#endif  // FORENSICS_ANALYZER_H_
