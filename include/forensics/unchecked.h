// Unchecked: a check that could not run on a block, as a kind (never matched by its text). The report
// words each kind (CheckText) and counts blocks per wording; whether a kind keeps the verdict from
// "clean" is asked of the kind (BlocksClean), as docs/cli.md's "the verdict is scoped" describes.
#ifndef FORENSICS_UNCHECKED_H_
#define FORENSICS_UNCHECKED_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace forensics {

enum class UncheckedKind : uint8_t {
  kBlockHashFieldMissing,     // a header field the hash covers is absent (detail: the field)
  kBlockHashNotStored,        // the input gives no hash to compare with
  kParentLink,                // no parent hash, or no parent block read
  kGasHeaderFields,           // header lacks gas_limit or gas_used
  kGasTransactionsIncomplete,
  kRecordedStateUnknownState,  // recorded changes, but the replayed state is unknown
  kRecordedStateNone,          // no recorded state changes in the input
  kTxRootNone,
  kTxRootNoTransactions,
  kTxRootSigningFields,
  kTxRootCoreHashMissing,
  kStateRootNone,
  kStateRootNotCommitted,  // 32 zero bytes
  kStateRootStateUnknown,
  kTransactionRules,  // the block could not be replayed
  kSignatureMissing,  // a transaction without signature or signing-message fields
  kNodeLedgerStateUnknown,  // a supply_metrics / fee_tracking row, but the block was not replayed
  kNodeLedgerColumn,        // a ledger column not checked (detail: which, and why)
  kStoredValueLost,         // the store lost a value (detail: table, row, column, what is stored)
};

struct Unchecked {
  UncheckedKind kind = UncheckedKind::kParentLink;
  std::string detail;  // kBlockHashFieldMissing: the missing field; empty otherwise
};

// False for the kinds that mean a block was not replayed or not hashed: too much unverified for "clean".
constexpr bool AllowsClean(UncheckedKind k) {
  return k != UncheckedKind::kTransactionRules && k != UncheckedKind::kBlockHashFieldMissing &&
         k != UncheckedKind::kStoredValueLost;
}

// The report's wording of a kind (one row per wording: the detail is part of it).
std::string CheckText(const Unchecked& u);

}  // namespace forensics

#endif  // FORENSICS_UNCHECKED_H_
