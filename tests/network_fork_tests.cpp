// Fingerprints and --issue network-fork: chains made by the generator (the same seed gives the same
// blocks, so a fault at a height forks the chain there), fingerprinted by the replay, compared.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "forensics/fingerprint.h"
#include "forensics/generate.h"
#include "forensics/network_fork.h"
#include "forensics/report.h"
#include "forensics/sha256.h"
#include "util/cli_run.h"
#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::TempDir;

std::string MakeChain(const TempDir& dir, const std::string& name, uint64_t blocks, std::vector<std::string> faults = {},
                      uint64_t seed = 1, std::optional<std::string> logs = std::nullopt) {
  GenerateOptions g;
  g.out_path = dir.File(name + ".ndjson");
  g.blocks = blocks;
  g.seed = seed;
  g.logs_path = logs;
  for (const auto& f : faults) g.faults.push_back(*ParseFault(f));
  REQUIRE(GenerateChain(g));
  return g.out_path;
}

std::string MakeFp(const TempDir& dir, const std::string& chain, const std::string& node) {
  FingerprintOptions o;
  o.replay.chain_path = chain;
  o.replay.verify_signatures = false;
  o.node = node;
  o.out_path = dir.File(node + ".fp.zst");
  auto s = MakeFingerprint(o);
  REQUIRE(s);
  return o.out_path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The decoded lines of a fingerprint, written back plain.
std::vector<std::string> PlainLines(const std::string& path) {
  auto r = testing::RunScript("/bin/sh", "zstd -dc '" + path + "'");
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

testing::CliRun Cli(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& a : args) line += (line.empty() ? "" : " ") + ShellQuote(a);
  return testing::RunCli(line);
}

NetworkForkReport Analyze(std::vector<NetworkNodeInput> nodes, std::vector<std::string> logs = {}) {
  NetworkForkOptions o;
  o.nodes = std::move(nodes);
  o.log_files = std::move(logs);
  o.replay.verify_signatures = false;
  auto r = AnalyzeNetworkFork(o);
  REQUIRE(r);
  return *r;
}

const NetworkNode& NodeNamed(const NetworkForkReport& r, const std::string& name) {
  for (const auto& n : r.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  return r.nodes.front();
}

TEST_CASE("A fingerprint reads back block for block and is byte-identical on a second run", "[fleet]") {
  TempDir dir;
  const std::string chain = MakeChain(dir, "a", 60, {"inflation@40"});
  const std::string fp = MakeFp(dir, chain, "n1");
  const std::string first = ReadAll(fp);
  MakeFp(dir, chain, "n1");
  CHECK(ReadAll(fp) == first);

  auto reader = FingerprintReader::Open(fp);
  REQUIRE(reader);
  CHECK((*reader)->header().node == "n1");
  FingerprintBlock b;
  uint64_t n = 0;
  std::optional<FingerprintBlock> bad;
  while (true) {
    auto more = (*reader)->Next(&b);
    REQUIRE(more);
    if (!*more) break;
    CHECK(b.height == n);
    if (b.check == BlockCheck::kViolation && !bad) bad = b;
    ++n;
  }
  CHECK(n == 60);
  CHECK((*reader)->end().blocks == 60);
  CHECK((*reader)->end().tip_height == BlockHeight{59});
  CHECK((*reader)->end().verdict == Verdict::kViolation);
  REQUIRE(bad);
  CHECK(bad->height == 40);
  CHECK(std::find(bad->codes.begin(), bad->codes.end(), FindingCode::kInflationDetected) != bad->codes.end());
  // Nothing in it but heights, hashes, roots, verdicts and codes: no balance, no address.
  CHECK(first.find("balance") == std::string::npos);
}

TEST_CASE("A truncated or edited fingerprint is refused with its file and line", "[fleet]") {
  TempDir dir;
  const std::string fp = MakeFp(dir, MakeChain(dir, "a", 30), "n1");
  std::vector<std::string> lines = PlainLines(fp);
  REQUIRE(lines.size() == 32);
  auto read_all = [](const std::string& path) -> Status {
    auto r = FingerprintReader::Open(path);
    if (!r) return r.error();
    FingerprintBlock b;
    while (true) {
      auto more = (*r)->Next(&b);
      if (!more) return more.error();
      if (!*more) return Status::Ok();
    }
  };
  CHECK(read_all(dir.Write("whole.fp", Join(lines))).ok());

  std::vector<std::string> cut(lines.begin(), lines.end() - 1);
  Status s = read_all(dir.Write("cut.fp", Join(cut)));
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("cut.fp") && Catch::Contains("truncated"));

  std::vector<std::string> edited = lines;
  const size_t at = edited[5].find("\"v\":\"") - 10;
  edited[5][at] = edited[5][at] == 'a' ? 'b' : 'a';  // one hex digit of the state root
  s = read_all(dir.Write("edited.fp", Join(edited)));
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("checksum mismatch") && Catch::Contains("edited.fp:32"));

  std::vector<std::string> spaced = lines;
  spaced[3].insert(1, " ");
  s = read_all(dir.Write("spaced.fp", Join(spaced)));
  CHECK_THAT(s.message(), Catch::Contains("spaced.fp:4") && Catch::Contains("not a fingerprint block line"));

  CHECK(!FingerprintReader::Open(dir.Write("other.fp", "{\"chain\":1}\n")));
  CHECK(!IsFingerprintFile(dir.Write("export.ndjson", "{\"kind\":\"chain\"}\n")));
  CHECK(IsFingerprintFile(fp));
}

TEST_CASE("network-fork: a bad branch reorgs to the common ancestor and a lagging node catches up", "[fleet]") {
  TempDir dir;
  const std::string a = MakeFp(dir, MakeChain(dir, "a", 120), "node-a");
  const std::string b = MakeFp(dir, MakeChain(dir, "b", 120, {"inflation@70"}), "node-b");
  const std::string c = MakeFp(dir, MakeChain(dir, "c", 100), "node-c");
  NetworkForkReport r = Analyze({{"node-a", a}, {"node-b", b}, {"node-c", c}});
  CHECK(r.verdict == Verdict::kViolation);
  REQUIRE(r.branches.size() == 2);
  CHECK(r.branches[0].valid);
  CHECK(!r.branches[1].valid);
  CHECK(r.branches[1].from_height == 70);
  REQUIRE(r.branches[1].first_bad_block);
  CHECK(r.branches[1].first_bad_block->height == 70);
  REQUIRE(r.common_ancestor);
  CHECK(r.common_ancestor->height == 69);
  REQUIRE(r.network_target);
  CHECK(r.network_target->height == 69);
  CHECK(r.network_target->verified);
  CHECK(r.network_target->command == "coinjectured reorg --to-block " + r.network_target->hash.Hex());
  CHECK(r.chosen_branch == 0);

  const NetworkNode& nb = NodeNamed(r, "node-b");
  CHECK(nb.action == NodeAction::kReorg);
  CHECK(nb.fork_height == BlockHeight{70});
  CHECK(nb.verdict == Verdict::kViolation);
  CHECK(nb.command == r.network_target->command);
  CHECK(NodeNamed(r, "node-a").action == NodeAction::kNone);
  CHECK(NodeNamed(r, "node-c").action == NodeAction::kCatchUp);
  CHECK(!NodeNamed(r, "node-c").fork_height);
  CHECK(r.distinct_blocks == 120 + 50);
}

TEST_CASE("network-fork: fork choice on a longer bad branch is flagged", "[fleet]") {
  TempDir dir;
  const std::string a = MakeFp(dir, MakeChain(dir, "a", 100), "good");
  const std::string b = MakeFp(dir, MakeChain(dir, "b", 110, {"inflation@60"}), "bad");
  NetworkForkReport r = Analyze({{"good", a}, {"bad", b}});
  REQUIRE(r.fork_choice);
  CHECK(r.fork_choice->bad);
  CHECK(r.fork_choice->tip_height == 109);
  CHECK(r.chosen_branch == 0);
  CHECK(NodeNamed(r, "good").action == NodeAction::kNone);
  CHECK(NodeNamed(r, "bad").action == NodeAction::kReorg);
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || w.find("converge on a bad branch") != std::string::npos;
  CHECK(warned);
  CHECK_THAT(NetworkForkTitle(r), Catch::Contains("converge on a bad branch"));
}

TEST_CASE("network-fork: every node on one valid chain is clean", "[fleet]") {
  TempDir dir;
  const std::string chain = MakeChain(dir, "a", 80);
  const std::string a = MakeFp(dir, chain, "n1");
  const std::string b = MakeFp(dir, MakeChain(dir, "b", 60), "n2");
  NetworkForkReport r = Analyze({{"n1", a}, {"n2", b}, {"n3", chain}});
  CHECK(r.verdict == Verdict::kClean);
  CHECK(r.branches.size() == 1);
  CHECK(r.errors.empty());
  CHECK(NodeNamed(r, "n2").action == NodeAction::kCatchUp);
  CHECK(NodeNamed(r, "n3").action == NodeAction::kNone);
  CHECK(NodeNamed(r, "n3").source == NodeSource::kChain);
  CHECK(r.replays == 1);
}

TEST_CASE("network-fork: chain data is replayed once per branch not once per node", "[fleet]") {
  TempDir dir;
  const std::string a = MakeChain(dir, "a", 90);
  const std::string c = MakeChain(dir, "c", 70);
  const std::string b = MakeChain(dir, "b", 90, {"inflation@50"});
  NetworkForkReport r = Analyze({{"a", a}, {"a2", a}, {"c", c}, {"b", b}});
  CHECK(r.replays == 2);
  CHECK(r.branches.size() == 2);
  CHECK(NodeNamed(r, "b").first_bad_block->height == 50);
  CHECK(NodeNamed(r, "c").verdict == Verdict::kClean);
  CHECK(NodeNamed(r, "a2").action == NodeAction::kNone);
}

TEST_CASE("network-fork: a node known from its log alone is placed by the hashes it prints", "[fleet]") {
  TempDir dir;
  const std::string a = MakeFp(dir, MakeChain(dir, "a", 90), "node-a");
  const std::string good_log = dir.File("node-g.log");
  MakeChain(dir, "g", 80, {}, 1, good_log);
  const std::string bad_log = dir.File("node-x.log");
  MakeChain(dir, "x", 90, {"inflation@40"}, 1, bad_log);
  const std::string empty_log = dir.Write("node-e.log", "{\"level\":\"info\",\"msg\":\"Starting COINjecture daemon\"}\n");
  NetworkForkReport r = Analyze({{"node-a", a}}, {good_log, bad_log, empty_log});
  const NetworkNode& g = NodeNamed(r, "node-g");
  CHECK(g.source == NodeSource::kLogs);
  CHECK(g.action == NodeAction::kCatchUp);
  CHECK(g.tip_height == BlockHeight{79});
  const NetworkNode& x = NodeNamed(r, "node-x");
  CHECK(x.action == NodeAction::kReorg);
  CHECK(x.fork_height == BlockHeight{40});
  CHECK(!x.branch);
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].message, Catch::Contains("node-e.log") && Catch::Contains("no line names a block hash"));
  CHECK(r.verdict == Verdict::kViolation);
}

TEST_CASE("network-fork: bad inputs are named and the rest is analysed", "[fleet]") {
  TempDir dir;
  const std::string a = MakeFp(dir, MakeChain(dir, "a", 50), "n1");
  const std::string b = MakeFp(dir, MakeChain(dir, "b", 50), "n2");
  const std::string other = MakeFp(dir, MakeChain(dir, "o", 50, {}, 7), "other");
  std::vector<std::string> lines = PlainLines(b);
  lines.pop_back();
  const std::string cut = dir.Write("cut.fp", Join(lines));
  NetworkForkReport r = Analyze({{"n1", a}, {"n1", b}, {"other", other}, {"n3", cut}, {"n4", dir.File("missing.fp")}});
  REQUIRE(r.errors.size() == 4);
  CHECK_THAT(r.errors[0].message, Catch::Contains("two nodes are named n1"));
  CHECK(r.errors[0].path == b);
  CHECK_THAT(r.errors[1].message, Catch::Contains("truncated"));
  CHECK(r.errors[2].node == "n4");
  CHECK(r.errors[3].node == "other");
  CHECK_THAT(r.errors[3].message, Catch::Contains("another network") && Catch::Contains("block 0"));
  CHECK(NodeNamed(r, "other").action == NodeAction::kInvestigate);
  CHECK(r.branches.size() == 1);
  CHECK(r.verdict == Verdict::kInconclusive);  // one valid chain, but inputs could not be used
}

TEST_CASE("forensics network-fork CLI: exit status JSON and report.md with its diagram", "[fleet][cli]") {
  TempDir dir;
  const std::string a = MakeChain(dir, "a", 60);
  const std::string b = MakeChain(dir, "b", 60, {"inflation@30"});
  auto fa = Cli({"fingerprint", "--chain", a, "--out", dir.File("a.fp.zst"), "--name", "alpha", "--skip-signatures"});
  REQUIRE(fa.status == 0);
  CHECK_THAT(fa.out, Catch::Contains("60 block(s)"));
  auto clean = Cli({"--issue", "network-fork", "--node", "alpha=" + dir.File("a.fp.zst"), "beta=" + a,
                                "--skip-signatures", "--format", "json"});
  CHECK(clean.status == 0);
  CHECK_THAT(clean.out, Catch::Contains("\"issue\": \"network-fork\"") && Catch::Contains("\"verdict\": \"clean\""));
  auto fork = Cli({"--issue", "network-fork", "--node", "alpha=" + dir.File("a.fp.zst"), "beta=" + b,
                               "--skip-signatures", "--out", dir.File("out")});
  CHECK(fork.status == 1);
  CHECK_THAT(fork.out, Catch::Contains("coinjectured reorg --to-block"));
  const std::string md = ReadAll(dir.File("out/report.md"));
  CHECK_THAT(md, Catch::Contains("```mermaid") && Catch::Contains("fork at 30") && Catch::Contains("class b1 bad"));
  const std::string json = ReadAll(dir.File("out/report.json"));
  for (const char* key : {"\"nodes\"", "\"branches\"", "\"common_ancestor\"", "\"network_target\"", "\"fork_choice\"",
                          "\"fork_height\": 30", "\"action\": \"reorg\""})
    CHECK_THAT(json, Catch::Contains(key));
  auto usage = Cli({"--issue", "network-fork", "--node", "alpha"});
  CHECK(usage.status == 2);
  CHECK_THAT(usage.err, Catch::Contains("NAME=PATH"));
  auto bad_name = Cli({"--issue", "network-fork", "--node", "al pha=" + a});
  CHECK(bad_name.status == 2);
}

}  // namespace
}  // namespace forensics

namespace forensics {
namespace {

TEST_CASE("network-fork: a chain that shares no block with the others is named and left out", "[fleet]") {
  TempDir dir;
  const std::string a = MakeFp(dir, MakeChain(dir, "a", 40), "n1");
  const std::string lone = dir.File("lone.fp");
  {
    auto w = FingerprintWriter::Create(lone, {"lone", "elsewhere", "test"});
    REQUIRE(w);
    for (BlockHeight h = 500; h < 510; ++h) {
      FingerprintBlock b;
      b.height = h;
      b.hash = sha256::Hash("lone" + std::to_string(h));
      b.check = BlockCheck::kVerified;
      REQUIRE((*w)->Add(b).ok());
    }
    REQUIRE((*w)->Finish({}));
  }
  NetworkForkReport r = Analyze({{"n1", a}, {"lone", lone}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].node == "lone");
  CHECK_THAT(r.errors[0].message, Catch::Contains("shares no block") && Catch::Contains("block 500"));
  CHECK(NodeNamed(r, "lone").action == NodeAction::kInvestigate);
  CHECK(NodeNamed(r, "n1").action == NodeAction::kNone);
  CHECK(r.verdict == Verdict::kInconclusive);
}

TEST_CASE("network-fork: a bad block below the fork sends every node below it", "[fleet]") {
  TempDir dir;
  // Both chains hold the bad block 20; they fork at 30.
  const std::string a = MakeFp(dir, MakeChain(dir, "a", 50, {"inflation@20"}), "n1");
  const std::string b = MakeFp(dir, MakeChain(dir, "b", 50, {"inflation@20", "inflation@30"}), "n2");
  NetworkForkReport r = Analyze({{"n1", a}, {"n2", b}});
  CHECK(r.branches.size() == 2);
  CHECK(!r.chosen_branch);
  REQUIRE(r.network_target);
  CHECK(r.network_target->height == 19);
  CHECK(r.common_ancestor->height == 29);
  for (const auto& n : r.nodes) {
    CHECK(n.action == NodeAction::kReorg);
    CHECK(n.first_bad_block->height == 20);
    CHECK(n.command == r.network_target->command);
  }
  CHECK(r.verdict == Verdict::kViolation);
}

}  // namespace
}  // namespace forensics
