// How a parity drift is explained: the chain's blocks by both header hashes (ChainIndex, LoadChain),
// and the classification of one drift's logged values against them (Classify), down to the header
// fields whose legacy and core-v4 encodings differ (docs/chain.md §1.4). Private to the forensics
// library; the analysis is forensics/parity_drift.cpp.
#ifndef FORENSICS_DRIFT_CLASSIFY_H_
#define FORENSICS_DRIFT_CLASSIFY_H_

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "forensics/codec.h"
#include "forensics/parity.h"

namespace forensics {

inline constexpr int64_t kUsPerSec = 1000000;

inline std::string HexOf(std::string_view s) { return ToHex({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }

struct ChainBlock {
  BlockHeight height = 0;
  CoreV4Header header;
  std::string source;
};

// Every block of --chain by both its hashes: the chain is read before the logs, so that each
// drift is classified as it is read and not kept. Its memory grows with the chain, not the logs.
struct ChainIndex {
  bool loaded = false;
  std::unordered_map<std::string, ChainBlock> by_core_v4;       // raw 32-byte hash → block
  std::unordered_map<std::string, BlockHeight> legacy_to_height;  // raw legacy hash → height
  std::optional<int> first_year;
};

// What a drift's values say about the input: the same for every drift with those values.
struct ValueProblem {
  std::string what;
  std::string excerpt;
};

// Reads every block of the chain at `path`; what cannot be read becomes a warning naming the input
// as `chain_option` (the front end's spelling of the chain option).
ChainIndex LoadChain(const std::string& path, std::optional<Profile> profile, std::string_view chain_option,
                     ParityDriftReport* r, std::vector<std::string>* warnings);

// Why a drift has its status: one per kind of cluster (the cluster key spells it after the function).
enum class DriftReason : uint8_t {
  kNoValues,            // no-values
  kBadRepr,             // malformed/bad-repr
  kWrongLength,         // malformed/wrong-length
  kEqualValues,         // unexplained/equal-values
  kValueDiffers,        // unexplained/value-differs
  kRefactoredDiffers,   // unexplained/refactored-differs
  kLegacyHashMismatch,  // unexplained/legacy-hash-mismatch
  kNotVerified,         // not-verified
  kNotInChain,          // not-in-chain
  kExplained,           // explained/<fields>
};

// Classifies one drift; sets status, cause, cluster and explanation, and *problem for bad input.
// `chain`: null when no chain was given.
DriftReason Classify(Drift* d, const ChainIndex* chain, std::optional<ValueProblem>* value_problem);

// The cause shared by every drift of d's cluster (`reason`: what Classify returned for d).
std::string ClusterCause(const Drift& d, DriftReason reason);

// Listing order of the statuses: the doubtful first.
int StatusRank(DriftStatus s);

}  // namespace forensics

#endif  // FORENSICS_DRIFT_CLASSIFY_H_
