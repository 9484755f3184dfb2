// The RocksDB chain store: import of NDJSON exports, and read-only (secondary) opening of a store as
// a ChainSource. The layout (column families, key and value encodings) is documented in
// chain/store/README.md.
#ifndef FORENSICS_CHAIN_STORE_H_
#define FORENSICS_CHAIN_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/chain_source.h"
#include "forensics/inputs.h"

namespace forensics {

// --- Reading ----------------------------------------------------------------------------------

// Opens the store at `dir` without ever writing to it: as a RocksDB secondary instance (so it works
// while another process holds the store open for writing), its info log discarded and its secondary
// path in a private temporary directory; every file operation that would create, change or remove
// anything under `dir` is refused at the file-system layer. `profile` overrides the chain's own.
// NotFound: no such directory, or not a chain store. Corruption: a missing column family, damaged
// files, an undecodable record. IoError: the files cannot be read. Every message names `dir`.
//
// Records come in height order, a snapshot right after the block of its height; blocks carry
// source "DIR block H" and snapshots "DIR snapshot H" (line 0). SeekToSnapshotAtOrBelow(h) works at
// any time: the next record is then the highest snapshot ≤ h, followed by the blocks above it.
Result<std::unique_ptr<ChainSource>> OpenChainStore(const std::string& dir, std::optional<Profile> profile);

// Blocks whose stored hash starts with `hex_prefix` (1–64 hex digits, optional 0x, any case), found
// through the hash index with a prefix seek, in hash order; at most `max_matches` of them.
// InvalidArgument if the prefix is not hex. An empty vector when nothing matches.
Result<std::vector<BlockRef>> FindBlocksByHashPrefix(const std::string& dir, std::string_view hex_prefix,
                                                     size_t max_matches = 21);
// The same on a source opened by OpenChainStore (or OpenChain on a directory); NotSupported for any
// other ChainSource (an export has no index).
Result<std::vector<BlockRef>> FindBlocksByHashPrefix(const ChainSource& store, std::string_view hex_prefix,
                                                     size_t max_matches = 21);
// Exactly one block for `hex_prefix` (PrefixMatches::One): NotFound when none matches, InvalidArgument
// listing the candidates (up to 20) when several do.
Result<BlockRef> ResolveBlockHashPrefix(const ChainSource& store, std::string_view hex_prefix);

// --- Import -----------------------------------------------------------------------------------

struct ImportProgress {
  std::string file;                 // the export being read
  size_t file_index = 0;            // 0-based, of files_total
  size_t files_total = 0;
  uint64_t file_bytes_read = 0;     // of the current file (compressed bytes for .zst/.gz)
  uint64_t file_bytes_total = 0;
  uint64_t blocks = 0;              // committed so far in this run
  uint64_t snapshots = 0;
  std::optional<BlockHeight> height;  // highest committed block
  double seconds = 0;
};

struct ImportStats {
  size_t files = 0;
  uint64_t lines = 0;               // non-blank lines read, chain lines included
  uint64_t blocks = 0;              // blocks written in this run
  uint64_t blocks_replaced = 0;     // of which already stored (identical or not): a re-run
  uint64_t transactions = 0;
  uint64_t snapshots = 0;
  uint64_t state_change_sets = 0;
  std::optional<BlockHeight> first_height, last_height;  // of this run
  uint64_t store_blocks = 0;        // blocks in the store afterwards
  std::optional<BlockHeight> store_min_height, store_max_height;
  uint64_t input_bytes = 0;         // bytes of the export files
  double seconds = 0;
};

struct ImportOptions {
  std::vector<std::string> exports;  // NDJSON exports (plain, .zst, .gz), blocks in height order across them
  std::string db_dir;                // created if missing or empty; else must already be a chain store
  // The genesis of a coinjecture.db among the exports (node_store.h); refused for an export, which has its own.
  std::optional<ChainMeta> genesis;
  std::function<void(const ImportProgress&)> progress;  // after each committed batch; may be empty
  size_t batch_bytes = 4u << 20;     // a WriteBatch is committed when it reaches this size
};

// Imports the exports in the given order into the store at options.db_dir (the only writer).
//  1. Every export's chain line must describe the same chain (format, profile, validators,
//     treasury, genesis accounts) as the others and as the store's, else InvalidArgument.
//  2. Records are parsed one line at a time and written in WriteBatches of whole blocks and whole
//     snapshots; each batch also carries the updated metadata, so the store is consistent after
//     every commit (RocksDB applies a batch atomically across column families).
//  3. Block heights must strictly increase across the run (likewise snapshot heights); a block that
//     is already stored is replaced with everything it owned (hash index entry, transactions, state
//     changes), so re-running an import leaves the store as it was.
//  4. A line that does not decode, damage in a compressed export, or an out-of-order height stops
//     the import: what came before it is committed and flushed (and usable), and the Corruption
//     names file:line (or the byte offset of the damage).
// The store is flushed at the end, so readers need no write-ahead-log replay.
Result<ImportStats> ImportExports(const ImportOptions& options);

}  // namespace forensics

#endif  // FORENSICS_CHAIN_STORE_H_
