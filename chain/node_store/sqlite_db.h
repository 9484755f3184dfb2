// A read-only SQLite connection that leaves every byte of the database, its -wal and its -shm as it
// found them, and the statements read through it. Private to forensics_chain (node_store/).
#ifndef FORENSICS_CHAIN_NODE_STORE_SQLITE_DB_H_
#define FORENSICS_CHAIN_NODE_STORE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "forensics/result.h"

namespace forensics::node_store {

// How the database was opened, by what lies beside it (README.md, "Reading without writing").
enum class OpenMode {
  kWalShared,   // -wal and -shm present: mode=ro&readonly_shm=1, the daemon's committed WAL frames seen
  kQuiescent,   // a WAL database with neither -wal nor -shm: nothing is live; immutable=1, re-checked after
  kRollback,    // a rollback-journal database without a journal: mode=ro
};

class Statement;

class ReadOnlyDb {
 public:
  // Opens `path` and begins the read transaction every statement reads in (one consistent view).
  static Result<std::unique_ptr<ReadOnlyDb>> Open(const std::string& path);
  ~ReadOnlyDb();
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;

  OpenMode mode() const { return mode_; }
  const std::string& path() const { return path_; }
  // The columns of a table (empty: no such table).
  Result<std::set<std::string>> Columns(std::string_view table);
  Result<std::unique_ptr<Statement>> Prepare(std::string_view sql);
  // kQuiescent: the database must still be as it was when opened (no -wal appeared, same size and
  // modification time); an error otherwise, since immutable=1 would not have seen the change.
  Status CheckStillQuiescent() const;
  // "PATH: what SQLite said" for a failed call.
  Status Error(std::string_view what) const;

 private:
  ReadOnlyDb() = default;
  sqlite3* db_ = nullptr;
  std::string path_;
  OpenMode mode_ = OpenMode::kRollback;
  int64_t size_ = 0, mtime_ns_ = 0;
};

// One prepared statement. Step() is true while rows come; column accessors read the current row.
class Statement {
 public:
  Statement(sqlite3_stmt* s, const ReadOnlyDb* db) : s_(s), db_(db) {}
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Result<bool> Step();
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  void BindText(int i, std::string_view v) { sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  int Type(int col) const { return sqlite3_column_type(s_, col); }
  bool IsNull(int col) const { return Type(col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Real(int col) const { return sqlite3_column_double(s_, col); }
  std::string_view Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string_view();
  }
  std::string_view Blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string_view();
  }

 private:
  sqlite3_stmt* s_;
  const ReadOnlyDb* db_;
};

// SQLite's name of a column type: "INTEGER", "REAL", "TEXT", "BLOB", "NULL".
std::string_view TypeName(int sqlite_type);

}  // namespace forensics::node_store

#endif  // FORENSICS_CHAIN_NODE_STORE_SQLITE_DB_H_
