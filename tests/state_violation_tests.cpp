// The state-violation replay on generated chains: each fault kind at a random height must be named
// at exactly that height with the right codes and the block below as the reorg target; clean chains
// are clean; reports are deterministic; bad input gives file:line:field errors.
#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "forensics/export_writer.h"
#include "forensics/generate.h"
#include "forensics/report.h"
#include "forensics/state_violation.h"
#include "util/io_fixtures.h"

using namespace forensics;
using forensics::testing::TempDir;

namespace {

GenerateOptions Chain(const std::string& path, uint64_t blocks = 80, uint64_t seed = 7) {
  GenerateOptions o;
  o.out_path = path;
  o.blocks = blocks;
  o.accounts = 12;
  o.txs_per_block = 4;
  o.seed = seed;
  return o;
}

StateViolationReport Analyze(const std::string& path, StateViolationOptions o = {}) {
  o.chain_path = path;
  auto r = AnalyzeStateViolation(o);
  if (!r) FAIL(r.error().ToString());
  return std::move(*r);
}

std::set<std::string> Codes(const std::vector<Finding>& findings) {
  std::set<std::string> s;
  for (const Finding& f : findings) s.insert(std::string(FindingCodeName(f.code)));
  return s;
}

std::string ReadFile(const std::string& p) { return forensics::testing::ReadWholeFile(p); }

}  // namespace

TEST_CASE("a generated chain without faults is clean with a verified end state", "[state_violation]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("clean.ndjson"))).has_value());
  StateViolationReport r = Analyze(dir.File("clean.ndjson"));
  CHECK(r.verdict == Verdict::kClean);
  CHECK(ExitStatusForVerdict(r.verdict) == 0);
  CHECK_FALSE(r.first_bad.has_value());
  CHECK_FALSE(r.reorg.has_value());
  CHECK(r.blocks_checked == 80);
  CHECK(r.txs_checked > 200);
  CHECK(r.unverifiable.empty());
}

TEST_CASE("each fault kind at a random height is found at exactly that height", "[state_violation]") {
  const auto name = GENERATE(from_range(FaultNames()));
  TempDir dir;
  std::mt19937_64 rng(std::hash<std::string_view>{}(name));
  const BlockHeight height = 2 + rng() % 70;
  Fault fault = *ParseFault(fmt::format("{}@{}", name, height));
  GenerateOptions g = Chain(dir.File("bad.ndjson"), 80, 11 + height);
  g.faults = {fault};
  auto stats = GenerateChain(g);
  REQUIRE(stats.has_value());
  INFO(fmt::format("fault {} at height {}", name, height));

  StateViolationReport r = Analyze(dir.File("bad.ndjson"));
  CHECK(r.verdict == Verdict::kViolation);
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == height);
  std::set<std::string> expected;
  for (FindingCode code : ExpectedCodes(fault.kind)) expected.insert(std::string(FindingCodeName(code)));
  CHECK(Codes(r.first_bad->findings) == expected);
  CHECK(r.first_bad->hash == stats->hashes[height].second);
  REQUIRE(r.reorg.has_value());
  CHECK(r.reorg->height == height - 1);
  CHECK(r.reorg->hash == stats->hashes[height - 1].second);
  CHECK(r.reorg->verified);
  CHECK(r.reorg->command == "coinjectured reorg --to-block " + stats->hashes[height - 1].second.Hex());
  // Later findings come only from the fault's consequences.
  CHECK(r.later_independent == 0);
}

TEST_CASE("an inflation's per-account diff names the credited account and its surplus", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("infl.ndjson"));
  g.faults = {Fault{FaultKind::kInflation, 40}};
  REQUIRE(GenerateChain(g).has_value());
  StateViolationReport r = Analyze(dir.File("infl.ndjson"));
  REQUIRE(r.first_bad.has_value());
  REQUIRE(r.first_bad->diffs.size() == 1);
  const AccountDiff& d = r.first_bad->diffs[0];
  REQUIRE(d.recorded.has_value());
  CHECK(d.recorded->balance - d.replayed.balance == 1'000'000'000);
  CHECK(d.touched_by == std::vector<size_t>{0});
  REQUIRE(r.first_bad->supply.has_value());
  CHECK(ToDecimal(r.first_bad->supply->surplus) == "1000000000");
  auto infl = std::find_if(r.first_bad->findings.begin(), r.first_bad->findings.end(),
                           [](const Finding& f) { return f.code == FindingCode::kInflationDetected; });
  REQUIRE(infl != r.first_bad->findings.end());
  CHECK(UpstreamName(infl->code) == "InflationDetected (E9008)");
  CHECK(infl->accounts == std::vector<Address>{d.address});
  // The node's inflated state persists: later root mismatches are consequences.
  CHECK(r.later_total > 0);
  CHECK(r.later_consequences == r.later_total);
}

TEST_CASE("an independent later fault is labelled independent", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("two.ndjson"));
  g.faults = {Fault{FaultKind::kWrongStateRoot, 20}, Fault{FaultKind::kTxRoot, 50}};
  REQUIRE(GenerateChain(g).has_value());
  StateViolationReport r = Analyze(dir.File("two.ndjson"));
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == 20);
  REQUIRE(r.later.size() == 1);
  CHECK(r.later[0].finding.height == 50);
  CHECK(r.later[0].finding.code == FindingCode::kTxRootMismatch);
  CHECK_FALSE(r.later[0].consequence);
}

TEST_CASE("uncommitted roots and no recorded state: no rule broken but inconclusive", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("bare.ndjson"));
  g.commit_state_roots = false;
  g.record_state_changes = false;
  REQUIRE(GenerateChain(g).has_value());
  StateViolationReport r = Analyze(dir.File("bare.ndjson"));
  CHECK(r.verdict == Verdict::kInconclusive);
  CHECK(ExitStatusForVerdict(r.verdict) == 4);
  bool said = std::any_of(r.unverifiable.begin(), r.unverifiable.end(), [](const UnverifiableCount& u) {
    return u.check.find("not committed") != std::string::npos;
  });
  CHECK(said);
  // A signature fault is still found from the data alone; the reorg target is then unverified.
  GenerateOptions b = g;
  b.out_path = dir.File("bare-bad.ndjson");
  b.faults = {Fault{FaultKind::kBadSignature, 33}};
  REQUIRE(GenerateChain(b).has_value());
  StateViolationReport rb = Analyze(b.out_path);
  REQUIRE(rb.first_bad.has_value());
  CHECK(rb.first_bad->height == 33);
  REQUIRE(rb.reorg.has_value());
  CHECK(rb.reorg->height == 32);
  CHECK_FALSE(rb.reorg->verified);
}

TEST_CASE("skipping signatures misses a bad signature and the report says signatures were not checked", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("sig.ndjson"));
  g.faults = {Fault{FaultKind::kBadSignature, 30}};
  REQUIRE(GenerateChain(g).has_value());
  StateViolationOptions o;
  o.verify_signatures = false;
  StateViolationReport r = Analyze(dir.File("sig.ndjson"), o);
  CHECK_FALSE(r.signatures_checked);
  CHECK_FALSE(r.first_bad.has_value());
  CHECK(RenderStateViolationText(r).find("signatures NOT checked") != std::string::npos);
}

TEST_CASE("zstd and gzip exports give the same findings as the plain export", "[state_violation]") {
  TempDir dir;
  for (std::string name : {"c.ndjson", "c.ndjson.zst", "c.ndjson.gz"}) {
    GenerateOptions g = Chain(dir.File(name), 60);
    g.faults = {Fault{FaultKind::kMissingReward, 44}};
    REQUIRE(GenerateChain(g).has_value());
  }
  ReportStamp stamp{"test", "forensics"};
  auto json = [&](const std::string& name) {
    StateViolationReport r = Analyze(dir.File(name));
    r.inputs.clear();  // differ by file
    r.first_bad->source.clear();    return RenderStateViolationJson(r, stamp);
  };
  std::string plain = json("c.ndjson");
  CHECK(plain.find("\"height\": 44") != std::string::npos);
  CHECK(json("c.ndjson.zst") == plain);
  CHECK(json("c.ndjson.gz") == plain);
}

TEST_CASE("two runs give byte-identical JSON and Markdown reports", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("d.ndjson"));
  g.faults = {Fault{FaultKind::kBalanceWrap, 25}, Fault{FaultKind::kParentLink, 60}};
  REQUIRE(GenerateChain(g).has_value());
  ReportStamp stamp{"test", "forensics --issue state-violation --chain d.ndjson"};
  StateViolationReport a = Analyze(dir.File("d.ndjson")), b = Analyze(dir.File("d.ndjson"));
  CHECK(RenderStateViolationJson(a, stamp) == RenderStateViolationJson(b, stamp));
  CHECK(RenderStateViolationMarkdown(a, stamp) == RenderStateViolationMarkdown(b, stamp));
  // And the generator is deterministic too.
  g.out_path = dir.File("d2.ndjson");
  REQUIRE(GenerateChain(g).has_value());
  CHECK(ReadFile(dir.File("d.ndjson")) == ReadFile(dir.File("d2.ndjson")));
}

TEST_CASE("a block option resolves a 16-hex prefix, unknown and ambiguous prefixes are errors", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("p.ndjson"));
  g.faults = {Fault{FaultKind::kTxRoot, 30}};
  auto stats = GenerateChain(g);
  REQUIRE(stats.has_value());
  StateViolationOptions o;
  o.block = stats->hashes[30].second.ShortHex();
  StateViolationReport r = Analyze(dir.File("p.ndjson"), o);
  REQUIRE(r.focus.has_value());
  CHECK(r.focus->height == 30);
  CHECK(r.focus->relation == "is the first bad block");
  CHECK(Codes(r.focus->findings) == std::set<std::string>{"tx-root-mismatch"});

  o.chain_path = dir.File("p.ndjson");
  o.block = "ffffffffffffffff";
  bool unknown_prefix = stats->hashes.end() == std::find_if(stats->hashes.begin(), stats->hashes.end(), [](auto& p) {
                          return p.second.ShortHex() == "ffffffffffffffff";
                        });
  REQUIRE(unknown_prefix);
  auto bad = AnalyzeStateViolation(o);
  REQUIRE(bad.has_value());
  REQUIRE(bad->focus_error.has_value());
  CHECK_FALSE(bad->focus.has_value());
  CHECK(bad->focus_error->code() == Status::Code::kNotFound);
  // A one-character prefix matches several blocks.
  BlockIndex hashes;
  for (const auto& [height, hash] : stats->hashes) hashes.Add(height, hash, std::nullopt);
  auto amb = hashes.Resolve(stats->hashes[5].second.Hex().substr(0, 1));
  REQUIRE_FALSE(amb.has_value());
  CHECK(amb.error().message().find("ambiguous") != std::string::npos);
}

TEST_CASE("a from height starts at the nearest snapshot at or below it", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("s.ndjson"), 200);
  g.snapshot_every = 40;
  g.faults = {Fault{FaultKind::kInflation, 170}};
  REQUIRE(GenerateChain(g).has_value());
  StateViolationOptions o;
  o.from = 150;
  StateViolationReport r = Analyze(dir.File("s.ndjson"), o);
  REQUIRE(r.replay_start_snapshot.has_value());
  CHECK(*r.replay_start_snapshot == 120);
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == 170);
  CHECK(r.reorg->height == 169);
}

TEST_CASE("a snapshot that disagrees with the replay is a state-change-mismatch at its height", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("s.ndjson"), 60);
  g.snapshot_every = 20;
  REQUIRE(GenerateChain(g).has_value());
  // Rewrite the snapshot of block 40 with one balance raised.
  std::string text = ReadFile(dir.File("s.ndjson"));
  size_t at = text.find("{\"record\":\"snapshot\",\"height\":40");
  REQUIRE(at != std::string::npos);
  size_t bal = text.find("\"balance\":", at) + 10;
  text.insert(bal, "9");
  std::string path = dir.Write("s2.ndjson", text);
  StateViolationReport r = Analyze(path);
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == 40);
  CHECK(Codes(r.first_bad->findings) == std::set<std::string>{"state-change-mismatch"});
  REQUIRE(r.reorg.has_value());
  CHECK(r.reorg->height == 39);
}

TEST_CASE("bad export lines are errors naming file, line and field", "[state_violation]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("ok.ndjson"), 10)).has_value());
  std::string text = ReadFile(dir.File("ok.ndjson"));
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  auto write = [&](const std::string& name, std::vector<std::string> ls) {
    std::string t;
    for (auto& l : ls) t += l + "\n";
    return dir.Write(name, t);
  };
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  auto analyze = [&](const std::string& path) {
    StateViolationOptions o;
    o.chain_path = path;
    return AnalyzeStateViolation(o);
  };

  SECTION("unknown profile on the chain line: nothing analyzed") {
    auto ls = lines;
    ls[0] = replace(ls[0], "\"neta\"", "\"netb\"");
    auto r = analyze(write("x.ndjson", ls));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("x.ndjson:1: field profile: unknown profile 'netb'") != std::string::npos);
  }
  SECTION("a number beyond u64 stops the analysis at its line, partial and inconclusive") {
    auto ls = lines;
    ls[5] = replace(ls[5], "\"nonce\":", "\"nonce\":99999999999999999999");
    auto r = analyze(write("x.ndjson", ls));
    REQUIRE(r.has_value());
    CHECK(r->partial);
    CHECK(r->verdict == Verdict::kInconclusive);
    CHECK(r->stopped_reason.find("x.ndjson:6: field") != std::string::npos);
    CHECK(r->stopped_reason.find("nonce") != std::string::npos);
  }
  SECTION("non-hex in a hash field") {
    auto ls = lines;
    ls[3] = replace(ls[3], "\"parent_hash\":\"", "\"parent_hash\":\"zz");
    auto r = analyze(write("x.ndjson", ls));
    REQUIRE(r.has_value());
    CHECK(r->stopped_reason.find("x.ndjson:4: field parent_hash") != std::string::npos);
  }
  SECTION("blocks out of order and duplicated") {
    auto ls = lines;
    std::swap(ls[4], ls[5]);
    auto r = analyze(write("x.ndjson", ls));
    REQUIRE(r.has_value());
    CHECK(r->stopped_reason.find("x.ndjson:6: field height: block 3 follows block 4") != std::string::npos);
    ls = lines;
    ls.insert(ls.begin() + 5, lines[4]);
    r = analyze(write("y.ndjson", ls));
    REQUIRE(r.has_value());
    CHECK(r->stopped_reason.find("y.ndjson:6: field height: block 3 duplicates block 3") != std::string::npos);
  }
  SECTION("a missing header field makes the hash unverifiable, not a violation") {
    auto ls = lines;
    size_t at = ls[6].find(",\"gas_used\":");
    size_t end = ls[6].find(',', at + 1);
    ls[6].erase(at, end - at);
    auto r = analyze(write("x.ndjson", ls));
    REQUIRE(r.has_value());
    CHECK_FALSE(r->first_bad.has_value());
    CHECK(r->verdict == Verdict::kInconclusive);
    bool said = std::any_of(r->unverifiable.begin(), r->unverifiable.end(),
                            [](const UnverifiableCount& u) { return u.check == "block hash (missing gas_used)"; });
    CHECK(said);
  }
  SECTION("a field given twice through an alias") {
    auto ls = lines;
    ls[2] = replace(ls[2], "{\"record\":\"block\",", "{\"record\":\"block\",\"block_number\":1,");
    auto r = analyze(write("x.ndjson", ls));
    REQUIRE(r.has_value());
    CHECK(r->stopped_reason.find("x.ndjson:3: field height: given twice") != std::string::npos);
  }
  SECTION("an empty file and a missing file cannot be analyzed") {
    auto r = analyze(dir.Write("empty.ndjson", ""));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("empty export") != std::string::npos);
    r = analyze(dir.File("nope.ndjson"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == Status::Code::kIoError);
  }
}

TEST_CASE("upstream spellings: Go 32-byte arrays and aliases give the same result", "[state_violation]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("a.ndjson"), 30);
  g.faults = {Fault{FaultKind::kTxRoot, 12}};
  REQUIRE(GenerateChain(g).has_value());
  std::string text = ReadFile(dir.File("a.ndjson"));
  // Rename fields to their upstream aliases and write parent hashes as integer arrays.
  auto replace_all = [](std::string s, const std::string& from, const std::string& to) {
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
    return s;
  };
  text = replace_all(text, "{\"record\":\"block\",\"height\":", "{\"record\":\"block\",\"block_number\":");
  text = replace_all(text, "\"tx_root\":", "\"merkle_root\":");
  text = replace_all(text, "\"validator\":", "\"miner\":");
  std::string out;
  for (size_t at = 0;;) {
    size_t p = text.find("\"parent_hash\":\"", at);
    if (p == std::string::npos) {
      out += text.substr(at);
      break;
    }
    p += 15;
    out += text.substr(at, p - at - 1) + "[";
    for (int i = 0; i < 32; ++i) out += (i ? "," : "") + std::to_string(std::stoi(text.substr(p + 2 * i, 2), nullptr, 16));
    out += "]";
    at = p + 65;
  }
  std::string path = dir.Write("b.ndjson", out);
  StateViolationReport r = Analyze(path);
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == 12);
  CHECK(Codes(r.first_bad->findings) == std::set<std::string>{"tx-root-mismatch"});
}
