// Generator of parity (shadow-mode) logs for tests, samples and benchmarks: the records of
// docs/logs.md in any prefix style, with explained header drifts (both encodings recomputed from real
// headers), unexplained drifts, matches, failures, fallbacks and PARITY REPORT blocks, plus a
// matching Prometheus metrics file and a core-v4 chain export. Deterministic for a given seed.
// Reports and failures are written the way upstream's shims write them (shared/real/parity/).
#ifndef FORENSICS_PARITY_GEN_H_
#define FORENSICS_PARITY_GEN_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/codec.h"
#include "forensics/parity.h"
#include "forensics/result.h"

namespace forensics {

struct ParityGenOptions {
  // Prefix styles, used in turn record by record (one style gives a uniform file).
  std::vector<ParityPrefix> styles = {ParityPrefix::kPythonAsctime};
  uint64_t matches = 200;             // `parity ✓` comparisons (functions other than the header hash)
  uint64_t header_drifts = 10;        // compute_header_hash drifts of the given headers (explained)
  uint64_t unexplained_drifts = 1;    // header drifts whose legacy value matches no recomputation
  uint64_t other_drifts = 0;          // verify_subset_sum drifts (legacy True, refactored False)
  uint64_t not_in_chain_drifts = 0;   // header drifts of a header that is not among the given ones
  uint64_t fallbacks = 1;             // refactored failed → falling back → legacy fallback success
  uint64_t legacy_failures = 0;       // `legacy failed: …`
  bool log_matches = true;            // false: the matches are counted (report, metrics) but not logged
  uint64_t warmup_matches = 0;        // of `matches`: logged first, then (with report_block) a report
  // log_parity_report() at the end, and after the warm-up; as upstream behaves, it writes the
  // PARITY REPORT block while no drift was counted and raises once one was (the application logs
  // the traceback: ERROR `parity report failed` on coinjecture.node).
  bool report_block = true;
  uint64_t report_every = 0;          // log_parity_report() also after every this many records (0: never)
  bool grep_only = false;             // keep only lines holding "PARITY" (the runbook's grep)
  int64_t start_time_us = 1762263420000000;  // 2025-11-04T13:37:00Z
  int64_t step_us = 250000;           // mean time between records
  uint64_t seed = 1;
  std::string host = "node-a";
  int pid = 1234;
};

struct ParityGenSummary {
  uint64_t matches = 0;  // comparisons that matched (logged or not)
  uint64_t drifts = 0, explained = 0, unexplained = 0, other = 0, not_in_chain = 0;
  uint64_t fallbacks = 0, legacy_failures = 0;
  uint64_t report_blocks = 0, failed_reports = 0;  // log_parity_report() calls that wrote the block / raised
  uint64_t lines = 0, bytes = 0;
  std::vector<BlockHeight> explained_heights;  // block of each explained drift, in log order
};

// `n` linked core-v4 headers (index 0..n-1) with varied extra_data (empty, short, longer than 15
// bytes), deterministic for `seed`.
std::vector<CoreV4Header> SyntheticCoreV4Headers(size_t n, uint64_t seed);
// The core-v4 headers of a chain (OpenChain); blocks lacking a core-v4 field are skipped.
Result<std::vector<CoreV4Header>> CoreV4HeadersFromChain(const std::string& path);
// A coinjecture-chain-export/1 NDJSON of these headers (profile core-v4, no transactions, hash =
// the core-v4 hash).
std::string CoreV4ExportNdjson(std::span<const CoreV4Header> headers);

// Writes the log text to `sink` in pieces (whole lines). REQUIRES: headers not empty when any
// header drift is asked for.
Status GenerateParityLog(std::span<const CoreV4Header> headers, const ParityGenOptions& options,
                         const std::function<void(std::string_view)>& sink, ParityGenSummary* summary);
// A Prometheus text exposition consistent with the summary.
std::string ParityMetricsText(const ParityGenSummary& summary);

}  // namespace forensics

#endif  // FORENSICS_PARITY_GEN_H_
