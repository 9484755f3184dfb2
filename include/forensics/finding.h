// Finding: one rule a block breaks, as a value (never a Status). Codes are the stable kebab-case
// strings of docs/cli.md; `upstream` is the upstream error name and code where one exists.
#ifndef FORENSICS_FINDING_H_
#define FORENSICS_FINDING_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/types.h"

namespace forensics {

// What a FindingValue measures, and so how its strings read: wei, gas, nonce, height and
// transactions are decimal digits (a '-' first for a negative difference); hash is 64 hex digits;
// signature is "valid" or "invalid".
enum class ValueUnit { kWei, kGas, kNonce, kHeight, kTransactions, kHash, kSignature };

// How the chain's value must relate to the rules' for the rule to hold: actual = expected,
// actual ≥ expected (a floor) or actual ≤ expected (a ceiling).
enum class ValueRelation { kEqual, kAtLeast, kAtMost };

// One quantity a finding compares, for scripts, beside the prose of Finding::expected and ::actual.
// The strings are exact (a sum that overflows u64 is given in full, not saturated).
struct FindingValue {
  std::string name;  // what is compared: "balance", "fee", "state_root", …
  ValueUnit unit = ValueUnit::kWei;
  ValueRelation relation = ValueRelation::kEqual;
  std::string expected;  // what the rules (the replay) say
  std::string actual;    // what the chain data says
};

constexpr std::string_view ValueUnitName(ValueUnit u) {
  switch (u) {
    case ValueUnit::kWei: return "wei";
    case ValueUnit::kGas: return "gas";
    case ValueUnit::kNonce: return "nonce";
    case ValueUnit::kHeight: return "height";
    case ValueUnit::kTransactions: return "transactions";
    case ValueUnit::kHash: return "hash";
    case ValueUnit::kSignature: return "signature";
  }
  return "";
}

constexpr std::string_view ValueRelationName(ValueRelation r) {
  switch (r) {
    case ValueRelation::kEqual: return "=";
    case ValueRelation::kAtLeast: return ">=";
    case ValueRelation::kAtMost: return "<=";
  }
  return "";
}

// Every rule a finding can name. The table in chain/finding.cpp gives each its stable kebab-case name
// (docs/cli.md), its upstream error name and code, and what it depends on; callers ask the code.
enum class FindingCode : uint8_t {
  kBlockHashMismatch,
  kHeightGap,
  kParentLinkBroken,
  kTxRootMismatch,
  kBadSignature,
  kGasLimitTooLow,
  kFeeTooLow,
  kGasAccounting,
  kAmountOverflow,
  kInvalidNonce,
  kInsufficientBalance,
  kBalanceOverflow,
  kStateChangeMismatch,
  kInflationDetected,
  kSupplyDeficit,
  kStateRootMismatch,
  kSupplyLedgerMismatch,  // the node's supply_metrics row (coinjecture.db) differs from the replay
  kFeeLedgerMismatch,     // the node's fee_tracking row differs from the replay
};

struct Finding {
  BlockHeight height = 0;
  FindingCode code = FindingCode::kStateRootMismatch;
  std::string expected;  // what the rules (the replay) say
  std::string actual;    // what the chain data says
  std::string detail;    // one sentence of context
  std::optional<size_t> tx_index;
  std::optional<Hash32> tx_hash;
  std::vector<Address> accounts;  // accounts involved, for consequence tracking and reports
  std::vector<FindingValue> values;  // the compared quantities, where the check has them as numbers or hashes
};


// What a finding depends on, and so how an earlier fault can cause it (the replay's causality labels).
enum class StateDependence {
  kNone,        // the block or transaction alone (hashes, links, signatures, fees, the block's own supply change)
  kAccounts,    // the replayed values of the accounts it names (balances, nonces, recorded values)
  kWholeState,  // the whole replayed state (the state root)
};

// "state-root-mismatch": the name reports and JSON print.
std::string_view FindingCodeName(FindingCode code);
// The upstream error name and code for a finding code, or "" (docs/chain.md §2).
std::string_view UpstreamName(FindingCode code);
StateDependence DependenceOf(FindingCode code);

}  // namespace forensics

#endif  // FORENSICS_FINDING_H_
