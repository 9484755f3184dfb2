// The daemon-store fixture (node_db_fixture.h): an export walked once, its node state folded from the
// blocks' state_changes, written as the tables of /work/shared/spec/node-store.md.
//
// 1. Open the export; refuse a core-v4 one. Create the schema (kSchema) in one transaction.
// 2. Walk the records, keeping the node's state: the genesis accounts, then each block's
//    state_changes laid over it, a snapshot replacing it. A block is finished when the next record
//    is not a snapshot at its own height, so that its supply row sees the state the node had after it.
// 3. Per finished block: its blocks row, transactions rows, supply_metrics and fee_tracking rows.
// 4. At the end: accounts (the state after the head), chain_state, the optional REAL seed row; commit,
//    truncate the WAL to nothing and close with it persisted (-wal and -shm stay beside the file).
#include "node_db_fixture.h"

#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/compressed_writer.h"
#include "forensics/export_writer.h"
#include "forensics/wide_int.h"

namespace forensics::testing {
namespace {

// Column types are the spec's where it gives them. The supply_metrics money columns have none on
// purpose: a supply above 2^63 − 1 is written as TEXT decimal, and a column of INTEGER affinity would
// turn that text into a lossy REAL; without a declared type SQLite keeps each value as bound.
constexpr char kSchema[] = R"sql(
CREATE TABLE blocks (
  block_number INTEGER PRIMARY KEY,
  block_hash BLOB(32),
  parent_hash BLOB(32),
  state_root BLOB(32),
  tx_root BLOB(32),
  timestamp INTEGER,
  validator BLOB(32),
  difficulty INTEGER,
  nonce INTEGER,
  gas_limit INTEGER,
  gas_used INTEGER,
  extra_data BLOB(32),
  tx_count INTEGER NOT NULL CHECK (tx_count >= 0),
  tx_data BLOB,
  created_at INTEGER
);
CREATE TABLE transactions (
  tx_hash TEXT(64) PRIMARY KEY,
  block_number INTEGER,
  block_hash TEXT(64),
  tx_type INTEGER,
  from_address TEXT(64),
  to_address TEXT(64),
  amount INTEGER,
  fee INTEGER,
  nonce INTEGER,
  gas_limit INTEGER,
  gas_price INTEGER,
  gas_used INTEGER,
  signature TEXT(128),
  data BLOB,
  timestamp INTEGER,
  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2))  -- pending, confirmed, failed
);
CREATE INDEX transactions_by_block ON transactions (block_number);
CREATE TABLE accounts (
  address TEXT(64) PRIMARY KEY,
  balance INTEGER NOT NULL DEFAULT 0,
  nonce INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER,
  updated_at INTEGER
);
CREATE TABLE chain_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  head_block_number INTEGER,
  head_block_hash TEXT(64),
  genesis_hash TEXT(64),
  total_blocks INTEGER CHECK (total_blocks >= 0),
  total_transactions INTEGER CHECK (total_transactions >= 0)
);
CREATE TABLE supply_metrics (
  block_number INTEGER PRIMARY KEY,
  total_supply,
  circulating_supply,
  locked_supply,
  burned_cumulative,
  minted_this_block,
  burned_this_block,
  timestamp INTEGER
);
CREATE TABLE fee_tracking (
  block_number INTEGER PRIMARY KEY,
  total_fees INTEGER NOT NULL,
  validator_fees INTEGER NOT NULL,
  burn_fees INTEGER NOT NULL,  -- the burn share plus the truncation dust
  treasury_fees INTEGER NOT NULL,
  timestamp INTEGER,
  CHECK (validator_fees + burn_fees + treasury_fees = total_fees)
);
CREATE TABLE escrows (
  escrow_id TEXT(64) PRIMARY KEY,
  submitter TEXT(64),
  amount INTEGER NOT NULL CHECK (amount >= 0),
  block_number INTEGER,
  released_block INTEGER,
  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2))  -- locked, released, refunded
);
)sql";

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IoError(what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

Status ExecSql(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return Status::Ok();
  std::string text = message != nullptr ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  return Status::IoError("sqlite: " + text + " (in: " + sql.substr(0, 60) + ")");
}

// A prepared statement whose parameters are bound in order (Bind* advance the index).
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) status_ = SqlError(db, "prepare");
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  const Status& status() const { return status_; }

  // u64 values go in as the int64 with the same bits: what upstream's Go driver does with a uint64.
  Stmt& U64(uint64_t v) { return Int(static_cast<int64_t>(v)); }
  Stmt& Int(int64_t v) {
    sqlite3_bind_int64(stmt_, ++index_, v);
    return *this;
  }
  // A 128-bit total: INTEGER when int64 holds it, else TEXT decimal (see kSchema).
  Stmt& Wide(unsigned __int128 v) {
    if (v <= static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max()))
      return Int(static_cast<int64_t>(v));
    return Text(ToDecimal(ToWei128(v)));
  }
  Stmt& Real(double v) {
    sqlite3_bind_double(stmt_, ++index_, v);
    return *this;
  }
  Stmt& Text(const std::string& v) {
    sqlite3_bind_text(stmt_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // std::string::data() is never null, so an empty value binds a zero-length BLOB, not NULL.
  Stmt& Blob(std::string_view v) {
    sqlite3_bind_blob(stmt_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Null() {
    sqlite3_bind_null(stmt_, ++index_);
    return *this;
  }
  template <typename T, typename F>
  Stmt& Opt(const std::optional<T>& v, F bind) {
    if (!v) return Null();
    bind(*this, *v);
    return *this;
  }
  Stmt& HashBlob(const std::optional<Hash32>& h) {
    return Opt(h, [](Stmt& s, const Hash32& v) { s.Blob({reinterpret_cast<const char*>(v.data()), v.size()}); });
  }
  Stmt& HashText(const std::optional<Hash32>& h) {
    return Opt(h, [](Stmt& s, const Hash32& v) { s.Text(v.Hex()); });
  }

  // Runs the statement with the bound values and resets it for the next row.
  Status Run(const char* what) {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    index_ = 0;
    if (rc != SQLITE_DONE) return SqlError(db_, what);
    return Status::Ok();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
  int index_ = 0;
};

// --- The node's state, folded from the export ---------------------------------------------------

struct NodeAccount {
  Amount balance = 0;
  uint64_t nonce = 0;
  BlockHeight created = 0, updated = 0;  // the blocks that first and last wrote the account
};
using NodeState = std::map<Address, NodeAccount>;  // ascending by address bytes

unsigned __int128 Supply(const NodeState& state) {
  unsigned __int128 sum = 0;
  for (const auto& [address, account] : state) sum += account.balance;
  return sum;
}

// The hash the store keys a transaction by (see the header): the export's, else the neta tx hash.
Result<Hash32> TxHash(const Transaction& tx, BlockHeight h, size_t index) {
  if (tx.hash) return *tx.hash;
  if (tx.message_complete) return NetaTxHash(tx);
  return Status::InvalidArgument("block " + std::to_string(h) + " tx " + std::to_string(index) +
                                 ": no hash and an incomplete signing message, so no tx_hash to key it by");
}

Result<uint64_t> RuleFee(const Transaction& tx, BlockHeight h) {
  uint64_t fee = 0;
  if (__builtin_mul_overflow(tx.gas_limit, tx.gas_price, &fee))
    return Status::InvalidArgument("block " + std::to_string(h) + ": gas_limit × gas_price overflows");
  return fee;
}

// Walks an export: calls on_block(block, state after it) for each block in input order, where the
// state is the genesis accounts with every state_changes so far laid over them and a snapshot
// replacing it. A snapshot at a block's own height is folded in before that block is handed on.
class ExportWalk {
 public:
  using OnBlock = std::function<Status(const Block&, const NodeState&)>;

  Status Open(const std::string& export_path) {
    auto source = OpenExport(export_path);
    if (!source) return source.error();
    source_ = std::move(*source);
    if (source_->meta().profile != Profile::kNeta)
      return Status::NotSupported(export_path + ": a " + std::string(ProfileName(source_->meta().profile)) +
                                  " export; the daemon's store holds neta headers only");
    for (const AccountEntry& a : source_->meta().genesis_accounts)
      state_[a.address] = NodeAccount{a.balance, a.nonce, 0, 0};
    return Status::Ok();
  }
  const ChainMeta& meta() const { return source_->meta(); }
  const NodeState& state() const { return state_; }
  uint64_t blocks() const { return blocks_; }
  uint64_t transactions() const { return transactions_; }
  // Heights with block timestamps, for the accounts' created_at / updated_at.
  std::optional<int64_t> TimestampAt(BlockHeight h) const {
    auto it = timestamps_.find(h);
    return it != timestamps_.end() ? it->second : std::nullopt;
  }

  Status Run(const OnBlock& on_block) {
    std::optional<Block> pending;
    bool first = true;
    for (;;) {
      ChainRecord record;
      auto more = source_->Next(&record);
      if (!more) return more.error();
      if (!*more) break;
      if (auto* snapshot = std::get_if<Snapshot>(&record)) {
        if (pending && pending->header.height != snapshot->height) {
          FORENSICS_RETURN_IF_ERROR(on_block(*pending, state_));
          pending.reset();
        }
        ApplySnapshot(*snapshot);
        continue;
      }
      Block& block = std::get<Block>(record);
      if (pending) FORENSICS_RETURN_IF_ERROR(on_block(*pending, state_));
      const std::string where = "block " + std::to_string(block.header.height);
      if (!block.state_fields_missing.empty())
        return Status::InvalidArgument(where + ": lacks " + block.state_fields_missing.front() +
                                       ", which the money rules need");
      // Block 0 without transactions touches nothing (chain.md §3): no state_changes needed there.
      const bool touches_nothing = block.header.height == 0 && block.txs.empty();
      if (!block.state_changes && !touches_nothing)
        return Status::InvalidArgument(where + ": no state_changes, so the node's state is unknown");
      if (first) {
        // The genesis accounts count as written by the first block (block 0 of a whole chain).
        for (auto& [address, account] : state_) account.created = account.updated = block.header.height;
        first = false;
      }
      static const std::vector<AccountEntry> kNone;
      for (const AccountEntry& e : block.state_changes ? *block.state_changes : kNone) {
        auto [it, inserted] = state_.try_emplace(e.address);
        if (inserted) it->second.created = block.header.height;
        it->second.balance = e.balance;
        it->second.nonce = e.nonce;
        it->second.updated = block.header.height;
      }
      timestamps_[block.header.height] = block.header.timestamp;
      ++blocks_;
      transactions_ += block.txs.size();
      pending = std::move(block);
    }
    if (pending) FORENSICS_RETURN_IF_ERROR(on_block(*pending, state_));
    if (blocks_ == 0) return Status::InvalidArgument("the export holds no blocks");
    return Status::Ok();
  }

 private:
  void ApplySnapshot(const Snapshot& snapshot) {
    NodeState next;
    for (const AccountEntry& e : snapshot.accounts) {
      NodeAccount account{e.balance, e.nonce, snapshot.height, snapshot.height};
      if (auto it = state_.find(e.address); it != state_.end()) {
        account.created = it->second.created;
        const bool same = it->second.balance == e.balance && it->second.nonce == e.nonce;
        account.updated = same ? it->second.updated : snapshot.height;
      }
      next[e.address] = account;
    }
    state_ = std::move(next);
  }

  std::unique_ptr<ChainSource> source_;
  NodeState state_;
  std::map<BlockHeight, std::optional<int64_t>> timestamps_;
  uint64_t blocks_ = 0, transactions_ = 0;
};

// --- tx_data --------------------------------------------------------------------------------------

// Go's encoding/json of a [N]byte: an array of integers, no spaces.
template <size_t N>
void ByteArray(const Bytes<N>& b, std::string* out) {
  *out += '[';
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) *out += ',';
    *out += std::to_string(b[i]);
  }
  *out += ']';
}

bool P2pShape(NodeDbOptions::TxShape shape, BlockHeight h) {
  return shape == NodeDbOptions::TxShape::kP2p || (shape == NodeDbOptions::TxShape::kAlternate && h % 2 == 0);
}

// One tx_data entry in the chosen shape, keys in upstream's struct order.
void TxDataEntry(const Transaction& tx, const Hash32& hash, uint64_t fee, bool p2p, std::string* out) {
  auto number = [&](const char* key, uint64_t v) { *out += std::string(",\"") + key + "\":" + std::to_string(v); };
  if (p2p) {
    *out += "{\"tx_hash\":";
    ByteArray(hash, out);
    *out += ",\"from\":";
    ByteArray(tx.from, out);
    *out += ",\"to\":";
    ByteArray(tx.to, out);
    number("amount", tx.amount);
    number("nonce", tx.nonce);
    number("fee", fee);
    *out += ",\"signature\":";
    ByteArray(tx.signature.value_or(Signature{}), out);
    *out += '}';
  } else {
    *out += "{\"hash\":\"" + hash.Hex() + "\",\"from\":\"" + tx.from.Hex() + "\",\"to\":\"" + tx.to.Hex() + "\"";
    number("amount", tx.amount);
    number("fee", fee);
    number("nonce", tx.nonce);
    number("gas_limit", tx.gas_limit);
    number("gas_price", tx.gas_price);
    number("tx_type", tx.tx_type);
    *out += '}';
  }
}

// --- The store ------------------------------------------------------------------------------------

class StoreWriter {
 public:
  StoreWriter(sqlite3* db, const NodeDbOptions& options)
      : options_(options),
        block_(db,
               "INSERT INTO blocks (block_number, block_hash, parent_hash, state_root, tx_root, timestamp, "
               "validator, difficulty, nonce, gas_limit, gas_used, extra_data, tx_count, tx_data, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        tx_(db,
            "INSERT INTO transactions (tx_hash, block_number, block_hash, tx_type, from_address, to_address, "
            "amount, fee, nonce, gas_limit, gas_price, gas_used, signature, data, timestamp, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"),
        supply_(db,
                "INSERT INTO supply_metrics (block_number, total_supply, circulating_supply, locked_supply, "
                "burned_cumulative, minted_this_block, burned_this_block, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        fee_(db,
             "INSERT INTO fee_tracking (block_number, total_fees, validator_fees, burn_fees, treasury_fees, "
             "timestamp) VALUES (?, ?, ?, ?, ?, ?)") {}

  Status status() const {
    for (const Stmt* s : {&block_, &tx_, &supply_, &fee_})
      if (!s->status().ok()) return s->status();
    return Status::Ok();
  }

  Status OnBlock(const Block& b, const NodeState& state, const ChainMeta& meta) {
    const BlockHeader& h = b.header;
    uint64_t fees = 0;
    std::string tx_data = "[";
    for (size_t i = 0; i < b.txs.size(); ++i) {
      const Transaction& tx = b.txs[i];
      auto hash = TxHash(tx, h.height, i);
      if (!hash) return hash.error();
      auto rule_fee = RuleFee(tx, h.height);
      if (!rule_fee) return rule_fee.error();
      if (__builtin_add_overflow(fees, *rule_fee, &fees))
        return Status::InvalidArgument("block " + std::to_string(h.height) + ": the fees overflow u64");
      const uint64_t fee = tx.fee.value_or(*rule_fee);
      if (i > 0) tx_data += ',';
      TxDataEntry(tx, *hash, fee, P2pShape(options_.tx_shape, h.height), &tx_data);
      if (!options_.write_blocks) continue;
      tx_.Text(hash->Hex()).U64(h.height).HashText(h.hash).Int(tx.tx_type).Text(tx.from.Hex()).Text(tx.to.Hex());
      tx_.U64(tx.amount).U64(fee).U64(tx.nonce).U64(tx.gas_limit).U64(tx.gas_price).U64(tx.gas_limit);
      tx_.Opt(tx.signature, [](Stmt& s, const Signature& sig) { s.Text(sig.Hex()); });
      if (!tx.message_complete && tx.data.empty()) {
        tx_.Null();
      } else {
        tx_.Blob(tx.data);
      }
      if (tx.message_complete) {
        tx_.Int(tx.timestamp);
      } else {
        tx_.Null();
      }
      FORENSICS_RETURN_IF_ERROR(tx_.Run(("transactions row of block " + std::to_string(h.height)).c_str()));
      ++transactions_;
    }
    tx_data += ']';

    if (options_.write_blocks) {
      block_.U64(h.height).HashBlob(h.hash).HashBlob(h.parent_hash).HashBlob(h.state_root).HashBlob(h.tx_root);
      block_.Opt(h.timestamp, [](Stmt& s, int64_t v) { s.Int(v); }).HashBlob(h.validator);
      auto u64 = [](Stmt& s, uint64_t v) { s.U64(v); };
      block_.Opt(h.difficulty, u64).Opt(h.nonce, u64).Opt(h.gas_limit, u64).Opt(h.gas_used, u64);
      block_.Opt(h.extra_data, [](Stmt& s, const std::string& v) { s.Blob(v); });
      block_.U64(b.txs.size()).Blob(tx_data).Opt(h.timestamp, [](Stmt& s, int64_t v) { s.Int(v); });
      FORENSICS_RETURN_IF_ERROR(block_.Run(("blocks row " + std::to_string(h.height)).c_str()));
      ++blocks_;
    }

    // The node's recorded view (node-store.md "Decided here"); block 0 mints the genesis supply.
    const FeeShares shares = SplitFees(fees);
    unsigned __int128 minted = 0;
    uint64_t burned = 0;
    if (h.height == 0) {
      for (const AccountEntry& a : meta.genesis_accounts) minted += a.balance;
    } else {
      minted = BlockReward(h.height);
      burned = shares.burn;
    }
    burned_cumulative_ += burned;
    if (options_.write_supply_metrics) {
      const unsigned __int128 total = Supply(state);
      const unsigned __int128 locked = 0;  // no escrows in an export
      supply_.U64(h.height).Wide(total).Wide(total - locked).Wide(locked).Wide(burned_cumulative_);
      supply_.Wide(minted).Wide(burned).Opt(h.timestamp, [](Stmt& s, int64_t v) { s.Int(v); });
      FORENSICS_RETURN_IF_ERROR(supply_.Run(("supply_metrics row " + std::to_string(h.height)).c_str()));
    }
    if (options_.write_fee_tracking) {
      if (fees > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          shares.validator + shares.treasury > fees)
        return Status::InvalidArgument("block " + std::to_string(h.height) +
                                       ": fees too large for a fee_tracking row whose parts sum exactly");
      const uint64_t burn_part = fees - shares.validator - shares.treasury;  // the burn share and the dust
      fee_.U64(h.height).U64(fees).U64(shares.validator).U64(burn_part).U64(shares.treasury);
      fee_.Opt(h.timestamp, [](Stmt& s, int64_t v) { s.Int(v); });
      FORENSICS_RETURN_IF_ERROR(fee_.Run(("fee_tracking row " + std::to_string(h.height)).c_str()));
    }
    head_ = h;
    if (h.height == 0 && !genesis_seen_) {
      genesis_hash_ = h.hash;
      genesis_seen_ = true;
    }
    return Status::Ok();
  }

  uint64_t blocks() const { return blocks_; }
  uint64_t transactions() const { return transactions_; }
  const BlockHeader& head() const { return head_; }
  const std::optional<Hash32>& genesis_hash() const { return genesis_hash_; }

 private:
  const NodeDbOptions& options_;
  Stmt block_, tx_, supply_, fee_;
  unsigned __int128 burned_cumulative_ = 0;
  uint64_t blocks_ = 0, transactions_ = 0;
  BlockHeader head_;
  std::optional<Hash32> genesis_hash_;  // block 0's
  bool genesis_seen_ = false;
};

// Closes a connection on every path.
struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close_v2(db); }
};

Result<NodeDbStats> WriteStore(ExportWalk& walk, sqlite3* db, const NodeDbOptions& options) {
  FORENSICS_RETURN_IF_ERROR(ExecSql(db, "BEGIN"));
  FORENSICS_RETURN_IF_ERROR(ExecSql(db, kSchema));
  StoreWriter writer(db, options);
  FORENSICS_RETURN_IF_ERROR(writer.status());
  FORENSICS_RETURN_IF_ERROR(walk.Run([&](const Block& b, const NodeState& state) {
    return writer.OnBlock(b, state, walk.meta());
  }));

  NodeDbStats stats;
  stats.blocks = writer.blocks();
  stats.transactions = writer.transactions();
  stats.head = writer.head().height;
  {
    Stmt account(db, "INSERT INTO accounts (address, balance, nonce, created_at, updated_at) VALUES (?, ?, ?, ?, ?)");
    FORENSICS_RETURN_IF_ERROR(account.status());
    auto time = [](Stmt& s, int64_t v) { s.Int(v); };
    const Address zero{};
    if (options.seed_real_genesis_row && walk.state().count(zero) == 0) {
      // Upstream's migration seeds 10^24 as a REAL; a chain that touches the zero address overwrites it.
      account.Text(zero.Hex()).Real(1e24).Int(0).Null().Null();
      FORENSICS_RETURN_IF_ERROR(account.Run("accounts seed row"));
      ++stats.accounts;
    }
    for (const auto& [address, a] : walk.state()) {
      account.Text(address.Hex()).U64(a.balance).U64(a.nonce);
      account.Opt(walk.TimestampAt(a.created), time).Opt(walk.TimestampAt(a.updated), time);
      FORENSICS_RETURN_IF_ERROR(account.Run(("accounts row " + address.Hex()).c_str()));
      ++stats.accounts;
    }
  }
  {
    Stmt chain(db,
               "INSERT INTO chain_state (id, head_block_number, head_block_hash, genesis_hash, total_blocks, "
               "total_transactions) VALUES (1, ?, ?, ?, ?, ?)");
    FORENSICS_RETURN_IF_ERROR(chain.status());
    chain.U64(writer.head().height).HashText(writer.head().hash).HashText(writer.genesis_hash());
    chain.U64(walk.blocks()).U64(walk.transactions());
    FORENSICS_RETURN_IF_ERROR(chain.Run("chain_state row"));
  }
  FORENSICS_RETURN_IF_ERROR(ExecSql(db, "COMMIT"));
  return stats;
}

}  // namespace

Result<NodeDbStats> WriteNodeDb(const std::string& export_path, const std::string& db_path,
                                const NodeDbOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(db_path, ec)) return Status::InvalidArgument(db_path + " exists");
  ExportWalk walk;
  FORENSICS_RETURN_IF_ERROR(walk.Open(export_path));

  Connection c;
  if (sqlite3_open_v2(db_path.c_str(), &c.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return SqlError(c.db, "open " + db_path);
  if (options.wal) {
    FORENSICS_RETURN_IF_ERROR(ExecSql(c.db, "PRAGMA journal_mode=WAL"));
    // Persistent WAL: the last connection's close keeps -wal and -shm (as a running daemon has them).
    int persist = 1;
    if (sqlite3_file_control(c.db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist) != SQLITE_OK)
      return SqlError(c.db, "SQLITE_FCNTL_PERSIST_WAL");
  }
  auto stats = WriteStore(walk, c.db, options);
  // Every row into the file and the -wal cut to 0 bytes, so that a later commit visibly grows it.
  Status st = !stats ? stats.error() : options.wal ? ExecSql(c.db, "PRAGMA wal_checkpoint(TRUNCATE)") : Status::Ok();
  if (st.ok() && sqlite3_close_v2(c.db) != SQLITE_OK) st = SqlError(c.db, "close " + db_path);
  if (st.ok()) {
    c.db = nullptr;
    return stats;
  }
  // No half-written store left behind (db_path did not exist before).
  sqlite3_close_v2(c.db);
  c.db = nullptr;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(db_path + suffix, ec);
  return st;
}

Status WriteEquivalentExport(const std::string& export_path, const std::string& out_path) {
  ExportWalk walk;
  FORENSICS_RETURN_IF_ERROR(walk.Open(export_path));
  auto out = CompressedWriter::Create(out_path);
  if (!out) return out.error();
  FORENSICS_RETURN_IF_ERROR((*out)->Write(ChainRecordLine(walk.meta())));
  BlockHeight head = 0;
  FORENSICS_RETURN_IF_ERROR(walk.Run([&](const Block& b, const NodeState&) -> Status {
    Block copy = b;
    copy.state_changes.reset();
    for (size_t i = 0; i < copy.txs.size(); ++i) {
      Transaction& tx = copy.txs[i];
      auto hash = TxHash(tx, b.header.height, i);
      if (!hash) return hash.error();
      auto rule_fee = RuleFee(tx, b.header.height);
      if (!rule_fee) return rule_fee.error();
      tx.hash = *hash;
      tx.fee = tx.fee.value_or(*rule_fee);
    }
    head = b.header.height;
    return (*out)->Write(BlockRecordLine(copy, Profile::kNeta));
  }));
  Snapshot snapshot;
  snapshot.height = head;
  for (const auto& [address, a] : walk.state()) snapshot.accounts.push_back({address, a.balance, a.nonce});
  FORENSICS_RETURN_IF_ERROR((*out)->Write(SnapshotRecordLine(snapshot)));
  return (*out)->Close();
}

NodeDbWriter::NodeDbWriter(const std::string& db_path, bool checkpoint_on_close) {
  if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    status_ = SqlError(db_, "open " + db_path);
    return;
  }
  sqlite3_busy_timeout(db_, 5000);
  int persist = 1;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist) != SQLITE_OK) {
    status_ = SqlError(db_, "SQLITE_FCNTL_PERSIST_WAL");
    return;
  }
  if (!checkpoint_on_close && sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr) != SQLITE_OK) {
    status_ = SqlError(db_, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE");
    return;
  }
  status_ = ExecSql(db_, "PRAGMA wal_autocheckpoint=0");
}

NodeDbWriter::~NodeDbWriter() { sqlite3_close_v2(db_); }

Status NodeDbWriter::Begin() { return ExecSql(db_, "BEGIN IMMEDIATE"); }
Status NodeDbWriter::Exec(const std::string& sql) { return ExecSql(db_, sql); }
Status NodeDbWriter::Commit() { return ExecSql(db_, "COMMIT"); }
Status NodeDbWriter::Rollback() { return ExecSql(db_, "ROLLBACK"); }

}  // namespace forensics::testing
