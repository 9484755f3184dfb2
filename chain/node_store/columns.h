// Reading one column of a coinjecture.db row as the chain model's value, with messages that name
// the table, the row and the column. Private to forensics_chain (node_store/).
#ifndef FORENSICS_CHAIN_NODE_STORE_COLUMNS_H_
#define FORENSICS_CHAIN_NODE_STORE_COLUMNS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "forensics/chain.h"
#include "forensics/result.h"
#include "sqlite_db.h"

namespace forensics::node_store {

// Where a column is: "PATH: table blocks, block 137, column parent_hash". The row is spelled only
// when a message needs it (a valid store builds no names).
struct ColumnWhere {
  std::string_view path, table;
  std::string_view row_label;  // "block", "address", "tx_hash", or a whole phrase ("a row") without a key
  std::string_view row_key;    // the key as text (hex), or empty
  std::optional<uint64_t> row_number;  // the key as a number (block heights)
  std::string_view column;
  std::string row() const {
    if (row_number) return fmt::format("{} {}", row_label, *row_number);
    if (!row_key.empty()) return fmt::format("{} {}", row_label, row_key);
    return std::string(row_label);
  }
  std::string str() const { return fmt::format("{}: table {}, {}, column {}", path, table, row(), column); }
  Status Error(std::string_view problem) const { return Status::Corruption(fmt::format("{}: {}", str(), problem)); }
};

// An unsigned 64-bit value: INTEGER ≥ 0, or TEXT of decimal digits. NULL gives nullopt.
Result<std::optional<uint64_t>> ReadU64(const Statement& s, int col, const ColumnWhere& w);
// A signed 64-bit INTEGER (timestamps). NULL gives nullopt.
Result<std::optional<int64_t>> ReadI64(const Statement& s, int col, const ColumnWhere& w);
// N bytes: a BLOB of N bytes or TEXT of 2N hex digits. NULL gives nullopt.
template <size_t N>
Result<std::optional<Bytes<N>>> ReadBytes(const Statement& s, int col, const ColumnWhere& w);
// Any bytes: a BLOB as is, TEXT as hex. NULL gives nullopt.
Result<std::optional<std::string>> ReadRaw(const Statement& s, int col, const ColumnWhere& w);

// An amount of wei that upstream writes as uint64 through SQLite's int64 (balances, supplies): an
// INTEGER ≥ 0 or TEXT of decimal digits (up to 2^128−1) is exact; a negative INTEGER or a REAL is a
// value the store lost, returned in *lost (and nullopt) rather than as an error.
Result<std::optional<Wei128>> ReadWei(const Statement& s, int col, const ColumnWhere& w, std::optional<LostValue>* lost);

}  // namespace forensics::node_store

#endif  // FORENSICS_CHAIN_NODE_STORE_COLUMNS_H_
