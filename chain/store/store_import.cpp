// `forensics import`: NDJSON exports → RocksDB chain store (see ImportExports in chain_store.h).
//
// Outline:
//  1. Read the first export's chain line before touching the store (a wrong file creates nothing).
//  2. Open or create the store; its chain metadata, if any, must equal the export's.
//  3. For each export, each line: decode with the export reader's own parser, append the record
//     (block value, transactions, state changes, hash index entry; or snapshot header and chunks)
//     to a WriteBatch, replacing what a stored block or snapshot of the same height owned.
//  4. When the batch reaches batch_bytes: add the metadata (counts, height range) and write it.
//     One batch is atomic across column families, so a reader sees whole blocks and metadata that
//     matches them, whatever happens to the process.
//  5. On a bad line: write the pending batch (whole records before the line), flush, return the
//     error naming file:line. At the end: write the last batch and flush the memtables.
#include <chrono>
#include <filesystem>

#include "forensics/chain_store.h"
#include "forensics/node_store.h"
#include "forensics/sha256.h"
#include "store/store_db.h"
#include "store/store_format.h"

namespace forensics {
namespace {

using Clock = std::chrono::steady_clock;
using store::U64Key;
using store::U64U32Key;

// Names the first field in which two chain metas differ.
std::string MetaDifference(const ChainMeta& a, const ChainMeta& b) {
  if (a.format != b.format) return fmt::format("format ({} vs {})", a.format, b.format);
  if (a.profile != b.profile) return fmt::format("profile ({} vs {})", ProfileName(a.profile), ProfileName(b.profile));
  if (a.validators != b.validators) return "validators";
  if (a.treasury != b.treasury) return "treasury";
  return "genesis_accounts";
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

class Importer {
 public:
  explicit Importer(const ImportOptions& options) : options_(options), start_(Clock::now()) {}

  Result<ImportStats> Run() {
    if (options_.exports.empty()) return Status::InvalidArgument("import: no export given (ImportOptions::exports is empty)");
    if (options_.db_dir.empty()) return Status::InvalidArgument("import: no store directory given (ImportOptions::db_dir is empty)");
    for (size_t i = 0; i < options_.exports.size(); ++i) {
      Status st = OpenExportFile(i);
      if (st.ok() && i == 0) st = OpenStore();
      if (st.ok()) st = ImportFile(i);
      if (!st.ok()) return Stop(st);
    }
    FORENSICS_RETURN_IF_ERROR(Commit());
    FORENSICS_RETURN_IF_ERROR(Flush());
    stats_.files = options_.exports.size();
    stats_.store_blocks = block_count_;
    stats_.store_min_height = min_height_;
    stats_.store_max_height = max_height_;
    stats_.seconds = Seconds();
    return stats_;
  }

 private:
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  // Commits the whole records before the failure and returns `why` (or a commit failure with it).
  Status Stop(const Status& why) {
    if (db_) {
      Status c = Commit();
      if (c.ok()) c = Flush();
      if (!c.ok())
        return Status::IoError(fmt::format("{}; and committing what came before it failed: {}", why.message(), c.message()));
    }
    return why;
  }

  // Damage the line reader skipped (truncated or corrupt compressed frames, overlong lines) stops
  // the import: the store must not silently lack records.
  Status CheckReadIssues() const {
    const auto& issues = lines_->issues();
    if (issues.empty()) return Status::Ok();
    const ReadIssue& i = issues.front();
    if (i.line)
      return Status::Corruption(fmt::format("{}:{}: {}; import stopped", i.file, i.line, i.what));
    return Status::Corruption(fmt::format("{} at byte {}: {}; import stopped", i.file, i.offset, i.what));
  }

  Status OpenExportFile(size_t index) {
    const std::string& path = options_.exports[index];
    lines_.reset();
    source_.reset();
    if (IsSqliteFile(path)) {  // the daemon's coinjecture.db, read as --chain reads it
      auto src = OpenNodeStore(path, NodeStoreOptions{std::nullopt, options_.genesis});
      if (!src) return src.error();
      source_ = std::move(*src);
      std::error_code ec;
      stats_.input_bytes += std::filesystem::file_size(path, ec);
      return AdoptMeta(source_->meta(), path, 0);
    }
    if (options_.genesis)
      return Status::InvalidArgument(fmt::format(
          "{}: a genesis file applies to a SQLite coinjecture.db only (an export carries its own)", path));
    LineReaderOptions lo;
    lo.max_line_bytes = 512u << 20;
    lo.decode_in_background = true;
    auto lines = LineReader::Open(path, lo);
    if (!lines) return lines.error();
    lines_ = std::move(*lines);
    Line first;
    bool got = false;
    while ((got = lines_->Next(&first)) && IsBlank(first.text)) {
    }
    FORENSICS_RETURN_IF_ERROR(CheckReadIssues());
    if (!got) return Status::Corruption(fmt::format("{}: empty export: no chain record", path));
    auto meta = ParseChainLine(first.text, fmt::format("{}:{}", path, first.number));
    lines_->ReleaseLine();  // a long chain line is not held while its record is encoded and stored
    if (!meta) return meta.error();
    ++stats_.lines;
    stats_.input_bytes += lines_->file_size();
    return AdoptMeta(std::move(*meta), path, first.number);
  }

  Status AdoptMeta(ChainMeta meta, const std::string& path, uint64_t line) {
    if (!run_meta_) {
      run_meta_ = std::move(meta);  // its digest is taken when it is stored (OpenStore)
    } else if (sha256::Hash(store::EncodeMeta(meta)) != run_meta_digest_) {
      return Status::InvalidArgument(fmt::format("{}{}: describes another chain than {} (they differ in {})", path,
                                                 line ? fmt::format(":{}", line) : "", options_.exports.front(),
                                                 MetaDifference(meta, *run_meta_)));
    }
    return Status::Ok();
  }

  // A SQLite store's records, in the order --chain reads them. Its ledger tables have no place in a
  // chain store (store/README.md); a balance the store lost cannot be imported exactly.
  Status ImportSource() {
    ChainRecord rec;
    while (true) {
      if (batch_.GetDataSize() >= options_.batch_bytes) FORENSICS_RETURN_IF_ERROR(Commit());
      auto more = source_->Next(&rec);
      if (!more) return more.error();
      if (!*more) return Status::Ok();
      if (auto* b = std::get_if<Block>(&rec)) {
        FORENSICS_RETURN_IF_ERROR(AddBlock(b, b->source));
      } else {
        const Snapshot& s = std::get<Snapshot>(rec);
        if (!s.lost.empty())
          return Status::Corruption(fmt::format(
              "{}: table {}, address {}, column {}: stored {} ({}): a chain store cannot hold it exactly; analyze the "
              "database itself with --chain",
              options_.exports[file_index_], s.lost.front().table, s.lost.front().key, s.lost.front().column,
              s.lost.front().stored, s.lost.front().why));
        FORENSICS_RETURN_IF_ERROR(AddSnapshot(s, s.source));
      }
    }
  }

  Status OpenStore() {
    auto db = store::StoreDb::OpenForImport(options_.db_dir);
    if (!db) return db.error();
    db_ = std::move(*db);
    {
      const std::string encoded = store::EncodeMeta(*run_meta_);
      run_meta_digest_ = sha256::Hash(encoded);
      if (db_->meta()) {
        if (store::EncodeMeta(*db_->meta()) != encoded)
          return Status::InvalidArgument(fmt::format(
              "{}: describes another chain than the store {} holds (they differ in {})", options_.exports.front(),
              options_.db_dir, MetaDifference(*run_meta_, *db_->meta())));
      } else {
        batch_.Put(db_->cf(store::kMeta), std::string(store::kMetaChain), encoded);
      }
    }
    // From here the exports' chain records are compared by digest: the genesis accounts of a long
    // chain line are not held for the rest of the import.
    std::vector<AccountEntry>().swap(run_meta_->genesis_accounts);
    auto count = db_->MetaU64(store::kMetaBlockCount);
    if (!count) return count.error();
    auto snaps = db_->MetaU64(store::kMetaSnapshotCount);
    if (!snaps) return snaps.error();
    auto lo = db_->MetaU64(store::kMetaMinHeight);
    if (!lo) return lo.error();
    auto hi = db_->MetaU64(store::kMetaMaxHeight);
    if (!hi) return hi.error();
    auto max_snap = db_->MetaU64(store::kMetaMaxSnapshotHeight);
    if (!max_snap) return max_snap.error();
    auto max_sc = db_->MetaU64(store::kMetaMaxStateChangeHeight);
    if (!max_sc) return max_sc.error();
    max_snapshot_ = *max_snap;
    max_state_change_ = *max_sc;
    block_count_ = count->value_or(0);
    snapshot_count_ = snaps->value_or(0);
    min_height_ = *lo;
    max_height_ = *hi;
    return Status::Ok();
  }

  Status ImportFile(size_t index) {
    file_index_ = index;
    if (source_) return ImportSource();
    const std::string& path = options_.exports[index];
    Line line;
    while (lines_->Next(&line)) {
      // The batch is written here, once the record before is let go and the reader has moved past
      // its line: a long line, its record and their batch are never all held at once.
      if (batch_.GetDataSize() >= options_.batch_bytes) FORENSICS_RETURN_IF_ERROR(Commit());
      FORENSICS_RETURN_IF_ERROR(CheckReadIssues());
      if (IsBlank(line.text)) continue;
      ++stats_.lines;
      const std::string where = fmt::format("{}:{}", path, line.number);
      auto rec = ParseRecordLine(line.text, run_meta_->profile, where);
      if (!rec) return rec.error();
      if (auto* b = std::get_if<Block>(&*rec)) {
        FORENSICS_RETURN_IF_ERROR(AddBlock(b, where));
      } else {
        FORENSICS_RETURN_IF_ERROR(AddSnapshot(std::get<Snapshot>(*rec), where));
      }
    }
    return CheckReadIssues();
  }

  Status Get(store::CfIndex cf, const std::string& key, std::string* value, bool* found) {
    rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(), db_->cf(cf), key, value);
    *found = s.ok();
    if (s.ok() || s.IsNotFound()) return Status::Ok();
    return store::FromRocks(s, fmt::format("{}: reading {}", options_.db_dir, store::kColumnFamilies[cf]));
  }

  // Takes the transactions' data: each is let go once it is in the batch, so that a long block's
  // data is not held twice.
  Status AddBlock(Block* block, const std::string& where) {
    const Block& b = *block;
    const BlockHeight h = b.header.height;
    if (last_block_ && h <= *last_block_)
      return Status::Corruption(fmt::format(
          "{}: field height: block {} {} block {}; an import needs blocks in increasing height order across its exports",
          where, h, h == *last_block_ ? "duplicates" : "follows", *last_block_));
    if (b.txs.size() > UINT32_MAX) return Status::Corruption(fmt::format("{}: too many transactions", where));
    last_block_ = h;
    const std::string key = U64Key(h);

    // A block already stored at this height (a re-run, or a replaced fork) gives up what it owned.
    bool existed = false;
    if (min_height_ && max_height_ && h >= *min_height_ && h <= *max_height_) {
      std::string old_value;
      FORENSICS_RETURN_IF_ERROR(Get(store::kBlocks, key, &old_value, &existed));
      if (existed) {
        if (!b.state_changes && max_state_change_ == h) {
          // The highest state change goes away: find the one below it in the store, with
          // everything before this block committed.
          FORENSICS_RETURN_IF_ERROR(Commit());
          FORENSICS_RETURN_IF_ERROR(HighestStateChangeBelow(h));
        }
        Block old;
        uint32_t old_txs = 0;
        FORENSICS_RETURN_IF_ERROR(store::DecodeBlock(old_value, fmt::format("{} block {}", options_.db_dir, h), &old, &old_txs));
        if (old.header.hash && old.header.hash != b.header.hash)
          batch_.Delete(db_->cf(store::kHashIndex), rocksdb::Slice(reinterpret_cast<const char*>(old.header.hash->data()), 32));
        for (uint32_t i = static_cast<uint32_t>(b.txs.size()); i < old_txs; ++i)
          batch_.Delete(db_->cf(store::kTransactions), U64U32Key(h, i));
        if (!b.state_changes) batch_.Delete(db_->cf(store::kStateChanges), key);
        ++stats_.blocks_replaced;
      }
    }
    batch_.Put(db_->cf(store::kBlocks), key, store::EncodeBlock(b));
    for (size_t i = 0; i < b.txs.size(); ++i) {
      batch_.Put(db_->cf(store::kTransactions), U64U32Key(h, static_cast<uint32_t>(i)), store::EncodeTx(b.txs[i]));
      std::string().swap(block->txs[i].data);
    }
    if (b.state_changes) {
      batch_.Put(db_->cf(store::kStateChanges), key,
                 store::EncodeAccounts(b.state_changes->data(), b.state_changes->size()));
      ++stats_.state_change_sets;
      if (!max_state_change_ || h > *max_state_change_) max_state_change_ = h;
    }
    if (b.header.hash)
      batch_.Put(db_->cf(store::kHashIndex), rocksdb::Slice(reinterpret_cast<const char*>(b.header.hash->data()), 32), key);

    if (!existed) ++block_count_;
    if (!min_height_ || h < *min_height_) min_height_ = h;
    if (!max_height_ || h > *max_height_) max_height_ = h;
    if (!stats_.first_height) stats_.first_height = h;
    stats_.last_height = h;
    ++stats_.blocks;
    stats_.transactions += b.txs.size();
    ++pending_blocks_;
    return Status::Ok();
  }

  // Sets max_state_change_ to the highest stored state-change height below h (REQUIRES: nothing pending).
  Status HighestStateChangeBelow(BlockHeight h) {
    max_state_change_.reset();
    if (h == 0) return Status::Ok();
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), db_->cf(store::kStateChanges)));
    it->SeekForPrev(U64Key(h - 1));
    if (it->Valid() && it->key().size() == 8) max_state_change_ = store::ReadU64BE(it->key().data());
    return store::FromRocks(it->status(), fmt::format("{}: reading state_changes", options_.db_dir));
  }

  Status AddSnapshot(const Snapshot& s, const std::string& where) {
    if (last_snapshot_ && s.height <= *last_snapshot_)
      return Status::Corruption(fmt::format(
          "{}: field height: snapshot {} {} snapshot {}; an import needs snapshots in increasing height order", where,
          s.height, s.height == *last_snapshot_ ? "duplicates" : "follows", *last_snapshot_));
    last_snapshot_ = s.height;
    const std::string key = U64Key(s.height);
    const uint64_t n = s.accounts.size();
    const uint32_t chunks =
        static_cast<uint32_t>((n + store::kSnapshotChunkAccounts - 1) / store::kSnapshotChunkAccounts);
    std::string old_value;
    bool existed = false;
    FORENSICS_RETURN_IF_ERROR(Get(store::kSnapshots, key, &old_value, &existed));
    if (existed) {
      uint64_t old_n = 0;
      uint32_t old_chunks = 0;
      FORENSICS_RETURN_IF_ERROR(store::DecodeSnapshotHeader(
          old_value, fmt::format("{} snapshot {}", options_.db_dir, s.height), &old_n, &old_chunks));
      for (uint32_t c = chunks; c < old_chunks; ++c) batch_.Delete(db_->cf(store::kSnapshots), U64U32Key(s.height, c));
    } else {
      ++snapshot_count_;
    }
    batch_.Put(db_->cf(store::kSnapshots), key, store::EncodeSnapshotHeader(n, chunks));
    for (uint32_t c = 0; c < chunks; ++c) {
      const size_t begin = static_cast<size_t>(c) * store::kSnapshotChunkAccounts;
      const size_t len = std::min<size_t>(store::kSnapshotChunkAccounts, n - begin);
      batch_.Put(db_->cf(store::kSnapshots), U64U32Key(s.height, c),
                 store::EncodeAccounts(s.accounts.data() + begin, len));
    }
    if (!max_snapshot_ || s.height > *max_snapshot_) max_snapshot_ = s.height;
    ++stats_.snapshots;
    ++pending_blocks_;
    return Status::Ok();
  }

  // Writes the pending records together with the metadata that describes them.
  Status Commit() {
    if (!db_ || batch_.Count() == 0) return Status::Ok();
    rocksdb::ColumnFamilyHandle* meta = db_->cf(store::kMeta);
    batch_.Put(meta, std::string(store::kMetaBlockCount), U64Key(block_count_));
    batch_.Put(meta, std::string(store::kMetaSnapshotCount), U64Key(snapshot_count_));
    if (min_height_) batch_.Put(meta, std::string(store::kMetaMinHeight), U64Key(*min_height_));
    if (max_height_) batch_.Put(meta, std::string(store::kMetaMaxHeight), U64Key(*max_height_));
    if (max_snapshot_) batch_.Put(meta, std::string(store::kMetaMaxSnapshotHeight), U64Key(*max_snapshot_));
    if (max_state_change_) {
      batch_.Put(meta, std::string(store::kMetaMaxStateChangeHeight), U64Key(*max_state_change_));
    } else {
      batch_.Delete(meta, std::string(store::kMetaMaxStateChangeHeight));
    }
    rocksdb::WriteOptions wo;
    rocksdb::Status s = db_->db()->Write(wo, &batch_);
    // Clear() keeps the batch's capacity: one that a long record grew is let go instead.
    if (batch_.GetDataSize() > 2 * options_.batch_bytes) {
      batch_ = rocksdb::WriteBatch();
    } else {
      batch_.Clear();
    }
    if (!s.ok()) return store::FromRocks(s, fmt::format("{}: writing a batch", options_.db_dir));
    if (options_.progress) {
      ImportProgress p;
      p.file = options_.exports[file_index_];
      p.file_index = file_index_;
      p.files_total = options_.exports.size();
      if (lines_) {
        p.file_bytes_read = lines_->file_bytes_read();
        p.file_bytes_total = lines_->file_size();
      }
      p.blocks = stats_.blocks;
      p.snapshots = stats_.snapshots;
      p.height = stats_.last_height;
      p.seconds = Seconds();
      options_.progress(p);
    }
    pending_blocks_ = 0;
    return Status::Ok();
  }

  Status Flush() {
    std::vector<rocksdb::ColumnFamilyHandle*> cfs;
    for (int i = 0; i < store::kCfCount; ++i) cfs.push_back(db_->cf(static_cast<store::CfIndex>(i)));
    rocksdb::FlushOptions fo;
    fo.wait = true;
    return store::FromRocks(db_->db()->Flush(fo, cfs), fmt::format("{}: flushing", options_.db_dir));
  }

  const ImportOptions& options_;
  Clock::time_point start_;
  std::unique_ptr<LineReader> lines_;
  std::unique_ptr<ChainSource> source_;  // a SQLite store in place of lines_
  size_t file_index_ = 0;
  std::optional<ChainMeta> run_meta_;  // the first export's, without its genesis accounts once stored
  Hash32 run_meta_digest_{};           // SHA-256 of its EncodeMeta
  std::unique_ptr<store::StoreDb> db_;
  rocksdb::WriteBatch batch_;
  uint64_t pending_blocks_ = 0;
  uint64_t block_count_ = 0, snapshot_count_ = 0;
  std::optional<BlockHeight> min_height_, max_height_, max_snapshot_, max_state_change_;
  std::optional<BlockHeight> last_block_, last_snapshot_;
  ImportStats stats_;
};

}  // namespace

Result<ImportStats> ImportExports(const ImportOptions& options) {
  Importer importer(options);
  return importer.Run();
}

}  // namespace forensics
