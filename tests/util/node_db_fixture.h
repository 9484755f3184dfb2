// Test fixture: writes the Go daemon's SQLite store (`coinjecture.db`, /work/shared/spec/node-store.md)
// from an export, written from the spec alone so that the store reader's tests check it against an
// independent reading; and a second connection that acts as the running daemon (a concurrent writer).
//
// Choices the spec leaves open, made here (the reader must not rely on more than the spec says):
// - Only `neta` exports convert: the `blocks` table is the neta header (a core-v4 export is NotSupported).
// - A transaction without a hash gets the neta tx hash H(signing message); one without a hash whose
//   signing message is incomplete cannot be a row (tx_hash is the key): InvalidArgument. One without a
//   signature has NULL in transactions.signature and 64 zero bytes in a P2P tx_data entry (what Go
//   writes for a zero [64]byte). An incomplete signing message (no codec_version or timestamp) has NULL
//   in transactions.timestamp, and NULL data when the export gave none.
// - transactions.fee and the tx_data "fee" are the export's fee, else gas_limit × gas_price;
//   transactions.gas_used is the tx's gas_limit (the daemon's gas_used = Σ gas_limit); status 1.
// - tx_data is stored as a BLOB holding the JSON text ("[]" for a block without transactions);
//   kAlternate writes P2P at even heights and validate-supply at odd ones.
// - created_at (blocks) and created_at / updated_at (accounts) are block timestamps (the block that
//   first / last wrote the account; genesis accounts: block 0's), never the wall clock.
// - fee_tracking has the parts validator_fees, burn_fees, treasury_fees (the spec names none); the
//   truncation dust (fees − the three shares) is put in burn_fees, so that the parts sum exactly.
// - escrows is created empty (an export holds no escrows); locked_supply is 0.
// - Every u64 (balances, nonces, gas, amounts) is written as the int64 with the same bits; a 128-bit
//   supply total above 2^63 − 1 is written as TEXT decimal (see node_db_fixture.cpp).
#ifndef FORENSICS_TESTS_NODE_DB_FIXTURE_H_
#define FORENSICS_TESTS_NODE_DB_FIXTURE_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "forensics/result.h"
#include "forensics/types.h"

namespace forensics::testing {

struct NodeDbOptions {
  enum class TxShape { kP2p, kValidateSupply, kAlternate };  // tx_data JSON shape; alternate per block
  TxShape tx_shape = TxShape::kP2p;
  bool write_blocks = true;            // false: accounts but no blocks (the published daemon never saves blocks)
  bool write_supply_metrics = true;
  bool write_fee_tracking = false;     // the spec: may be empty
  bool seed_real_genesis_row = false;  // upstream's migration: the zero address with REAL 1e24 balance
  bool wal = true;                     // journal_mode=WAL, the -wal and -shm left in place
};

// Rows written (blocks and transactions are 0 without write_blocks); head is the export's last block.
struct NodeDbStats {
  uint64_t blocks = 0, transactions = 0, accounts = 0;
  BlockHeight head = 0;
};

// Reads an export (plain, .zst or .gz) and writes db_path with the spec's tables, in one transaction.
// Deterministic: the same export and options give the same rows (the file's bytes may differ).
// With options.wal the connection persists its WAL (SQLITE_FCNTL_PERSIST_WAL): -wal and -shm stay
// beside the file after it closes, as while the daemon runs; the rows are checkpointed into the file
// and the -wal truncated to 0 bytes. (A read-write connection without persistent WAL, the sqlite3
// shell say, deletes both when it closes last; read-only ones leave them.) On failure no store is
// left at db_path.
// Fails: InvalidArgument if db_path exists or the export cannot be converted (a block above 0 or
// with transactions that has no state_changes, one lacking fields the money rules need, a fee
// overflow); NotSupported for a core-v4 export; the export reader's status; IoError naming SQLite's
// message.
Result<NodeDbStats> WriteNodeDb(const std::string& export_path, const std::string& db_path,
                                const NodeDbOptions& options);

// Writes the export that holds exactly what the store holds: the same chain line, the blocks without
// state_changes (transactions with the hash and fee the store gives them), and one snapshot record
// after the head block with the node's state at the head (the rows of `accounts`, without the REAL
// seed row). The container follows out_path's extension (.zst, .gz, else plain). Same failures as
// WriteNodeDb.
Status WriteEquivalentExport(const std::string& export_path, const std::string& out_path);

// A second connection on a store, acting as the daemon while a test reads: it commits rows that stay
// in the -wal (wal_autocheckpoint=0) and can hold a write transaction open. Its WAL is persistent
// (SQLITE_FCNTL_PERSIST_WAL), so -wal and -shm remain after it closes. With checkpoint_on_close
// false (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE) closing does not checkpoint either: the committed frames
// stay in the -wal, as a daemon that was killed leaves them. Errors are statuses naming SQLite's
// message; status() is the opening's.
class NodeDbWriter {
 public:
  explicit NodeDbWriter(const std::string& db_path, bool checkpoint_on_close = true);
  ~NodeDbWriter();
  NodeDbWriter(const NodeDbWriter&) = delete;
  NodeDbWriter& operator=(const NodeDbWriter&) = delete;

  const Status& status() const { return status_; }
  // BEGIN IMMEDIATE: takes the write lock now, as the daemon's write transaction does.
  Status Begin();
  Status Exec(const std::string& sql);
  Status Commit();
  Status Rollback();
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  Status status_;
};

}  // namespace forensics::testing

#endif  // FORENSICS_TESTS_NODE_DB_FIXTURE_H_
