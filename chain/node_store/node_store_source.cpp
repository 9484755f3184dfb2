// coinjecture.db as a ChainSource (node_store.h; README.md says what each table gives).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "columns.h"
#include "forensics/codec.h"
#include "forensics/node_store.h"
#include "sqlite_db.h"
#include "tx_data.h"

namespace forensics {
namespace {

using node_store::ColumnWhere;
using node_store::ReadBytes;
using node_store::ReadI64;
using node_store::ReadRaw;
using node_store::ReadU64;
using node_store::ReadWei;
using node_store::ReadOnlyDb;
using node_store::Statement;

// The columns read from each table; a table that lacks one is refused by name.
constexpr std::string_view kBlockColumns[] = {"block_number", "block_hash", "parent_hash", "state_root", "tx_root",
                                              "timestamp", "validator", "difficulty", "nonce", "gas_limit",
                                              "gas_used", "extra_data", "tx_count", "tx_data"};
constexpr std::string_view kTxColumns[] = {"tx_hash", "block_number", "tx_type", "from_address", "to_address",
                                           "amount", "fee", "nonce", "gas_limit", "gas_price", "signature", "data",
                                           "timestamp"};
constexpr std::string_view kAccountColumns[] = {"address", "balance", "nonce"};
constexpr std::string_view kChainStateColumns[] = {"id", "head_block_number"};
constexpr std::string_view kSupplyColumns[] = {"block_number", "total_supply", "circulating_supply", "locked_supply",
                                               "burned_cumulative", "minted_this_block", "burned_this_block"};
constexpr std::string_view kFeeColumns[] = {"block_number", "total_fees"};

std::string Join(std::span<const std::string_view> cols) {
  std::string s;
  for (auto c : cols) s += (s.empty() ? "" : ", ") + std::string(c);
  return s;
}

class NodeStoreSource : public ChainSource {
 public:
  NodeStoreSource(std::unique_ptr<ReadOnlyDb> db, const NodeStoreOptions& o) : db_(std::move(db)), options_(o) {}

  Status Init() {
    const std::string& p = db_->path();
    struct Table {
      std::string_view name;
      std::span<const std::string_view> columns;
      bool* present;
      bool required;
    };
    bool accounts = false, chain_state = false;
    const Table tables[] = {{"blocks", kBlockColumns, &has_blocks_, false},
                            {"transactions", kTxColumns, &has_txs_, false},
                            {"accounts", kAccountColumns, &accounts, true},
                            {"chain_state", kChainStateColumns, &chain_state, true},
                            {"supply_metrics", kSupplyColumns, &has_supply_, false},
                            {"fee_tracking", kFeeColumns, &has_fees_, false}};
    for (const Table& t : tables) {
      auto cols = db_->Columns(t.name);
      if (!cols) return cols.error();
      if (cols->empty()) {
        if (t.required)
          return Status::Corruption(fmt::format("{}: table {} is missing: not a coinjecture.db (node-store.md)", p, t.name));
        continue;
      }
      for (auto c : t.columns)
        if (!cols->count(std::string(c)))
          return Status::Corruption(fmt::format("{}: table {} has no column {} (it needs {})", p, t.name, c, Join(t.columns)));
      *t.present = true;
    }
    // chain_state: the height the accounts are the state after.
    auto cs = db_->Prepare("SELECT head_block_number FROM chain_state WHERE id = 1");
    if (!cs) return cs.error();
    auto row = (*cs)->Step();
    if (!row) return row.error();
    if (!*row) return Status::Corruption(fmt::format("{}: table chain_state has no row id 1 (the head)", p));
    auto head = ReadU64(**cs, 0, {p, "chain_state", "id 1", {}, std::nullopt, "head_block_number"});
    if (!head) return head.error();
    if (!*head) return Status::Corruption(fmt::format("{}: table chain_state, id 1, column head_block_number: NULL", p));
    head_ = **head;

    meta_.format = "coinjecture.db";
    meta_.profile = options_.profile.value_or(Profile::kNeta);
    if (options_.genesis) {
      meta_.validators = options_.genesis->validators;
      meta_.treasury = options_.genesis->treasury;
      meta_.genesis_accounts = options_.genesis->genesis_accounts;
    }
    if (has_blocks_) {
      auto n = db_->Prepare("SELECT EXISTS (SELECT 1 FROM blocks)");
      if (!n) return n.error();
      if (auto r = (*n)->Step(); !r) return r.error();
      has_blocks_ = (*n)->Int(0) != 0;
    }
    if (has_blocks_ && meta_.validators.empty()) {
      // Treasury: the first validator in address order (node-store.md), so the validators sorted.
      auto v = db_->Prepare("SELECT DISTINCT validator FROM blocks WHERE validator IS NOT NULL ORDER BY validator");
      if (!v) return v.error();
      while (true) {
        auto r = (*v)->Step();
        if (!r) return r.error();
        if (!*r) break;
        auto a = ReadBytes<32>(**v, 0, {p, "blocks", "a row", {}, std::nullopt, "validator"});
        if (!a) return a.error();
        meta_.validators.push_back(**a);
      }
    }
    FORENSICS_ASSIGN_OR_RETURN(blocks_, db_->Prepare(BlockQuery(">= 0")));
    if (has_txs_) {
      FORENSICS_ASSIGN_OR_RETURN(tx_by_hash_, db_->Prepare(fmt::format(
                                                  "SELECT {} FROM transactions WHERE tx_hash = ?1", Join(kTxColumns))));
      // A table WITHOUT ROWID has no rowid order: the index alone then.
      auto in_order = db_->Prepare(fmt::format("SELECT {} FROM transactions ORDER BY rowid", Join(kTxColumns)));
      if (in_order) tx_in_order_ = std::move(*in_order);
    }
    if (has_supply_) {
      FORENSICS_ASSIGN_OR_RETURN(supply_, db_->Prepare(fmt::format("SELECT {} FROM supply_metrics WHERE block_number = ?1",
                                                                   Join(kSupplyColumns))));
    }
    if (has_fees_) {
      FORENSICS_ASSIGN_OR_RETURN(fees_, db_->Prepare("SELECT block_number, total_fees FROM fee_tracking WHERE block_number = ?1"));
    }
    return Status::Ok();
  }

  const ChainMeta& meta() const override { return meta_; }
  std::string description() const override { return fmt::format("SQLite store {}", db_->path()); }

  Result<bool> Next(ChainRecord* record) override {
    if (done_) return false;
    auto r = NextRecord(record);
    if (!r || !*r) done_ = true;
    if (r && !*r) FORENSICS_RETURN_IF_ERROR(db_->CheckStillQuiescent());
    return r;
  }

  Status SeekToSnapshotAtOrBelow(BlockHeight h) override {
    if (head_ > h)
      return Status::NotFound(fmt::format("the store's one snapshot is its accounts after block {}, above {}", head_, h));
    // The accounts come first, with the head block's header; then the blocks after the head.
    auto q = db_->Prepare(BlockQuery(fmt::format("= {}", head_)));
    if (!q) return q.error();
    auto row = (*q)->Step();
    if (!row) return row.error();
    header_for_snapshot_.reset();
    if (*row) {
      Block b;
      FORENSICS_RETURN_IF_ERROR(DecodeBlockRow(**q, &b));
      header_for_snapshot_ = b.header;
    }
    FORENSICS_ASSIGN_OR_RETURN(blocks_, db_->Prepare(BlockQuery(fmt::format("> {}", head_))));
    pending_.reset();
    blocks_done_ = false;
    snapshot_given_ = false;
    snapshot_first_ = true;
    return Status::Ok();
  }

 private:
  static std::string BlockQuery(std::string_view condition) {
    return fmt::format("SELECT {} FROM blocks WHERE block_number {} ORDER BY block_number", Join(kBlockColumns), condition);
  }

  Result<bool> NextRecord(ChainRecord* record) {
    if (snapshot_first_ && !snapshot_given_) return GiveSnapshot(record);
    if (pending_) {
      *record = std::move(*pending_);
      pending_.reset();
      return true;
    }
    if (has_blocks_ && !blocks_done_) {
      auto row = blocks_->Step();
      if (!row) return row.error();
      blocks_done_ = !*row;  // a finished statement stepped again would start over
      if (*row) {
        Block b;
        FORENSICS_RETURN_IF_ERROR(DecodeBlockRow(*blocks_, &b));
        FORENSICS_RETURN_IF_ERROR(AttachLedger(&b));
        if (!snapshot_given_ && b.header.height > head_) {
          pending_ = std::move(b);
          return GiveSnapshot(record);
        }
        *record = std::move(b);
        return true;
      }
    }
    if (!snapshot_given_) return GiveSnapshot(record);
    return false;
  }

  Status DecodeBlockRow(const Statement& s, Block* b) {
    const std::string& p = db_->path();
    ColumnWhere w{p, "blocks", "a row", {}, std::nullopt, "block_number"};
    auto n = ReadU64(s, 0, w);
    if (!n) return n.error();
    if (!*n) return w.Error("NULL");
    BlockHeader& h = b->header;
    h.height = **n;
    w.row_label = "block";
    w.row_number = h.height;
    auto col = [&](std::string_view c) {
      w.column = c;
      return w;
    };
    FORENSICS_ASSIGN_OR_RETURN(h.hash, ReadBytes<32>(s, 1, col("block_hash")));
    FORENSICS_ASSIGN_OR_RETURN(h.parent_hash, ReadBytes<32>(s, 2, col("parent_hash")));
    FORENSICS_ASSIGN_OR_RETURN(h.state_root, ReadBytes<32>(s, 3, col("state_root")));
    FORENSICS_ASSIGN_OR_RETURN(h.tx_root, ReadBytes<32>(s, 4, col("tx_root")));
    FORENSICS_ASSIGN_OR_RETURN(h.timestamp, ReadI64(s, 5, col("timestamp")));
    FORENSICS_ASSIGN_OR_RETURN(h.validator, ReadBytes<32>(s, 6, col("validator")));
    FORENSICS_ASSIGN_OR_RETURN(h.difficulty, ReadU64(s, 7, col("difficulty")));
    FORENSICS_ASSIGN_OR_RETURN(h.nonce, ReadU64(s, 8, col("nonce")));
    FORENSICS_ASSIGN_OR_RETURN(h.gas_limit, ReadU64(s, 9, col("gas_limit")));
    FORENSICS_ASSIGN_OR_RETURN(h.gas_used, ReadU64(s, 10, col("gas_used")));
    FORENSICS_ASSIGN_OR_RETURN(h.extra_data, ReadRaw(s, 11, col("extra_data")));
    std::optional<uint64_t> tx_count;
    FORENSICS_ASSIGN_OR_RETURN(tx_count, ReadU64(s, 12, col("tx_count")));
    b->source = fmt::format("{} block {}", p, h.height);
    if (s.IsNull(13)) {
      if (tx_count.value_or(1) != 0) b->state_fields_missing.push_back("transactions");
      return Status::Ok();
    }
    if (s.Type(13) != SQLITE_TEXT && s.Type(13) != SQLITE_BLOB)
      return col("tx_data").Error(fmt::format("{} where a JSON array is required", node_store::TypeName(s.Type(13))));
    const std::string_view json = s.Type(13) == SQLITE_TEXT ? s.Text(13) : s.Blob(13);
    auto entries = tx_data_.Decode(json, col("tx_data"));
    if (!entries) return entries.error();
    if (tx_count && *tx_count != entries->size())
      return col("tx_count").Error(fmt::format("{}, but tx_data holds {} transactions", *tx_count, entries->size()));
    b->txs.reserve(entries->size());
    for (size_t i = 0; i < entries->size(); ++i) {
      Transaction tx;
      FORENSICS_RETURN_IF_ERROR(JoinTransaction((*entries)[i], i, h.height, b, &tx));
      b->txs.push_back(std::move(tx));
    }
    return Status::Ok();
  }

  // One tx_data entry with its row of `transactions` (by hash): a field both give must agree.
  Status JoinTransaction(const node_store::TxDataEntry& e, size_t i, BlockHeight height, Block* b, Transaction* tx) {
    const std::string& p = db_->path();
    std::optional<uint8_t> tx_type = e.tx_type;
    std::optional<Address> from = e.from, to = e.to;
    std::optional<uint64_t> amount = e.amount, fee = e.fee, nonce = e.nonce, gas_limit = e.gas_limit,
                            gas_price = e.gas_price;
    std::optional<Signature> sig = e.signature;
    std::optional<int64_t> timestamp;
    std::optional<std::string> data;
    bool joined = false;
    if (e.hash && tx_by_hash_) {
      const std::string hash_hex = e.hash->Hex();
      const Statement* found = nullptr;
      FORENSICS_ASSIGN_OR_RETURN(found, FindTransaction(hash_hex, height));
      if (found) {
        joined = true;
        const Statement& s = *found;
        ColumnWhere w{p, "transactions", "tx_hash", hash_hex, std::nullopt, ""};
        auto col = [&](std::string_view c) {
          w.column = c;
          return w;
        };
        auto disagree = [&](std::string_view field, const std::string& in_data, const std::string& in_row) {
          return Status::Corruption(fmt::format(
              "{}: table blocks, block {}, column tx_data: tx_data[{}].{} is {}, but table transactions, tx_hash {}, "
              "column {} is {}",
              p, height, i, field, in_data, e.hash->Hex(), field == "from" ? "from_address" : field == "to" ? "to_address" : field,
              in_row));
        };
        std::optional<uint64_t> rb;
        FORENSICS_ASSIGN_OR_RETURN(rb, ReadU64(s, 1, col("block_number")));
        if (rb && *rb != height)
          return Status::Corruption(fmt::format("{}: table blocks, block {}, column tx_data: tx_data[{}] is transaction {}, "
                                                "which table transactions puts in block {}",
                                                p, height, i, e.hash->Hex(), *rb));
        auto merge_u64 = [&](std::optional<uint64_t>* field, int c, std::string_view name) -> Status {
          std::optional<uint64_t> v;
          FORENSICS_ASSIGN_OR_RETURN(v, ReadU64(s, c, col(name)));
          if (v && *field && *v != **field) return disagree(name, fmt::format("{}", **field), fmt::format("{}", *v));
          if (v) *field = v;
          return Status::Ok();
        };
        auto merge_addr = [&](std::optional<Address>* field, int c, std::string_view name, std::string_view label) -> Status {
          std::optional<Address> v;
          FORENSICS_ASSIGN_OR_RETURN(v, ReadBytes<32>(s, c, col(name)));
          if (v && *field && *v != **field) return disagree(label, (*field)->Hex(), v->Hex());
          if (v) *field = v;
          return Status::Ok();
        };
        std::optional<uint64_t> type64;
        if (tx_type) type64 = *tx_type;
        FORENSICS_RETURN_IF_ERROR(merge_u64(&type64, 2, "tx_type"));
        if (type64 && *type64 > 255) return col("tx_type").Error(fmt::format("{} does not fit in a byte", *type64));
        if (type64) tx_type = static_cast<uint8_t>(*type64);
        FORENSICS_RETURN_IF_ERROR(merge_addr(&from, 3, "from_address", "from"));
        FORENSICS_RETURN_IF_ERROR(merge_addr(&to, 4, "to_address", "to"));
        FORENSICS_RETURN_IF_ERROR(merge_u64(&amount, 5, "amount"));
        FORENSICS_RETURN_IF_ERROR(merge_u64(&fee, 6, "fee"));
        FORENSICS_RETURN_IF_ERROR(merge_u64(&nonce, 7, "nonce"));
        FORENSICS_RETURN_IF_ERROR(merge_u64(&gas_limit, 8, "gas_limit"));
        FORENSICS_RETURN_IF_ERROR(merge_u64(&gas_price, 9, "gas_price"));
        std::optional<Signature> rsig;
        FORENSICS_ASSIGN_OR_RETURN(rsig, ReadBytes<64>(s, 10, col("signature")));
        if (rsig && sig && *rsig != *sig) return disagree("signature", sig->Hex(), rsig->Hex());
        if (rsig) sig = rsig;
        FORENSICS_ASSIGN_OR_RETURN(data, ReadRaw(s, 11, col("data")));
        if (data && data->size() > kMaxTxData) return col("data").Error("longer than 1 MiB");
        FORENSICS_ASSIGN_OR_RETURN(timestamp, ReadI64(s, 12, col("timestamp")));
      }
    }
    tx->codec_version = 1;  // the only codec version (chain.md §2); neither table stores it
    tx->hash = e.hash;
    tx->fee = fee;
    tx->signature = sig;
    if (tx_type) tx->tx_type = *tx_type;
    if (from) tx->from = *from;
    if (to) tx->to = *to;
    if (amount) tx->amount = *amount;
    if (nonce) tx->nonce = *nonce;
    if (gas_limit) tx->gas_limit = *gas_limit;
    if (gas_price) tx->gas_price = *gas_price;
    if (timestamp) tx->timestamp = *timestamp;
    if (data) tx->data = std::move(*data);
    // The signing message needs the row of `transactions` (timestamp, data) besides every field.
    tx->message_complete = joined && timestamp && tx_type && from && to && amount && nonce && gas_limit && gas_price;
    const std::pair<bool, std::string_view> for_state[] = {{tx_type.has_value(), "tx_type"}, {from.has_value(), "from"},
                                                           {to.has_value(), "to"},           {amount.has_value(), "amount"},
                                                           {nonce.has_value(), "nonce"},     {gas_limit.has_value(), "gas_limit"},
                                                           {gas_price.has_value(), "gas_price"}};
    for (auto [have, name] : for_state)
      if (!have && b->state_fields_missing.size() < 16) b->state_fields_missing.push_back(fmt::format("tx_data[{}].{}", i, name));
    return Status::Ok();
  }

  // The row of `transactions` for a hash. The daemon writes a block's transactions in order, so the
  // rows in rowid order mostly follow the blocks: the next row of one pass over the table is tried
  // first (rows of no block or of an earlier one are passed over, a few at a time), the index on
  // tx_hash otherwise. nullptr: no row.
  Result<const Statement*> FindTransaction(const std::string& hash_hex, BlockHeight height) {
    for (int skip = 0; tx_in_order_ && skip < 4; ++skip) {
      if (!tx_in_order_row_) {
        auto row = tx_in_order_->Step();
        if (!row) return row.error();
        if (!*row) {
          tx_in_order_.reset();  // the pass is over: the index from here on
          break;
        }
        tx_in_order_row_ = true;
      }
      if (tx_in_order_->Text(0) == hash_hex) {
        tx_in_order_row_ = false;  // taken: the next call steps on
        return static_cast<const Statement*>(tx_in_order_.get());
      }
      // A row of no block, or of a block already read, is one the pass will not need.
      const bool stale = tx_in_order_->IsNull(1) ||
                         (tx_in_order_->Type(1) == SQLITE_INTEGER && tx_in_order_->Int(1) < static_cast<int64_t>(height));
      if (!stale) break;
      tx_in_order_row_ = false;
    }
    tx_by_hash_->Reset();
    tx_by_hash_->BindText(1, hash_hex);
    auto row = tx_by_hash_->Step();
    if (!row) return row.error();
    return *row ? static_cast<const Statement*>(tx_by_hash_.get()) : nullptr;
  }

  Status ReadLedgerRow(Statement* s, int first, std::span<const std::string_view> cols, BlockHeight h,
                       std::string_view table, std::span<std::optional<Wei128>* const> out, NodeLedger* l, bool* found) {
    s->Reset();
    s->BindInt(1, static_cast<int64_t>(h));
    auto row = s->Step();
    if (!row) return row.error();
    *found = *row;
    if (!*row) return Status::Ok();
    for (size_t i = 0; i < out.size(); ++i) {
      std::optional<LostValue> lost;
      auto v = ReadWei(*s, first + static_cast<int>(i), {db_->path(), table, "block", {}, h, cols[first + i]}, &lost);
      if (!v) return v.error();
      *out[i] = *v;
      if (lost) l->lost.push_back(std::move(*lost));
    }
    return Status::Ok();
  }

  Status AttachLedger(Block* b) {
    if (!supply_ && !fees_) return Status::Ok();
    NodeLedger l;
    FORENSICS_RETURN_IF_ERROR(ReadLedger(b->header.height, &l));
    if (l.supply_row || l.fee_row) b->node_ledger = std::move(l);
    return Status::Ok();
  }

  Status ReadLedger(BlockHeight h, NodeLedger* l) {
    if (supply_) {
      std::optional<Wei128>* const out[] = {&l->total_supply,     &l->circulating_supply, &l->locked_supply,
                                            &l->burned_cumulative, &l->minted_this_block, &l->burned_this_block};
      FORENSICS_RETURN_IF_ERROR(ReadLedgerRow(supply_.get(), 1, kSupplyColumns, h, "supply_metrics", out, l, &l->supply_row));
    }
    if (fees_) {
      std::optional<Wei128>* const out[] = {&l->total_fees};
      FORENSICS_RETURN_IF_ERROR(ReadLedgerRow(fees_.get(), 1, kFeeColumns, h, "fee_tracking", out, l, &l->fee_row));
    }
    return Status::Ok();
  }

  Result<bool> GiveSnapshot(ChainRecord* record) {
    snapshot_given_ = true;
    Snapshot snap;
    snap.height = head_;
    snap.source = fmt::format("{} accounts (after block {})", db_->path(), head_);
    snap.header = header_for_snapshot_;
    auto st = db_->Prepare("SELECT address, balance, nonce FROM accounts ORDER BY address");
    if (!st) return st.error();
    std::map<Address, AccountEntry> seen;  // TEXT addresses may differ in case: one account each
    while (true) {
      auto row = (*st)->Step();
      if (!row) return row.error();
      if (!*row) break;
      ColumnWhere w{db_->path(), "accounts", "a row", {}, std::nullopt, "address"};
      auto a = ReadBytes<32>(**st, 0, w);
      if (!a) return a.error();
      if (!*a) return w.Error("NULL");
      const std::string address_hex = (*a)->Hex();
      w.row_label = "address";
      w.row_key = address_hex;
      w.column = "balance";
      std::optional<LostValue> lost;
      auto bal = ReadWei(**st, 1, w, &lost);
      if (!bal) return bal.error();
      w.column = "nonce";
      auto nonce = ReadU64(**st, 2, w);
      if (!nonce) return nonce.error();
      if (seen.count(**a)) return w.Error("the account is stored twice (its address in two spellings)");
      if (lost) {
        lost->key = (*a)->Hex();
        snap.lost.push_back(std::move(*lost));
        seen[**a] = {};
        continue;
      }
      if (*bal && (*bal)->hi != 0) {
        snap.lost.push_back(LostValue{"accounts", (*a)->Hex(), "balance", ToDecimal(**bal),
                                      "beyond 2^64-1, which no balance can hold"});
        seen[**a] = {};
        continue;
      }
      seen[**a] = AccountEntry{**a, *bal ? (*bal)->lo : 0, nonce->value_or(0)};
    }
    for (auto& [addr, e] : seen)
      if (e.address == addr) snap.accounts.push_back(e);
    NodeLedger l;
    FORENSICS_RETURN_IF_ERROR(ReadLedger(head_, &l));
    if (l.supply_row || l.fee_row) snap.node_ledger = std::move(l);
    *record = std::move(snap);
    return true;
  }

  std::unique_ptr<ReadOnlyDb> db_;
  NodeStoreOptions options_;
  node_store::TxDataDecoder tx_data_;
  ChainMeta meta_;
  bool has_blocks_ = false, has_txs_ = false, has_supply_ = false, has_fees_ = false;
  BlockHeight head_ = 0;
  std::unique_ptr<Statement> blocks_, tx_by_hash_, tx_in_order_, supply_, fees_;
  bool tx_in_order_row_ = false;  // tx_in_order_ holds a row not yet taken
  std::optional<Block> pending_;
  std::optional<BlockHeader> header_for_snapshot_;
  bool blocks_done_ = false, snapshot_given_ = false, snapshot_first_ = false, done_ = false;
};

}  // namespace

bool IsSqliteFile(const std::string& path) {
  // Only a regular file: a pipe or FIFO must not lose its first bytes to the question.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char h[16] = {};
  in.read(h, sizeof h);
  return in.gcount() == 16 && std::string_view(h, 16) == std::string_view("SQLite format 3\0", 16);
}

Result<std::unique_ptr<ChainSource>> OpenNodeStore(const std::string& path, const NodeStoreOptions& options) {
  auto db = ReadOnlyDb::Open(path);
  if (!db) return db.error();
  auto src = std::make_unique<NodeStoreSource>(std::move(*db), options);
  FORENSICS_RETURN_IF_ERROR(src->Init());
  return std::unique_ptr<ChainSource>(std::move(src));
}

}  // namespace forensics
