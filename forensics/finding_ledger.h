// FindingLedger: the bookkeeping of a state-violation replay, apart from the replay itself. Fed the
// verdict of each block in replay order, it keeps the first bad block, labels each later finding a
// consequence (a checkable link to an earlier fault: an account that still differs from the node's,
// or the whole state, which has not matched since) or independent, picks the reorg target (the
// highest block below the first bad one whose state was verified), keeps the supply rows around the
// first bad block and counts the checks that could not run; Finish() then gives the focus block and
// the verdict. Single-threaded and free of I/O, so it is tested on verdicts alone. Private to the
// forensics library.
#ifndef FORENSICS_FINDING_LEDGER_H_
#define FORENSICS_FINDING_LEDGER_H_

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "forensics/analyzer.h"
#include "forensics/state_violation.h"
#include "forensics/unchecked.h"

namespace forensics {

class FindingLedger {
 public:
  explicit FindingLedger(StateViolationReport* report);

  // A check that could not run on block h (one row per wording, counting blocks).
  void Unverifiable(const Unchecked& u, BlockHeight h);
  // The verdict of block `height` (`id` its hash, `where` its file:line). from_snapshot: the verdict
  // of a snapshot's block, checked against the snapshot rather than replayed.
  void Record(BlockHeight height, const Hash32& id, const std::string& where, BlockVerdict v, bool from_snapshot);
  // The replayed state was replaced by a snapshot, the node's own: nothing differs any more.
  void StateReplaced();
  // Fills the supply rows, the unverifiable checks, the focus block (block_query, a hash or prefix)
  // and the verdict; `partial`: the replay stopped before the end of its input.
  void Finish(const std::optional<std::string>& block_query, bool partial);

 private:
  struct Verified {
    BlockHeight height;
    Hash32 hash;
    std::string how;
  };
  struct PassedBlock {  // a block that passed every rule (valid: one was read)
    bool valid = false;
    BlockHeight height = 0;
    Hash32 hash;
  };

  static constexpr size_t kSupplyRowsBefore = 5, kSupplyRowsAfter = 5;
  static constexpr size_t kMaxStoredFindings = 200000;
  static constexpr size_t kMaxFaultBlocks = 200000;

  LaterFinding Label(const Finding& f) const;
  void StateLink(LaterFinding* lf) const;
  static bool HasRootMismatch(const std::vector<Finding>& findings);
  void TrackDivergence(BlockHeight height, const BlockVerdict& v);
  static void AddCode(FaultBlock* fault, FindingCode code);
  void AddIndependent(BlockHeight height, const Hash32& id, FindingCode code);
  void SetReorgTarget(BlockHeight bad_height, bool from_snapshot);
  void PushSupply(const SupplyRow& row);
  bool FullyReplayed() const;

  StateViolationReport* report_;
  std::map<std::string, UnverifiableCount> unverifiable_;
  std::map<BlockHeight, std::vector<Finding>> findings_by_height_;
  size_t stored_findings_ = 0;
  std::optional<Verified> last_verified_, prior_verified_;
  PassedBlock last_block_, prior_block_;
  // Where the replayed state differs from the node's: some accounts (recorded values), or the whole
  // state (a root), since a height.
  std::unordered_map<Address, BlockHeight, AddressHasher> differing_;
  bool diverged_ = false;
  BlockHeight diverged_since_ = 0;
  bool last_state_verified_ = false;
  std::vector<SupplyRow> recent_supply_, after_supply_;
  size_t after_bad_rows_ = 0;
};

}  // namespace forensics

#endif  // FORENSICS_FINDING_LEDGER_H_
