// The report's wording of each check that could not run (include/forensics/unchecked.h).
#include "forensics/unchecked.h"

namespace forensics {

std::string CheckText(const Unchecked& u) {
  switch (u.kind) {
    case UncheckedKind::kBlockHashFieldMissing: return "block hash (missing " + u.detail + ")";
    case UncheckedKind::kBlockHashNotStored: return "block hash (no stored hash to compare)";
    case UncheckedKind::kParentLink: return "parent link";
    case UncheckedKind::kGasHeaderFields: return "gas accounting (header lacks gas_limit or gas_used)";
    case UncheckedKind::kGasTransactionsIncomplete: return "gas accounting (transactions incomplete)";
    case UncheckedKind::kRecordedStateUnknownState: return "recorded state changes (the replayed state is unknown)";
    case UncheckedKind::kRecordedStateNone: return "recorded state changes (none in the input)";
    case UncheckedKind::kTxRootNone: return "tx root (header has none)";
    case UncheckedKind::kTxRootNoTransactions: return "tx root (no transactions list)";
    case UncheckedKind::kTxRootSigningFields: return "tx root (a transaction lacks signing-message fields)";
    case UncheckedKind::kTxRootCoreHashMissing:
      return "tx root (core-v4 tx hashes are taken from the input, and a transaction has none)";
    case UncheckedKind::kStateRootNone: return "state root (none in the input)";
    case UncheckedKind::kStateRootNotCommitted: return "state root (not committed: 32 zero bytes)";
    case UncheckedKind::kStateRootStateUnknown: return "state root (the state before this block is unknown)";
    case UncheckedKind::kTransactionRules: return "transaction rules (the block could not be replayed)";
    case UncheckedKind::kSignatureMissing: return "signature (transaction without signature or signing-message fields)";
    case UncheckedKind::kNodeLedgerStateUnknown: return "the node's money ledger (the block was not replayed)";
    case UncheckedKind::kNodeLedgerColumn: return "the node's money ledger (" + u.detail + ")";
    case UncheckedKind::kStoredValueLost: return "stored value lost (" + u.detail + ")";
  }
  return "";
}

}  // namespace forensics
