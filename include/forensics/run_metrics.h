// The verdict of a run as a Prometheus textfile (--metrics-out FILE, docs/cli.md), for node_exporter's
// textfile collector: so that the runbook's StateViolation and parity alerts can fire from this tool.
#ifndef FORENSICS_RUN_METRICS_H_
#define FORENSICS_RUN_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "forensics/status.h"
#include "forensics/types.h"
#include "forensics/verdict.h"

namespace forensics {

struct RunMetrics {
  std::string_view issue;  // "state-violation", "parity-drift", "network-fork"
  Verdict verdict = Verdict::kInconclusive;
  bool partial = false;
  uint64_t state_violations = 0;              // blocks with a fault of their own (network-fork: nodes to reorg)
  std::optional<BlockHeight> first_bad_height;
  std::optional<BlockHeight> verified_height;  // the reorg target, or the network target
  std::optional<double> drift_rate;            // parity-drift
  uint64_t drifts = 0;                         // parity-drift
  int64_t timestamp_seconds = 0;               // when the run ended (Unix time)
};

// The exposition text: HELP and TYPE lines, every sample labelled with the issue.
std::string RenderRunMetrics(const RunMetrics& m);

// Writes `text` to `path` the textfile collector's way: to a temporary name in the same directory,
// flushed, then renamed over `path`, so that the collector never reads half a file.
Status WriteMetricsFile(const std::string& path, std::string_view text);

}  // namespace forensics

#endif  // FORENSICS_RUN_METRICS_H_
