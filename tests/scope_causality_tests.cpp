// What a state-violation verdict covers (--from starts at a snapshot taken on trust, and says so) and
// what a later finding is labelled (a consequence only through a link the replay can still see).
#include <algorithm>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "forensics/chain_store.h"
#include "forensics/generate.h"
#include "forensics/report.h"
#include "forensics/state_violation.h"
#include "util/cli_run.h"
#include "util/io_fixtures.h"

using namespace forensics;
using forensics::testing::TempDir;

namespace {

GenerateOptions Chain(const std::string& path, uint64_t blocks, std::vector<Fault> faults, uint64_t snapshot_every = 0) {
  GenerateOptions o;
  o.out_path = path;
  o.blocks = blocks;
  o.accounts = 12;
  o.txs_per_block = 4;
  o.seed = 11;
  o.snapshot_every = snapshot_every;
  o.faults = std::move(faults);
  return o;
}

StateViolationReport Analyze(const std::string& path, std::optional<BlockHeight> from = std::nullopt) {
  StateViolationOptions o;
  o.chain_path = path;
  o.from = from;
  auto r = AnalyzeStateViolation(o);
  if (!r) FAIL(r.error().ToString());
  return std::move(*r);
}

std::string ReadFile(const std::string& p) { return forensics::testing::ReadWholeFile(p); }

void WriteFile(const std::string& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

bool HasWarning(const StateViolationReport& r, std::string_view part) {
  for (const std::string& w : r.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("from a snapshot the verdict covers only the blocks replayed, export and store alike", "[scope]") {
  TempDir dir;
  const std::string chain = dir.File("c.ndjson");
  REQUIRE(GenerateChain(Chain(chain, 600, {Fault{FaultKind::kInflation, 420}}, 100)).has_value());
  ImportOptions imp;
  imp.exports = {chain};
  imp.db_dir = dir.File("db");
  REQUIRE(ImportExports(imp).has_value());
  const ReportStamp stamp{"test", "forensics"};
  for (const std::string& path : {chain, dir.File("db")}) {
    INFO(path);
    StateViolationReport r = Analyze(path, 520);
    CHECK(r.verdict == forensics::Verdict::kClean);  // the inflation at 420 lies below the starting snapshot
    CHECK(r.scope.start == ReplayScope::Start::kSnapshot);
    CHECK(r.scope.start_height == 500);
    CHECK(r.scope.start_root == ReplayScope::StartRoot::kMatches);
    REQUIRE(r.scope.replayed.size() == 1);
    CHECK(r.scope.replayed[0].first == 501);
    CHECK(r.scope.replayed[0].last == 599);
    CHECK(r.scope.read_only.empty());
    CHECK(r.blocks_checked == 99);
    REQUIRE(r.first_height.has_value());
    CHECK(*r.first_height == 501);
    CHECK_FALSE(HasWarning(r, "commits to no state root"));

    const std::string text = RenderStateViolationText(r);
    CHECK_THAT(text, Catch::Contains("CLEAN from block 501 on, starting state trusted (the node's snapshot of block 500)"));
    CHECK_THAT(text, Catch::Contains("heights 501..599"));
    CHECK_THAT(text, Catch::Contains("blocks below 500 were not read"));
    const std::string json = RenderStateViolationJson(r, stamp);
    CHECK_THAT(json, Catch::Contains(R"("kind": "snapshot")"));
    CHECK_THAT(json, Catch::Contains(R"("root_check": "matches")"));
    CHECK_THAT(json, Catch::Contains(R"("trusted": true)"));
    CHECK_THAT(RenderStateViolationMarkdown(r, stamp), Catch::Contains("taken on trust"));
  }
  // From genesis the same chain is a violation at 420, whichever way it is stored.
  CHECK(Analyze(chain).first_bad->height == 420);
  CHECK(Analyze(dir.File("db")).first_bad->height == 420);
}

TEST_CASE("a from height with no snapshot below it replays from genesis and says so", "[scope]") {
  TempDir dir;
  const std::string chain = dir.File("c.ndjson");
  REQUIRE(GenerateChain(Chain(chain, 120, {Fault{FaultKind::kInflation, 30}}, 50)).has_value());
  StateViolationReport r = Analyze(chain, 40);
  CHECK(r.scope.start == ReplayScope::Start::kGenesis);
  CHECK(HasWarning(r, "no snapshot at or below height 40"));
  // What the replay saw below --from is reported, not dropped.
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == 30);
}

TEST_CASE("a starting snapshot whose root differs from its header's is never clean", "[scope]") {
  TempDir dir;
  const std::string chain = dir.File("c.ndjson");
  REQUIRE(GenerateChain(Chain(chain, 200, {}, 100)).has_value());
  // Raise one balance in the snapshot of block 100: its root no longer matches the header of 100.
  std::string text = ReadFile(chain);
  const size_t at = text.find("{\"record\":\"snapshot\",\"height\":100");
  REQUIRE(at != std::string::npos);
  const size_t bal = text.find("\"balance\":", at);
  REQUIRE(bal != std::string::npos);
  text.insert(bal + 10, "9");
  WriteFile(chain, text);
  StateViolationReport r = Analyze(chain, 150);
  CHECK(r.scope.start_root == ReplayScope::StartRoot::kDiffers);
  CHECK(r.verdict != forensics::Verdict::kClean);  // the next root does not match the replay either
  CHECK(HasWarning(r, "findings after it may come from the snapshot"));
  CHECK_THAT(ScopeSentence(r), Catch::Contains("DIFFERS"));
}

TEST_CASE("a fault after re-convergence is independent and named in the text and the title", "[causality]") {
  TempDir dir;
  const std::string chain = dir.File("c.ndjson");
  // A bad signature changes nothing the node holds; an inflation much later is a fault of its own.
  REQUIRE(GenerateChain(Chain(chain, 200, {Fault{FaultKind::kBadSignature, 60}, Fault{FaultKind::kInflation, 150}})).has_value());
  StateViolationReport r = Analyze(chain);
  REQUIRE(r.first_bad.has_value());
  REQUIRE(r.first_bad->height == 60);
  REQUIRE(r.faults.size() == 2);
  CHECK(r.faults[1].height == 150);
  CHECK(std::find(r.faults[1].codes.begin(), r.faults[1].codes.end(), FindingCode::kInflationDetected) != r.faults[1].codes.end());
  bool inflation_seen = false;
  for (const LaterFinding& lf : r.later) {
    if (lf.finding.height != 150) {
      // Everything after 150 follows from 150 through a stated link, never from 60.
      CHECK(lf.consequence);
      CHECK(lf.cause_height == 150);
      CHECK(lf.link != CauseLink::kNone);
      continue;
    }
    CHECK_FALSE(lf.consequence);
    CHECK(lf.why == "independent");
    inflation_seen = inflation_seen || lf.finding.code == FindingCode::kInflationDetected;
  }
  CHECK(inflation_seen);
  CHECK_THAT(RenderStateViolationText(r), Catch::Contains("independent faults after it: 1 block(s)"));
  CHECK_THAT(RenderStateViolationText(r), Catch::Contains("block 150 "));
  CHECK_THAT(StateViolationTitle(r), Catch::Contains("independent fault at 150 ("));
  CHECK_THAT(RenderStateViolationMarkdown(r, {"test", "forensics"}), Catch::Contains("Independent faults after it"));
}

TEST_CASE("a consequence names the account that still differs, until the state matches again", "[causality]") {
  TempDir dir;
  const std::string chain = dir.File("c.ndjson");
  // A wrong root at 20 re-converges at 21 (the state is right, the next root matches); the inflation
  // at 50 then starts a divergence of its own that lasts to the tip.
  REQUIRE(GenerateChain(Chain(chain, 120, {Fault{FaultKind::kWrongStateRoot, 20}, Fault{FaultKind::kInflation, 50}})).has_value());
  StateViolationReport r = Analyze(chain);
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == 20);
  REQUIRE(r.faults.size() == 2);
  CHECK(r.faults[1].height == 50);
  bool account_link = false;
  for (const LaterFinding& lf : r.later) {
    if (lf.finding.height == 50) {
      CHECK_FALSE(lf.consequence);
      continue;
    }
    REQUIRE(lf.finding.height > 50);
    CHECK(lf.cause_height == 50);
    if (lf.link == CauseLink::kAccount) {
      account_link = true;
      REQUIRE(lf.account.has_value());
      CHECK(std::find(lf.finding.accounts.begin(), lf.finding.accounts.end(), *lf.account) != lf.finding.accounts.end());
      CHECK_THAT(lf.why, Catch::Contains(lf.account->ShortHex()));
    }
  }
  CHECK(account_link);
}

TEST_CASE("from a snapshot through a pipe the verdict covers what it does from the file", "[scope]") {
  TempDir dir;
  const std::string chain = dir.File("c.ndjson");
  REQUIRE(GenerateChain(Chain(chain, 300, {Fault{FaultKind::kInflation, 120}}, 100)).has_value());
  auto run = [&](const std::string& input) {
    return forensics::testing::RunScript("/bin/bash", "exec timeout 60 '" FORENSICS_BINARY
                                         "' --issue state-violation --skip-signatures --from 250 --format json --chain " +
                                             input)
        .out;
  };
  for (const std::string& input : {"'" + chain + "'", "<(cat '" + chain + "')"}) {
    INFO(input);
    const std::string json = run(input);
    CHECK_THAT(json, Catch::Contains(R"("verdict": "clean")"));
    CHECK_THAT(json, Catch::Contains(R"("replayed": [{"first": 201, "last": 299}])") ||
                         Catch::Contains("\"first\": 201,"));
    CHECK_THAT(json, Catch::Contains(R"("root_check": "matches")"));
  }
}
