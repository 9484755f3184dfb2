// --issue cid-quorum: the audit of docs/cid.md on logs shaped as coinjectured's logrus writes them
// (keys sorted, `time` in the 2006-01-02T15:04:05.000Z07:00 layout, as shared/real/journald/ shows),
// PinManifest files, a content directory and metrics; bad input; the CLI's exit statuses.
#include <simdjson.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "forensics/chain_source.h"
#include "forensics/cid.h"
#include "forensics/cid_quorum.h"
#include "forensics/sha256.h"
#include "util/cli_run.h"
#include "util/io_fixtures.h"

namespace cid = forensics::cid;
using forensics::CidQuorumOptions;
using forensics::CidQuorumReport;
using forensics::CidStatus;
using forensics::testing::JsonString;
using forensics::testing::TempDir;

namespace {

// One logrus JSON line: fields sorted by key with time, level and msg among them, as logrus does.
std::string Logrus(const std::string& time, const std::string& level, const std::string& msg,
                   std::map<std::string, std::string> fields) {
  fields["time"] = JsonString(time);
  fields["level"] = JsonString(level);
  fields["msg"] = JsonString(msg);
  std::string s = "{";
  for (const auto& [k, v] : fields) s += (s.size() > 1 ? "," : "") + JsonString(k) + ":" + v;
  return s + "}\n";
}
std::string S(const std::string& v) { return JsonString(v); }

const std::string kA = cid::CidV0OfContent(std::string_view("hello world"));       // pinned on 2 of 3
const std::string kB = cid::CidV0OfContent(std::string_view("block 12 body"));     // quorum not met
const std::string kC = cid::CidV0OfContent(std::string_view("from the network"));  // no pin record
const std::string kD = cid::CidV0OfContent(std::string_view("audited"));           // audit failed
const std::string kH = cid::CidV0OfContent(std::string_view("second pin"));        // pinned on 2 of 3
const std::string kE = cid::CidV0OfContent(std::string_view("manifest only"));     // manifest: 1 node

// Three IPFS nodes; ipfs-3 refuses every connection (it is down), ipfs-2 timed out once.
std::string DaemonLog() {
  std::string s;
  s += Logrus("2025-11-22T14:00:00.000Z", "info", "Starting COINjecture daemon",
              {{"build_time", S("2025-11-01T09:12:44Z")}, {"git_commit", S("266578f")}, {"version", S("4.0.0")}});
  s += Logrus("2025-11-22T14:00:00.002Z", "info", "Configuration loaded",
              {{"codec_mode", S("shadow")}, {"ipfs_nodes", "3"}, {"pin_quorum", S("2/3")}});
  s += Logrus("2025-11-22T14:00:10.100Z", "debug", "Pin successful", {{"cid", S(kA)}, {"node", S("ipfs-1:5001")}});
  s += Logrus("2025-11-22T14:00:10.120Z", "debug", "Pin successful", {{"cid", S(kA)}, {"node", S("ipfs-2:5001")}});
  s += Logrus("2025-11-22T14:00:10.130Z", "warning", "Pin failed",
              {{"error", S("dial tcp 10.0.0.3:5001: connect: connection refused")}, {"node", S("ipfs-3:5001")}});
  s += Logrus("2025-11-22T14:00:10.140Z", "info", "Content pinned with quorum",
              {{"cid", S(kA)}, {"quorum", S("2/3")}, {"successful_pins", "2"}});
  s += Logrus("2025-11-22T14:00:20.100Z", "debug", "Pin successful", {{"cid", S(kB)}, {"node", S("ipfs-1:5001")}});
  s += Logrus("2025-11-22T14:00:20.300Z", "warning", "Pin failed",
              {{"error", S("context deadline exceeded")}, {"node", S("ipfs-2:5001")}});
  s += Logrus("2025-11-22T14:00:20.310Z", "warning", "Pin failed",
              {{"error", S("dial tcp 10.0.0.3:5001: connect: connection refused")}, {"node", S("ipfs-3:5001")}});
  s += Logrus("2025-11-22T14:00:20.320Z", "error", "Failed to pin block content",
              {{"cid", S(kB)}, {"error", S("pin quorum not met: got 1/3, required 2/3")}});
  s += Logrus("2025-11-22T14:00:25.000Z", "info", "CID received from network",
              {{"block_number", "12"}, {"cid", S(kC)}, {"peer", S("12D3KooWabc")}, {"type", S("block")}});
  s += Logrus("2025-11-22T14:00:30.000Z", "error", "CID audit failed",
              {{"cid", S(kD)}, {"error", S("CID verification quorum not met: 1/3 nodes confirmed")}});
  s += Logrus("2025-11-22T14:00:40.100Z", "debug", "Pin successful", {{"cid", S(kH)}, {"node", S("ipfs-1:5001")}});
  s += Logrus("2025-11-22T14:00:40.110Z", "debug", "Pin successful", {{"cid", S(kH)}, {"node", S("ipfs-2:5001")}});
  s += Logrus("2025-11-22T14:00:40.120Z", "warning", "Pin failed",
              {{"error", S("dial tcp 10.0.0.3:5001: connect: connection refused")}, {"node", S("ipfs-3:5001")}});
  s += Logrus("2025-11-22T14:00:40.130Z", "info", "Content pinned with quorum",
              {{"cid", S(kH)}, {"quorum", S("2/3")}, {"successful_pins", "2"}});
  return s;
}

std::string Manifest(const std::string& c, const std::vector<std::string>& nodes, const std::string& content_hash,
                     const std::string& quorum = "2/3") {
  std::string n;
  for (const auto& x : nodes) n += (n.empty() ? "" : ",") + S(x);
  return "{\"cid\":" + S(c) + ",\"size\":13,\"content_hash\":" + S(content_hash) + ",\"pinned_nodes\":[" + n +
         "],\"quorum\":" + S(quorum) + ",\"timestamp\":1763820040}\n";
}

std::string Hex(std::string_view s) { return forensics::sha256::Hash(s).Hex(); }

const forensics::CidEntry* Find(const CidQuorumReport& r, const std::string& c) {
  for (const auto& e : r.cids)
    if (e.cid == c) return &e;
  return nullptr;
}

const forensics::IpfsNodeStats* FindNode(const CidQuorumReport& r, const std::string& n) {
  for (const auto& e : r.nodes)
    if (e.node == n) return &e;
  return nullptr;
}

forensics::testing::CliRun Cli(const std::string& args) { return forensics::testing::RunCli(args); }

}  // namespace

TEST_CASE("ParsePinQuorum takes N/M with 1 <= N <= M and names what is wrong", "[cid_quorum]") {
  auto q = forensics::ParsePinQuorum("2/3");
  REQUIRE(q.has_value());
  CHECK(q->required == 2);
  CHECK(q->total == 3);
  CHECK(forensics::ParsePinQuorum("1/2").has_value());
  CHECK(forensics::ParsePinQuorum("3/2").error().message() == "'3/2': N must not exceed M");
  CHECK(forensics::ParsePinQuorum("0/3").error().message() == "'0/3': N must be at least 1");
  CHECK(forensics::ParsePinQuorum("2").error().message() == "'2': expected N/M, two whole numbers");
  CHECK_FALSE(forensics::ParsePinQuorum("-1/3").has_value());
  CHECK_FALSE(forensics::ParsePinQuorum("2/3x").has_value());
}

TEST_CASE("cid-quorum audits pins from a logrus daemon log", "[cid_quorum]") {
  TempDir dir;
  CidQuorumOptions o;
  o.log_files = {dir.Write("node-01.log", DaemonLog())};
  auto r = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r.has_value());
  CHECK(r->verdict == forensics::Verdict::kViolation);
  CHECK(r->quorum.Text() == "2/3");
  CHECK(r->cids.size() == 5);
  const auto* a = Find(*r, kA);
  REQUIRE(a != nullptr);
  CHECK(a->status == CidStatus::kUnverified);  // quorum met, no bytes given
  CHECK(a->pins() == 2);
  CHECK(a->pinned_nodes == std::vector<std::string>{"ipfs-1:5001", "ipfs-2:5001"});
  REQUIRE(a->failures.size() == 1);  // ipfs-3's "Pin failed" before the outcome
  CHECK(a->failures[0].node == "ipfs-3:5001");
  const auto* b = Find(*r, kB);
  REQUIRE(b != nullptr);
  CHECK(b->status == CidStatus::kFailed);
  CHECK(b->pins() == 1);
  CHECK(b->failures.size() == 3);  // the quorum error, then ipfs-2's timeout and ipfs-3's refusal
  CHECK(Find(*r, kC)->status == CidStatus::kUnverified);
  CHECK(Find(*r, kC)->pin_evidence == false);
  CHECK(Find(*r, kD)->status == CidStatus::kFailed);
  CHECK(Find(*r, kH)->status == CidStatus::kUnverified);

  const auto* n3 = FindNode(*r, "ipfs-3:5001");
  REQUIRE(n3 != nullptr);
  CHECK(n3->attempts == 3);
  CHECK(n3->failures == 3);
  CHECK(n3->last_attempt_failed);
  CHECK(n3->host == "ipfs-3");
  CHECK(n3->last_error == "dial tcp 10.0.0.3:5001: connect: connection refused");
  const auto* n2 = FindNode(*r, "ipfs-2:5001");
  REQUIRE(n2 != nullptr);
  CHECK(n2->attempts == 3);
  CHECK(n2->failures == 1);
  CHECK_FALSE(n2->last_attempt_failed);
  CHECK(r->ipfs_node_count == 3);
  // 2 quorum outcomes met, 1 not: 33% (from the logs, no metrics given).
  REQUIRE(r->failure_rate.has_value());
  CHECK(*r->failure_rate == Approx(1.0 / 3));
  CHECK(r->failure_rate_source == "logs");
  CHECK(r->alert_fires);
  CHECK_FALSE(r->soak_passes);

  // The runbook: restart ipfs-3 only; one of three down is the runbook's case for 1/2, but 2 up still
  // meet 2/3; re-pin B on the two nodes that lack it.
  std::vector<std::string> restarts, repins;
  for (const auto& act : r->actions) {
    if (act.kind == "restart") restarts.push_back(act.node);
    if (act.kind == "re-pin") repins.push_back(act.command);
  }
  CHECK(restarts == std::vector<std::string>{"ipfs-3:5001"});
  CHECK(r->lower_quorum_is_runbook_case);
  bool lower_not_needed = false;
  for (const auto& act : r->actions)
    if (act.kind == "lower-quorum") lower_not_needed = act.text.find("is not needed") != std::string::npos;
  CHECK(lower_not_needed);
  CHECK(std::count(repins.begin(), repins.end(), "ipfs --api /dns/ipfs-2/tcp/5001/http pin add " + kB) == 1);
  CHECK(std::count(repins.begin(), repins.end(), "ipfs --api /dns/ipfs-3/tcp/5001/http pin add " + kB) == 1);
  CHECK(std::count(repins.begin(), repins.end(), "ipfs --api /dns/ipfs-3/tcp/5001/http pin add " + kD) == 1);
  CHECK(std::count(repins.begin(), repins.end(), "ipfs --api /dns/ipfs-1/tcp/5001/http pin add " + kB) == 0);
}

TEST_CASE("cid-quorum reads the same pins from journald short and json renderings in zstd", "[cid_quorum]") {
  TempDir dir;
  std::string shortlog, jsonlog;
  size_t i = 0;
  std::string text = DaemonLog();
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    const std::string line = text.substr(at, nl - at);
    at = nl + 1;
    shortlog += "Nov 22 14:00:" + std::to_string(10 + i) + " node-01 coinjectured[3101]: " + line + "\n";
    jsonlog += "{\"MESSAGE\":" + JsonString(line) + ",\"_HOSTNAME\":\"node-01\",\"__REALTIME_TIMESTAMP\":\"" +
               std::to_string(1763820000000000ULL + i * 1000000ULL) + "\",\"PRIORITY\":\"6\"}\n";
    ++i;
  }
  for (const std::string& f : {dir.Write("short.log.zst", forensics::testing::ZstdFrame(shortlog)),
                               dir.Write("json.log.zst", forensics::testing::ZstdFrame(jsonlog))}) {
    INFO(f);
    CidQuorumOptions o;
    o.log_files = {f};
    o.year = 2025;
    auto r = forensics::AnalyzeCidQuorum(o);
    REQUIRE(r.has_value());
    CHECK(r->cids.size() == 5);
    REQUIRE(Find(*r, kB) != nullptr);
    CHECK(Find(*r, kB)->status == CidStatus::kFailed);
    REQUIRE(FindNode(*r, "ipfs-3:5001") != nullptr);
    CHECK(FindNode(*r, "ipfs-3:5001")->failures == 3);
  }
}

TEST_CASE("cid-quorum checks content bytes and manifests", "[cid_quorum]") {
  TempDir dir;
  const std::string content = dir.File("content");
  std::filesystem::create_directories(content);
  dir.Write("content/" + kA, "hello world");  // ipfs add's CID: ok
  const std::string raw = cid::RawSha256Cid(std::string_view("raw bytes"));
  dir.Write("content/" + raw, "raw bytes");            // a raw SHA-256 CID
  dir.Write("content/" + kH, "not the pinned bytes");  // neither: mismatch
  dir.Write("content/" + kE + ".bin", "manifest only");
  std::filesystem::create_directories(dir.File("manifests"));
  dir.Write("manifests/e.json", Manifest(kE, {"ipfs-1:5001"}, Hex("manifest only")));  // below quorum
  dir.Write("manifests/raw.json", Manifest(raw, {"ipfs-1:5001", "ipfs-2:5001"}, Hex("raw bytes")));
  dir.Write("manifests/a.json", Manifest(kA, {"ipfs-1:5001", "ipfs-2:5001"}, Hex("other bytes")));  // wrong hash
  CidQuorumOptions o;
  o.log_files = {dir.Write("node-01.log", DaemonLog())};
  o.manifest_paths = {dir.File("manifests")};
  o.content_dir = content;
  auto r = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r.has_value());
  CHECK(r->manifests_read == 3);
  CHECK(r->content_files_checked == 4);
  const auto* a = Find(*r, kA);
  CHECK(a->content_match == "unixfs");
  CHECK(a->content_hash_matches == std::optional<bool>(false));
  CHECK(a->status == CidStatus::kContentMismatch);
  const auto* rw = Find(*r, raw);
  REQUIRE(rw != nullptr);
  CHECK(rw->content_match == "raw-sha256");
  CHECK(rw->content_hash_matches == std::optional<bool>(true));
  CHECK(rw->status == CidStatus::kOk);
  CHECK(Find(*r, kH)->content_match == "none");
  CHECK(Find(*r, kH)->status == CidStatus::kContentMismatch);
  const auto* e = Find(*r, kE);
  REQUIRE(e != nullptr);
  CHECK(e->content_match == "unixfs");
  CHECK(e->status == CidStatus::kBelowQuorum);
  CHECK(e->pins() == 1);
}

TEST_CASE("cid-quorum takes the pin failure rate from the metrics when they hold the counters", "[cid_quorum]") {
  TempDir dir;
  const std::string head =
      "# HELP coinjecture_pin_quorum_success_total Pins that met the quorum\n"
      "# TYPE coinjecture_pin_quorum_success_total counter\n";
  CidQuorumOptions o;
  o.log_files = {dir.Write("node-01.log", DaemonLog())};
  o.metrics_path = dir.Write("quiet.prom", head +
                                               "coinjecture_pin_quorum_success_total 995.0\n"
                                               "# TYPE coinjecture_pin_quorum_failures_total counter\n"
                                               "coinjecture_pin_quorum_failures_total 5.0\n");
  auto quiet = forensics::AnalyzeCidQuorum(o);
  REQUIRE(quiet.has_value());
  CHECK(quiet->failure_rate_source == "metrics");
  CHECK(*quiet->failure_rate == Approx(0.005));
  CHECK_FALSE(quiet->alert_fires);
  CHECK(quiet->soak_passes);
  o.metrics_path = dir.Write("loud.prom", head +
                                              "coinjecture_pin_quorum_success_total{node=\"a\"} 470\n"
                                              "coinjecture_pin_quorum_success_total{node=\"b\"} 470\n"
                                              "coinjecture_pin_quorum_failures_total 60\n");
  auto loud = forensics::AnalyzeCidQuorum(o);
  REQUIRE(loud.has_value());
  CHECK(*loud->failure_rate == Approx(0.06));
  CHECK(loud->alert_fires);
  CHECK_FALSE(loud->soak_passes);
}

TEST_CASE("cid-quorum recognises a pseudo-CID of a chain block", "[cid_quorum]") {
  TempDir dir;
  const std::string chain = std::string(FORENSICS_SAMPLES_DIR) + "/chains/clean-120.ndjson";
  auto src = forensics::OpenChain(chain);
  REQUIRE(src.has_value());
  forensics::ChainRecord rec;
  std::string pseudo;
  while (pseudo.empty()) {
    auto more = (*src)->Next(&rec);
    REQUIRE(more.has_value());
    REQUIRE(*more);
    if (const auto* b = std::get_if<forensics::Block>(&rec);
        b && b->header.hash && b->header.timestamp && b->header.height == 3)
      pseudo = cid::PseudoCid(3, b->header.hash->Hex(), std::to_string(*b->header.timestamp));
  }
  CidQuorumOptions o;
  o.log_files = {dir.Write("d.log", Logrus("2025-11-22T14:00:25.000Z", "info", "CID received from network",
                                           {{"block_number", "3"}, {"cid", S(pseudo)}}))};
  o.chain_path = chain;
  auto r = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r.has_value());
  REQUIRE(r->cids.size() == 1);
  CHECK(r->cids[0].status == CidStatus::kPseudoCid);
  CHECK(r->cids[0].pseudo_block == std::optional<uint64_t>(3));
}

TEST_CASE("cid-quorum names bad input by file and line or field and analyses the rest", "[cid_quorum]") {
  TempDir dir;
  std::string log = DaemonLog();
  log += Logrus("2025-11-22T14:00:50.000Z", "info", "CID received from network", {{"cid", S("Qm\x1b]0;pwned\x07")}});
  log +=
      "{\"cid\":\"Qm\xff\xfe\",\"level\":\"info\",\"msg\":\"CID received from "
      "network\",\"time\":\"2025-11-22T14:00:51.000Z\"}\n";
  std::filesystem::create_directories(dir.File("manifests"));
  dir.Write("manifests/broken.json", "\n\n{\"cid\": \"Qm");
  dir.Write("manifests/badq.json", Manifest(kE, {"ipfs-1:5001"}, Hex("x"), "3/2"));
  dir.Write("manifests/nocid.json", "{\"pinned_nodes\": []}");
  std::filesystem::create_directories(dir.File("content/" + kC));  // a directory where content should be
  CidQuorumOptions o;
  o.log_files = {dir.Write("node-01.log", log)};
  o.manifest_paths = {dir.File("manifests")};
  o.content_dir = dir.File("content");
  auto r = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r.has_value());
  auto warned = [&](const std::string& what) {
    for (const std::string& w : r->warnings)
      if (w.find(what) != std::string::npos) return true;
    return false;
  };
  CHECK(warned("broken.json: not JSON"));
  CHECK(warned("badq.json: field quorum: '3/2': N must not exceed M"));
  CHECK(warned("nocid.json: field cid: missing"));
  CHECK(warned(kC + ": is a directory"));
  CHECK(warned("node-01.log:17: invalid CID: control character U+001B at offset 2"));
  // The non-UTF-8 line: the reader says so, and the CID's reason names the byte.
  CHECK(warned("log " + o.log_files[0] + ":18 (byte "));
  CHECK(warned("node-01.log:18: invalid CID: not UTF-8: byte 0xff at offset 2"));
  // The rest is still analysed.
  REQUIRE(Find(*r, kB) != nullptr);
  CHECK(Find(*r, kB)->status == CidStatus::kFailed);
  CHECK(Find(*r, kC)->content_error.has_value());
  CHECK(r->verdict == forensics::Verdict::kViolation);
}

TEST_CASE("cid-quorum exit statuses and outputs from the command line", "[cid_quorum][cli]") {
  TempDir dir;
  const std::string log = dir.Write("node-01.log", DaemonLog());
  auto v = Cli("--issue cid-quorum --logs '" + log + "' --format json");
  CHECK(v.status == 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(v.out).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["issue"]) == "cid-quorum");
  CHECK(std::string_view(doc["verdict"]) == "violation");
  CHECK(doc["cids"].get_array().size() == 5);
  CHECK(doc["ipfs_nodes"].get_array().size() == 3);
  CHECK(double(doc["failure_rate"]) == Approx(1.0 / 3));
  CHECK(doc["actions"].get_array().size() >= 4);
  CHECK(v.err.empty());  // the document alone on stdout, nothing to warn about

  // Clean: the one CID pinned on 2 of 3 with its bytes.
  std::filesystem::create_directories(dir.File("content"));
  dir.Write("content/" + kA, "hello world");
  std::string one;
  for (const char* n : {"ipfs-1", "ipfs-2"})
    one += Logrus("2025-11-22T14:00:10.100Z", "debug", "Pin successful", {{"cid", S(kA)}, {"node", S(n)}});
  one += Logrus("2025-11-22T14:00:10.140Z", "info", "Content pinned with quorum",
                {{"cid", S(kA)}, {"quorum", S("2/3")}, {"successful_pins", "2"}});
  const std::string ok_log = dir.Write("ok.log", one);
  auto clean = Cli("--issue cid-quorum --logs '" + ok_log + "' --content '" + dir.File("content") + "'");
  CHECK(clean.status == 0);
  CHECK(clean.out.find("cid-quorum: clean") != std::string::npos);
  // Inconclusive: a CID nothing says was pinned.
  const std::string net =
      dir.Write("net.log", Logrus("2025-11-22T14:00:25.000Z", "info", "CID received from network", {{"cid", S(kC)}}));
  CHECK(Cli("--issue cid-quorum --logs '" + net + "'").status == 4);
  // --out: report.md and report.json, and the gh command with the cid-quorum label.
  auto out = Cli("--issue cid-quorum --logs '" + log + "' --out '" + dir.File("rep") + "'");
  CHECK(out.status == 1);
  CHECK(out.out.find("--label cid-quorum") != std::string::npos);
  const std::string md = forensics::testing::ReadWholeFile(dir.File("rep/report.md"));
  CHECK(md.find("ipfs --api /dns/ipfs-3/tcp/5001/http pin add " + kB) != std::string::npos);
  CHECK(forensics::testing::ReadWholeFile(dir.File("rep/report.json")).find("\"issue\": \"cid-quorum\"") !=
        std::string::npos);
  // Usage errors: a quorum outside 1 <= N <= M.
  auto q32 = Cli("--issue cid-quorum --logs '" + log + "' --quorum 3/2");
  CHECK(q32.status == 2);
  CHECK(q32.err.find("--quorum '3/2': N must not exceed M") != std::string::npos);
  auto q03 = Cli("--issue cid-quorum --logs '" + log + "' --quorum 0/3");
  CHECK(q03.status == 2);
  CHECK(q03.err.find("N must be at least 1") != std::string::npos);
  // Nothing readable: exit 3.
  auto none = Cli("--issue cid-quorum --logs '" + dir.File("missing.log") + "'");
  CHECK(none.status == 3);
  CHECK(none.err.find("missing.log") != std::string::npos);
}

TEST_CASE("cid-quorum keeps hostile log text off the terminal and out of the report", "[cid_quorum][cli]") {
  TempDir dir;
  std::string log;
  const std::string evil = "ipfs-9\x1b[2J\n```\n@everyone";
  log += Logrus("2025-11-22T14:00:10.100Z", "warning", "Pin failed",
                {{"error", S("refused\x1b]0;x\x07")}, {"node", S(evil)}});
  log += Logrus("2025-11-22T14:00:10.140Z", "error", "Failed to pin",
                {{"cid", S(kB)}, {"error", S("pin quorum not met: got 0/3, required 2/3")}});
  const std::string f = dir.Write("evil.log", log);
  auto r = Cli("--issue cid-quorum --logs '" + f + "' --out '" + dir.File("rep") + "'");
  CHECK(r.status == 1);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\x1b') == std::string::npos);
  const std::string md = forensics::testing::ReadWholeFile(dir.File("rep/report.md"));
  CHECK(md.find('\x1b') == std::string::npos);
  CHECK(md.find("@everyone") == std::string::npos);  // escaped: no mention
  // No command is printed for a node whose name is no host name.
  CHECK(md.find("pin add " + kB) == std::string::npos);
}

TEST_CASE("cid-quorum says when lowering the quorum to 1/2 is the runbook's case", "[cid_quorum]") {
  TempDir dir;
  auto attempt = [](const std::string& t, const std::string& node, bool ok) {
    return ok ? Logrus(t, "debug", "Pin successful", {{"cid", S(kA)}, {"node", S(node)}})
              : Logrus(t, "warning", "Pin failed", {{"error", S("connection refused")}, {"node", S(node)}});
  };
  auto lower = [](const CidQuorumReport& r) {
    for (const auto& a : r.actions)
      if (a.kind == "lower-quorum") return a.text;
    return std::string();
  };
  // Two of three down: not the runbook's case.
  std::string two = attempt("2025-11-22T14:00:01.000Z", "ipfs-1", true) +
                    attempt("2025-11-22T14:00:01.100Z", "ipfs-2", false) +
                    attempt("2025-11-22T14:00:01.200Z", "ipfs-3", false);
  CidQuorumOptions o;
  o.log_files = {dir.Write("two.log", two)};
  auto r2 = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r2.has_value());
  CHECK_FALSE(r2->lower_quorum_is_runbook_case);
  CHECK(lower(*r2).find("not the runbook's case") != std::string::npos);
  // One of three down under 3/3: the runbook's case, and the two left cannot meet N = 3.
  std::string one = attempt("2025-11-22T14:00:01.000Z", "ipfs-1", true) +
                    attempt("2025-11-22T14:00:01.100Z", "ipfs-2", true) +
                    attempt("2025-11-22T14:00:01.200Z", "ipfs-3", false);
  o.log_files = {dir.Write("one.log", one)};
  o.quorum = *forensics::ParsePinQuorum("3/3");
  o.quorum_given = true;
  auto r1 = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r1.has_value());
  CHECK(r1->lower_quorum_is_runbook_case);
  CHECK(lower(*r1).find("lower pin_quorum to 1/2 until the node is back") != std::string::npos);
  CHECK(Find(*r1, kA)->status == CidStatus::kBelowQuorum);  // 2 pins, 3 needed
}

TEST_CASE("cid-quorum searches the content directory's subdirectories and skips files not named by a CID",
          "[cid_quorum]") {
  TempDir dir;
  std::filesystem::create_directories(dir.File("ipfs_data/raw_json"));
  std::filesystem::create_directories(dir.File("ipfs_data/processed_json"));
  // Pinned bytes, then re-serialised: the name is a valid CIDv0 the bytes no longer give.
  const std::string pinned = cid::CidV0OfContent(std::string_view("{\"a\":1}"));
  dir.Write("ipfs_data/raw_json/" + pinned + ".json", "{\"a\": 1}\n");
  dir.Write("ipfs_data/processed_json/" + kA + ".json", "hello world");
  dir.Write("ipfs_data/README.md", "notes");
  CidQuorumOptions o;
  o.content_dir = dir.File("ipfs_data");
  auto r = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r.has_value());
  REQUIRE(r->cids.size() == 2);
  CHECK(Find(*r, pinned)->status == CidStatus::kContentMismatch);
  CHECK(Find(*r, pinned)->why.find("re-serialised") != std::string::npos);
  CHECK(Find(*r, kA)->content_match == "unixfs");
  CHECK(Find(*r, kA)->status == CidStatus::kUnverified);  // bytes match, no pin record
  bool skipped = false;
  for (const std::string& w : r->warnings)
    skipped = skipped || w.find("1 file(s) not named by a CID skipped") != std::string::npos;
  CHECK(skipped);
  CHECK(r->inputs.size() == 2);  // the content files, with their SHA-256, in the stamp
}

TEST_CASE("cid-quorum finds the pins in a real coinjectured capture with pin lines in a second zstd frame",
          "[cid_quorum]") {
  TempDir dir;
  const std::string real =
      forensics::testing::ReadWholeFile(std::string(FORENSICS_TEST_DATA) + "/real-journald/node-03.stdout.log.zst");
  REQUIRE_FALSE(real.empty());
  CidQuorumOptions o;
  o.log_files = {dir.Write("node-03.log.zst", real + forensics::testing::ZstdFrame(DaemonLog()))};
  auto r = forensics::AnalyzeCidQuorum(o);
  REQUIRE(r.has_value());
  CHECK(r->cids.size() == 5);  // the real lines name no CID
  CHECK(r->warnings.empty());
  CHECK(r->log_events > 100);
  CHECK(Find(*r, kB)->status == CidStatus::kFailed);
  // The real journal alone: nothing to audit, which is no clean bill.
  o.log_files = {std::string(FORENSICS_TEST_DATA) + "/real-journald/central.json.log.zst"};
  auto none = forensics::AnalyzeCidQuorum(o);
  REQUIRE(none.has_value());
  CHECK(none->cids.empty());
  CHECK(none->verdict == forensics::Verdict::kInconclusive);
}
