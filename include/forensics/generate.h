// `forensics generate`: deterministic sample chains (by seed) in the export format of docs/chain.md §5,
// with faults injected at chosen heights, and optionally the producing node's daemon log.
#ifndef FORENSICS_GENERATE_H_
#define FORENSICS_GENERATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "forensics/chain.h"
#include "forensics/finding.h"
#include "forensics/codec.h"
#include "forensics/result.h"

namespace forensics {

enum class FaultKind {
  kInflation,       // a transfer credits the recipient more than the amount (money created)
  kMissingReward,   // the node does not credit the block reward
  kWrongStateRoot,  // the header commits to a state root that is not the state's
  kBadSignature,    // a transaction's signature does not verify (the node applied it anyway)
  kBalanceWrap,     // a credit wraps a balance past 2^64 in the node's state
  kParentLink,      // parent_hash names no block
  kTxRoot,          // the header's tx root is not the transactions' root
  kBlockHash,       // the stored block hash is not the header's hash
  kFeeTooLow,       // a transaction pays less than the minimum fee (the node applied it)
  kInvalidNonce,    // a transaction's nonce skips ahead (the node applied it)
};

struct Fault {
  FaultKind kind;
  BlockHeight height;
};

// "inflation@57" → Fault. Kinds: inflation, missing-reward, wrong-state-root, bad-signature,
// balance-wrap, parent-link, tx-root, block-hash, fee-too-low, invalid-nonce.
Result<Fault> ParseFault(std::string_view spec);
std::string_view FaultName(FaultKind k);
std::vector<std::string_view> FaultNames();
// The finding codes a fault produces at its height (what the analyzer must report there).
std::vector<FindingCode> ExpectedCodes(FaultKind k);

// Bounds GenerateChain checks (the option structs are filled from the command line); txs_per_block
// is bounded by kMaxTxsPerBlock (codec.h), new_account_share by [0, 1].
inline constexpr uint64_t kMaxGenerateBlocks = 100'000'000;
inline constexpr uint64_t kMaxGenerateAccounts = 10'000'000;

struct GenerateOptions {
  std::string out_path;  // .ndjson, .ndjson.zst or .ndjson.gz
  std::optional<std::string> logs_path;  // the producing node's logrus log (any container)
  Profile profile = Profile::kNeta;
  uint64_t blocks = 200;        // heights 0 .. blocks-1
  uint64_t accounts = 20;       // funded at genesis
  uint64_t txs_per_block = 5;
  uint64_t seed = 1;
  std::vector<Fault> faults;
  bool commit_state_roots = true;    // false: headers carry 32 zero bytes, as upstream does today
  bool record_state_changes = true;  // per-block state_changes records
  uint64_t snapshot_every = 0;       // a snapshot record every N blocks (0: none)
  double new_account_share = 0.2;    // share of transfers that go to a fresh account
  // 0: a pick whose sender holds too little to send is skipped (blocks may hold fewer than
  // txs_per_block transactions). N > 0: the sender is re-drawn up to N times first, so blocks stay
  // full far longer (for benchmarks that need an exact transaction count). The default keeps the
  // output of existing seeds byte for byte.
  uint32_t sender_redraws = 0;
};

struct GenerateStats {
  uint64_t blocks = 0, transactions = 0, accounts = 0, snapshots = 0;
  std::vector<std::pair<BlockHeight, Hash32>> hashes;  // stored hash per height
  // Where the chain holds less than was asked. A transfer is drawn per requested transaction; one
  // whose sender holds less than kMinSenderBalance is skipped (after sender_redraws re-draws), so
  // blocks hold fewer than txs_per_block once fresh accounts have spread the funds thin.
  uint64_t skipped_transfers = 0;  // draws skipped for a poor sender, over the whole chain
  uint64_t short_blocks = 0;       // blocks above genesis holding fewer drawn transfers than asked
  // Faults that act on a block's first transaction (bad-signature, fee-too-low, invalid-nonce,
  // inflation) at a height whose block holds none: not injected.
  std::vector<Fault> faults_not_injected;
};

// Senders holding less than this send nothing.
inline constexpr uint64_t kMinSenderBalance = 10 * kWeiPerBeans;

// Writes the chain. Deterministic: the same options give the same bytes.
Result<GenerateStats> GenerateChain(const GenerateOptions& options);

}  // namespace forensics

#endif  // FORENSICS_GENERATE_H_
