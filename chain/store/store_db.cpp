// Opening a chain store with RocksDB (see store_db.h).
//
// Reading never writes a byte under the store directory, by three independent means:
//  1. the store is opened as a secondary instance (it reads the primary's MANIFEST and WAL and
//     takes no LOCK); its secondary path is a private temporary directory, removed on close;
//  2. the info log is a logger that discards everything, so no LOG file is created anywhere;
//  3. the Env's file system refuses every operation that would create, change, rename, link,
//     lock or remove anything under the store directory.
#include "store/store_db.h"

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/file_system.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <filesystem>

namespace forensics::store {
namespace fs = std::filesystem;
namespace {

class NullLogger final : public rocksdb::Logger {
 public:
  NullLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// Forwards to the default file system, except that anything that would modify a path at or under
// `root` fails with an IOError.
class NoWritesUnder final : public rocksdb::FileSystemWrapper {
 public:
  NoWritesUnder(const std::shared_ptr<rocksdb::FileSystem>& base, const std::string& root)
      : rocksdb::FileSystemWrapper(base), root_(Normal(root)) {}

  static const char* kClassName() { return "ForensicsNoWritesUnder"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    if (Under(f)) return Refuse("create", f);
    return target()->NewWritableFile(f, o, r, dbg);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    if (Under(f)) return Refuse("reopen for writing", f);
    return target()->ReopenWritableFile(f, o, r, dbg);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override {
    if (Under(f) || Under(old)) return Refuse("reuse", f);
    return target()->ReuseWritableFile(f, old, o, r, dbg);
  }
  rocksdb::IOStatus NewRandomRWFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    if (Under(f)) return Refuse("open for writing", f);
    return target()->NewRandomRWFile(f, o, r, dbg);
  }
  rocksdb::IOStatus DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override {
    if (Under(f)) return Refuse("delete", f);
    return target()->DeleteFile(f, o, dbg);
  }
  rocksdb::IOStatus Truncate(const std::string& f, size_t size, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
    if (Under(f)) return Refuse("truncate", f);
    return target()->Truncate(f, size, o, dbg);
  }
  rocksdb::IOStatus CreateDir(const std::string& d, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* dbg) override {
    if (Under(d)) return Refuse("create directory", d);
    return target()->CreateDir(d, o, dbg);
  }
  rocksdb::IOStatus CreateDirIfMissing(const std::string& d, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override {
    std::error_code ec;
    if (Under(d) && !fs::is_directory(d, ec)) return Refuse("create directory", d);
    return target()->CreateDirIfMissing(d, o, dbg);
  }
  rocksdb::IOStatus DeleteDir(const std::string& d, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* dbg) override {
    if (Under(d)) return Refuse("delete directory", d);
    return target()->DeleteDir(d, o, dbg);
  }
  rocksdb::IOStatus RenameFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override {
    if (Under(s) || Under(t)) return Refuse("rename", s);
    return target()->RenameFile(s, t, o, dbg);
  }
  rocksdb::IOStatus LinkFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
    if (Under(t)) return Refuse("link", t);
    return target()->LinkFile(s, t, o, dbg);
  }
  rocksdb::IOStatus LockFile(const std::string& f, const rocksdb::IOOptions& o, rocksdb::FileLock** l,
                             rocksdb::IODebugContext* dbg) override {
    if (Under(f)) return Refuse("lock", f);
    return target()->LockFile(f, o, l, dbg);
  }
  rocksdb::IOStatus NewLogger(const std::string& f, const rocksdb::IOOptions& o,
                              std::shared_ptr<rocksdb::Logger>* r, rocksdb::IODebugContext* dbg) override {
    if (Under(f)) return Refuse("create log", f);
    return target()->NewLogger(f, o, r, dbg);
  }

 private:
  static std::string Normal(const std::string& p) {
    std::error_code ec;
    fs::path n = fs::weakly_canonical(fs::absolute(p, ec), ec);
    std::string s = n.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
  }
  bool Under(const std::string& path) const {
    std::string p = Normal(path);
    return p == root_ || (p.size() > root_.size() && p.compare(0, root_.size(), root_) == 0 &&
                          (root_ == "/" || p[root_.size()] == '/'));
  }
  static rocksdb::IOStatus Refuse(const char* op, const std::string& path) {
    return rocksdb::IOStatus::IOError("refused to " + std::string(op) + " " + path +
                                      ": the chain store is opened read-only");
  }

  std::string root_;
};

std::string Names(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& n : v) s += (s.empty() ? "" : ", ") + n;
  return s;
}

rocksdb::ColumnFamilyOptions CfOptions() {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 * 1024;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.format_version = 5;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.write_buffer_size = 32u << 20;
  // LZ4 when this RocksDB build has it (Debian's has), else Snappy, else none.
  const auto supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType c) {
    return std::find(supported.begin(), supported.end(), c) != supported.end();
  };
  o.compression = has(rocksdb::kLZ4Compression)      ? rocksdb::kLZ4Compression
                  : has(rocksdb::kSnappyCompression) ? rocksdb::kSnappyCompression
                                                     : rocksdb::kNoCompression;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors() {
  std::vector<rocksdb::ColumnFamilyDescriptor> d;
  for (std::string_view n : kColumnFamilies) d.emplace_back(std::string(n), CfOptions());
  d.emplace_back(rocksdb::kDefaultColumnFamilyName, CfOptions());
  return d;
}

// Checks `have` (the store's column families) against the layout.
Status CheckColumnFamilies(const std::string& dir, const std::vector<std::string>& have) {
  std::vector<std::string> missing;
  for (std::string_view n : kColumnFamilies)
    if (std::find(have.begin(), have.end(), n) == have.end()) missing.emplace_back(n);
  if (missing.empty()) return Status::Ok();
  if (missing.size() == kColumnFamilies.size())
    return Status::NotFound(fmt::format(
        "{}: a RocksDB database, but not a forensics chain store (its column families are {}; a chain "
        "store has {})",
        dir, Names(have), fmt::join(kColumnFamilies, ", ")));
  return Status::Corruption(fmt::format("{}: damaged chain store: column famil{} {} {} missing (present: {})", dir,
                                        missing.size() == 1 ? "y" : "ies", Names(missing),
                                        missing.size() == 1 ? "is" : "are", Names(have)));
}

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string msg = fmt::format("{}: {}", context, s.ToString());
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(msg));
  if (s.IsNotSupported()) return Status::NotSupported(std::move(msg));
  return Status::IoError(std::move(msg));
}

StoreDb::~StoreDb() {
  if (db_) {
    for (rocksdb::ColumnFamilyHandle* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    (void)db_->Close();
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

Result<std::optional<uint64_t>> StoreDb::MetaU64(std::string_view key) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kMeta], rocksdb::Slice(key.data(), key.size()), &v);
  if (s.IsNotFound()) return std::optional<uint64_t>();
  if (!s.ok()) return FromRocks(s, fmt::format("{}: reading meta/{}", dir_, key));
  if (v.size() != 8) return Status::Corruption(fmt::format("{}: meta/{} is not an 8-byte integer", dir_, key));
  return std::optional<uint64_t>(ReadU64BE(v.data()));
}

Status StoreDb::LoadMeta(bool require_chain) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kMeta], std::string(kMetaFormat), &v);
  if (s.IsNotFound())
    return Status::Corruption(fmt::format("{}: not a usable chain store: no format marker (meta/{})", dir_, kMetaFormat));
  if (!s.ok()) return FromRocks(s, fmt::format("{}: reading the format marker", dir_));
  if (v != kFormat)
    return Status::NotSupported(fmt::format("{}: chain store format '{}' is not supported (expected {})", dir_, v, kFormat));
  s = db_->Get(rocksdb::ReadOptions(), handles_[kMeta], std::string(kMetaChain), &v);
  if (s.IsNotFound()) {
    if (!require_chain) return Status::Ok();
    return Status::Corruption(
        fmt::format("{}: the chain store holds no chain metadata (meta/{}): no import ever committed", dir_, kMetaChain));
  }
  if (!s.ok()) return FromRocks(s, fmt::format("{}: reading the chain metadata", dir_));
  ChainMeta m;
  FORENSICS_RETURN_IF_ERROR(DecodeMeta(v, fmt::format("{}: meta/{}", dir_, kMetaChain), &m));
  meta_ = std::move(m);
  return Status::Ok();
}

namespace {

// Existence and permission as the system reports them: a directory that cannot be searched is not
// "missing" or "not a store", it is unreadable.
Status CheckReadableDirectory(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    const int e = errno;
    if (e == ENOENT) return Status::NotFound(fmt::format("{}: no such directory", dir));
    return Status::IoError(fmt::format("{}: cannot read the store: {}", dir, std::strerror(e)));
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(fmt::format("{}: not a directory", dir));
  if (::access(dir.c_str(), R_OK | X_OK) != 0)
    return Status::IoError(fmt::format("{}: cannot read the store: {}", dir, std::strerror(errno)));
  return Status::Ok();
}

// CURRENT names the MANIFEST; an empty one is damage, not a database of another kind.
Status CheckManifest(const std::string& dir) {
  std::ifstream current(fs::path(dir) / "CURRENT");
  std::string name;
  if (!std::getline(current, name) || name.empty()) return Status::Ok();  // RocksDB says what is wrong
  std::error_code ec;
  const auto size = fs::file_size(fs::path(dir) / name, ec);
  if (!ec && size == 0)
    return Status::Corruption(fmt::format("{}: damaged chain store: {} is empty (restore the store or re-import it)", dir, name));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<StoreDb>> StoreDb::OpenForReading(const std::string& dir) {
  std::error_code ec;
  FORENSICS_RETURN_IF_ERROR(CheckReadableDirectory(dir));
  FORENSICS_RETURN_IF_ERROR(CheckManifest(dir));
  if (!fs::exists(fs::path(dir) / "CURRENT", ec)) {
    const bool empty = fs::is_empty(dir, ec);
    return Status::NotFound(fmt::format("{}: not a chain store: {}", dir,
                                        empty ? "the directory is empty"
                                              : "no RocksDB database here (no CURRENT file)"));
  }

  std::unique_ptr<StoreDb> store(new StoreDb());
  store->dir_ = dir;
  store->env_ = rocksdb::NewCompositeEnv(std::make_shared<NoWritesUnder>(rocksdb::FileSystem::Default(), dir));
  store->logger_ = std::make_shared<NullLogger>();

  rocksdb::Options options;
  options.env = store->env_.get();
  options.info_log = store->logger_;
  options.create_if_missing = false;
  options.max_open_files = -1;  // required by secondary instances; keeps deleted files readable
  options.skip_stats_update_on_db_open = true;
  options.paranoid_checks = true;

  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, dir, &names);
  if (!s.ok()) return FromRocks(s, fmt::format("{}: cannot read the store's MANIFEST", dir));
  FORENSICS_RETURN_IF_ERROR(CheckColumnFamilies(dir, names));

  std::string tmpl = (fs::temp_directory_path(ec) / "forensics-store-XXXXXX").string();
  if (!ec && mkdtemp(tmpl.data()) != nullptr) {
    store->secondary_dir_ = tmpl;
    store->mode_ = "secondary";
  } else {
    store->mode_ = "read-only";
  }
  // A writer may delete a WAL or SST file between the moment the files are listed and the moment
  // they are opened; such a race is retried (a few times), anything else is reported at once.
  for (int attempt = 1;; ++attempt) {
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (store->mode_ == "secondary") {
      s = rocksdb::DB::OpenAsSecondary(options, dir, store->secondary_dir_, Descriptors(), &handles, &raw);
    } else {
      s = rocksdb::DB::OpenForReadOnly(options, dir, Descriptors(), &handles, &raw);
    }
    if (s.ok()) {
      store->db_.reset(raw);
      store->handles_ = std::move(handles);
      if (store->mode_ == "secondary") s = store->db_->TryCatchUpWithPrimary();
      if (s.ok()) break;
      for (rocksdb::ColumnFamilyHandle* h : store->handles_) (void)store->db_->DestroyColumnFamilyHandle(h);
      store->handles_.clear();
      (void)store->db_->Close();
      store->db_.reset();
    }
    const bool vanished = s.IsPathNotFound() || (s.IsIOError() && s.ToString().find("No such file") != std::string::npos);
    if (!vanished || attempt == 3) return FromRocks(s, fmt::format("{}: cannot open the chain store", dir));
  }
  FORENSICS_RETURN_IF_ERROR(store->LoadMeta(/*require_chain=*/true));
  return store;
}

Result<std::unique_ptr<StoreDb>> StoreDb::OpenForImport(const std::string& dir) {
  std::error_code ec;
  bool creating = false;
  if (!fs::exists(dir, ec)) {
    creating = true;
  } else if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument(fmt::format("{}: exists and is not a directory", dir));
  } else if (!fs::exists(fs::path(dir) / "CURRENT", ec)) {
    if (!fs::is_empty(dir, ec))
      return Status::InvalidArgument(
          fmt::format("{}: exists, is not empty and is not a chain store; refusing to import into it", dir));
    creating = true;
  }

  std::unique_ptr<StoreDb> store(new StoreDb());
  store->dir_ = dir;
  store->mode_ = "read-write";
  rocksdb::Options options;
  options.create_if_missing = creating;
  options.create_missing_column_families = creating;
  options.error_if_exists = creating;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 2;
  options.max_log_file_size = 1u << 20;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.bytes_per_sync = 1u << 20;
  // The store's tables are opened on this thread: RocksDB ends the process (std::terminate) when
  // one of its table-opening threads cannot start, as under an address-space limit.
  options.max_file_opening_threads = 1;

  if (!creating) {
    std::vector<std::string> names;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, dir, &names);
    if (!s.ok()) return FromRocks(s, fmt::format("{}: cannot read the store's MANIFEST", dir));
    FORENSICS_RETURN_IF_ERROR(CheckColumnFamilies(dir, names));
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, Descriptors(), &handles, &raw);
  if (!s.ok()) {
    // RocksDB gives a held LOCK (by another process, or by this one) no code or subcode of its own,
    // only an IOError whose text says "lock": the one place a message decides, and it is RocksDB's.
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
      return Status::IoError(fmt::format(
          "{}: the chain store is in use by another process (its LOCK is held); stop that writer first ({})", dir,
          s.ToString()));
    return FromRocks(s, fmt::format("{}: cannot open the chain store for import", dir));
  }
  store->db_.reset(raw);
  store->handles_ = std::move(handles);
  if (creating) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = store->db_->Put(wo, store->handles_[kMeta], std::string(kMetaFormat), std::string(kFormat));
    if (!s.ok()) return FromRocks(s, fmt::format("{}: writing the format marker", dir));
  }
  FORENSICS_RETURN_IF_ERROR(store->LoadMeta(/*require_chain=*/false));
  return store;
}

}  // namespace forensics::store
