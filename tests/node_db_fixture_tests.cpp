// The daemon-store fixture (util/node_db_fixture.h) against generated chains, read back with plain
// SQLite queries: rows per block and transaction, tx_data JSON in block order, the node's state and
// supply ledger, the int64 and REAL balance rows, WAL files and a concurrent writer.
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <limits>
#include <map>
#include <simdjson.h>
#include <string>
#include <vector>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/export_writer.h"
#include "forensics/generate.h"
#include "forensics/state.h"
#include "forensics/wide_int.h"
#include "util/io_fixtures.h"
#include "util/node_db_fixture.h"

using namespace forensics;
using forensics::testing::NodeDbOptions;
using forensics::testing::NodeDbWriter;
using forensics::testing::TempDir;
using forensics::testing::WriteNodeDb;

namespace {

GenerateOptions Chain(const std::string& path, uint64_t blocks = 40, uint64_t seed = 5) {
  GenerateOptions o;
  o.out_path = path;
  o.blocks = blocks;
  o.accounts = 10;
  o.txs_per_block = 4;
  o.seed = seed;
  return o;
}

// A read-only connection, as the store's reader opens one (URI mode=ro).
class ReadOnly {
 public:
  explicit ReadOnly(const std::string& path) {
    const std::string uri = "file:" + path + "?mode=ro";
    if (sqlite3_open_v2(uri.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK)
      FAIL("cannot open " << uri << ": " << sqlite3_errmsg(db_));
  }
  ~ReadOnly() { sqlite3_close_v2(db_); }
  ReadOnly(const ReadOnly&) = delete;
  ReadOnly& operator=(const ReadOnly&) = delete;

  // Every row of `sql`, each column as "type:value" (blobs as hex), so that rows compare exactly.
  std::vector<std::vector<std::string>> Rows(const std::string& sql) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      FAIL(sql << ": " << sqlite3_errmsg(db_));
    std::vector<std::vector<std::string>> rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_INTEGER: row.push_back("i:" + std::to_string(sqlite3_column_int64(stmt, i))); break;
          case SQLITE_FLOAT: row.push_back(fmt::format("r:{}", sqlite3_column_double(stmt, i))); break;
          case SQLITE_TEXT:
            row.push_back("t:" + std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i))));
            break;
          case SQLITE_BLOB: {
            const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, i));
            row.push_back("b:" + ToHex({p, static_cast<size_t>(sqlite3_column_bytes(stmt, i))}));
            break;
          }
          default: row.push_back("null"); break;
        }
      }
      rows.push_back(std::move(row));
    }
    const std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (!error.empty()) FAIL(sql << ": " << error);
    return rows;
  }
  int64_t Int(const std::string& sql) const {
    auto rows = Rows(sql);
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0][0].rfind("i:", 0) == 0);
    return std::stoll(rows[0][0].substr(2));
  }
  std::string Text(const std::string& sql) const {
    auto rows = Rows(sql);
    REQUIRE(rows.size() == 1);
    return rows[0][0];
  }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::vector<Block> ReadBlocks(const std::string& export_path, ChainMeta* meta = nullptr,
                              std::vector<Snapshot>* snapshots = nullptr) {
  auto source = OpenExport(export_path);
  REQUIRE(source.has_value());
  if (meta) *meta = (*source)->meta();
  std::vector<Block> blocks;
  ChainRecord record;
  for (;;) {
    auto more = (*source)->Next(&record);
    REQUIRE(more.has_value());
    if (!*more) break;
    if (auto* b = std::get_if<Block>(&record)) blocks.push_back(std::move(*b));
    if (auto* s = std::get_if<Snapshot>(&record); s && snapshots) snapshots->push_back(std::move(*s));
  }
  return blocks;
}

// Every row of every table, for comparing two stores.
std::string Dump(const std::string& db_path) {
  ReadOnly db(db_path);
  std::string out;
  for (const char* table :
       {"blocks", "transactions", "accounts", "chain_state", "supply_metrics", "fee_tracking", "escrows"}) {
    out += std::string(table) + "\n";
    for (const auto& row : db.Rows(std::string("SELECT * FROM ") + table + " ORDER BY 1")) {
      for (const std::string& v : row) out += v + "|";
      out += "\n";
    }
  }
  return out;
}

uint64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

// 32 or 64 JSON integers as bytes.
template <size_t N>
Bytes<N> JsonBytes(simdjson::simdjson_result<simdjson::dom::element> e) {
  Bytes<N> b;
  simdjson::dom::array a;
  REQUIRE(e.get(a) == simdjson::SUCCESS);
  REQUIRE(a.size() == N);
  size_t i = 0;
  for (simdjson::dom::element v : a) {
    uint64_t x = 0;
    REQUIRE(v.get(x) == simdjson::SUCCESS);
    REQUIRE(x <= 255);
    b[i++] = static_cast<uint8_t>(x);
  }
  return b;
}

uint64_t JsonU64(simdjson::dom::element obj, const char* key) {
  uint64_t v = 0;
  REQUIRE(obj[key].get(v) == simdjson::SUCCESS);
  return v;
}

std::string JsonStr(simdjson::dom::element obj, const char* key) {
  std::string_view v;
  REQUIRE(obj[key].get(v) == simdjson::SUCCESS);
  return std::string(v);
}

// An export of block 0 alone over `genesis` (for balances a generated chain never reaches).
std::string GenesisOnlyExport(const TempDir& dir, const std::vector<AccountEntry>& genesis) {
  ChainMeta meta;
  meta.format = "coinjecture-chain-export/1";
  meta.validators = {Address{}};
  meta.validators[0][0] = 0x11;
  meta.genesis_accounts = genesis;
  Block b;
  BlockHeader& h = b.header;
  h.height = 0;
  h.parent_hash = h.state_root = h.tx_root = Hash32{};
  h.timestamp = 1700000000;
  h.validator = meta.validators[0];
  h.difficulty = 1;
  h.nonce = 0;
  h.gas_limit = 30'000'000;
  h.gas_used = 0;
  h.extra_data = std::string(32, '\0');
  h.hash = ComputeBlockHash(Profile::kNeta, h);
  b.state_changes = std::vector<AccountEntry>{};
  return dir.Write("genesis.ndjson", ChainRecordLine(meta) + BlockRecordLine(b, Profile::kNeta));
}

}  // namespace

TEST_CASE("a generated chain becomes one blocks row per height and one transactions row per tx",
          "[node-db-fixture]") {
  TempDir dir;
  auto gen = GenerateChain(Chain(dir.File("c.ndjson")));
  REQUIRE(gen.has_value());
  auto stats = WriteNodeDb(dir.File("c.ndjson"), dir.File("coinjecture.db"), {});
  REQUIRE(stats.has_value());
  CHECK(stats->blocks == 40);
  CHECK(stats->transactions == gen->transactions);
  CHECK(stats->head == 39);

  ReadOnly db(dir.File("coinjecture.db"));
  CHECK(db.Int("SELECT count(*) FROM blocks") == 40);
  CHECK(db.Int("SELECT min(block_number) FROM blocks") == 0);
  CHECK(db.Int("SELECT max(block_number) FROM blocks") == 39);
  CHECK(db.Int("SELECT count(*) FROM transactions") == static_cast<int64_t>(gen->transactions));
  CHECK(db.Int("SELECT sum(tx_count) FROM blocks") == static_cast<int64_t>(gen->transactions));
  CHECK(db.Int("SELECT count(*) FROM accounts") == static_cast<int64_t>(stats->accounts));
  CHECK(db.Int("SELECT count(*) FROM supply_metrics") == 40);
  CHECK(db.Int("SELECT count(*) FROM fee_tracking") == 0);
  CHECK(db.Int("SELECT count(*) FROM escrows") == 0);
  // Hashes as 32-byte BLOBs in blocks, as hex TEXT in transactions; every tx confirmed.
  CHECK(db.Int("SELECT count(*) FROM blocks WHERE typeof(block_hash) != 'blob' OR length(block_hash) != 32 "
               "OR length(parent_hash) != 32 OR length(validator) != 32 OR length(extra_data) != 32") == 0);
  CHECK(db.Int("SELECT count(*) FROM transactions WHERE length(tx_hash) != 64 OR length(signature) != 128 "
               "OR length(from_address) != 64 OR status != 1 OR typeof(data) != 'blob'") == 0);
  CHECK(db.Int("SELECT count(*) FROM transactions t JOIN blocks b ON b.block_number = t.block_number "
               "WHERE t.block_hash = lower(hex(b.block_hash))") == static_cast<int64_t>(gen->transactions));

  CHECK(db.Int("SELECT head_block_number FROM chain_state WHERE id = 1") == 39);
  CHECK(db.Text("SELECT head_block_hash FROM chain_state") == "t:" + gen->hashes.back().second.Hex());
  CHECK(db.Text("SELECT genesis_hash FROM chain_state") == "t:" + gen->hashes.front().second.Hex());
  CHECK(db.Int("SELECT total_blocks FROM chain_state") == 40);
  CHECK(db.Int("SELECT total_transactions FROM chain_state") == static_cast<int64_t>(gen->transactions));

  // Each row holds the export's header and transaction fields.
  for (const Block& b : ReadBlocks(dir.File("c.ndjson"))) {
    const std::string where = " WHERE block_number = " + std::to_string(b.header.height);
    CHECK(db.Text("SELECT block_hash FROM blocks" + where) == "b:" + b.header.hash->Hex());
    CHECK(db.Text("SELECT tx_root FROM blocks" + where) == "b:" + b.header.tx_root->Hex());
    CHECK(db.Int("SELECT gas_used FROM blocks" + where) == static_cast<int64_t>(*b.header.gas_used));
    CHECK(db.Int("SELECT timestamp FROM blocks" + where) == *b.header.timestamp);
    for (const Transaction& tx : b.txs) {
      auto rows = db.Rows("SELECT tx_type, from_address, to_address, amount, nonce, gas_limit, gas_price, fee, "
                          "signature, data, timestamp FROM transactions WHERE tx_hash = '" + NetaTxHash(tx).Hex() +
                          "'" + " AND block_number = " + std::to_string(b.header.height));
      REQUIRE(rows.size() == 1);
      const std::vector<std::string> expected = {
          "i:" + std::to_string(tx.tx_type), "t:" + tx.from.Hex(), "t:" + tx.to.Hex(),
          "i:" + std::to_string(tx.amount), "i:" + std::to_string(tx.nonce), "i:" + std::to_string(tx.gas_limit),
          "i:" + std::to_string(tx.gas_price), "i:" + std::to_string(tx.gas_limit * tx.gas_price),
          "t:" + tx.signature->Hex(),
          "b:" + ToHex({reinterpret_cast<const uint8_t*>(tx.data.data()), tx.data.size()}),
          "i:" + std::to_string(tx.timestamp)};
      CHECK(rows[0] == expected);
    }
  }
}

TEST_CASE("tx_data is a JSON array of the block's transactions in block order in the chosen shape",
          "[node-db-fixture]") {
  using Shape = NodeDbOptions::TxShape;
  const Shape shape = GENERATE(Shape::kP2p, Shape::kValidateSupply, Shape::kAlternate);
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 24)).has_value());
  NodeDbOptions options;
  options.tx_shape = shape;
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("coinjecture.db"), options).has_value());

  ReadOnly db(dir.File("coinjecture.db"));
  simdjson::dom::parser parser;
  size_t checked = 0;
  for (const Block& b : ReadBlocks(dir.File("c.ndjson"))) {
    const BlockHeight h = b.header.height;
    INFO("block " << h);
    auto rows = db.Rows("SELECT typeof(tx_data), CAST(tx_data AS TEXT) FROM blocks WHERE block_number = " +
                        std::to_string(h));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][0] == "t:blob");
    const std::string json = rows[0][1].substr(2);
    simdjson::dom::array txs;
    REQUIRE(parser.parse(json).get(txs) == simdjson::SUCCESS);
    REQUIRE(txs.size() == b.txs.size());
    const bool p2p = shape == Shape::kP2p || (shape == Shape::kAlternate && h % 2 == 0);
    size_t i = 0;
    for (simdjson::dom::element e : txs) {
      const Transaction& tx = b.txs[i++];
      CHECK(JsonU64(e, "amount") == tx.amount);
      CHECK(JsonU64(e, "nonce") == tx.nonce);
      CHECK(JsonU64(e, "fee") == tx.gas_limit * tx.gas_price);
      if (p2p) {
        CHECK(JsonBytes<32>(e["tx_hash"]) == NetaTxHash(tx));
        CHECK(JsonBytes<32>(e["from"]) == tx.from);
        CHECK(JsonBytes<32>(e["to"]) == tx.to);
        CHECK(JsonBytes<64>(e["signature"]) == *tx.signature);
        CHECK(e["hash"].error() == simdjson::NO_SUCH_FIELD);
      } else {
        CHECK(JsonStr(e, "hash") == NetaTxHash(tx).Hex());
        CHECK(JsonStr(e, "from") == tx.from.Hex());
        CHECK(JsonStr(e, "to") == tx.to.Hex());
        CHECK(JsonU64(e, "gas_limit") == tx.gas_limit);
        CHECK(JsonU64(e, "gas_price") == tx.gas_price);
        CHECK(JsonU64(e, "tx_type") == tx.tx_type);
        CHECK(e["signature"].error() == simdjson::NO_SUCH_FIELD);
      }
      ++checked;
    }
  }
  CHECK(checked > 40);
}

TEST_CASE("accounts hold the replayed state after the head and sum to the head's total_supply",
          "[node-db-fixture]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("c.ndjson"), 60);
  g.snapshot_every = GENERATE(0, 25);
  REQUIRE(GenerateChain(g).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("coinjecture.db"), {}).has_value());
  ReadOnly db(dir.File("coinjecture.db"));

  // The library's replay of the same chain gives the state and supply the node recorded.
  ChainMeta meta;
  const std::vector<Block> blocks = ReadBlocks(dir.File("c.ndjson"), &meta);
  AccountState state(ProfileOddRule(Profile::kNeta));
  state.Reset(meta.genesis_accounts);
  BlockExecutionOptions exec;
  exec.verify_signatures = false;
  unsigned __int128 previous = 0;
  for (const Block& b : blocks) {
    INFO("block " << b.header.height);
    const BlockExecution e = ExecuteBlock(b, meta, exec, &state);
    REQUIRE(e.findings.empty());
    const std::string where = " FROM supply_metrics WHERE block_number = " + std::to_string(b.header.height);
    const int64_t total = db.Int("SELECT total_supply" + where);
    CHECK(static_cast<unsigned __int128>(total) == Wide(state.supply()));
    CHECK(db.Int("SELECT circulating_supply" + where) == total);
    CHECK(db.Int("SELECT locked_supply" + where) == 0);
    const int64_t minted = db.Int("SELECT minted_this_block" + where);
    if (b.header.height == 0) {
      CHECK(static_cast<unsigned __int128>(minted) == Wide(state.supply()));
    } else {
      CHECK(static_cast<uint64_t>(minted) == BlockReward(b.header.height));
      // Σ after − Σ before = reward − dust, dust ∈ {0, 1, 2} (chain.md §3).
      const int64_t dust = minted - static_cast<int64_t>(static_cast<unsigned __int128>(total) - previous);
      CHECK(dust >= 0);
      CHECK(dust <= 2);
    }
    previous = static_cast<unsigned __int128>(total);
  }
  auto rows = db.Rows("SELECT address, balance, nonce FROM accounts WHERE balance != 0 OR nonce != 0 ORDER BY address");
  std::vector<std::vector<std::string>> expected;
  for (const AccountEntry& a : state.Entries())
    expected.push_back({"t:" + a.address.Hex(), "i:" + std::to_string(a.balance), "i:" + std::to_string(a.nonce)});
  CHECK(rows == expected);
  CHECK(static_cast<unsigned __int128>(db.Int("SELECT sum(balance) FROM accounts")) == Wide(state.supply()));
  CHECK(db.Int("SELECT sum(balance) FROM accounts") ==
        db.Int("SELECT total_supply FROM supply_metrics WHERE block_number = "
               "(SELECT head_block_number FROM chain_state)"));
  // Only burn shares reach the burn address: its balance is the ledger's cumulative burn.
  CHECK(db.Int("SELECT balance FROM accounts WHERE address = '" + BurnAddress().Hex() + "'") ==
        db.Int("SELECT burned_cumulative FROM supply_metrics WHERE block_number = 59"));
  CHECK(db.Int("SELECT sum(burned_this_block) FROM supply_metrics") ==
        db.Int("SELECT burned_cumulative FROM supply_metrics WHERE block_number = 59"));
  CHECK(db.Int("SELECT count(*) FROM supply_metrics WHERE burned_this_block > 0") > 30);
}

TEST_CASE("a balance past int64 is stored as the int64 with the same bits and a supply past int64 as text",
          "[node-db-fixture]") {
  TempDir dir;
  Address big, small;
  big[0] = 0xb1;
  small[0] = 0x5a;
  const uint64_t wide = (uint64_t{1} << 63) + 12345;
  const std::string path = GenesisOnlyExport(dir, {{big, wide, 3}, {small, uint64_t{1} << 63, 0}});
  REQUIRE(WriteNodeDb(path, dir.File("coinjecture.db"), {}).has_value());

  ReadOnly db(dir.File("coinjecture.db"));
  const int64_t stored = db.Int("SELECT balance FROM accounts WHERE address = '" + big.Hex() + "'");
  CHECK(stored < 0);
  CHECK(static_cast<uint64_t>(stored) == wide);
  CHECK(db.Int("SELECT balance FROM accounts WHERE address = '" + small.Hex() + "'") ==
        std::numeric_limits<int64_t>::min());
  CHECK(db.Text("SELECT typeof(balance) FROM accounts WHERE address = '" + big.Hex() + "'") == "t:integer");
  // 2^64 + 12345: no INTEGER holds it, so TEXT decimal, kept as text by the untyped column.
  CHECK(db.Text("SELECT total_supply FROM supply_metrics WHERE block_number = 0") == "t:18446744073709563961");
  CHECK(db.Text("SELECT minted_this_block FROM supply_metrics WHERE block_number = 0") == "t:18446744073709563961");
  CHECK(db.Int("SELECT burned_cumulative FROM supply_metrics WHERE block_number = 0") == 0);
}

TEST_CASE("the seeded zero-address row is a REAL of 1e24 and is not counted in the supply",
          "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 12)).has_value());
  NodeDbOptions options;
  options.seed_real_genesis_row = true;
  auto stats = WriteNodeDb(dir.File("c.ndjson"), dir.File("seeded.db"), options);
  REQUIRE(stats.has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("plain.db"), {}).has_value());

  const std::string zero = "'" + std::string(64, '0') + "'";
  ReadOnly seeded(dir.File("seeded.db"));
  auto rows = seeded.Rows("SELECT typeof(balance), balance, nonce FROM accounts WHERE address = " + zero);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0] == "t:real");
  CHECK(rows[0][2] == "i:0");
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(seeded.handle(), ("SELECT balance FROM accounts WHERE address = " + zero).c_str(), -1,
                             &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_double(stmt, 0) == 1e24);
  sqlite3_finalize(stmt);
  CHECK(seeded.Int("SELECT count(*) FROM accounts WHERE typeof(balance) != 'integer'") == 1);
  CHECK(seeded.Int("SELECT sum(balance) FROM accounts WHERE typeof(balance) = 'integer'") ==
        seeded.Int("SELECT total_supply FROM supply_metrics WHERE block_number = 11"));

  ReadOnly plain(dir.File("plain.db"));
  CHECK(plain.Int("SELECT count(*) FROM accounts WHERE address = " + zero) == 0);
  CHECK(plain.Int("SELECT count(*) FROM accounts") + 1 == seeded.Int("SELECT count(*) FROM accounts"));
}

TEST_CASE("a WAL store keeps its -wal and -shm files after the fixture closes it", "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 8)).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("wal.db"), {}).has_value());
  NodeDbOptions rollback;
  rollback.wal = false;
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("rollback.db"), rollback).has_value());

  CHECK(std::filesystem::exists(dir.File("wal.db-wal")));
  CHECK(std::filesystem::exists(dir.File("wal.db-shm")));
  CHECK(FileSize(dir.File("wal.db-wal")) == 0);  // checkpointed and truncated: the rows are in the file
  CHECK(ReadOnly(dir.File("wal.db")).Text("PRAGMA journal_mode") == "t:wal");
  CHECK_FALSE(std::filesystem::exists(dir.File("rollback.db-wal")));
  CHECK_FALSE(std::filesystem::exists(dir.File("rollback.db-shm")));
  CHECK(ReadOnly(dir.File("rollback.db")).Text("PRAGMA journal_mode") == "t:delete");
  CHECK(Dump(dir.File("wal.db")) == Dump(dir.File("rollback.db")));
  // A reader opening and closing leaves them too.
  CHECK(std::filesystem::exists(dir.File("wal.db-wal")));
  CHECK(std::filesystem::exists(dir.File("wal.db-shm")));
}

TEST_CASE("a commit by the concurrent writer stays in the -wal and a new read-only connection sees it",
          "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 8)).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("coinjecture.db"), {}).has_value());
  const std::string db_path = dir.File("coinjecture.db");
  const std::string main_before = testing::ReadWholeFile(db_path);
  const int64_t accounts = ReadOnly(db_path).Int("SELECT count(*) FROM accounts");
  const bool checkpoint_on_close = GENERATE(true, false);
  {
    NodeDbWriter writer(db_path, checkpoint_on_close);
    REQUIRE(writer.status().ok());
    const uint64_t wal_before = FileSize(db_path + "-wal");
    REQUIRE(writer.Begin().ok());
    REQUIRE(writer.Exec("INSERT INTO accounts (address, balance, nonce) VALUES ('" + std::string(63, 'a') +
                        "1', 7, 0)").ok());
    REQUIRE(writer.Commit().ok());
    CHECK(FileSize(db_path + "-wal") > wal_before);
    CHECK(testing::ReadWholeFile(db_path) == main_before);  // not checkpointed into the file
    ReadOnly reader(db_path);
    CHECK(reader.Int("SELECT count(*) FROM accounts") == accounts + 1);
    CHECK(reader.Int("SELECT balance FROM accounts WHERE address = '" + std::string(63, 'a') + "1'") == 7);
    // Past the default autocheckpoint of 1,000 pages: with it off, still nothing reaches the file.
    REQUIRE(writer.Exec("INSERT INTO blocks (block_number, tx_count, tx_data) "
                        "VALUES (100, 0, zeroblob(6000000))").ok());
    CHECK(FileSize(db_path + "-wal") > 6000000);
    CHECK(testing::ReadWholeFile(db_path) == main_before);
    CHECK(reader.Int("SELECT length(tx_data) FROM blocks WHERE block_number = 100") == 6000000);
  }
  CHECK(std::filesystem::exists(db_path + "-wal"));
  CHECK(std::filesystem::exists(db_path + "-shm"));
  if (!checkpoint_on_close) {
    // As a killed daemon leaves it: the commit only in the -wal, still read.
    CHECK(FileSize(db_path + "-wal") > 0);
    CHECK(testing::ReadWholeFile(db_path) == main_before);
  }
  CHECK(ReadOnly(db_path).Int("SELECT count(*) FROM accounts") == accounts + 1);
}

TEST_CASE("rows of a write transaction held open are invisible to a reader until the commit",
          "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 8)).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("coinjecture.db"), {}).has_value());
  const std::string db_path = dir.File("coinjecture.db");
  NodeDbWriter writer(db_path);
  REQUIRE(writer.status().ok());
  REQUIRE(writer.Begin().ok());
  REQUIRE(writer.Exec("INSERT INTO blocks (block_number, tx_count, tx_data) VALUES (8, 0, X'5B5D')").ok());
  REQUIRE(writer.Exec("UPDATE chain_state SET head_block_number = 8, total_blocks = 9").ok());
  {
    ReadOnly reader(db_path);
    CHECK(reader.Int("SELECT count(*) FROM blocks") == 8);
    CHECK(reader.Int("SELECT head_block_number FROM chain_state") == 7);
  }
  // A second writer cannot take the lock the daemon holds.
  NodeDbWriter other(db_path);
  REQUIRE(other.status().ok());
  sqlite3_busy_timeout(other.handle(), 0);
  CHECK_FALSE(other.Begin().ok());
  REQUIRE(writer.Commit().ok());
  ReadOnly reader(db_path);
  CHECK(reader.Int("SELECT count(*) FROM blocks") == 9);
  CHECK(reader.Int("SELECT head_block_number FROM chain_state") == 8);
}

TEST_CASE("fee_tracking parts sum exactly to the fees with the dust in burn_fees", "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 40)).has_value());
  NodeDbOptions options;
  options.write_fee_tracking = true;
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("coinjecture.db"), options).has_value());
  ReadOnly db(dir.File("coinjecture.db"));
  CHECK(db.Int("SELECT count(*) FROM fee_tracking") == 40);
  CHECK(db.Int("SELECT count(*) FROM fee_tracking "
               "WHERE validator_fees + burn_fees + treasury_fees != total_fees") == 0);
  int dusty = 0;
  for (const Block& b : ReadBlocks(dir.File("c.ndjson"))) {
    uint64_t fees = 0;
    for (const Transaction& tx : b.txs) fees += tx.gas_limit * tx.gas_price;
    const FeeShares s = SplitFees(fees);
    auto rows = db.Rows("SELECT total_fees, validator_fees, burn_fees, treasury_fees FROM fee_tracking "
                        "WHERE block_number = " + std::to_string(b.header.height));
    REQUIRE(rows.size() == 1);
    const std::vector<std::string> expected = {"i:" + std::to_string(fees), "i:" + std::to_string(s.validator),
                                               "i:" + std::to_string(s.burn + s.dust),
                                               "i:" + std::to_string(s.treasury)};
    CHECK(rows[0] == expected);
    if (b.header.height > 0)
      CHECK(db.Int("SELECT burned_this_block FROM supply_metrics WHERE block_number = " +
                   std::to_string(b.header.height)) == static_cast<int64_t>(s.burn));
    dusty += s.dust > 0;
  }
  CHECK(dusty > 0);  // the dust rule was exercised

  // The schema's CHECKs refuse rows that break them.
  NodeDbWriter writer(dir.File("coinjecture.db"));
  REQUIRE(writer.status().ok());
  CHECK_FALSE(writer.Exec("INSERT INTO fee_tracking (block_number, total_fees, validator_fees, burn_fees, "
                          "treasury_fees) VALUES (99, 10, 4, 3, 2)").ok());
  CHECK(writer.Exec("INSERT INTO fee_tracking (block_number, total_fees, validator_fees, burn_fees, "
                    "treasury_fees) VALUES (99, 10, 4, 4, 2)").ok());
  CHECK_FALSE(writer.Exec("INSERT INTO chain_state (id) VALUES (2)").ok());
  CHECK_FALSE(writer.Exec("UPDATE transactions SET status = 3").ok());
}

TEST_CASE("the equivalent export holds the blocks without state_changes and one snapshot of the accounts at the head",
          "[node-db-fixture]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("c.ndjson"), 30);
  g.snapshot_every = 10;
  REQUIRE(GenerateChain(g).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("coinjecture.db"), {}).has_value());
  const std::string out = dir.File(GENERATE(as<std::string>{}, "same.ndjson", "same.ndjson.zst"));
  REQUIRE(testing::WriteEquivalentExport(dir.File("c.ndjson"), out).ok());

  ChainMeta meta, same_meta;
  std::vector<Snapshot> snapshots, same_snapshots;
  const std::vector<Block> blocks = ReadBlocks(dir.File("c.ndjson"), &meta, &snapshots);
  const std::vector<Block> same = ReadBlocks(out, &same_meta, &same_snapshots);
  CHECK(snapshots.size() == 2);
  CHECK(ChainRecordLine(same_meta) == ChainRecordLine(meta));
  REQUIRE(same.size() == blocks.size());
  for (size_t i = 0; i < same.size(); ++i) {
    CHECK_FALSE(same[i].state_changes.has_value());
    CHECK(same[i].header.hash == blocks[i].header.hash);
    CHECK(same[i].txs.size() == blocks[i].txs.size());
  }
  REQUIRE(same_snapshots.size() == 1);
  CHECK(same_snapshots[0].height == 29);
  ReadOnly db(dir.File("coinjecture.db"));
  std::vector<std::vector<std::string>> accounts;
  for (const AccountEntry& a : same_snapshots[0].accounts)
    accounts.push_back({"t:" + a.address.Hex(), "i:" + std::to_string(a.balance), "i:" + std::to_string(a.nonce)});
  CHECK(accounts == db.Rows("SELECT address, balance, nonce FROM accounts ORDER BY address"));
  // The snapshot follows the head block in the file.
  const std::string text = out.ends_with(".zst") ? "" : testing::ReadWholeFile(out);
  if (!text.empty()) CHECK(text.rfind("{\"record\":\"snapshot\"") > text.rfind("{\"record\":\"block\""));
}

TEST_CASE("the same export and options give the same rows from a plain or a zst export", "[node-db-fixture]") {
  TempDir dir;
  GenerateOptions g = Chain(dir.File("c.ndjson"), 30);
  REQUIRE(GenerateChain(g).has_value());
  g.out_path = dir.File("c.ndjson.zst");
  REQUIRE(GenerateChain(g).has_value());
  NodeDbOptions options;
  options.tx_shape = NodeDbOptions::TxShape::kAlternate;
  options.write_fee_tracking = true;
  options.seed_real_genesis_row = true;
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("a.db"), options).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("b.db"), options).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson.zst"), dir.File("z.db"), options).has_value());
  const std::string a = Dump(dir.File("a.db"));
  CHECK(a.size() > 10000);
  CHECK(a == Dump(dir.File("b.db")));
  CHECK(a == Dump(dir.File("z.db")));
  options.tx_shape = NodeDbOptions::TxShape::kP2p;
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("p.db"), options).has_value());
  CHECK(a != Dump(dir.File("p.db")));
}

TEST_CASE("without blocks the store holds the accounts and the supply ledger only", "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 20)).has_value());
  NodeDbOptions options;
  options.write_blocks = false;
  auto stats = WriteNodeDb(dir.File("c.ndjson"), dir.File("nb.db"), options);
  REQUIRE(stats.has_value());
  CHECK(stats->blocks == 0);
  CHECK(stats->transactions == 0);
  CHECK(stats->head == 19);
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("full.db"), {}).has_value());
  ReadOnly nb(dir.File("nb.db")), full(dir.File("full.db"));
  CHECK(nb.Int("SELECT count(*) FROM blocks") == 0);
  CHECK(nb.Int("SELECT count(*) FROM transactions") == 0);
  CHECK(nb.Rows("SELECT * FROM accounts ORDER BY 1") == full.Rows("SELECT * FROM accounts ORDER BY 1"));
  CHECK(nb.Rows("SELECT * FROM supply_metrics ORDER BY 1") == full.Rows("SELECT * FROM supply_metrics ORDER BY 1"));
  CHECK(nb.Rows("SELECT * FROM chain_state") == full.Rows("SELECT * FROM chain_state"));

  options.write_supply_metrics = false;
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("bare.db"), options).has_value());
  CHECK(ReadOnly(dir.File("bare.db")).Int("SELECT count(*) FROM supply_metrics") == 0);
}

TEST_CASE("an export the store cannot hold is refused with a status", "[node-db-fixture]") {
  TempDir dir;
  GenerateOptions core = Chain(dir.File("core.ndjson"), 5);
  core.profile = Profile::kCoreV4;
  REQUIRE(GenerateChain(core).has_value());
  auto r = WriteNodeDb(dir.File("core.ndjson"), dir.File("core.db"), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == Status::Code::kNotSupported);

  GenerateOptions bare = Chain(dir.File("bare.ndjson"), 5);
  bare.record_state_changes = false;
  REQUIRE(GenerateChain(bare).has_value());
  r = WriteNodeDb(dir.File("bare.ndjson"), dir.File("bare.db"), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == Status::Code::kInvalidArgument);
  CHECK(r.error().message().find("state_changes") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.File("bare.db")));
  CHECK_FALSE(testing::WriteEquivalentExport(dir.File("bare.ndjson"), dir.File("same.ndjson")).ok());

  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 5)).has_value());
  REQUIRE(WriteNodeDb(dir.File("c.ndjson"), dir.File("c.db"), {}).has_value());
  r = WriteNodeDb(dir.File("c.ndjson"), dir.File("c.db"), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == Status::Code::kInvalidArgument);
  CHECK_FALSE(WriteNodeDb(dir.File("missing.ndjson"), dir.File("m.db"), {}).has_value());
}

TEST_CASE("a snapshot record replaces the node's state that the accounts and the supply rows hold",
          "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 20)).has_value());
  ChainMeta meta;
  std::vector<Block> blocks = ReadBlocks(dir.File("c.ndjson"), &meta);
  Address x, y;
  x[31] = 0x01;
  y[31] = 0x02;
  Snapshot snapshot;
  snapshot.height = 19;
  snapshot.accounts = {{x, 5, 1}, {y, 7, 0}};
  std::string text = ChainRecordLine(meta);
  for (const Block& b : blocks) {
    text += BlockRecordLine(b, Profile::kNeta);
    if (b.header.height == 19) text += SnapshotRecordLine(snapshot);
  }
  const std::string path = dir.Write("snap.ndjson", text);
  REQUIRE(WriteNodeDb(path, dir.File("coinjecture.db"), {}).has_value());
  ReadOnly db(dir.File("coinjecture.db"));
  const std::vector<std::vector<std::string>> expected = {{"t:" + x.Hex(), "i:5", "i:1"},
                                                          {"t:" + y.Hex(), "i:7", "i:0"}};
  CHECK(db.Rows("SELECT address, balance, nonce FROM accounts ORDER BY address") == expected);
  CHECK(db.Int("SELECT total_supply FROM supply_metrics WHERE block_number = 19") == 12);
  CHECK(db.Int("SELECT total_supply FROM supply_metrics WHERE block_number = 18") > 1'000'000'000);

  REQUIRE(testing::WriteEquivalentExport(path, dir.File("same.ndjson")).ok());
  std::vector<Snapshot> snapshots;
  CHECK(ReadBlocks(dir.File("same.ndjson"), nullptr, &snapshots).size() == 20);
  REQUIRE(snapshots.size() == 1);
  CHECK(snapshots[0].accounts.size() == 2);
  CHECK(snapshots[0].accounts[1].balance == 7);
}

TEST_CASE("a transaction keeps the export's hash and one without a signature gets a NULL signature",
          "[node-db-fixture]") {
  TempDir dir;
  REQUIRE(GenerateChain(Chain(dir.File("c.ndjson"), 6)).has_value());
  ChainMeta meta;
  std::vector<Block> blocks = ReadBlocks(dir.File("c.ndjson"), &meta);
  REQUIRE(blocks[2].txs.size() >= 2);
  Hash32 given;
  given[0] = 0xab;
  blocks[2].txs[0].hash = given;
  blocks[2].txs[1].signature.reset();
  std::string text = ChainRecordLine(meta);
  for (const Block& b : blocks) text += BlockRecordLine(b, Profile::kNeta);
  const std::string path = dir.Write("edited.ndjson", text);
  REQUIRE(WriteNodeDb(path, dir.File("coinjecture.db"), {}).has_value());

  ReadOnly db(dir.File("coinjecture.db"));
  CHECK(db.Int("SELECT block_number FROM transactions WHERE tx_hash = '" + given.Hex() + "'") == 2);
  const std::string unsigned_hash = NetaTxHash(blocks[2].txs[1]).Hex();
  CHECK(db.Text("SELECT signature FROM transactions WHERE tx_hash = '" + unsigned_hash + "'") == "null");
  CHECK(db.Int("SELECT count(*) FROM transactions WHERE signature IS NULL") == 1);
  simdjson::dom::parser parser;
  simdjson::dom::array txs;
  const std::string json = db.Text("SELECT CAST(tx_data AS TEXT) FROM blocks WHERE block_number = 2").substr(2);
  REQUIRE(parser.parse(json).get(txs) == simdjson::SUCCESS);
  CHECK(JsonBytes<32>(txs.at(0)["tx_hash"]) == given);
  CHECK(JsonBytes<64>(txs.at(1)["signature"]) == Signature{});

  // Without a hash and without the tx timestamp there is no tx_hash to key the row by.
  const size_t line2 = text.find("{\"record\":\"block\",\"height\":2,");
  const size_t ts = text.find(",\"timestamp\":", text.find("\"transactions\":[", line2));
  REQUIRE(ts != std::string::npos);
  std::string broken = text;
  broken.erase(ts, broken.find_first_of(",}", ts + 1) - ts);
  const size_t hash = broken.find(",\"hash\":\"" + given.Hex() + "\"");
  REQUIRE(hash != std::string::npos);
  broken.erase(hash, 9 + 64 + 1);
  auto r = WriteNodeDb(dir.Write("broken.ndjson", broken), dir.File("broken.db"), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message().find("no hash") != std::string::npos);
}
