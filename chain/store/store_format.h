// Internal: the chain store's column families, key encodings and value codecs
// (chain/store/README.md is the reference; keep the two in step).
#ifndef FORENSICS_CHAIN_STORE_STORE_FORMAT_H_
#define FORENSICS_CHAIN_STORE_STORE_FORMAT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/chain.h"
#include "forensics/result.h"

namespace forensics::store {

inline constexpr std::string_view kFormat = "coinjecture-chain-store/1";

// Column families, in the order the store is opened with (after "default", which stays empty).
inline constexpr std::string_view kCfMeta = "meta";
inline constexpr std::string_view kCfBlocks = "blocks";
inline constexpr std::string_view kCfHashIndex = "block_hash_index";
inline constexpr std::string_view kCfTransactions = "transactions";
inline constexpr std::string_view kCfStateChanges = "state_changes";
inline constexpr std::string_view kCfSnapshots = "snapshots";
inline constexpr std::array<std::string_view, 6> kColumnFamilies = {
    kCfMeta, kCfBlocks, kCfHashIndex, kCfTransactions, kCfStateChanges, kCfSnapshots};
enum CfIndex { kMeta = 0, kBlocks, kHashIndex, kTransactions, kStateChanges, kSnapshots, kCfCount };

// Keys of the meta column family.
inline constexpr std::string_view kMetaFormat = "format";          // kFormat
inline constexpr std::string_view kMetaChain = "chain";            // EncodeMeta
inline constexpr std::string_view kMetaBlockCount = "block_count"; // u64 BE
inline constexpr std::string_view kMetaMinHeight = "min_height";   // u64 BE, absent while no block
inline constexpr std::string_view kMetaMaxHeight = "max_height";   // u64 BE, absent while no block
inline constexpr std::string_view kMetaSnapshotCount = "snapshot_count";  // u64 BE
// Highest snapshot / state-change height stored (absent while there is none): with min_height and
// max_height they let a reader check that each column family ends where the metadata says.
inline constexpr std::string_view kMetaMaxSnapshotHeight = "max_snapshot_height";          // u64 BE
inline constexpr std::string_view kMetaMaxStateChangeHeight = "max_state_change_height";  // u64 BE

// Accounts per value of a snapshot chunk.
inline constexpr uint32_t kSnapshotChunkAccounts = 4096;

// --- Keys (big-endian, so that byte order is numeric order) -----------------------------------
std::string U64Key(uint64_t v);                              // 8 bytes
std::string U64U32Key(uint64_t a, uint32_t b);               // 12 bytes
uint64_t ReadU64BE(const char* p);
uint32_t ReadU32BE(const char* p);

// --- Values -----------------------------------------------------------------------------------
// A block's own value: header fields with a presence mask, the number of transactions, and the
// names of the fields the money rules needed that the input lacked. Height lives in the key;
// transactions and state changes live in their own column families.
std::string EncodeBlock(const Block& b);
// Decodes into *b (height, txs, state_changes and source are left to the caller); *tx_count gets
// the number of transactions to read. Corruption naming `where` on any inconsistency.
Status DecodeBlock(std::string_view v, std::string_view where, Block* b, uint32_t* tx_count);

std::string EncodeTx(const Transaction& tx);
Status DecodeTx(std::string_view v, std::string_view where, Transaction* tx);

std::string EncodeAccounts(const AccountEntry* begin, size_t n);
Status DecodeAccounts(std::string_view v, std::string_view where, std::vector<AccountEntry>* out);

// The snapshot header value: account count and chunk count.
std::string EncodeSnapshotHeader(uint64_t accounts, uint32_t chunks);
Status DecodeSnapshotHeader(std::string_view v, std::string_view where, uint64_t* accounts, uint32_t* chunks);

std::string EncodeMeta(const ChainMeta& m);
Status DecodeMeta(std::string_view v, std::string_view where, ChainMeta* m);

}  // namespace forensics::store

#endif  // FORENSICS_CHAIN_STORE_STORE_FORMAT_H_
