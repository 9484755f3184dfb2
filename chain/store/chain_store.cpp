// Reading a RocksDB chain store as a ChainSource, and answering hash prefixes from its index.
//
// Records are produced by merging two ordered streams: blocks (column family "blocks", with their
// transactions and state changes read by iterators that advance in step, since all three are keyed
// by height first) and snapshots (column family "snapshots", a header key per snapshot followed by
// its account chunks). At equal heights the block comes first: a snapshot is the state after its
// block, which is where an export places it.
#include "forensics/chain_store.h"

#include <cctype>

#include "store/store_db.h"
#include "store/store_format.h"

namespace forensics {
namespace {

using store::ReadU64BE;
using store::U64Key;
using store::U64U32Key;

class StoreSource final : public ChainSource {
 public:
  StoreSource(std::unique_ptr<store::StoreDb> db, ChainMeta meta) : db_(std::move(db)), meta_(std::move(meta)) {}

  Status Init() {
    read_options_.verify_checksums = true;
    read_options_.readahead_size = 2u << 20;
    std::vector<rocksdb::ColumnFamilyHandle*> cfs = {
        db_->cf(store::kBlocks), db_->cf(store::kTransactions), db_->cf(store::kStateChanges),
        db_->cf(store::kSnapshots)};
    std::vector<rocksdb::Iterator*> its;
    rocksdb::Status s = db_->db()->NewIterators(read_options_, cfs, &its);
    if (!s.ok()) return store::FromRocks(s, fmt::format("{}: cannot iterate the chain store", db_->dir()));
    blocks_.reset(its[0]);
    txs_.reset(its[1]);
    changes_.reset(its[2]);
    snaps_.reset(its[3]);
    blocks_->SeekToFirst();
    txs_->SeekToFirst();
    changes_->SeekToFirst();
    snaps_->SeekToFirst();
    auto count = db_->MetaU64(store::kMetaBlockCount);
    if (!count) return count.error();
    auto lo = db_->MetaU64(store::kMetaMinHeight);
    if (!lo) return lo.error();
    auto hi = db_->MetaU64(store::kMetaMaxHeight);
    if (!hi) return hi.error();
    FORENSICS_RETURN_IF_ERROR(CheckAgainstMeta(count->value_or(0), *lo, *hi));
    if (*lo && *hi) {
      description_ = fmt::format("{} (RocksDB chain store, {} blocks, heights {}..{}, opened {})", db_->dir(),
                                 count->value_or(0), **lo, **hi, db_->mode());
    } else {
      description_ = fmt::format("{} (RocksDB chain store, no blocks, opened {})", db_->dir(), db_->mode());
    }
    return Status::Ok();
  }

  const ChainMeta& meta() const override { return meta_; }
  std::string description() const override { return description_; }
  const store::StoreDb& db() const { return *db_; }

  Result<bool> Next(ChainRecord* record) override {
    if (done_) return false;
    Result<bool> r = NextRecord(record);
    if (!r || !*r) done_ = true;
    return r;
  }

  Status SeekToSnapshotAtOrBelow(BlockHeight h) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(read_options_, db_->cf(store::kSnapshots)));
    it->SeekForPrev(U64U32Key(h, UINT32_MAX));
    if (!it->Valid()) {
      FORENSICS_RETURN_IF_ERROR(IterStatus(it.get(), "snapshots"));
      return Status::NotFound(fmt::format("{}: no snapshot at or below height {}", db_->dir(), h));
    }
    if (it->key().size() < 8)
      return Status::Corruption(fmt::format("{}: snapshots: malformed key of {} bytes", db_->dir(), it->key().size()));
    const BlockHeight s = ReadU64BE(it->key().data());
    const std::string header = U64Key(s);
    snaps_->Seek(header);
    if (!snaps_->Valid() || snaps_->key() != rocksdb::Slice(header)) {
      FORENSICS_RETURN_IF_ERROR(IterStatus(snaps_.get(), "snapshots"));
      return Status::Corruption(fmt::format("{} snapshot {}: accounts without a snapshot header", db_->dir(), s));
    }
    // The snapshot's own block is not returned; its header is, with the snapshot.
    seek_header_.reset();
    std::string value;
    rocksdb::Status got = db_->db()->Get(read_options_, db_->cf(store::kBlocks), header, &value);
    if (got.ok()) {
      Block b;
      uint32_t n_txs = 0;
      FORENSICS_RETURN_IF_ERROR(store::DecodeBlock(value, fmt::format("{} block {}", db_->dir(), s), &b, &n_txs));
      b.header.height = s;
      seek_header_ = std::move(b.header);
    } else if (!got.IsNotFound()) {
      return store::FromRocks(got, fmt::format("{} block {}", db_->dir(), s));
    }
    if (s == UINT64_MAX) {
      blocks_->SeekToLast();
      if (blocks_->Valid()) blocks_->Next();
    } else {
      blocks_->Seek(U64Key(s + 1));
      txs_->Seek(U64U32Key(s + 1, 0));
      changes_->Seek(U64Key(s + 1));
    }
    done_ = false;
    return Status::Ok();
  }

 private:
  // A store whose files are incomplete can open as an older, self-consistent view of each column
  // family (a secondary instance recovers the latest version whose files all exist). The metadata,
  // written in the same batches as the data, says where each column family must end; a column
  // family that ends elsewhere means missing or damaged files, not a shorter chain.
  Status CheckAgainstMeta(uint64_t count, std::optional<uint64_t> lo, std::optional<uint64_t> hi) {
    auto inconsistent = [&](std::string_view cf, const std::string& what) {
      return Status::Corruption(fmt::format(
          "{}: damaged chain store: column family {} {}; files are missing or damaged (restore the store or "
          "re-import it)",
          db_->dir(), cf, what));
    };
    auto bound = [&](store::CfIndex cf, bool last, std::optional<uint64_t>* height) -> Status {
      std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(read_options_, db_->cf(cf)));
      if (last) {
        it->SeekToLast();
      } else {
        it->SeekToFirst();
      }
      height->reset();
      if (it->Valid()) {
        if (it->key().size() < 8) return inconsistent(store::kColumnFamilies[cf], "holds a malformed key");
        *height = ReadU64BE(it->key().data());
      }
      return IterStatus(it.get(), store::kColumnFamilies[cf]);
    };
    auto show = [](std::optional<uint64_t> h) { return h ? std::to_string(*h) : std::string("nothing"); };
    std::optional<uint64_t> got;
    FORENSICS_RETURN_IF_ERROR(bound(store::kBlocks, false, &got));
    if (got != (count ? lo : std::nullopt))
      return inconsistent("blocks", fmt::format("starts at {}, the metadata says {}", show(got), show(count ? lo : std::nullopt)));
    FORENSICS_RETURN_IF_ERROR(bound(store::kBlocks, true, &got));
    if (got != (count ? hi : std::nullopt))
      return inconsistent("blocks", fmt::format("ends at {}, the metadata says {}", show(got), show(count ? hi : std::nullopt)));
    for (auto [cf, key] : {std::pair{store::kSnapshots, store::kMetaMaxSnapshotHeight},
                           std::pair{store::kStateChanges, store::kMetaMaxStateChangeHeight}}) {
      auto want = db_->MetaU64(key);
      if (!want) return want.error();
      FORENSICS_RETURN_IF_ERROR(bound(cf, true, &got));
      if (got != *want)
        return inconsistent(store::kColumnFamilies[cf], fmt::format("ends at height {}, the metadata says {}", show(got), show(*want)));
    }
    if (!count || !hi) return Status::Ok();
    // The newest block's hash index entry, and the transactions of the newest block that has any.
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(read_options_, db_->cf(store::kBlocks)));
    bool newest = true;
    int steps = 0;
    for (it->SeekToLast(); it->Valid() && steps < 64; it->Prev(), ++steps) {
      const BlockHeight h = ReadU64BE(it->key().data());
      const std::string where = fmt::format("{} block {}", db_->dir(), h);
      Block b;
      uint32_t n = 0;
      FORENSICS_RETURN_IF_ERROR(store::DecodeBlock(ToView(it->value()), where, &b, &n));
      std::string v;
      if (newest && b.header.hash) {
        rocksdb::Status s = db_->db()->Get(read_options_, db_->cf(store::kHashIndex),
                                           rocksdb::Slice(reinterpret_cast<const char*>(b.header.hash->data()), 32), &v);
        if (!s.ok() && !s.IsNotFound()) return store::FromRocks(s, where);
        if (s.IsNotFound() || v != U64Key(h))
          return inconsistent("block_hash_index", fmt::format("lacks the newest block ({}, height {})", b.header.hash->Hex(), h));
      }
      newest = false;
      if (n == 0) continue;
      rocksdb::Status s = db_->db()->Get(read_options_, db_->cf(store::kTransactions), U64U32Key(h, n - 1), &v);
      if (!s.ok() && !s.IsNotFound()) return store::FromRocks(s, where);
      if (s.IsNotFound())
        return inconsistent("transactions", fmt::format("lacks transaction {} of block {}", n - 1, h));
      break;
    }
    return IterStatus(it.get(), "blocks");
  }

  Status IterStatus(rocksdb::Iterator* it, std::string_view cf) const {
    return store::FromRocks(it->status(), fmt::format("{}: reading column family {}", db_->dir(), cf));
  }

  Result<bool> NextRecord(ChainRecord* record) {
    const bool have_block = blocks_->Valid();
    if (!have_block) FORENSICS_RETURN_IF_ERROR(IterStatus(blocks_.get(), "blocks"));
    const bool have_snap = snaps_->Valid();
    if (!have_snap) FORENSICS_RETURN_IF_ERROR(IterStatus(snaps_.get(), "snapshots"));
    if (!have_block && !have_snap) return false;
    if (have_block && blocks_->key().size() != 8)
      return Status::Corruption(fmt::format("{}: blocks: malformed key of {} bytes", db_->dir(), blocks_->key().size()));
    if (have_snap && snaps_->key().size() != 8)
      return Status::Corruption(fmt::format("{} snapshot {}: accounts without a snapshot header", db_->dir(),
                                            snaps_->key().size() >= 8 ? ReadU64BE(snaps_->key().data()) : 0));
    if (have_snap && (!have_block || ReadU64BE(snaps_->key().data()) < ReadU64BE(blocks_->key().data()))) {
      Snapshot s;
      FORENSICS_RETURN_IF_ERROR(ReadSnapshot(&s));
      *record = std::move(s);
    } else {
      Block b;
      FORENSICS_RETURN_IF_ERROR(ReadBlock(&b));
      *record = std::move(b);
    }
    return true;
  }

  Status ReadBlock(Block* b) {
    const BlockHeight h = ReadU64BE(blocks_->key().data());
    std::string where = fmt::format("{} block {}", db_->dir(), h);
    uint32_t n_txs = 0;
    FORENSICS_RETURN_IF_ERROR(store::DecodeBlock(ToView(blocks_->value()), where, b, &n_txs));
    b->header.height = h;
    if (n_txs > 0) {
      std::string key = U64U32Key(h, 0);
      if (!txs_->Valid() || txs_->key() != rocksdb::Slice(key)) txs_->Seek(key);
      // The count comes from the value: memory grows with the transactions found, not with the claim.
      b->txs.reserve(std::min<uint32_t>(n_txs, kMaxReserve));
      for (uint32_t i = 0; i < n_txs; ++i) {
        key = U64U32Key(h, i);
        if (!txs_->Valid() || txs_->key() != rocksdb::Slice(key)) {
          FORENSICS_RETURN_IF_ERROR(IterStatus(txs_.get(), "transactions"));
          return Status::Corruption(fmt::format("{}: transaction {} of {} is missing from column family transactions",
                                                where, i, n_txs));
        }
        FORENSICS_RETURN_IF_ERROR(
            store::DecodeTx(ToView(txs_->value()), fmt::format("{} transaction {}", where, i), &b->txs.emplace_back()));
        txs_->Next();
      }
    }
    const std::string hk = U64Key(h);
    if (changes_->Valid() && changes_->key().compare(hk) < 0) changes_->Seek(hk);
    if (changes_->Valid() && changes_->key() == rocksdb::Slice(hk)) {
      std::vector<AccountEntry> changes;
      FORENSICS_RETURN_IF_ERROR(store::DecodeAccounts(ToView(changes_->value()), where + " state changes", &changes));
      b->state_changes = std::move(changes);
      changes_->Next();
    } else if (!changes_->Valid()) {
      FORENSICS_RETURN_IF_ERROR(IterStatus(changes_.get(), "state_changes"));
    }
    b->source = std::move(where);
    b->line = 0;
    blocks_->Next();
    return Status::Ok();
  }

  Status ReadSnapshot(Snapshot* s) {
    const BlockHeight h = ReadU64BE(snaps_->key().data());
    std::string where = fmt::format("{} snapshot {}", db_->dir(), h);
    uint64_t n_accounts = 0;
    uint32_t n_chunks = 0;
    FORENSICS_RETURN_IF_ERROR(store::DecodeSnapshotHeader(ToView(snaps_->value()), where, &n_accounts, &n_chunks));
    s->height = h;
    s->accounts.reserve(std::min<uint64_t>(n_accounts, kMaxReserve));  // a claim, checked against the chunks below
    snaps_->Next();
    for (uint32_t c = 0; c < n_chunks; ++c) {
      if (!snaps_->Valid() || snaps_->key() != rocksdb::Slice(U64U32Key(h, c))) {
        FORENSICS_RETURN_IF_ERROR(IterStatus(snaps_.get(), "snapshots"));
        return Status::Corruption(fmt::format("{}: account chunk {} of {} is missing", where, c, n_chunks));
      }
      FORENSICS_RETURN_IF_ERROR(store::DecodeAccounts(ToView(snaps_->value()), where, &s->accounts));
      snaps_->Next();
    }
    if (s->accounts.size() != n_accounts)
      return Status::Corruption(
          fmt::format("{}: holds {} accounts, its header says {}", where, s->accounts.size(), n_accounts));
    s->source = std::move(where);
    s->line = 0;
    if (seek_header_ && seek_header_->height == h) s->header = std::move(seek_header_);
    seek_header_.reset();
    return Status::Ok();
  }

  static std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
  static constexpr uint32_t kMaxReserve = 1u << 16;  // entries reserved up front for a count read from a value

  std::unique_ptr<store::StoreDb> db_;
  ChainMeta meta_;
  std::string description_;
  rocksdb::ReadOptions read_options_;
  // Declared after db_ so that they are destroyed before it.
  std::unique_ptr<rocksdb::Iterator> blocks_, txs_, changes_, snaps_;
  bool done_ = false;
  std::optional<BlockHeader> seek_header_;  // of the snapshot SeekToSnapshotAtOrBelow landed on
};

Result<std::vector<BlockRef>> FindInIndex(const store::StoreDb& db, std::string_view hex_prefix, size_t max_matches) {
  auto prefix = HashPrefix::Parse(hex_prefix);
  if (!prefix) return prefix.error();
  const std::string seek = prefix->SeekKey();
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.cf(store::kHashIndex)));
  std::vector<BlockRef> out;
  for (it->Seek(seek); it->Valid() && out.size() < max_matches; it->Next()) {
    rocksdb::Slice k = it->key();
    if (k.size() != 32 || it->value().size() != 8)
      return Status::Corruption(fmt::format("{}: block_hash_index: malformed entry", db.dir()));
    BlockRef r;
    std::memcpy(r.hash.data(), k.data(), 32);
    if (!prefix->Matches(r.hash)) break;
    r.height = ReadU64BE(it->value().data());
    out.push_back(r);
  }
  FORENSICS_RETURN_IF_ERROR(
      store::FromRocks(it->status(), fmt::format("{}: reading column family block_hash_index", db.dir())));
  return out;
}

}  // namespace

Result<std::unique_ptr<ChainSource>> OpenChainStore(const std::string& dir, std::optional<Profile> profile) {
  auto db = store::StoreDb::OpenForReading(dir);
  if (!db) return db.error();
  ChainMeta meta = *(*db)->meta();
  if (profile) meta.profile = *profile;
  auto source = std::make_unique<StoreSource>(std::move(*db), std::move(meta));
  FORENSICS_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ChainSource>(std::move(source));
}

Result<std::vector<BlockRef>> FindBlocksByHashPrefix(const std::string& dir, std::string_view hex_prefix,
                                                     size_t max_matches) {
  auto db = store::StoreDb::OpenForReading(dir);
  if (!db) return db.error();
  return FindInIndex(**db, hex_prefix, max_matches);
}

Result<std::vector<BlockRef>> FindBlocksByHashPrefix(const ChainSource& source, std::string_view hex_prefix,
                                                     size_t max_matches) {
  const auto* store = dynamic_cast<const StoreSource*>(&source);
  if (store == nullptr)
    return Status::NotSupported(fmt::format("{}: not a chain store; it has no hash index", source.description()));
  return FindInIndex(store->db(), hex_prefix, max_matches);
}

Result<BlockRef> ResolveBlockHashPrefix(const ChainSource& source, std::string_view hex_prefix) {
  auto prefix = HashPrefix::Parse(hex_prefix);
  if (!prefix) return prefix.error();
  auto found = FindBlocksByHashPrefix(source, hex_prefix, PrefixMatches::kListed + 1);
  if (!found) return found.error();
  PrefixMatches m;
  m.count = found->size();
  m.count_is_lower_bound = found->size() > PrefixMatches::kListed;
  if (m.count_is_lower_bound) found->pop_back();
  m.listed = std::move(*found);
  return m.One(*prefix, "the chain store");
}

}  // namespace forensics
