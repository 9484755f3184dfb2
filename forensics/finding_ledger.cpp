// The first bad block, the later findings and their causes, the reorg target, the supply rows and
// the verdict, from the verdicts of the blocks in replay order (finding_ledger.h).
#include "finding_ledger.h"

#include <algorithm>

#include <fmt/format.h>

namespace forensics {

FindingLedger::FindingLedger(StateViolationReport* report) : report_(report) {}

void FindingLedger::StateReplaced() {
  diverged_ = false;
  differing_.clear();
}

void FindingLedger::Unverifiable(const Unchecked& u, BlockHeight h) {
  std::string check = CheckText(u);
  auto it = unverifiable_.find(check);
  if (it == unverifiable_.end()) {
    unverifiable_.emplace(check, UnverifiableCount{check, u.kind, 1, h});
  } else {
    ++it->second.blocks;
  }
}

void FindingLedger::Record(BlockHeight height, const Hash32& id, const std::string& where, BlockVerdict v, bool from_snapshot) {
  for (const Unchecked& u : v.unverifiable) Unverifiable(u, height);
  if (!from_snapshot) last_state_verified_ = v.state_verified;
  else if (v.state_verified) last_state_verified_ = true;
  if (v.supply) PushSupply(*v.supply);
  if (stored_findings_ < kMaxStoredFindings && !v.findings.empty()) {
    auto& slot = findings_by_height_[height];
    for (const Finding& f : v.findings) {
      slot.push_back(f);
      ++stored_findings_;
    }
  }
  if (!report_->first_bad) {
    if (v.findings.empty()) {
      if (v.state_verified) {
        if (!from_snapshot || !last_verified_ || last_verified_->height != height) {
          prior_verified_ = last_verified_;
          last_verified_ = Verified{height, id, v.verified_by};
        }
      }
      if (!from_snapshot) {
        prior_block_ = last_block_;
        last_block_ = PassedBlock{true, height, id};
      }
      return;
    }
    BadBlock bad;
    bad.height = height;
    bad.hash = id;
    bad.source = where;
    TrackDivergence(height, v);
    bad.findings = std::move(v.findings);
    bad.diffs = std::move(v.diffs);
    bad.supply = v.supply;
    if (bad.diffs.empty()) {
      if (HasRootMismatch(bad.findings))
        bad.notes.push_back("the input records no state changes or snapshot for this block, so the per-account "
                            "diff cannot be shown; only the roots differ");
    }
    FaultBlock fault{height, id, {}};
    for (const Finding& f : bad.findings) AddCode(&fault, f.code);
    report_->faults.push_back(std::move(fault));
    report_->first_bad = std::move(bad);
    SetReorgTarget(height, from_snapshot);
    after_bad_rows_ = 0;
    return;
  }
  // After the first bad block: each finding is a consequence through a link, or independent.
  for (Finding& f : v.findings) {
    LaterFinding lf = Label(f);
    if (!lf.consequence) AddIndependent(height, id, f.code);
    ++report_->later_total;
    (lf.consequence ? report_->later_consequences : report_->later_independent) += 1;
    if (report_->later.size() < kMaxLaterFindings) {
      lf.finding = std::move(f);
      report_->later.push_back(std::move(lf));
    }
  }
  TrackDivergence(height, v);
}

// The link that makes `f` a consequence of an earlier fault, if the replay still sees one.
LaterFinding FindingLedger::Label(const Finding& f) const {
  LaterFinding lf;
  const StateDependence dep = DependenceOf(f.code);
  if (dep == StateDependence::kAccounts) {
    for (const Address& a : f.accounts) {
      if (auto it = differing_.find(a); it != differing_.end()) {
        lf.link = CauseLink::kAccount;
        lf.cause_height = it->second;
        lf.account = a;
        lf.why = fmt::format("account {} has differed from the node's since block {}", a.ShortHex(), it->second);
        break;
      }
    }
    // Without recorded values the divergence is known only from the roots: no account can be named.
    if (lf.link == CauseLink::kNone && diverged_ && differing_.empty()) StateLink(&lf);
  } else if (dep == StateDependence::kWholeState && diverged_) {
    StateLink(&lf);
  }
  lf.consequence = lf.link != CauseLink::kNone;
  if (!lf.consequence) lf.why = "independent";
  return lf;
}

void FindingLedger::StateLink(LaterFinding* lf) const {
  lf->link = CauseLink::kState;
  lf->cause_height = diverged_since_;
  lf->why = fmt::format("the state has not matched the node's since block {}", diverged_since_);
}

// Whether the replayed state differs from the node's after this block, and which accounts do.
bool FindingLedger::HasRootMismatch(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.code == FindingCode::kStateRootMismatch; });
}

void FindingLedger::TrackDivergence(BlockHeight height, const BlockVerdict& v) {
  const bool root_mismatch = HasRootMismatch(v.findings);
  for (const Address& a : v.matched_again) differing_.erase(a);
  for (const AccountDiff& d : v.diffs) differing_.try_emplace(d.address, height);
  if (root_mismatch || !v.diffs.empty()) {
    if (!diverged_) diverged_since_ = height;
    diverged_ = true;
  } else if (v.state_verified) {
    diverged_ = false;
    differing_.clear();
  }
}

void FindingLedger::AddCode(FaultBlock* fault, FindingCode code) {
  if (std::find(fault->codes.begin(), fault->codes.end(), code) == fault->codes.end()) fault->codes.push_back(code);
}

void FindingLedger::AddIndependent(BlockHeight height, const Hash32& id, FindingCode code) {
  auto& faults = report_->faults;
  if (faults.empty() || faults.back().height != height) {
    if (faults.size() >= kMaxFaultBlocks) {
      report_->faults_truncated = true;
      return;
    }
    faults.push_back(FaultBlock{height, id, {}});
  }
  AddCode(&faults.back(), code);
}

void FindingLedger::SetReorgTarget(BlockHeight bad_height, bool from_snapshot) {
  std::optional<Verified> target = last_verified_;
  if (from_snapshot && target && target->height == bad_height) target = prior_verified_;
  PassedBlock below = last_block_;
  if (from_snapshot && below.valid && below.height == bad_height) below = prior_block_;
  ReorgTarget t;
  if (target && target->height < bad_height) {
    t.height = target->height;
    t.hash = target->hash;
    t.verified = true;
    t.verified_by = target->how;
    if (below.valid && below.height != target->height)
      t.verified_by += fmt::format("; blocks {}..{} passed every rule but have no root or recorded state to "
                                   "verify their state",
                                   target->height + 1, below.height);
  } else if (below.valid) {
    t.height = below.height;
    t.hash = below.hash;
    t.verified = false;
    t.verified_by = "not verified: no block below the first bad one has a committed state root, recorded state "
                    "changes or a snapshot that matches the replay; it passed every rule that could be checked";
  } else {
    report_->warnings.push_back("no block below the first bad block is in the input: no reorg target");
    return;
  }
  t.command = fmt::format("coinjectured reorg --to-block {}", t.hash.Hex());
  report_->reorg = t;
}

void FindingLedger::PushSupply(const SupplyRow& row) {
  if (!report_->first_bad) {
    recent_supply_.push_back(row);
    if (recent_supply_.size() > kSupplyRowsBefore + 1) recent_supply_.erase(recent_supply_.begin());
    return;
  }
  if (after_bad_rows_ < kSupplyRowsAfter) {
    after_supply_.push_back(row);
    ++after_bad_rows_;
  }
}

void FindingLedger::Finish(const std::optional<std::string>& block_query, bool partial) {
  report_->supply = recent_supply_;
  report_->supply.insert(report_->supply.end(), after_supply_.begin(), after_supply_.end());
  for (auto& [check, c] : unverifiable_) report_->unverifiable.push_back(c);
  std::sort(report_->unverifiable.begin(), report_->unverifiable.end(),
            [](const UnverifiableCount& a, const UnverifiableCount& b) { return a.check < b.check; });

  if (block_query) {
    auto r = report_->blocks.Resolve(*block_query);
    if (r) {
      FocusBlock fb;
      fb.query = *block_query;
      fb.height = r->height;
      fb.hash = r->hash;
      if (auto it = findings_by_height_.find(fb.height); it != findings_by_height_.end()) fb.findings = it->second;
      if (report_->first_bad && report_->first_bad->height == fb.height) {
        fb.relation = "is the first bad block";
      } else if (report_->first_bad && fb.height > report_->first_bad->height) {
        fb.relation = fmt::format("comes after the first bad block {}", report_->first_bad->height);
      } else if (report_->first_bad) {
        fb.relation = fmt::format("comes before the first bad block {}, and passed every check", report_->first_bad->height);
      } else {
        fb.relation = "passed every check";
      }
      report_->focus = std::move(fb);
    } else {
      report_->focus_error = r.error();
    }
  }
  if (report_->first_bad) {
    report_->verdict = Verdict::kViolation;
  } else if (partial || report_->blocks_checked == 0 || !FullyReplayed()) {
    report_->verdict = Verdict::kInconclusive;
  } else if (report_->scope.start == ReplayScope::Start::kSnapshot &&
             report_->scope.start_root == ReplayScope::StartRoot::kDiffers) {
    // Every rule held from the snapshot on, but the snapshot is not the state its chain commits to.
    report_->verdict = Verdict::kInconclusive;
  } else if (!last_state_verified_) {
    // Every rule held in the replay, but nothing in the input shows the node's own state at the end
    // (roots not committed, no recorded state): a state violation of the node would be invisible.
    report_->verdict = Verdict::kInconclusive;
    report_->warnings.push_back(fmt::format(
        "no rule is broken, but the node's state after block {} is not committed in the input (its state root is "
        "absent or 32 zero bytes, and no state changes or snapshot match it), so the node's balances could not be "
        "compared with the replay",
        report_->last_height.value_or(0)));
  } else {
    report_->verdict = Verdict::kClean;
  }
}

// False when some block in range could not be replayed or hashed: too much unverified for "clean".
bool FindingLedger::FullyReplayed() const {
  for (const auto& [check, c] : unverifiable_)
    if (!AllowsClean(c.kind)) return false;
  return true;
}

}  // namespace forensics
