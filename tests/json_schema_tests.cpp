// The JSON Schemas of report.json (docs/schema/): every sample report, and the reports the CLI writes
// for generated chains and the parity sample, validate against them (tests/util/validate_json.py,
// Debian's python3-jsonschema, draft 2020-12).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "util/cli_run.h"
#include "util/io_fixtures.h"
#include "util/node_db_fixture.h"

namespace {

namespace fs = std::filesystem;
using forensics::testing::CliRun;
using forensics::testing::TempDir;

const std::string kSamples = FORENSICS_SAMPLES_DIR;
const std::string kRoot = kSamples + "/..";

std::string Schema(const std::string& issue) {
  return kRoot + "/docs/schema/coinjecture-forensics-1." + issue + ".schema.json";
}

std::string Q(const std::string& s) { return "'" + s + "'"; }

// Runs the validator on `files`: status 0 when every one is valid, 1 with one line per error.
CliRun Validate(const std::string& schema, const std::vector<std::string>& files) {
  // Debian's interpreter, whose jsonschema is the packaged one (.ci/install-deps), where it exists.
  const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::string script = "exec " + python + " " + Q(kRoot + "/tests/util/validate_json.py") + " " + Q(schema);
  for (const auto& f : files) script += " " + Q(f);
  return forensics::testing::RunScript("/bin/sh", script);
}

CliRun Cli(const std::string& args) { return forensics::testing::RunCli(args); }

// Runs the CLI with --format json, expects `status`, and writes its stdout to dir/name.
std::string JsonOf(const TempDir& dir, const std::string& name, const std::string& args, int status) {
  CliRun r = Cli(args + " --format json");
  INFO(args << "\n" << r.err);
  CHECK(r.status == status);
  return dir.Write(name, r.out);
}

}  // namespace

TEST_CASE("the validator accepts both schemas and rejects a document they do not describe", "[json-schema]") {
  for (const std::string issue : {"state-violation", "parity-drift"}) {
    // The schema of the other issue: `issue` is a const, so every document fails.
    const std::string other = issue == "state-violation" ? "parity-drift" : "state-violation";
    const std::string sample =
        issue == "state-violation" ? kSamples + "/expected/clean-120/report.json" : kSamples + "/parity/expected/report.json";
    CliRun ok = Validate(Schema(issue), {sample});
    INFO(ok.out << ok.err);
    CHECK(ok.status == 0);
    CliRun bad = Validate(Schema(other), {sample});
    CHECK(bad.status == 1);
    CHECK_THAT(bad.out, Catch::Contains(sample + ": $.issue:"));
  }
  TempDir dir;
  std::string doc = forensics::testing::ReadWholeFile(kSamples + "/expected/inflation-137/report.json");
  const std::string field = "\"faults_truncated\": false,";
  REQUIRE(doc.find(field) != std::string::npos);
  // A field the schema does not list (additionalProperties false), an amount written as a number, a
  // finding code outside the table.
  const std::string extra = dir.Write("extra.json", std::string(doc).replace(doc.find(field), 0, "\"new_field\": 1,"));
  std::string number = doc;
  const std::string supply = "\"supply_before\": \"";
  const size_t at = number.find(supply);
  REQUIRE(at != std::string::npos);
  number.erase(number.find('"', at + supply.size()), 1).erase(at + supply.size() - 1, 1);
  const std::string number_path = dir.Write("number.json", number);
  std::string code = doc;
  code.replace(code.find("\"inflation-detected\""), 20, "\"inflation-detectedd\"");
  const std::string code_path = dir.Write("code.json", code);
  CliRun r = Validate(Schema("state-violation"), {extra, number_path, code_path});
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Contains(extra + ": $: Additional properties are not allowed ('new_field'"));
  CHECK_THAT(r.out, Catch::Contains(number_path + ": $.first_bad_block.supply.supply_before:"));
  CHECK_THAT(r.out, Catch::Contains(code_path + ": $.first_bad_block.findings[1].code:"));
}

TEST_CASE("every sample report.json validates against its JSON Schema", "[json-schema]") {
  std::vector<std::string> reports;
  for (const auto& e : fs::directory_iterator(kSamples + "/expected"))
    if (fs::exists(e.path() / "report.json")) reports.push_back((e.path() / "report.json").string());
  std::sort(reports.begin(), reports.end());
  CHECK(reports.size() >= 7);  // samples/expected/manifest.tsv
  CliRun sv = Validate(Schema("state-violation"), reports);
  INFO(sv.out << sv.err);
  CHECK(sv.status == 0);
  CliRun pd = Validate(Schema("parity-drift"), {kSamples + "/parity/expected/report.json"});
  INFO(pd.out << pd.err);
  CHECK(pd.status == 0);
}

TEST_CASE("the state-violation JSON of generated chains validates against its JSON Schema", "[json-schema]") {
  TempDir dir;
  std::vector<std::string> reports;
  auto generate = [&](const std::string& name, const std::string& args) {
    const std::string chain = dir.File(name + ".ndjson");
    CliRun g = Cli("generate --out " + Q(chain) + " --logs " + Q(dir.File(name + ".log")) + " " + args);
    INFO(g.err);
    REQUIRE(g.status == 0);
    return chain;
  };
  const std::string clean = generate("clean", "--blocks 40");
  reports.push_back(JsonOf(dir, "clean.json", "--issue state-violation --chain " + Q(clean) + " --logs " +
                                                  Q(dir.File("clean.log")), 0));
  for (const std::string kind : {"inflation", "missing-reward", "wrong-state-root", "bad-signature", "balance-wrap",
                                 "parent-link", "tx-root", "block-hash", "fee-too-low", "invalid-nonce"}) {
    const std::string chain = generate(kind, "--blocks 40 --fault " + kind + "@20");
    // --logs: the timeline and its summary.
    reports.push_back(JsonOf(dir, kind + ".json",
                             "--issue state-violation --chain " + Q(chain) + " --logs " + Q(dir.File(kind + ".log")), 1));
  }
  // --from: the replay starts at the node's snapshot of block 50, blocks below it read only.
  const std::string snap = generate("snap", "--blocks 120 --snapshot-every 50 --fault inflation@90");
  reports.push_back(JsonOf(dir, "from.json", "--issue state-violation --chain " + Q(snap) + " --from 50", 1));
  // A partial run: the time budget runs out long before 600 blocks of 10 signed transactions are replayed.
  const std::string big = generate("big", "--blocks 600 --txs-per-block 10");
  const std::string partial = JsonOf(dir, "partial.json", "--issue state-violation --chain " + Q(big) + " --time-budget 0.01", 4);
  CHECK_THAT(forensics::testing::ReadWholeFile(partial), Catch::Contains("\"partial\": true"));
  reports.push_back(partial);
  CliRun r = Validate(Schema("state-violation"), reports);
  INFO(r.out << r.err);
  CHECK(r.status == 0);
}

TEST_CASE("the parity-drift JSON of the parity sample validates against its JSON Schema", "[json-schema]") {
  TempDir dir;
  const std::string p = kSamples + "/parity/";
  const std::string full = JsonOf(dir, "parity.json",
                                  "--issue parity-drift --log " + Q(p + "parity.log") + " " + Q(p + "parity-grep.log.zst") +
                                      " --chain " + Q(p + "chain.ndjson") + " --metrics " + Q(p + "metrics.prom"),
                                  1);
  // Without chain and metrics: comparisons from the logs alone, `chain` and `metrics` null.
  const std::string logs_only = JsonOf(dir, "logs-only.json", "--issue parity-drift --log " + Q(p + "parity.log"), 1);
  CliRun r = Validate(Schema("parity-drift"), {full, logs_only});
  INFO(r.out << r.err);
  CHECK(r.status == 0);
}

TEST_CASE("the state-violation JSON of coinjecture.db stores validates against its JSON Schema", "[json-schema]") {
  TempDir dir;
  const std::string chain = dir.File("chain.ndjson");
  CliRun g = Cli("generate --out " + Q(chain) + " --blocks 40 --fault inflation@20");
  REQUIRE(g.status == 0);
  std::vector<std::string> reports;
  // Blocks with the node's ledger: supply-ledger-mismatch and fee-ledger-mismatch codes, their values.
  forensics::testing::NodeDbOptions with_fees;
  with_fees.write_fee_tracking = true;
  REQUIRE(forensics::testing::WriteNodeDb(chain, dir.File("node.db"), with_fees));
  reports.push_back(JsonOf(dir, "node.json",
                           "--issue state-violation --chain " + Q(dir.File("node.db")) + " --genesis " + Q(chain), 1));
  // Accounts alone, upstream's REAL seed row among them: "stored value lost" and the ledger wordings.
  forensics::testing::NodeDbOptions accounts;
  accounts.write_blocks = false;
  accounts.seed_real_genesis_row = true;
  REQUIRE(forensics::testing::WriteNodeDb(chain, dir.File("accounts.db"), accounts));
  const std::string lost = JsonOf(dir, "accounts.json", "--issue state-violation --chain " + Q(dir.File("accounts.db")), 4);
  CHECK_THAT(forensics::testing::ReadWholeFile(lost), Catch::Contains("stored value lost ("));
  reports.push_back(lost);
  CliRun r = Validate(Schema("state-violation"), reports);
  INFO(r.out << r.err);
  CHECK(r.status == 0);
}

TEST_CASE("the network-fork JSON validates against its JSON Schema", "[json-schema][fleet]") {
  TempDir dir;
  const std::string a = dir.File("a.ndjson"), b = dir.File("b.ndjson");
  REQUIRE(Cli("generate --out " + Q(a) + " --blocks 40").status == 0);
  REQUIRE(Cli("generate --out " + Q(b) + " --blocks 45 --fault inflation@20 --logs " + Q(dir.File("node-l.log"))).status == 0);
  REQUIRE(Cli("fingerprint --skip-signatures --chain " + Q(a) + " --out " + Q(dir.File("a.fp.zst")) + " --name a").status == 0);
  std::vector<std::string> reports;
  // A fork whose longer branch is bad, a node from chain data, one from logs, an unusable input.
  reports.push_back(JsonOf(dir, "fork.json",
                           "--issue network-fork --skip-signatures --node a=" + Q(dir.File("a.fp.zst")) + " b=" + Q(b) +
                               " gone=" + Q(dir.File("missing.fp")) + " --logs " + Q(dir.File("node-l.log")),
                           1));
  CHECK_THAT(forensics::testing::ReadWholeFile(reports.back()), Catch::Contains("\"bad\": true"));
  reports.push_back(JsonOf(dir, "clean.json", "--issue network-fork --skip-signatures --node a=" + Q(a) + " a2=" + Q(a), 0));
  CliRun r = Validate(Schema("network-fork"), reports);
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  // The schema is closed: a field it does not list fails.
  std::string doc = forensics::testing::ReadWholeFile(reports.back());
  doc.insert(doc.find('{') + 1, "\"extra\": 1,");
  CHECK(Validate(Schema("network-fork"), {dir.Write("extra.json", doc)}).status == 1);
}

TEST_CASE("the cid-quorum JSON validates against its JSON Schema", "[json-schema][cid_quorum]") {
  TempDir dir;
  const std::string hello = "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD";  // ipfs add of "hello world"
  const std::string empty = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";
  auto line = [](const std::string& time, const std::string& level, const std::string& msg, const std::string& rest) {
    return "{\"level\":\"" + level + "\",\"msg\":\"" + msg + "\"," + rest + ",\"time\":\"" + time + "\"}\n";
  };
  std::string log;
  log += line("2025-11-22T14:00:10.100Z", "debug", "Pin successful", "\"cid\":\"" + hello + "\",\"node\":\"ipfs-1\"");
  log += line("2025-11-22T14:00:10.140Z", "info", "Content pinned with quorum",
              "\"cid\":\"" + hello + "\",\"quorum\":\"2/3\",\"successful_pins\":1");
  log += line("2025-11-22T14:00:10.500Z", "info", "Content pinned with quorum",
              "\"cid\":\"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG\",\"quorum\":\"2/3\",\"successful_pins\":1");
  log += line("2025-11-22T14:00:11.000Z", "error", "Pin failed", "\"error\":\"connection refused\",\"node\":\"ipfs-3\"");
  log += line("2025-11-22T14:00:11.100Z", "error", "CID audit failed",
              "\"cid\":\"" + empty + "\",\"error\":\"pin quorum not met: got 1/3, required 2/3\"");
  log += line("2025-11-22T14:00:12.000Z", "info", "CID received from network", "\"cid\":\"Qm0notbase58\",\"block_number\":7");
  const std::string logs = dir.Write("node-01.log", log);
  std::filesystem::create_directories(dir.File("content"));
  dir.Write("content/" + hello, "hello world");
  dir.Write("content/" + empty, "not empty");
  dir.Write("manifest.json", "{\"cid\":\"" + hello + "\",\"size\":11,\"content_hash\":\"" + std::string(64, '0') +
                                 "\",\"pinned_nodes\":[\"ipfs-1\"],\"quorum\":\"2/3\",\"timestamp\":1}");
  const std::string report =
      JsonOf(dir, "cid.json",
             "--issue cid-quorum --logs " + Q(logs) + " --content " + Q(dir.File("content")) + " --manifests " +
                 Q(dir.File("manifest.json")),
             1);
  const std::string text = forensics::testing::ReadWholeFile(report);
  for (const char* status : {"\"below-quorum\"", "\"invalid-cid\"", "\"content-mismatch\""})
    CHECK_THAT(text, Catch::Contains(status));
  CliRun r = Validate(Schema("cid-quorum"), {report});
  INFO(r.out << r.err);
  CHECK(r.status == 0);
}
