// The COINjecture v4 chain model as the analyzer reads it (docs/chain.md §1–§5): profiles, headers,
// transactions, blocks, snapshots and the export's chain metadata.
#ifndef FORENSICS_CHAIN_H_
#define FORENSICS_CHAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/types.h"

namespace forensics {

enum class Profile { kNeta, kCoreV4 };
std::string_view ProfileName(Profile p);
std::optional<Profile> ParseProfile(std::string_view name);

enum class TxType : uint8_t { kTransfer = 1, kProblemSubmission = 2, kBountyPayment = 3 };

struct Transaction {
  uint8_t codec_version = 1;
  uint8_t tx_type = 1;
  Address from;
  Address to;
  Amount amount = 0;
  uint64_t nonce = 0;
  uint64_t gas_limit = 0;
  uint64_t gas_price = 0;
  std::optional<Signature> signature;  // absent: the signature check is unverifiable
  std::string data;                    // raw bytes
  int64_t timestamp = 0;
  std::optional<Hash32> hash;          // as given by the input (core-v4 tx hashes come only from here)
  std::optional<uint64_t> fee;         // as given by the input
  // False when a field of the signing message (codec_version, tx_type, timestamp, data) was absent:
  // the signature and neta tx hash are then unverifiable.
  bool message_complete = true;
};

// Header fields of both profiles; a field absent from the input is nullopt (its checks are
// unverifiable). Aliases (block_index/block_number, merkle_root, miner_address, …) are resolved by
// the readers.
struct BlockHeader {
  BlockHeight height = 0;
  std::optional<Hash32> hash;         // the stored (claimed) block hash
  std::optional<Hash32> parent_hash;
  std::optional<Hash32> state_root;   // neta: in the header; core-v4: the root the node recorded
  std::optional<Hash32> tx_root;      // neta tx_root / core-v4 merkle_root
  std::optional<int64_t> timestamp;
  std::optional<Address> validator;  // neta validator / core-v4 miner_address
  std::optional<uint64_t> difficulty;  // neta difficulty / core-v4 difficulty_target
  std::optional<uint64_t> nonce;
  std::optional<uint64_t> gas_limit;  // neta only
  std::optional<uint64_t> gas_used;   // neta only
  std::optional<std::string> extra_data;  // raw bytes
  std::optional<uint8_t> codec_version;   // core-v4 only
  std::optional<Hash32> commitment;       // core-v4 only
};

// A stored value the reader could not take exactly (a coinjecture.db balance written as uint64 through
// SQLite's int64 and read back negative, or stored as a REAL): where it is and what is stored there.
struct LostValue {
  std::string table;   // "accounts", "supply_metrics"
  std::string key;     // the row: an address in hex, or "block 137"
  std::string column;  // "balance"
  std::string stored;  // the stored value as SQLite gives it: "-5", "1e+24"
  std::string why;     // "negative INTEGER", "REAL"
};

// The node's own per-block money ledger (coinjecture.db supply_metrics and fee_tracking rows,
// docs/node-store.md), when the source holds one; nullopt: the row or the column is absent, or its
// value was lost (listed in `lost`).
struct NodeLedger {
  bool supply_row = false;  // a supply_metrics row exists for the block
  std::optional<Wei128> total_supply, circulating_supply, locked_supply, burned_cumulative;
  std::optional<Wei128> minted_this_block, burned_this_block;
  bool fee_row = false;  // a fee_tracking row exists for the block
  std::optional<Wei128> total_fees;
  std::vector<LostValue> lost;
};

struct Block {
  BlockHeader header;
  std::vector<Transaction> txs;
  // Fields the money rules need that the input lacked ("transactions", "tx[3].amount", …). When not
  // empty the block cannot be applied: state checks stop being verifiable from this block on.
  std::vector<std::string> state_fields_missing;
  std::optional<std::vector<AccountEntry>> state_changes;  // the node's recorded post-block values
  std::optional<NodeLedger> node_ledger;  // the node's own money ledger for the block (SQLite store)
  // Where the block came from, for messages: file and 1-based line (exports) or a store key.
  std::string source;
  uint64_t line = 0;
};

struct Snapshot {
  BlockHeight height = 0;
  std::vector<AccountEntry> accounts;
  // The header of block `height`, when a source positioned at the snapshot (SeekToSnapshotAtOrBelow)
  // read it without returning the block: the replay checks the snapshot against its state root and
  // the next block's parent link against its hash. Empty otherwise: the block precedes the snapshot.
  std::optional<BlockHeader> header;
  // Accounts whose stored values could not be read exactly: left out of `accounts`, never compared.
  std::vector<LostValue> lost;
  // The node's ledger row at `height`, when the source holds one (SQLite store).
  std::optional<NodeLedger> node_ledger;
  std::string source;
  uint64_t line = 0;
};

struct ChainMeta {
  std::string format;  // "coinjecture-chain-export/1"
  Profile profile = Profile::kNeta;
  std::vector<Address> validators;
  std::optional<Address> treasury;  // default: the first validator
  std::vector<AccountEntry> genesis_accounts;

  // The treasury in effect: the explicit one, else the first validator, else nullopt.
  std::optional<Address> Treasury() const {
    if (treasury) return treasury;
    if (!validators.empty()) return validators.front();
    return std::nullopt;
  }
};

}  // namespace forensics

#endif  // FORENSICS_CHAIN_H_
