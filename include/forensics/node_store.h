// The Go daemon's own store, coinjecture.db (SQLite), as a chain source: docs/node-store.md says what
// its tables mean and how it is read (read-only, live, every byte left as it was).
#ifndef FORENSICS_NODE_STORE_H_
#define FORENSICS_NODE_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "forensics/chain_source.h"
#include "forensics/result.h"

namespace forensics {

// True when `path` is a regular file that starts with SQLite's 16-byte header "SQLite format 3\0"
// (a pipe, a FIFO or "-" is never read by the question).
bool IsSqliteFile(const std::string& path);

struct NodeStoreOptions {
  std::optional<Profile> profile;   // the blocks are neta headers; core-v4 only when asked
  std::optional<ChainMeta> genesis;  // --genesis: allocations, validators, treasury (else: empty genesis)
};

// Opens coinjecture.db read-only and checks its schema. The source yields the blocks in height order
// (transactions from tx_data joined with `transactions`, each block with its supply_metrics and
// fee_tracking rows), then the node's accounts as a snapshot at chain_state.head_block_number.
// Errors name the table, the row and the column; a database SQLite could read only by writing to
// it is refused with what to do instead.
Result<std::unique_ptr<ChainSource>> OpenNodeStore(const std::string& path, const NodeStoreOptions& options = {});

// The genesis of --genesis FILE: the chain record of an export (its first line; the export itself
// will do) or a JSON list of {"address","balance","nonce"}.
Result<ChainMeta> LoadGenesisFile(const std::string& path);

}  // namespace forensics

#endif  // FORENSICS_NODE_STORE_H_
