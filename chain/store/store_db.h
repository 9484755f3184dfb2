// Internal: opening a chain store with RocksDB, for reading (secondary instance behind a file system
// that refuses every write under the store directory) or for importing (the only writer).
// rocksdb::Status becomes forensics::Status here and nowhere else.
#ifndef FORENSICS_CHAIN_STORE_STORE_DB_H_
#define FORENSICS_CHAIN_STORE_STORE_DB_H_

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <memory>
#include <string>
#include <vector>

#include "forensics/chain.h"
#include "forensics/result.h"
#include "store/store_format.h"

namespace forensics::store {

// rocksdb::Status → Status, the message prefixed with `context` (which names the store).
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// An open store. Column family handles are indexed by CfIndex; handles_[kCfCount] is "default".
class StoreDb {
 public:
  ~StoreDb();
  StoreDb(const StoreDb&) = delete;
  StoreDb& operator=(const StoreDb&) = delete;

  // Read-only: NotFound (no directory, not a chain store), Corruption (missing column family,
  // damaged files, bad metadata) or IoError, each naming `dir`. Never writes under `dir`.
  static Result<std::unique_ptr<StoreDb>> OpenForReading(const std::string& dir);
  // The only writer. Creates the store if `dir` is missing or empty; refuses a directory that holds
  // anything else than a chain store, and a store that another process has open (IoError).
  static Result<std::unique_ptr<StoreDb>> OpenForImport(const std::string& dir);

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(CfIndex i) const { return handles_[i]; }
  const std::string& dir() const { return dir_; }
  const std::string& mode() const { return mode_; }  // "secondary", "read-only" or "read-write"
  // The stored chain metadata; nullopt in a fresh store that has no chain line yet.
  const std::optional<ChainMeta>& meta() const { return meta_; }
  // A u64 counter of the meta column family (0 or nullopt when absent).
  Result<std::optional<uint64_t>> MetaU64(std::string_view key) const;

 private:
  StoreDb() = default;
  Status LoadMeta(bool require_chain);

  std::string dir_;
  std::string mode_;
  std::string secondary_dir_;  // removed on close
  std::unique_ptr<rocksdb::Env> env_;
  std::shared_ptr<rocksdb::Logger> logger_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::optional<ChainMeta> meta_;
};

}  // namespace forensics::store

#endif  // FORENSICS_CHAIN_STORE_STORE_DB_H_
