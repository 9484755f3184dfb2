// The replay's bookkeeping on verdicts alone: no chain, no threads (forensics/finding_ledger.h).
#include <catch2/catch.hpp>

#include "../forensics/finding_ledger.h"

namespace forensics {
namespace {

Address Account(uint8_t b) {
  Address a{};
  a[0] = b;
  return a;
}

Hash32 Id(uint8_t b) {
  Hash32 h{};
  h[31] = b;
  return h;
}

BlockVerdict Verified() {
  BlockVerdict v;
  v.state_verified = true;
  v.verified_by = "its committed state root";
  return v;
}

Finding On(FindingCode code, BlockHeight h, std::vector<Address> accounts = {}) {
  Finding f;
  f.code = code;
  f.height = h;
  f.accounts = std::move(accounts);
  return f;
}

TEST_CASE("the ledger keeps the first bad block, labels later findings by their links and picks the reorg target",
          "[finding_ledger]") {
  StateViolationReport r;
  r.blocks_checked = 6;
  FindingLedger ledger(&r);
  ledger.Record(1, Id(1), "c:1", Verified(), false);
  ledger.Record(2, Id(2), "c:2", Verified(), false);
  ledger.Record(3, Id(3), "c:3", BlockVerdict{}, false);  // passed every rule, state unverified
  BlockVerdict bad;
  bad.findings = {On(FindingCode::kInflationDetected, 4, {Account(0xa)}), On(FindingCode::kStateRootMismatch, 4)};
  AccountDiff diff;
  diff.address = Account(0xa);
  bad.diffs.push_back(diff);
  ledger.Record(4, Id(4), "c:4", bad, false);
  BlockVerdict later;
  later.findings = {On(FindingCode::kInsufficientBalance, 5, {Account(0xa)}),  // a: differs since 4
                    On(FindingCode::kInvalidNonce, 5, {Account(0xb)}),          // b: nothing ties it
                    On(FindingCode::kBadSignature, 5)};                         // the block alone
  ledger.Record(5, Id(5), "c:5", later, false);
  ledger.Finish(std::nullopt, false);

  CHECK(r.verdict == Verdict::kViolation);
  REQUIRE(r.first_bad);
  CHECK(r.first_bad->height == 4);
  CHECK(r.first_bad->source == "c:4");
  REQUIRE(r.reorg);
  CHECK(r.reorg->height == 2);  // the highest verified block, not the unverified 3
  CHECK(r.reorg->verified);
  CHECK_THAT(r.reorg->verified_by, Catch::Contains("blocks 3..3 passed every rule"));
  CHECK(r.later_total == 3);
  CHECK(r.later_consequences == 1);
  CHECK(r.later_independent == 2);
  REQUIRE(r.later.size() == 3);
  CHECK(r.later[0].consequence);
  CHECK(r.later[0].cause_height == 4);
  CHECK_FALSE(r.later[1].consequence);
  REQUIRE(r.faults.size() == 2);  // the first bad block, and 5 for its independent findings
  CHECK(r.faults[1].height == 5);
  CHECK(r.faults[1].codes == std::vector<FindingCode>{FindingCode::kInvalidNonce, FindingCode::kBadSignature});
}

TEST_CASE("the ledger calls a run clean only when the end state was verified and every block replayed",
          "[finding_ledger]") {
  auto run = [](bool end_verified, std::optional<UncheckedKind> unchecked, bool partial) {
    StateViolationReport r;
    r.blocks_checked = 2;
    FindingLedger ledger(&r);
    ledger.Record(1, Id(1), "c:1", Verified(), false);
    if (unchecked) ledger.Unverifiable({*unchecked, "nonce"}, 2);
    ledger.Record(2, Id(2), "c:2", end_verified ? Verified() : BlockVerdict{}, false);
    ledger.Finish(std::nullopt, partial);
    return r;
  };
  CHECK(run(true, std::nullopt, false).verdict == Verdict::kClean);
  CHECK(run(true, UncheckedKind::kParentLink, false).verdict == Verdict::kClean);
  CHECK(run(true, UncheckedKind::kTransactionRules, false).verdict == Verdict::kInconclusive);
  CHECK(run(true, UncheckedKind::kBlockHashFieldMissing, false).verdict == Verdict::kInconclusive);
  CHECK(run(true, std::nullopt, true).verdict == Verdict::kInconclusive);
  StateViolationReport unverified = run(false, std::nullopt, false);
  CHECK(unverified.verdict == Verdict::kInconclusive);
  REQUIRE(unverified.warnings.size() == 1);
  CHECK_THAT(unverified.warnings[0], Catch::Contains("not committed in the input"));
  StateViolationReport counted = run(true, UncheckedKind::kBlockHashFieldMissing, false);
  REQUIRE(counted.unverifiable.size() == 1);
  CHECK(counted.unverifiable[0].check == "block hash (missing nonce)");
  CHECK(counted.unverifiable[0].first_height == 2);
}

TEST_CASE("a snapshot that replaces the state ends the divergence: later findings are independent again",
          "[finding_ledger]") {
  StateViolationReport r;
  FindingLedger ledger(&r);
  ledger.Record(1, Id(1), "c:1", Verified(), false);
  BlockVerdict bad;
  bad.findings = {On(FindingCode::kStateRootMismatch, 2)};
  ledger.Record(2, Id(2), "c:2", bad, false);
  ledger.StateReplaced();
  BlockVerdict later;
  later.findings = {On(FindingCode::kStateRootMismatch, 3)};
  ledger.Record(3, Id(3), "c:3", later, false);
  ledger.Finish(std::nullopt, false);
  CHECK(r.later_independent == 1);
  CHECK(r.later_consequences == 0);
}

}  // namespace
}  // namespace forensics
