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
#include "forensics/result.h"

namespace forensics::node_store {

struct TxDataEntry {
  std::optional<Hash32> hash;  // "tx_hash" (P2P) or "hash" (validate-supply)
  std::optional<Address> from, to;
  std::optional<uint64_t> amount, fee, nonce, gas_limit, gas_price;
  std::optional<uint8_t> tx_type;
  std::optional<Signature> signature;
};

// `where` is "PATH: table blocks, block N, column tx_data"; messages add "field tx_data[3].from".
// `parser` is reused from block to block (it keeps its buffers).
Result<std::vector<TxDataEntry>> DecodeTxData(simdjson::dom::parser* parser, std::string_view json, const std::string& where);

}  // namespace forensics::node_store

#endif  // FORENSICS_CHAIN_NODE_STORE_TX_DATA_H_
