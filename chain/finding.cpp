// The finding codes, once: name, upstream error and dependence (docs/cli.md, docs/chain.md §2).
#include "forensics/finding.h"

namespace forensics {
namespace {

struct CodeRow {
  FindingCode code;
  std::string_view name, upstream;
  StateDependence dependence;
};

// inflation-detected and supply-deficit compare the node's change of Σ balances over one block with the
// rules': an earlier difference in the balances does not move them, so they depend on nothing before.
constexpr CodeRow kCodes[] = {
    {FindingCode::kBlockHashMismatch, "block-hash-mismatch", "", StateDependence::kNone},
    {FindingCode::kHeightGap, "height-gap", "", StateDependence::kNone},
    {FindingCode::kParentLinkBroken, "parent-link-broken", "", StateDependence::kNone},
    {FindingCode::kTxRootMismatch, "tx-root-mismatch", "MerkleRootMismatch (E6002)", StateDependence::kNone},
    {FindingCode::kBadSignature, "bad-signature", "", StateDependence::kNone},
    {FindingCode::kGasLimitTooLow, "gas-limit-too-low", "GasLimitTooLow (E9006)", StateDependence::kNone},
    {FindingCode::kFeeTooLow, "fee-too-low", "FeeTooLow (E9004)", StateDependence::kNone},
    {FindingCode::kGasAccounting, "gas-accounting", "", StateDependence::kNone},
    {FindingCode::kAmountOverflow, "amount-overflow", "AmountOverflow (E9005)", StateDependence::kNone},
    {FindingCode::kInvalidNonce, "invalid-nonce", "InvalidNonce (E9003)", StateDependence::kAccounts},
    {FindingCode::kInsufficientBalance, "insufficient-balance", "InsufficientBalance (E9001)", StateDependence::kAccounts},
    {FindingCode::kBalanceOverflow, "balance-overflow", "BalanceOverflow (E9000)", StateDependence::kAccounts},
    {FindingCode::kStateChangeMismatch, "state-change-mismatch", "", StateDependence::kAccounts},
    {FindingCode::kInflationDetected, "inflation-detected", "InflationDetected (E9008)", StateDependence::kNone},
    {FindingCode::kSupplyDeficit, "supply-deficit", "", StateDependence::kNone},
    {FindingCode::kStateRootMismatch, "state-root-mismatch", "StateRootMismatch (E9007)", StateDependence::kWholeState},
    // The ledger's total supply is the whole state's; its other columns are the block's own, but one
    // code carries them all, so the conservative dependence.
    {FindingCode::kSupplyLedgerMismatch, "supply-ledger-mismatch", "", StateDependence::kWholeState},
    {FindingCode::kFeeLedgerMismatch, "fee-ledger-mismatch", "", StateDependence::kNone},
};

const CodeRow& Row(FindingCode code) {
  for (const CodeRow& r : kCodes)
    if (r.code == code) return r;
  return kCodes[0];  // unreachable: every enumerator has a row (tests/finding_tests.cpp)
}

}  // namespace

std::string_view FindingCodeName(FindingCode code) { return Row(code).name; }
std::string_view UpstreamName(FindingCode code) { return Row(code).upstream; }
StateDependence DependenceOf(FindingCode code) { return Row(code).dependence; }

}  // namespace forensics
