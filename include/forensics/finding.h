// Finding: one rule a block breaks, as a value (never a Status). Codes are the stable kebab-case
// strings of cli.md; `upstream` is the upstream error name and code where one exists.
#ifndef FORENSICS_FINDING_H_
#define FORENSICS_FINDING_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/types.h"

namespace forensics {

struct Finding {
  BlockHeight height = 0;
  std::string code;      // "state-root-mismatch"
  std::string upstream;  // "StateRootMismatch (E9007)", empty when upstream has no name for it
  std::string expected;  // what the rules (the replay) say
  std::string actual;    // what the chain data says
  std::string detail;    // one sentence of context
  std::optional<size_t> tx_index;
  std::optional<Hash32> tx_hash;
  std::vector<Address> accounts;  // accounts involved, for consequence tracking and reports
};

// The upstream error name and code for a finding code, or "" (chain.md §2).
std::string_view UpstreamName(std::string_view code);

// What a finding depends on, and so how an earlier fault can cause it (the replay's causality labels).
enum class StateDependence {
  kNone,        // the block or transaction alone (hashes, links, signatures, fees, the block's own supply change)
  kAccounts,    // the replayed values of the accounts it names (balances, nonces, recorded values)
  kWholeState,  // the whole replayed state (the state root)
};
StateDependence DependenceOf(std::string_view code);

}  // namespace forensics

#endif  // FORENSICS_FINDING_H_
