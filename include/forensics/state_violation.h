// `forensics --issue state-violation`: replay a chain block by block, find the first bad block,
// label what follows it, and name the reorg target (docs/cli.md).
#ifndef FORENSICS_STATE_VIOLATION_H_
#define FORENSICS_STATE_VIOLATION_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "forensics/analyzer.h"
#include "forensics/block_index.h"
#include "forensics/chain.h"
#include "forensics/finding.h"
#include "forensics/inputs.h"
#include "forensics/option_names.h"
#include "forensics/result.h"
#include "forensics/stop.h"
#include "forensics/unchecked.h"
#include "forensics/verdict.h"

namespace forensics {

struct Progress {
  BlockHeight height = 0;
  uint64_t blocks = 0;
  uint64_t bytes_read = 0, bytes_total = 0;  // 0 when unknown
  double seconds = 0;
};

// Where a replay's time went (StateViolationOptions::phase_times): wall seconds from a steady
// clock read around each phase, on the thread that runs it.
struct ReplayPhaseTimes {
  // The replay thread (the sum of these and what is not listed is `replay`):
  double replay = 0;              // the whole replay loop, first batch to last block
  double block_hash = 0;          // ComputeBlockHash: header encoding and its SHA-256
  double execute = 0;             // ExecuteBlock: the state transition (rules, balances, nonces)
  double state_root = 0;          // the replayed state root (StateRootTree::Root), of which
  double state_root_hashing = 0;  //   its SHA-256 batches
  double tx_root = 0;             // the tx_root analyzer: tx hashes and their merkle root
  double checks = 0;              // every other analyzer
  double wait = 0;                // waiting for the next batch (reading or signatures behind)
  // The reader thread, concurrently:
  double parse = 0;   // ReadBatch: read, decompress and decode records
  double verify = 0;  // signature verification of the batch (wall; its workers run in parallel)
};

// What the replay found for one block, given as it goes (StateViolationOptions::on_block): a
// fingerprint is made of these (fingerprint.h).
struct BlockOutcome {
  BlockHeight height = 0;
  Hash32 hash;                         // the stored hash, else the computed one
  std::optional<Hash32> claimed_root;  // the state root the block claims (header or recorded)
  bool replayed = false;               // its state transition ran, every check included
  bool state_verified = false;         // its committed root, the recorded state or a snapshot matched the replay
  std::vector<FindingCode> codes;      // its findings' codes, each once, in finding order
  // A second word on the block just given: the snapshot after it was compared (its codes and
  // state_verified add to the first).
  bool from_snapshot = false;
};

struct StateViolationOptions {
  std::string chain_path;
  std::optional<std::string> block;  // full hash or 16-hex prefix
  std::optional<BlockHeight> from, to;
  std::optional<Profile> profile;
  // A SQLite coinjecture.db's genesis (LoadGenesisFile, node_store.h); nullopt: an empty genesis.
  std::optional<std::string> genesis_path;
  bool verify_signatures = true;
  OptionSpeller option_names = OptionFieldName;  // how warnings name these options
  unsigned threads = 0;  // signature workers; 0 = all cores
  size_t later_cap = 50;  // rows of later findings report.md lists, a run at consecutive heights a row (the JSON lists every one kept)
  double time_budget_seconds = 0;  // 0 = none; else stop cleanly and mark the result partial
  // When set and true, stop at the next block or log batch as a spent budget does (the CLI sets it on
  // SIGINT or SIGTERM). Must outlive the analysis.
  const std::atomic<bool>* stop_requested = nullptr;
  std::function<void(const Progress&)> progress;  // called about once a second
  // Daemon logs for the timeline (any container and format of docs/logs.md), and their time window.
  std::vector<std::string> log_files;
  std::optional<int64_t> since_us, until_us;  // UTC microseconds
  std::optional<int> year;                    // for journald short timestamps
  size_t timeline_events = 25;                // events listed before and after the anchor
  // When set, filled with where the replay's time went (a few clock reads per block). Timings are
  // kept out of the report: the same inputs give the same report, however fast the machine.
  ReplayPhaseTimes* phase_times = nullptr;
  // When set, called on the replay thread for every block read, in height order (and again for a
  // block whose snapshot follows it). It costs a few words per block.
  std::function<void(const BlockOutcome&)> on_block;
};

// Later findings a report keeps; beyond them they are only counted (and the JSON says how many).
inline constexpr size_t kMaxLaterFindings = 200000;

// What ties a later finding to an earlier fault: a consequence has a link that can be checked.
enum class CauseLink {
  kNone,     // independent: no earlier difference it depends on is still there
  kAccount,  // it names an account whose value has differed from the node's since cause_height
  kState,    // it depends on the whole state, which has not matched the node's since cause_height
};

struct LaterFinding {
  Finding finding;
  bool consequence = false;       // link != kNone
  CauseLink link = CauseLink::kNone;
  BlockHeight cause_height = 0;   // the fault the link leads to (consequences)
  std::optional<Address> account;  // kAccount: the account that still differs
  std::string why;  // the link in words, or "independent"
};

// A block with a fault of its own: the first bad block, and every later block with an independent
// finding.
struct FaultBlock {
  BlockHeight height = 0;
  Hash32 hash;
  std::vector<FindingCode> codes;  // its independent findings' codes, each once, in finding order
};

struct HeightRange {
  BlockHeight first = 0, last = 0;
};

// What the verdict covers (docs/cli.md: "the verdict is scoped").
struct ReplayScope {
  enum class Start {
    kNone,      // the input starts at a block without a state to start from: nothing was replayed from it
    kGenesis,   // the export's genesis allocations
    kSnapshot,  // the node's snapshot after block start_height, taken on trust
  };
  enum class StartRoot {
    kNotApplicable,  // genesis, or no start
    kMatches,        // the snapshot's root equals the root its block's header commits to
    kDiffers,        // it does not: the starting state is not the one the chain commits to
    kNotCommitted,   // the header commits to no root (absent or 32 zero bytes): the snapshot is trusted unchecked
  };
  Start start = Start::kNone;
  BlockHeight start_height = 0;
  StartRoot start_root = StartRoot::kNotApplicable;
  std::optional<Hash32> start_state_root;  // kSnapshot: the root of the snapshot's accounts
  size_t start_accounts = 0;               // kSnapshot: how many accounts it holds
  std::optional<BlockHeight> requested_from;  // --from
  std::vector<HeightRange> replayed;   // blocks whose state transition ran, every check included
  std::vector<HeightRange> read_only;  // blocks read and checked without their state (hashes, links, tx roots,
                                       // signatures, fees): the state before them was unknown
};

struct BadBlock {
  BlockHeight height = 0;
  Hash32 hash;                 // the node's stored hash (computed one if none is stored)
  std::vector<Finding> findings;
  std::vector<AccountDiff> diffs;
  std::optional<SupplyRow> supply;
  std::vector<std::string> notes;  // what could not be shown (no recorded state, …)
  std::string source;              // file:line or store key of the block
};

struct ReorgTarget {
  BlockHeight height = 0;
  Hash32 hash;
  std::string command;  // coinjectured reorg --to-block <hash>
  bool verified = false;
  std::string verified_by;  // "state root", "recorded state", "snapshot", or why it is not verified
};

struct FocusBlock {
  std::string query;
  BlockHeight height = 0;
  Hash32 hash;
  std::vector<Finding> findings;
  std::string relation;  // "is the first bad block", "comes before the first bad block", …
};

struct UnverifiableCount {
  std::string check;  // CheckText(): one row per wording
  UncheckedKind kind = UncheckedKind::kParentLink;
  uint64_t blocks = 0;
  BlockHeight first_height = 0;
};

// One log event near the first bad block (or the --block focus).
struct TimelineRow {
  std::string time;  // ISO 8601 UTC, or "" when the line carried none
  std::string node, file;
  uint64_t line = 0;
  std::string level, kind, msg;
  std::optional<uint64_t> block_height;
  std::string block_hash;      // the full hash when the logged prefix resolves uniquely, else as logged
  std::string hash_note;       // "ambiguous prefix (N blocks)", "not in the chain data", or ""
  std::string claimed_root;    // a node's claimed state root (16 hex as logged)
  std::string replayed_root;   // the replay's root for that height (same length as the claim)
  std::string root_check;      // "match", "mismatch", "not committed" (all zeros), "no replayed root", or ""
  std::string tx_hash;         // a logged tx_hash: the full hash when its prefix resolves in the chain data
  std::string tx_hash_note;    // why it did not resolve, or ""
  bool anchor = false, reorg = false, rollback = false, incident = false;
};

struct TimelineSummary {
  std::vector<std::string> files;
  uint64_t events = 0;          // events read in all files (in the time window)
  uint64_t problems = 0;        // unparsable lines
  uint64_t read_issues = 0;     // container damage, over-long lines
  bool anchor_found = false;
  std::string anchor;           // what the timeline is centred on
  uint64_t claims_matching = 0, claims_mismatching = 0;
  uint64_t claims_not_committed = 0;  // all-zero claims: no root committed, in neither count
  uint64_t reorg_events = 0, rollback_events = 0, incident_events = 0;  // in the whole input
};

struct StateViolationReport {
  Verdict verdict = Verdict::kInconclusive;
  Profile profile = Profile::kNeta;
  std::vector<InputFile> inputs;
  std::vector<std::string> warnings;
  std::vector<UnverifiableCount> unverifiable;
  bool signatures_checked = true;
  uint64_t blocks_checked = 0;
  uint64_t txs_checked = 0;
  std::optional<BlockHeight> first_height, last_height;
  std::optional<BlockHeight> replay_start_snapshot;  // --from: the snapshot the replay started at
  ReplayScope scope;
  std::optional<BadBlock> first_bad;
  std::vector<FaultBlock> faults;  // the first bad block, then each later block with an independent finding
  bool faults_truncated = false;   // more than kMaxFaultBlocks blocks had one
  std::optional<ReorgTarget> reorg;
  // Every later finding in order, up to kMaxLaterFindings (a memory bound); later_total and the two
  // counts below count all of them.
  std::vector<LaterFinding> later;
  size_t markdown_later_cap = 50;  // rows of them report.md lists (StateViolationOptions::later_cap)
  uint64_t later_total = 0, later_consequences = 0, later_independent = 0;
  std::vector<SupplyRow> supply;  // near the break (or the last blocks when clean)
  std::optional<FocusBlock> focus;
  // Set instead of `focus` when options.block named no block of the input or several (PrefixMatches::One:
  // NotFound, InvalidArgument). The message starts with the query; the front end names its option.
  std::optional<Status> focus_error;
  bool partial = false;            // stopped early (time budget, stop request or damaged input)
  std::string stopped_reason;
  StopReason stopped_by = StopReason::kNone;  // kNone when damaged input stopped it (or nothing did)
  std::optional<TimelineSummary> timeline_summary;  // when logs were given
  std::vector<TimelineRow> timeline;
  // Every block's stored (else computed) hash and replayed root, for prefix resolution and the
  // timeline's root checks: the only record the replay keeps of every block (block_index.h).
  BlockIndex blocks;
};

// Replays the chain at options.chain_path. Returns a report (verdict clean, violation or
// inconclusive), or an error when nothing could be analyzed (unreadable input, bad --block prefix).
Result<StateViolationReport> AnalyzeStateViolation(const StateViolationOptions& options);

// What the verdict covers, in one sentence ("blocks 2501..2999 replayed from the node's snapshot of block 2500,
// taken on trust (its root matches the header's)").
std::string ScopeSentence(const StateViolationReport& report);


}  // namespace forensics

#endif  // FORENSICS_STATE_VIOLATION_H_
