// `forensics --issue network-fork`: many nodes' chains → the branches, where each leaves the others,
// which are valid, what upstream's fork choice would pick, the block every node can agree on (the
// network target) and each operator's action (docs/fleet.md).
//
// Each node gives a fingerprint (fingerprint.h), chain data (a store, an export or a coinjecture.db),
// or only its logs (placed by the block hashes "Applying block to state" prints). The chains are
// merged into one tree of branches as they are read: a node is compared with the branch it follows,
// block by block, never with every other node, and memory holds each distinct block once. Chain data
// is read once for its hashes; then each branch is replayed once, by one of its nodes, not once per
// node.
#ifndef FORENSICS_NETWORK_FORK_H_
#define FORENSICS_NETWORK_FORK_H_

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "forensics/fingerprint.h"
#include "forensics/inputs.h"
#include "forensics/result.h"
#include "forensics/state_violation.h"
#include "forensics/verdict.h"

namespace forensics {

struct NetworkNodeInput {
  std::string name;
  std::string path;  // a fingerprint, a chain store, an export or a coinjecture.db
};

struct NetworkForkOptions {
  std::vector<NetworkNodeInput> nodes;
  std::vector<std::string> log_files;  // nodes without chain data: each file one node (rotations merge)
  // How chain data is replayed (profile, signatures, genesis, threads); chain_path and on_block are set
  // per replay.
  StateViolationOptions replay;
  const std::atomic<bool>* stop_requested = nullptr;
  unsigned threads = 0;  // fingerprints read at once; 0 = one per core
};

enum class NodeAction {
  kNone,         // on the chosen branch, at its tip
  kCatchUp,      // on the chosen branch, behind its tip: no reorg, it syncs
  kReorg,        // on a bad branch or a fork the network leaves: reorg to the network target
  kInvestigate,  // not placed (another network, nothing shared, unreadable): no command can be given
};
// "none", "catch-up", "reorg", "investigate".
std::string_view NodeActionName(NodeAction a);

enum class NodeSource { kFingerprint, kChain, kLogs };
// "fingerprint", "chain", "logs".
std::string_view NodeSourceName(NodeSource s);

struct NetworkBlock {
  BlockHeight height = 0;
  Hash32 hash;
  std::vector<FindingCode> codes;  // a bad block's codes
};

struct NetworkNode {
  std::string name;
  std::string path;
  NodeSource source = NodeSource::kFingerprint;
  std::optional<BlockHeight> tip_height;
  std::string tip_hash;  // full hex; for a node known from logs only, the prefix its log printed
  std::optional<int> branch;  // nullopt: not placed
  std::optional<BlockHeight> fork_height;  // first height at which its chain differs from the chosen branch
  Verdict verdict = Verdict::kInconclusive;  // of its chain up to its tip
  std::optional<NetworkBlock> first_bad_block;
  NodeAction action = NodeAction::kInvestigate;
  std::string command;  // coinjectured reorg --to-block <hash>, or ""
  std::string note;     // why, in one sentence
};

struct NetworkBranch {
  int id = 0;
  std::optional<int> parent;       // the branch it leaves; nullopt for the first
  BlockHeight from_height = 0;      // its first block of its own (where it leaves the parent)
  BlockHeight tip_height = 0;
  Hash32 tip_hash;
  std::vector<std::string> nodes;   // nodes whose tip lies on it
  bool valid = false;               // no check failed on its chain, genesis to tip
  std::optional<NetworkBlock> first_bad_block;
};

struct NetworkTarget {
  BlockHeight height = 0;
  Hash32 hash;
  std::string command;
  bool verified = false;    // its state matched a committed root, the recorded state or a snapshot
  std::string verified_by;  // how, or why it could not be
};

struct NetworkInputError {
  std::string node, path;
  std::string message;
};

struct NetworkForkReport {
  Verdict verdict = Verdict::kInconclusive;
  std::vector<InputFile> inputs;         // every file read (a store directory hashed whole)
  std::vector<NetworkNode> nodes;        // in the order given (command line, then logs)
  std::vector<NetworkBranch> branches;   // by id
  std::optional<BlockRef> common_ancestor;
  std::optional<NetworkTarget> network_target;
  std::optional<int> chosen_branch;      // the valid branch the network should follow
  struct ForkChoice {
    int branch = 0;
    Hash32 tip_hash;
    BlockHeight tip_height = 0;
    bool bad = false;  // the network would converge on a branch that fails the replay
  };
  std::optional<ForkChoice> fork_choice;
  std::vector<NetworkInputError> errors;  // inputs that could not be used; the rest was analysed
  std::vector<std::string> warnings;
  uint64_t replays = 0;           // chain data replayed (one per branch at most)
  uint64_t distinct_blocks = 0;   // blocks held in the tree
  uint64_t verdict_conflicts = 0;  // blocks two nodes judged differently (the first is in warnings)
};

// InvalidArgument for an empty node list and logs; every other problem is an error of its node.
Result<NetworkForkReport> AnalyzeNetworkFork(const NetworkForkOptions& options);

struct ReportStamp;
// The report as text (terminal-safe), JSON (docs/fleet.md) and report.md (a node table, a Mermaid
// diagram of the branches, the per-operator commands); the issue title for gh issue create.
std::string RenderNetworkForkText(const NetworkForkReport& r);
std::string RenderNetworkForkJson(const NetworkForkReport& r, const ReportStamp& stamp);
std::string RenderNetworkForkMarkdown(const NetworkForkReport& r, const ReportStamp& stamp);
std::string NetworkForkTitle(const NetworkForkReport& r);

}  // namespace forensics

#endif  // FORENSICS_NETWORK_FORK_H_
