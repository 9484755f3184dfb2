// --issue cid-quorum: the runbook's P1 "CID quorum failure" audit (docs/cid.md).
//
// Every CID seen in the daemon logs, PinManifest files and the content directory is checked for
// syntax, for what its bytes produce (ipfs add's UnixFS DAG, a raw SHA-256, upstream's pseudo-CID of a
// chain block) and for the pins that hold it against the quorum; every IPFS node gets its pin record.
// The runbook's decisions (restarts, lowering the quorum, re-pin commands) are worked out as text:
// nothing here runs them, prints or exits.
#ifndef FORENSICS_CID_QUORUM_H_
#define FORENSICS_CID_QUORUM_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/inputs.h"
#include "forensics/report.h"
#include "forensics/result.h"
#include "forensics/verdict.h"

namespace forensics {

// pin_quorum "N/M": a pin succeeds when at least N IPFS nodes hold it (M is never compared with the
// number of nodes, as upstream does).
struct PinQuorum {
  uint32_t required = 2;
  uint32_t total = 3;
  std::string Text() const;
};
// "N/M" with 1 ≤ N ≤ M; InvalidArgument naming what is wrong ("3/2: N must not exceed M").
Result<PinQuorum> ParsePinQuorum(std::string_view text);

inline constexpr int64_t kCidNoTime = std::numeric_limits<int64_t>::min();  // as LogEvent::kUnknownTime

struct CidQuorumOptions {
  std::vector<std::string> log_files;       // any container and format of docs/logs.md
  std::vector<std::string> manifest_paths;  // PinManifest JSON files, or directories of *.json
  std::optional<std::string> content_dir;   // files named by CID
  std::optional<std::string> chain_path;    // blocks whose pseudo-CIDs are recognised
  std::optional<std::string> metrics_path;  // Prometheus text (pin quorum counters)
  PinQuorum quorum;                         // --quorum, default 2/3
  bool quorum_given = false;
  std::optional<int> year;  // journald short lines
  const std::atomic<bool>* stop_requested = nullptr;
};

enum class CidStatus { kOk, kBelowQuorum, kFailed, kInvalidCid, kContentMismatch, kUnverified, kPseudoCid };
std::string_view CidStatusName(CidStatus s);  // "ok", "below-quorum", …
// True for the statuses that make the verdict a violation (exit 1).
bool CidStatusIsViolation(CidStatus s);

// Where a CID (or a fact about it) was seen: "file:line" for logs, "file" or "file: field" otherwise.
struct CidFailure {
  std::string node;  // empty when the line names none
  std::string error;
  std::string where;
  int64_t time_us = kCidNoTime;
};

struct CidEntry {
  std::string cid;                          // as seen (may be hostile: render escaped)
  std::optional<std::string> syntax_error;  // ParseCidV0's reason
  std::vector<std::string> seen_in;         // first few places
  uint64_t mentions = 0;
  std::vector<std::string> pinned_nodes;  // sorted, unique: Pin successful lines and manifests
  uint64_t reported_pins = 0;             // the largest successful_pins / "got a" logged for it
  bool pin_evidence = false;              // some line or manifest tells how many nodes pinned it
  std::vector<CidFailure> failures;       // Pin failed lines attributed to it, quorum errors, audit failures
  bool quorum_met_logged = false;         // "Content pinned with quorum"
  bool quorum_failed_logged = false;      // a quorum error or an audit failure names it
  int64_t last_quorum_success_us = kCidNoTime, last_quorum_failure_us = kCidNoTime;
  // Content: "unixfs" (ipfs add), "raw-sha256", "pseudo-cid", "none", or empty (no bytes checked).
  std::string content_match;
  std::optional<std::string> content_error;  // the content file could not be read
  std::optional<uint64_t> content_bytes;
  std::optional<std::string> manifest_content_hash;  // as written
  std::optional<bool> content_hash_matches;
  std::optional<uint64_t> pseudo_block;  // the chain block whose pseudo-CID it is
  CidStatus status = CidStatus::kUnverified;
  std::string why;        // one line: what decided the status
  uint64_t pins() const;  // max(distinct pinned nodes, reported pins)
};

struct IpfsNodeStats {
  std::string node;  // as logged
  std::string host;  // for the --api multiaddr (host part of node)
  uint64_t attempts = 0, failures = 0;
  int64_t first_failure_us = kCidNoTime, last_failure_us = kCidNoTime, last_attempt_us = kCidNoTime;
  bool last_attempt_failed = false;
  std::string last_error;
  double failure_rate() const { return attempts ? static_cast<double>(failures) / attempts : 0; }
};

struct CidAction {
  std::string kind;     // "restart", "lower-quorum", "re-pin", "note"
  std::string node;     // restart / re-pin
  std::string cid;      // re-pin
  std::string command;  // re-pin: the ipfs command, shell-quoted; empty otherwise
  std::string text;     // what to do and why, one line (trusted text plus escaped-on-render values)
};

struct CidQuorumReport {
  Verdict verdict = Verdict::kInconclusive;
  PinQuorum quorum;
  std::string quorum_source;         // "--quorum", "default"
  std::vector<CidEntry> cids;        // sorted by cid
  std::vector<IpfsNodeStats> nodes;  // sorted by node
  uint64_t ipfs_node_count = 0;      // distinct nodes seen, or the n of "got a/n" when larger
  // Pin outcomes from the logs: quorum met / not met lines; and from the metrics.
  uint64_t pins_ok_logged = 0, pins_failed_logged = 0;
  std::optional<double> metrics_success_total, metrics_failures_total;
  std::optional<double> failure_rate;  // metrics when present, else the logs'
  std::string failure_rate_source;     // "metrics" or "logs"
  bool alert_fires = false;            // failure_rate > 5%
  bool soak_passes = false;            // success > 99%
  std::vector<CidAction> actions;
  bool lower_quorum_is_runbook_case = false;
  std::vector<InputFile> inputs;
  std::vector<std::string> warnings;  // bad input: file and line or field, deterministic
  uint64_t log_events = 0, manifests_read = 0, content_files_checked = 0, chain_blocks = 0;
  bool partial = false;
};

// Reads every input and audits. Bad input (a manifest that is not JSON, a content path that is a
// directory, a non-UTF-8 CID) is a warning naming its file and line or field, and the rest is still
// analysed. IoError only when nothing at all could be read.
Result<CidQuorumReport> AnalyzeCidQuorum(const CidQuorumOptions& options);

std::string RenderCidQuorumText(const CidQuorumReport& r);
std::string RenderCidQuorumJson(const CidQuorumReport& r, const ReportStamp& stamp);
std::string RenderCidQuorumMarkdown(const CidQuorumReport& r, const ReportStamp& stamp);
std::string CidQuorumTitle(const CidQuorumReport& r);

}  // namespace forensics

#endif  // FORENSICS_CID_QUORUM_H_
