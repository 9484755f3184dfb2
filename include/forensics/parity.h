// `forensics --issue parity-drift`: reads the shadow-mode parity log of the Python shims
// (docs/logs.md "The parity (shadow-mode) log") and a Prometheus metrics file, counts comparisons and
// drifts, and explains header drifts by recomputing both header encodings from chain data
// (docs/chain.md §1.2, §1.4).
//
// AnalyzeParityDrift: files → ParityDriftReport (counts, buckets, clusters, explanations), over the
// records of the chain layer's parity log reader (forensics/parity_log.h).
// Nothing here prints or exits; damaged input is counted and reported, never fatal.
#ifndef FORENSICS_PARITY_H_
#define FORENSICS_PARITY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "forensics/chain.h"
#include "forensics/option_names.h"
#include "forensics/parity_log.h"
#include "forensics/report.h"
#include "forensics/result.h"
#include "forensics/verdict.h"

namespace forensics {

// --- The analysis --------------------------------------------------------------------------------

struct ParityDriftOptions {
  std::vector<std::string> log_files;
  std::optional<std::string> chain_path;
  std::optional<std::string> metrics_path;
  std::optional<Profile> profile;
  std::optional<int64_t> since_us, until_us;
  std::optional<int> year;
  OptionSpeller option_names = OptionFieldName;  // how warnings and advice name the options above
  // When set and true, stop reading the logs at the next batch of lines and report what was read,
  // marked partial (the CLI sets it on SIGINT or SIGTERM). Must outlive the analysis.
  const std::atomic<bool>* stop_requested = nullptr;
};

// Why a drift happened, as far as the inputs tell.
enum class DriftStatus {
  kUnexplained,      // values known, and no known codec difference reproduces the logged legacy value
  kExplained,        // recomputed from chain data: the logged legacy value is reproduced
  kNotInChain,       // --chain given, but no block has the logged refactored (core-v4) hash
  kNotVerified,      // a header drift without --chain: the cause is presumed, not checked
  kNoValues,         // a grep excerpt: only the first line, no values
  kMalformed,        // a value that does not parse, or a hash of the wrong length
};
std::string_view DriftStatusName(DriftStatus s);

struct FieldDifference {
  std::string field;        // "extra_data"
  std::string legacy_hex;   // the field's value bytes in the legacy encoding ("c400")
  std::string core_v4_hex;  // and in the core-v4 encoding ("90")
};

struct DriftExplanation {
  BlockHeight height = 0;
  std::string block_hash;           // core-v4 hash (= the logged refactored value), 64 hex
  std::string legacy_hash;          // recomputed legacy hash
  std::string core_v4_hash;         // recomputed core-v4 hash
  bool legacy_confirmed = false;    // recomputed legacy hash == the logged legacy value
  bool core_v4_confirmed = false;   // recomputed core-v4 hash == the logged refactored value
  std::vector<FieldDifference> fields;  // fields whose encodings differ
  size_t first_difference = 0;      // byte offset of the first difference
  std::string legacy_window_hex;    // bytes around it in the legacy encoding
  std::string core_v4_window_hex;   // and in the core-v4 encoding
  size_t window_start = 0;          // offset of the window's first byte
  std::string legacy_encoding_hex;  // both full encodings
  std::string core_v4_encoding_hex;
  std::string chain_source;         // file:line of the block
};

struct Drift {
  std::string function;
  std::string file;
  uint64_t line = 0, offset = 0;
  std::optional<int64_t> time_us;
  ParityPrefix prefix = ParityPrefix::kNone;
  std::optional<std::string> legacy_repr, refactored_repr;
  std::optional<PyValue> legacy, refactored;
  std::optional<double> legacy_ms, refactored_ms;
  DriftStatus status = DriftStatus::kUnexplained;
  std::string cause;  // one line: what explains it or why it is not explained
  std::string cluster;
  std::optional<DriftExplanation> explanation;
};

struct FunctionCounts {
  std::string function;
  uint64_t drifts = 0;
  std::optional<uint64_t> matches;      // when knowable for this function
  std::optional<uint64_t> comparisons;
  std::optional<double> drift_rate;
  uint64_t unexplained = 0;
  uint64_t legacy_failures = 0, refactored_failures = 0, fallbacks = 0, fallback_successes = 0;
  std::optional<uint64_t> metrics_drifts;  // coinjecture_parity_drifts_total{function=…}
};

struct MinuteBucket {
  int64_t minute_us = 0;  // start of the minute, UTC
  uint64_t drifts = 0;
  uint64_t matches = 0;   // from parity ✓ lines only
  uint64_t failures = 0;  // failures and fallbacks
};

struct DriftCluster {
  std::string key;        // stable: "compute_header_hash/explained/extra_data"
  std::string function;
  DriftStatus status = DriftStatus::kUnexplained;
  std::string cause;
  uint64_t count = 0;
  std::optional<int64_t> first_time_us, last_time_us;
  std::optional<BlockHeight> min_height, max_height;
  std::string first_file;
  uint64_t first_line = 0;
};

struct FailureRecord {
  ParityRecordKind kind = ParityRecordKind::kLegacyFailed;
  std::string function;
  std::string error;
  std::string file;
  uint64_t line = 0;
  std::optional<int64_t> time_us;
};

struct ParityReportBlock {
  std::string file;
  uint64_t line = 0;
  std::optional<int64_t> time_us;
  std::optional<std::string> codec_mode;
  std::optional<bool> rust_available;
  std::optional<uint64_t> matches, drifts;
  bool closed = false;
  // log_parity_report() raised instead of writing the block: the exception line of its traceback
  // ("TypeError: unsupported operand type(s) for +: 'int' and 'Counter'").
  std::optional<std::string> error;
};

struct ParityMetrics {
  std::optional<double> matches_total;
  std::optional<double> drifts_total;  // sum over every function label (or the unlabelled one)
  std::map<std::string, double> drifts_by_function;
  std::optional<double> pin_quorum_success_total, pin_quorum_failures_total, state_violations_total;
  uint64_t samples = 0;
};

struct ParityDriftReport {
  Verdict verdict = Verdict::kInconclusive;
  std::vector<InputFile> inputs;
  std::vector<std::string> warnings;
  std::vector<std::string> advice;  // runbook consequences, most severe first
  bool partial = false;        // the analysis stopped before the end of its inputs (stop_requested)
  std::string stopped_reason;  // what stopped it and where; empty unless partial

  std::optional<uint64_t> comparisons;  // null when the inputs cannot tell
  std::optional<uint64_t> matches;
  uint64_t drifts = 0;                  // drift records in the logs
  std::optional<double> drift_rate;
  std::string counts_source;  // "parity ✓ lines", "PARITY REPORT block", "metrics", or "" (unknown)
  std::optional<uint64_t> source_drifts;  // the drifts the counts source states (for the rate)
  bool emergency_rollback = false;        // drift rate above 1% or a state violation in metrics
  bool rollout_blocked = false;           // any drift

  std::vector<FunctionCounts> by_function;  // by name
  std::vector<MinuteBucket> per_minute;     // by time
  uint64_t drifts_without_time = 0;
  std::optional<Drift> first_drift;         // the earliest by time, else the first read
  std::vector<Drift> drifts_list;           // unexplained first, then by time / file order (capped)
  uint64_t drifts_listed_cap = 0;           // when nonzero, drifts_list holds only this many
  std::vector<DriftCluster> clusters;       // unexplained first, then by count
  uint64_t unexplained = 0, explained = 0, not_in_chain = 0, not_verified = 0, no_values = 0, malformed = 0;
  std::vector<FailureRecord> failures;      // failures and fallbacks (capped)
  uint64_t legacy_failures = 0, refactored_failures = 0, fallbacks = 0, fallback_successes = 0;
  std::vector<ParityReportBlock> report_blocks;
  std::optional<ParityMetrics> metrics;
  std::optional<Profile> chain_profile;
  uint64_t chain_blocks = 0;
  std::vector<ParityProblem> problems;  // bad input (capped); problem_count counts all
  uint64_t problem_count = 0;
  uint64_t lines_read = 0;
  // For journald short times: --year, else the year of the latest full time (a date closer to the
  // full times in the year before or after took that year: see the warnings), else the chain's, else 1970.
  std::optional<int> year_used;
};

// Reads every log (any container of LineReader), the optional chain and metrics. Error only when
// nothing could be read at all; unreadable parts become warnings and problems.
Result<ParityDriftReport> AnalyzeParityDrift(const ParityDriftOptions& options);

std::string RenderParityDriftText(const ParityDriftReport& r);
std::string RenderParityDriftJson(const ParityDriftReport& r, const ReportStamp& stamp);
std::string RenderParityDriftMarkdown(const ParityDriftReport& r, const ReportStamp& stamp);
std::string ParityDriftTitle(const ParityDriftReport& r);

// Field-by-field comparison of two header encodings (msgpack named maps): the fields whose value
// bytes differ. Empty when either does not parse as a map of fixstr keys.
std::vector<FieldDifference> CompareHeaderEncodings(std::string_view legacy, std::string_view core_v4);

}  // namespace forensics

#endif  // FORENSICS_PARITY_H_
