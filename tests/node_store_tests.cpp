// --chain coinjecture.db: the daemon's SQLite store read against the export of the same chain, live
// (a concurrent writer in the test), untouched, and refusing what it cannot read without writing.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <set>

#include "forensics/generate.h"
#include "forensics/node_store.h"
#include "forensics/sha256.h"
#include "forensics/state_violation.h"
#include "util/cli_run.h"
#include "util/io_fixtures.h"
#include "util/node_db_fixture.h"

namespace forensics {
namespace {

using testing::NodeDbOptions;
using testing::NodeDbWriter;
using testing::ReadWholeFile;
using testing::RunCli;
using testing::TempDir;
using testing::WriteEquivalentExport;
using testing::WriteNodeDb;

std::string Generate(const TempDir& dir, std::vector<Fault> faults, uint64_t blocks = 40, uint64_t seed = 11) {
  GenerateOptions g;
  g.out_path = dir.File(fmt::format("chain-{}.ndjson", seed));
  g.blocks = blocks;
  g.seed = seed;
  g.accounts = 12;
  g.txs_per_block = 4;
  g.faults = std::move(faults);
  auto st = GenerateChain(g);
  REQUIRE(st);
  return g.out_path;
}

std::string MakeDb(const TempDir& dir, const std::string& exp, NodeDbOptions o = {}, const std::string& name = "coinjecture.db") {
  const std::string db = dir.File(name);
  auto st = WriteNodeDb(exp, db, o);
  REQUIRE(st);
  return db;
}

// The three files of a store and their digests (absent files included, as absent).
std::map<std::string, std::string> Digests(const std::string& db) {
  std::map<std::string, std::string> out;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string f = db + suffix;
    out[suffix] = std::filesystem::exists(f) ? sha256::Hash(ReadWholeFile(f)).Hex() : "absent";
  }
  return out;
}

StateViolationReport Analyze(const std::string& chain, std::optional<std::string> genesis = std::nullopt) {
  StateViolationOptions o;
  o.chain_path = chain;
  o.genesis_path = std::move(genesis);
  o.threads = 1;
  auto r = AnalyzeStateViolation(o);
  INFO((r ? std::string() : r.error().message()));
  REQUIRE(r);
  return std::move(*r);
}

std::set<FindingCode> CodesAtFirstBad(const StateViolationReport& r) {
  std::set<FindingCode> codes;
  if (r.first_bad)
    for (const Finding& f : r.first_bad->findings) codes.insert(f.code);
  return codes;
}

// The nonce differences (node − replay) of the state-change-mismatch findings at the first bad block
// of a state-violation JSON document, in order.
std::vector<int64_t> NonceSteps(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::vector<int64_t> steps;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return {-1};
  simdjson::dom::array findings;
  if (doc["first_bad_block"]["findings"].get_array().get(findings) != simdjson::SUCCESS) return steps;
  for (simdjson::dom::element f : findings) {
    std::string_view code;
    if (f["code"].get_string().get(code) != simdjson::SUCCESS || code != "state-change-mismatch") continue;
    simdjson::dom::array values;
    if (f["values"].get_array().get(values) != simdjson::SUCCESS) continue;
    for (simdjson::dom::element v : values) {
      std::string_view name, expected, actual;
      if (v["name"].get_string().get(name) != simdjson::SUCCESS || name != "nonce") continue;
      if (v["expected"].get_string().get(expected) || v["actual"].get_string().get(actual)) continue;
      steps.push_back(std::stoll(std::string(actual)) - std::stoll(std::string(expected)));
    }
  }
  return steps;
}

bool Mentions(const StateViolationReport& r, std::string_view text) {
  for (const auto& w : r.warnings)
    if (w.find(text) != std::string::npos) return true;
  for (const auto& u : r.unverifiable)
    if (u.check.find(text) != std::string::npos) return true;
  return false;
}

TEST_CASE("every generated fault gives the same first bad block and reorg target from coinjecture.db as from the export of the same chain", "[node-store]") {
  TempDir dir;
  std::vector<std::optional<Fault>> cases = {std::nullopt};
  for (std::string_view name : FaultNames()) {
    auto f = ParseFault(fmt::format("{}@21", name));
    REQUIRE(f);
    cases.push_back(*f);
  }
  for (const auto& fault : cases) {
    INFO((fault ? std::string(FaultName(fault->kind)) : "no fault"));
    const std::string exp = Generate(dir, fault ? std::vector<Fault>{*fault} : std::vector<Fault>{});
    NodeDbOptions o;
    o.tx_shape = NodeDbOptions::TxShape::kAlternate;
    o.write_fee_tracking = true;
    const std::string db = dir.File(fmt::format("{}.db", fault ? FaultName(fault->kind) : "clean"));
    REQUIRE(WriteNodeDb(exp, db, o));
    const std::string same = dir.File(fmt::format("{}-same.ndjson", fault ? FaultName(fault->kind) : "clean"));
    REQUIRE(WriteEquivalentExport(exp, same).ok());

    const StateViolationReport from_db = Analyze(db, exp);
    const StateViolationReport from_export = Analyze(same);
    CHECK(from_db.blocks_checked == from_export.blocks_checked);
    CHECK(from_db.txs_checked == from_export.txs_checked);
    CHECK(from_db.verdict == from_export.verdict);
    REQUIRE(from_db.first_bad.has_value() == from_export.first_bad.has_value());
    CHECK(from_db.first_bad.has_value() == fault.has_value());
    if (from_db.first_bad) {
      CHECK(from_db.first_bad->height == from_export.first_bad->height);
      CHECK(from_db.first_bad->hash == from_export.first_bad->hash);
      // The store adds its own ledger's view; every code the export gives is there too.
      std::set<FindingCode> db_codes = CodesAtFirstBad(from_db), export_codes = CodesAtFirstBad(from_export);
      for (FindingCode c : export_codes) CHECK(db_codes.count(c) == 1);
      for (FindingCode c : db_codes)
        if (!export_codes.count(c)) CHECK((c == FindingCode::kSupplyLedgerMismatch || c == FindingCode::kFeeLedgerMismatch));
    }
    REQUIRE(from_db.reorg.has_value() == from_export.reorg.has_value());
    if (from_db.reorg) {
      CHECK(from_db.reorg->height == from_export.reorg->height);
      CHECK(from_db.reorg->hash == from_export.reorg->hash);
    }
  }
}

TEST_CASE("a fault in the node's own money ledger is a supply-ledger-mismatch naming the column at its block", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  const std::string db = MakeDb(dir, exp);
  {
    NodeDbWriter w(db);
    REQUIRE(w.status().ok());
    REQUIRE(w.Exec("UPDATE supply_metrics SET minted_this_block = minted_this_block + 7 WHERE block_number = 17").ok());
  }
  const StateViolationReport r = Analyze(db, exp);
  REQUIRE(r.first_bad);
  CHECK(r.first_bad->height == 17);
  REQUIRE(r.first_bad->findings.size() == 1);
  const Finding& f = r.first_bad->findings[0];
  CHECK(f.code == FindingCode::kSupplyLedgerMismatch);
  REQUIRE(f.values.size() == 1);
  CHECK(f.values[0].name == "supply_metrics.minted_this_block");
  CHECK(std::stoull(f.values[0].actual) == std::stoull(f.values[0].expected) + 7);
}

TEST_CASE("a circulating supply that is not the total less the locked supply is a finding with signed values", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  const std::string db = MakeDb(dir, exp);
  {
    NodeDbWriter w(db);
    REQUIRE(w.Exec("UPDATE supply_metrics SET locked_supply = total_supply + 5 WHERE block_number = 11").ok());
  }
  const StateViolationReport r = Analyze(db, exp);
  REQUIRE(r.first_bad);
  CHECK(r.first_bad->height == 11);
  REQUIRE(r.first_bad->findings.size() == 1);
  const Finding& f = r.first_bad->findings[0];
  CHECK(f.code == FindingCode::kSupplyLedgerMismatch);
  REQUIRE(f.values.size() == 1);
  CHECK(f.values[0].name == "supply_metrics.circulating_supply");
  CHECK(f.values[0].expected == "-5");
}

TEST_CASE("coinjecture.db is read live: committed WAL rows are seen, an open write transaction is not, and no byte changes", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  const std::string db = MakeDb(dir, exp);
  // The two accounts the daemon changes: one committed (still only in the -wal), one in a write
  // transaction it holds open while the analysis runs.
  const auto first = Analyze(db, exp);
  CHECK(first.verdict == Verdict::kClean);
  NodeDbWriter daemon(db, /*checkpoint_on_close=*/false);
  REQUIRE(daemon.status().ok());
  REQUIRE(daemon.Exec("PRAGMA wal_autocheckpoint = 0").ok());
  const auto wal_before = std::filesystem::file_size(db + "-wal");
  REQUIRE(daemon.Begin().ok());
  REQUIRE(daemon.Exec("UPDATE accounts SET nonce = nonce + 1000 WHERE address = (SELECT min(address) FROM accounts)").ok());
  REQUIRE(daemon.Commit().ok());
  CHECK(std::filesystem::file_size(db + "-wal") > wal_before);
  REQUIRE(daemon.Begin().ok());
  REQUIRE(daemon.Exec("UPDATE accounts SET nonce = nonce + 2000 WHERE address = (SELECT max(address) FROM accounts)").ok());

  const auto before = Digests(db);
  CHECK(before.at("-wal") != "absent");
  CHECK(before.at("-shm") != "absent");
  // Another process, as on a node: SQLite shares one -shm mapping within a process.
  const auto run = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}' --format json", db, exp));
  CHECK(Digests(db) == before);
  INFO(run.err);
  CHECK(run.status == 1);
  // The committed change (nonce + 1000) is the one finding, at the head; the uncommitted one (+ 2000)
  // is not seen.
  CHECK(NonceSteps(run.out) == std::vector<int64_t>{1000});
  REQUIRE(daemon.Rollback().ok());
  const auto after_rollback = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}' --format json", db, exp));
  CHECK(NonceSteps(after_rollback.out) == std::vector<int64_t>{1000});
  REQUIRE(daemon.Begin().ok());
  REQUIRE(daemon.Exec("UPDATE accounts SET nonce = nonce + 2000 WHERE address = (SELECT max(address) FROM accounts)").ok());
  REQUIRE(daemon.Commit().ok());
  const auto after_commit = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}' --format json", db, exp));
  CHECK(NonceSteps(after_commit.out) == std::vector<int64_t>{1000, 2000});
}

TEST_CASE("a WAL database with no -wal beside it is read without creating one", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  const std::string db = MakeDb(dir, exp);
  REQUIRE(std::filesystem::file_size(db + "-wal") == 0);  // checkpointed and truncated by the fixture
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
  const auto before = Digests(db);
  const auto run = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}'", db, exp));
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK(Digests(db) == before);
  CHECK(!std::filesystem::exists(db + "-wal"));
  CHECK(!std::filesystem::exists(db + "-shm"));
}

TEST_CASE("a -wal without its -shm is refused with what to do and nothing is written", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  const std::string db = MakeDb(dir, exp);
  std::filesystem::remove(db + "-shm");
  const auto before = Digests(db);
  const auto run = RunCli(fmt::format("--issue state-violation --chain '{}' --out '{}'", db, dir.File("out")));
  CHECK(run.status == 3);
  CHECK(run.err.find("-shm") != std::string::npos);
  CHECK(run.err.find(".backup") != std::string::npos);
  CHECK(Digests(db) == before);
  CHECK(!std::filesystem::exists(dir.File("out")));
}

TEST_CASE("a store with accounts and no blocks is inconclusive and names each balance the store lost", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  NodeDbOptions o;
  o.write_blocks = false;
  o.seed_real_genesis_row = true;
  const std::string db = MakeDb(dir, exp, o);
  {
    NodeDbWriter w(db);
    REQUIRE(w.Exec("UPDATE accounts SET balance = -5 WHERE address = (SELECT max(address) FROM accounts)").ok());
  }
  const StateViolationReport r = Analyze(db);
  CHECK(r.verdict == Verdict::kInconclusive);
  CHECK(r.blocks_checked == 0);
  CHECK(Mentions(r, "holds no blocks"));
  CHECK(Mentions(r, "stored value lost"));
  CHECK(Mentions(r, "a REAL"));
  CHECK(Mentions(r, "stored -5"));
  CHECK(Mentions(r, std::string(64, '0')));  // the zero address of upstream's seed row
  const auto run = RunCli(fmt::format("--issue state-violation --chain '{}'", db));
  CHECK(run.status == 4);
  // A chain store cannot hold the lost balance either: import refuses rather than store a guess.
  const auto imp = RunCli(fmt::format("import --from '{}' --db '{}'", db, dir.File("store")));
  CHECK(imp.status == 3);
  CHECK(imp.err.find("cannot hold it exactly") != std::string::npos);
}

TEST_CASE("bad coinjecture.db input gets a message naming the table the row and the column and exit 3", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  // A row that cannot be read stops the replay there, as a bad line of an export does: the report of
  // the blocks before it is marked partial (exit 4: the blocks before were clean). A store refused at
  // opening gets exit 3 and no report.
  struct Case {
    std::string name, sql;
    std::vector<std::string> expect;
    bool at_open;
  };
  const std::vector<Case> cases = {
      {"tx_data not JSON", "UPDATE blocks SET tx_data = '[{' WHERE block_number = 9", {"table blocks, block 9, column tx_data", "not valid JSON"}, false},
      {"tx_data not an array", "UPDATE blocks SET tx_data = '{}' WHERE block_number = 9", {"block 9", "array"}, false},
      {"tx_data disagrees with transactions",
       "UPDATE transactions SET amount = amount + 1 WHERE tx_hash = (SELECT min(tx_hash) FROM transactions WHERE block_number = 12)",
       {"block 12", "table transactions", "column amount"}, false},
      {"tx_count disagrees", "UPDATE blocks SET tx_count = tx_count + 1 WHERE block_number = 5", {"block 5", "column tx_count"}, false},
      {"a hash of the wrong length", "UPDATE blocks SET parent_hash = x'00' WHERE block_number = 6", {"block 6", "column parent_hash", "1 bytes"}, false},
      {"a balance that is text", "UPDATE accounts SET balance = 'lots' WHERE address = (SELECT min(address) FROM accounts)", {"table accounts, address", "column balance", "lots"}, false},
      {"a missing column", "ALTER TABLE blocks DROP COLUMN gas_used", {"table blocks has no column gas_used"}, true},
      {"a missing table", "DROP TABLE accounts", {"table accounts is missing"}, true},
      {"no head", "DELETE FROM chain_state", {"chain_state"}, true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    TempDir d;
    const std::string db = MakeDb(d, exp);
    {
      NodeDbWriter w(db);
      REQUIRE(w.Exec(c.sql).ok());
    }
    const auto before = Digests(db);
    const auto run = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}' --out '{}'", db, exp, d.File("out")));
    INFO(run.err);
    CHECK(run.status == (c.at_open ? 3 : 4));
    for (const auto& e : c.expect) CHECK(run.err.find(e) != std::string::npos);
    CHECK(Digests(db) == before);
    if (c.at_open) {
      CHECK(!std::filesystem::exists(d.File("out")));
    } else {
      CHECK(ReadWholeFile(d.File("out/report.json")).find("\"partial\": true") != std::string::npos);
    }
  }
}

TEST_CASE("a truncated or corrupted coinjecture.db is a clear error and never a crash", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  for (int variant = 0; variant < 3; ++variant) {
    INFO(variant);
    TempDir d;
    const std::string db = MakeDb(d, exp);
    std::string bytes = ReadWholeFile(db);
    if (variant == 0) bytes.resize(60);                  // inside the header
    if (variant == 1) bytes.resize(bytes.size() / 2);    // half the pages
    if (variant == 2)                                    // pages overwritten after the schema
      for (size_t i = 8192; i < bytes.size(); i += 97) bytes[i] = static_cast<char>(0xA5);
    d.Write("coinjecture.db", bytes);
    const auto run = RunCli(fmt::format("--issue state-violation --chain '{}'", db));
    INFO(run.err);
    CHECK(run.status == 3);
    CHECK(run.err.find(db) != std::string::npos);
  }
}

TEST_CASE("a -wal from another database is not taken as this one's", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  const std::string other_exp = Generate(dir, {}, 30, 12);
  const std::string db = MakeDb(dir, exp);
  const std::string other = MakeDb(dir, other_exp, {}, "other.db");
  {
    NodeDbWriter w(other, /*checkpoint_on_close=*/false);
    REQUIRE(w.Exec("PRAGMA wal_autocheckpoint = 0").ok());
    REQUIRE(w.Exec("UPDATE accounts SET nonce = nonce + 1").ok());
  }
  REQUIRE(std::filesystem::file_size(other + "-wal") > 0);
  std::filesystem::copy_file(other + "-wal", db + "-wal", std::filesystem::copy_options::overwrite_existing);
  const auto before = Digests(db);
  const auto run = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}'", db, exp));
  INFO(run.err);
  INFO(run.out);
  // SQLite would take the other database's frames as this one's pages (a WAL names no database):
  // the -wal does not match the -shm's index, and the store is refused.
  CHECK(run.status == 3);
  CHECK(run.err.find("another database's -wal") != std::string::npos);
  CHECK(Digests(db) == before);
}

TEST_CASE("import --from coinjecture.db writes a chain store that analyzes like the database", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {*ParseFault("inflation@23")});
  const std::string db = MakeDb(dir, exp);
  const auto before = Digests(db);
  const auto imp = RunCli(fmt::format("import --from '{}' --genesis '{}' --db '{}'", db, exp, dir.File("store")));
  INFO(imp.err);
  REQUIRE(imp.status == 0);
  CHECK(Digests(db) == before);
  const StateViolationReport from_db = Analyze(db, exp);
  const StateViolationReport from_store = Analyze(dir.File("store"));
  REQUIRE(from_db.first_bad);
  REQUIRE(from_store.first_bad);
  CHECK(from_db.first_bad->height == 23);  // with the genesis, the fault's block, not block 0
  CHECK(from_store.first_bad->height == from_db.first_bad->height);
  CHECK(from_store.first_bad->hash == from_db.first_bad->hash);
  CHECK(from_store.reorg.has_value() == from_db.reorg.has_value());
}

TEST_CASE("coinjecture.db takes --block PREFIX and --from", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {*ParseFault("tx-root@30")});
  const std::string db = MakeDb(dir, exp);
  const StateViolationReport whole = Analyze(db, exp);
  REQUIRE(whole.first_bad);
  const std::string prefix = whole.first_bad->hash.Hex().substr(0, 16);
  const auto focus = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}' --block {} --format json", db, exp, prefix));
  INFO(focus.err);
  CHECK(focus.status == 1);
  CHECK(focus.out.find(whole.first_bad->hash.Hex()) != std::string::npos);
  // --from the head: the replay starts from the accounts, the store's one snapshot.
  const auto from = RunCli(fmt::format("--issue state-violation --chain '{}' --from 39 --format json", db));
  INFO(from.err);
  CHECK(from.out.find("\"kind\": \"snapshot\"") != std::string::npos);
  CHECK(from.out.find("holds no blocks") == std::string::npos);
  // --from below the head: no snapshot there, so the whole store is replayed and the warning says so.
  const auto low = RunCli(fmt::format("--issue state-violation --chain '{}' --from 10 --format json", db));
  CHECK(low.out.find("the replay starts where the input does") != std::string::npos);
}

TEST_CASE("a genesis file is refused for a chain that is not a coinjecture.db", "[node-store]") {
  TempDir dir;
  const std::string exp = Generate(dir, {});
  const auto run = RunCli(fmt::format("--issue state-violation --chain '{}' --genesis '{}'", exp, exp));
  CHECK(run.status != 0);
  CHECK(run.err.find("genesis") != std::string::npos);
}

}  // namespace
}  // namespace forensics
