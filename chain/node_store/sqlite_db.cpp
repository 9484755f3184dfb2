// Opening coinjecture.db without writing a byte (README.md, "Reading without writing").
#include "sqlite_db.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

namespace forensics::node_store {
namespace {

struct FileFacts {
  bool exists = false;
  int64_t size = 0, mtime_ns = 0;
};

FileFacts Facts(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, static_cast<int64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// A URI filename for `path` (RFC 3986: everything but unreserved characters and '/' escaped), so
// that '?', '#' and '%' in a path are not read as URI syntax.
std::string FileUri(const std::string& path, std::string_view query) {
  std::string out = "file:";
  for (unsigned char c : path) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  out += '?';
  out += query;
  return out;
}

uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string ReadPrefix(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string out(n, '\0');
  in.read(out.data(), static_cast<std::streamsize>(n));
  out.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return out;
}

// Whether the -wal belongs to this database, as far as the files can tell (the WAL format names no
// database): its page size must be the database's, and its salts those the -shm's index was built
// for. A writer restarting the WAL changes the -shm a moment before the -wal's header, so a mismatch
// is looked at again before it is believed. Empty: nothing against it.
std::string ForeignWal(const std::string& path, const unsigned char* db_header) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string wal = ReadPrefix(path + "-wal", 32), shm = ReadPrefix(path + "-shm", 96);
    if (wal.size() < 32) return {};  // empty (reset): no frame to misread
    const auto* w = reinterpret_cast<const unsigned char*>(wal.data());
    const uint32_t magic = Be32(w);
    if (magic != 0x377f0682 && magic != 0x377f0683) return {};  // not a WAL header: SQLite ignores the file
    uint32_t db_page = (uint32_t{db_header[16]} << 8) | db_header[17];
    if (db_page == 1) db_page = 65536;
    if (Be32(w + 8) != db_page)
      return fmt::format("its -wal has pages of {} bytes and the database of {}: the -wal is another database's",
                         Be32(w + 8), db_page);
    // The -shm's index header, twice (bytes 0..47 and 48..95), valid when both copies agree and it is
    // initialised (byte 12); its salts (bytes 32..39) are the -wal header's bytes 16..23, as copied.
    if (shm.size() < 96 || shm.compare(0, 48, shm, 48, 48) != 0 || shm[12] != 1) return {};
    if (shm.compare(32, 8, wal, 16, 8) == 0) return {};
    if (attempt < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "its -wal is not the one its -shm indexes (another database's -wal, or one copied without its -shm)";
}

constexpr std::string_view kCopyAdvice =
    "copy coinjecture.db, coinjecture.db-wal and coinjecture.db-shm together to another directory and give the "
    "copy, or make a consistent copy with `sqlite3 coinjecture.db \".backup /tmp/coinjecture-copy.db\"`";

}  // namespace

std::string_view TypeName(int t) {
  switch (t) {
    case SQLITE_INTEGER: return "INTEGER";
    case SQLITE_FLOAT: return "REAL";
    case SQLITE_TEXT: return "TEXT";
    case SQLITE_BLOB: return "BLOB";
    default: return "NULL";
  }
}

Result<std::unique_ptr<ReadOnlyDb>> ReadOnlyDb::Open(const std::string& path) {
  std::unique_ptr<ReadOnlyDb> db(new ReadOnlyDb());
  db->path_ = path;
  unsigned char header[100] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (in.gcount() < static_cast<std::streamsize>(sizeof header))
      return Status::Corruption(fmt::format("{}: truncated SQLite database: {} bytes, shorter than its 100-byte header",
                                            path, in.gcount()));
  }
  // Bytes 18 and 19: the write and read versions, 1 for a rollback journal, 2 for WAL.
  const bool wal_mode = header[18] == 2 || header[19] == 2;
  const FileFacts main = Facts(path), wal = Facts(path + "-wal"), shm = Facts(path + "-shm"),
                  journal = Facts(path + "-journal");
  std::string query;
  if (wal_mode) {
    if (wal.exists && shm.exists) {
      // readonly_shm=1: the -shm is opened read-only, so no read mark is written into it; SQLite reads
      // the WAL index the daemon keeps there (or rebuilds it in private memory when no daemon holds it).
      db->mode_ = OpenMode::kWalShared;
      query = "mode=ro&readonly_shm=1";
      if (std::string why = ForeignWal(path, header); !why.empty())
        return Status::Corruption(fmt::format("{}: {}; SQLite would read its frames as this database's pages", path, why));
    } else if (wal.exists) {
      return Status::NotSupported(fmt::format(
          "{}: has a -wal but no -shm: SQLite would have to create the -shm to read the WAL, and nothing is written "
          "beside the data; {}", path, kCopyAdvice));
    } else {
      // No -wal: no connection has the database open (each WAL connection keeps one), and the file
      // holds every committed transaction. immutable=1 reads it without creating a -wal or a -shm;
      // CheckStillQuiescent confirms afterwards that it did not go live meanwhile.
      db->mode_ = OpenMode::kQuiescent;
      query = "mode=ro&immutable=1";
    }
  } else {
    if (journal.exists && journal.size > 0)
      return Status::NotSupported(fmt::format(
          "{}: has a hot journal ({}-journal): SQLite would have to roll it back, which writes; {}", path, path,
          kCopyAdvice));
    db->mode_ = OpenMode::kRollback;
    query = "mode=ro";
  }
  db->size_ = main.size;
  db->mtime_ns_ = main.mtime_ns;
  const std::string uri = FileUri(path, query);
  int rc = sqlite3_open_v2(uri.c_str(), &db->db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = db->Error("cannot open as SQLite");
    if ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY)
      return Status::NotSupported(fmt::format("{}; {}", s.message(), kCopyAdvice));
    return s;
  }
  // A checkpoint or a recovery by the daemon holds its locks for milliseconds: wait for them, not longer.
  sqlite3_busy_timeout(db->db_, 5000);
  // Pages are read through a read-only mapping rather than copied by pread: the file is never written
  // through it (SQLite maps it PROT_READ); it saves the copy of every page a pread makes.
  sqlite3_exec(db->db_, "PRAGMA mmap_size = 1099511627776", nullptr, nullptr, nullptr);
  sqlite3_exec(db->db_, "PRAGMA cache_size = -65536", nullptr, nullptr, nullptr);
  sqlite3_extended_result_codes(db->db_, 1);
  char* err = nullptr;
  if (sqlite3_exec(db->db_, "BEGIN", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "";
    sqlite3_free(err);
    return Status::IoError(fmt::format("{}: cannot begin a read: {}", path, m));
  }
  // The read transaction starts at the first read: take it now, so that every statement sees the
  // database as of this moment, and a damaged file is refused here.
  auto probe = db->Prepare("SELECT count(*) FROM sqlite_schema");
  if (!probe) return probe.error();
  auto row = (*probe)->Step();
  if (!row) return row.error();
  return db;
}

ReadOnlyDb::~ReadOnlyDb() {
  if (db_) {
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);  // ends the read; writes nothing
    sqlite3_close_v2(db_);
  }
}

Status ReadOnlyDb::Error(std::string_view what) const {
  const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_CANTOPEN;
  const char* msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  const int primary = code & 0xff;
  std::string m = fmt::format("{}: {}: {} (SQLite error {})", path_, what, msg, code);
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::Corruption(std::move(m));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return Status::IoError(m + "; the daemon held its lock longer than 5 s: run again");
  return Status::IoError(std::move(m));
}

Result<std::unique_ptr<Statement>> ReadOnlyDb::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    return Error(fmt::format("cannot prepare `{}`", sql));
  return std::make_unique<Statement>(s, this);
}

Result<std::set<std::string>> ReadOnlyDb::Columns(std::string_view table) {
  auto st = Prepare(fmt::format("SELECT name FROM pragma_table_info('{}')", table));
  if (!st) return st.error();
  std::set<std::string> cols;
  while (true) {
    auto row = (*st)->Step();
    if (!row) return row.error();
    if (!*row) break;
    cols.emplace((*st)->Text(0));
  }
  return cols;
}

Status ReadOnlyDb::CheckStillQuiescent() const {
  if (mode_ != OpenMode::kQuiescent) return Status::Ok();
  const FileFacts now = Facts(path_);
  if (Facts(path_ + "-wal").exists || now.size != size_ || now.mtime_ns != mtime_ns_)
    return Status::IoError(fmt::format(
        "{}: the database was opened while no daemon had it open, and changed while it was read (a daemon started?): "
        "run again", path_));
  return Status::Ok();
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("cannot read");
}

}  // namespace forensics::node_store
