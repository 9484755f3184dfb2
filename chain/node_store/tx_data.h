// A block's tx_data column (a JSON array in block order, in either upstream shape: the P2P
// TransactionInBlock or validate-supply's TxData, docs/node-store.md) decoded entry by entry, with
// which fields each entry gave. Private to forensics_chain (node_store/).
#ifndef FORENSICS_CHAIN_NODE_STORE_TX_DATA_H_
#define FORENSICS_CHAIN_NODE_STORE_TX_DATA_H_

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/chain.h"
#include "columns.h"
#include "forensics/result.h"

namespace forensics::node_store {

struct TxDataEntry {
  std::optional<Hash32> hash;  // "tx_hash" (P2P) or "hash" (validate-supply)
  std::optional<Address> from, to;
  std::optional<uint64_t> amount, fee, nonce, gas_limit, gas_price;
  std::optional<uint8_t> tx_type;
  std::optional<Signature> signature;
};

// Decodes block after block, keeping its buffers.
class TxDataDecoder {
 public:
  // `where` is the column ("PATH: table blocks, block N, column tx_data", spelled only for a message);
  // messages add "field tx_data[3].from". An entry's null is the same as its absence; keys of neither
  // shape are skipped.
  Result<std::vector<TxDataEntry>> Decode(std::string_view json, const ColumnWhere& where);
  // How many Decode calls the one-pass reader answered (the rest went to the field decoder).
  uint64_t one_pass() const { return one_pass_; }

 private:
  uint64_t one_pass_ = 0;
  simdjson::dom::parser parser_;  // for what the one-pass reader does not take
};

}  // namespace forensics::node_store

#endif  // FORENSICS_CHAIN_NODE_STORE_TX_DATA_H_
