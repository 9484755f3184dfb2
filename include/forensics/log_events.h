// Log events: the lines of daemon, journald and Python-shim logs (docs/logs.md) turned into typed,
// time-ordered events, plus the helper that picks the events around a bad block for the report.
//
// Every container LineReader takes (plain, zstd, gzip, concatenations, truncated) and every line
// format below is read; nothing here prints, and a damaged or unparsable line is counted with its
// file, line and byte offset while reading goes on.
//   - logrus JSON lines of coinjectured: {"time":..., "level":..., "msg":..., "error":..., fields}
//   - `journalctl -o json` lines (MESSAGE, __REALTIME_TIMESTAMP, _HOSTNAME, PRIORITY)
//   - journalctl "short" lines: `Nov 04 13:37:01 host ident[pid]: message` (no year; see
//     LogScanOptions::year), also short-precise (fractional seconds), short-iso,
//     short-iso-precise, short-full and with-unit (`Sat 2025-11-22 13:59:57 UTC host unit[pid]:`),
//     short-unix (epoch seconds) and short-monotonic / short-delta (seconds since a boot: the
//     time then comes from the message, when it has one); indented lines continue the previous
//     message; `-- Boot <id> --` lines give the boot of the lines after them
//   - journalctl -o verbose, -o export (binary values too) and -o json-pretty entries, each over
//     several lines, read as one event; -o json-seq (RS before each object) as -o json
//   - Python logging text (no prefix, `ERROR:coinjecture.legacy_compat:` or
//     `2025-11-04 13:37:01,123 - coinjecture.legacy_compat - ERROR - `), with continuation lines
//   - any prefix before a JSON object (`host: {...}`, grep output `file.log:{...}`)
// The message inside a journald line (short or JSON) is parsed again as one of the other formats.
// Times without a zone (journald short, Python asctime) are taken as UTC.
#ifndef FORENSICS_LOG_EVENTS_H_
#define FORENSICS_LOG_EVENTS_H_

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "forensics/line_reader.h"
#include "forensics/result.h"
#include "forensics/stop.h"

namespace forensics {

enum class LogLevel : uint8_t { kUnknown, kTrace, kDebug, kInfo, kWarning, kError, kFatal, kPanic };

// What a line says, from the daemon's message text or an incident marker (docs/logs.md).
enum class EventKind : uint8_t {
  kOther,
  kBlockApplying,       // "Applying block to state"
  kBlockApplied,        // "Block applied successfully" (claims state_root)
  kBlockProduced,       // "New block produced" (claims state_root)
  kTxFailed,            // "Failed to apply transaction"
  kRewardDistributing,  // "Distributing block rewards"
  kRewardDistributed,   // "Block reward distributed"
  kReorgTriggered,      // "Chain reorganization triggered"
  kReorgAncestor,       // "Found common ancestor for reorg"
  kReorgComplete,       // "Chain reorganization complete"
  kRollback,            // "Rolling back state"
  kRollbackComplete,    // "State rollback complete"
  kPinQuorum,           // "Content pinned with quorum"
  kPinFailed,           // "Pin failed"
  kCidAuditFailed,      // "CID audit failed"
  kDaemonStart,         // "Starting COINjecture daemon"
  kConfigLoaded,        // "Configuration loaded" (codec_mode in fields)
  // Incident markers, found in msg or error text. They take precedence over the message kinds
  // above, so "Failed to apply transaction" with error "InflationDetected…" is kInflationDetected.
  kStateRootMismatch,   // "StateRootMismatch" / "State root mismatch: expected …, computed …"
  kInflationDetected,   // "InflationDetected" / "Inflation detected: total supply exceeded"
  kPinQuorumFailed,     // "PinQuorumFailed" / "pin quorum not met: got a/n, required r/t"
  // First line of a parity-log record (PARITY DRIFT, parity ✓, legacy/refactored failed,
  // falling back, fallback success, PARITY REPORT). Its other lines are in `continuation`.
  kParity,
};

// Stable kebab-case names ("block-applied", "state-root-mismatch", …) and level names ("info").
std::string_view EventKindName(EventKind kind);
std::string_view LogLevelName(LogLevel level);

// The format a line was read in (the outer one when a journald line wraps a JSON message).
enum class LogFormat : uint8_t {
  kText,          // none recognised: the whole line is the message
  kLogrusJson,    // coinjectured JSON line
  kLogrusText,    // coinjectured with logrus' text formatter: time="…" level=… msg="…" k=v
  kJournalJson,   // journalctl -o json
  kJournalShort,  // journalctl short / short-precise / short-iso
  kPythonText,    // Python logging with a recognised prefix
  kPrefixedJson,  // "<host or file>:" before a JSON object
  kJournalVerbose,    // journalctl -o verbose (one entry over several lines)
  kJournalExport,     // journalctl -o export (one entry over several lines)
  kJournalMonotonic,  // journalctl short-monotonic / short-delta: seconds since a boot, no date
};
std::string_view LogFormatName(LogFormat format);

// One field of a line: a JSON key (or a key the reader names, such as "logger" or "pid") and its
// value as text.
struct LogField {
  std::string_view key;
  std::string_view value;
};

// An event is cheap to copy. Its string views point into storage shared by all events of one
// ScanLogs call; every copy of the event keeps that storage alive through `storage`, so the views
// stay valid as long as the event (or a copy of it) exists.
struct LogEvent {
  static constexpr int64_t kUnknownTime = std::numeric_limits<int64_t>::min();

  int64_t time_us = kUnknownTime;  // UTC microseconds since the epoch, or kUnknownTime
  uint64_t line = 0;    // 1-based line number in the decoded file
  uint64_t offset = 0;  // byte offset of the line in the decoded file
  std::optional<uint64_t> block_height;  // block_number, block_height, height, target_height,
                                         // new_height or ancestor_height, first found; for
                                         // "Failed to apply transaction", which names none, the
                                         // height of the node's "Applying block to state" before
  std::string_view file;  // the path as given to ScanLogs
  std::string_view node;  // journald host, a host prefix, else the base name of the file
  std::string_view msg;   // the message text (logrus msg, journald MESSAGE, Python message)
  std::string_view block_hash_prefix;  // block_hash, hash, new_hash, target_hash or ancestor_hash,
                                       // as logged (16 hex) or full; lower case, without "0x"
  std::string_view state_root_prefix;  // state_root as logged (16 hex) or full; lower case
  std::string_view boot;  // journald boot ID (_BOOT_ID, or the last "-- Boot <id> --" line before
                          // a short line), or empty
  // Every other key of the line (JSON keys except time/level/msg; "error" included), values as
  // text: JSON strings unescaped, numbers, booleans and null as written, nested values as raw
  // JSON. Sorted by key; on duplicate keys the last one wins. Added by the reader: "logger"
  // (Python), "syslog_identifier"/"pid"/"systemd_unit" (journald), and for incident texts
  // "expected_root"/"computed_root" (state root mismatch) and "pins_got"/"pins_required"
  // ("a/n", "r/t" of a pin quorum failure).
  std::span<const LogField> fields;
  // Lines that continue this message (journald indented lines, Python multi-line messages such
  // as the PARITY DRIFT record), as they appear in the file.
  std::span<const std::string_view> continuation;
  uint32_t file_index = 0;  // index of `file` in the ScanLogs input list / LogScanResult::files
  LogLevel level = LogLevel::kUnknown;
  LogFormat format = LogFormat::kText;
  EventKind kind = EventKind::kOther;
  bool time_from_yearless = false;  // journald short time; its year came from LogScanOptions or
                                    // the other inputs (see LogScanResult::warnings)
  std::shared_ptr<const void> storage;  // owns what the views point to

  bool has_time() const { return time_us != kUnknownTime; }
  // The value of `key` in fields, or nullopt.
  std::optional<std::string_view> Field(std::string_view key) const;
};

struct LogScanOptions {
  // Keep only events with since_us <= time <= until_us (journalctl --since/--until). Events with
  // an unknown time are kept when the last timed line before them (in their file) is inside the
  // window, or when none is. With a window set, a logrus JSON line whose "time" is outside it is
  // skipped after reading only that time (it is counted in outside_window, not checked as JSON).
  std::optional<int64_t> since_us;
  std::optional<int64_t> until_us;
  // Year for journald "short" lines. Unset: inferred from the full timestamps of the other lines
  // and files (each yearless line gets the year that puts it closest to them); with none at all,
  // 1970 and a warning.
  std::optional<int> year;
  // At most this many parse problems and read issues are stored in LogScanResult (all counted).
  size_t max_issues = 1000;
  // Keep events of kind kOther (set false to keep only classified events and save memory).
  bool keep_unclassified = true;
  // decode_in_background is forced on. Lines over 4 MiB are skipped and reported: no daemon
  // writes one, and an endless line then costs a few MiB of memory, not its length. Lines that are
  // not valid UTF-8 are reported (file, line, byte offset) and still read.
  LineReaderOptions reader{.max_line_bytes = 4u << 20, .check_utf8 = true};
  // Threads parsing lines while the calling thread reads them (and another decompresses):
  // 0 = one per core but one, since the calling thread and the decompressing one parse too when
  // they would otherwise wait. The events, their order and every count are the same for any value.
  size_t parse_threads = 0;
  // Asked once a batch of lines: a spent time budget or a stop request ends the scan there, and
  // LogScanResult::stopped says where (what was read before stays counted).
  StopCondition stop;
};

// A line that could not be parsed as the format it announced (for example bad JSON).
struct LogParseProblem {
  std::string file;
  uint64_t line = 0;
  uint64_t offset = 0;  // byte offset of the line in the decoded file
  std::string what;
  std::string excerpt;  // the first bytes of the line
};

struct LogFileStats {
  std::string file;
  std::string node;        // the node name used for lines that do not carry one
  uint64_t lines = 0;      // lines read (not counting over-long ones)
  uint64_t events = 0;     // events kept
  uint64_t continuation_lines = 0;  // attached to the previous event
  // Lines that produced no event, by reason.
  uint64_t blank_lines = 0;
  uint64_t bad_lines = 0;          // unparsable (see LogScanResult::problems)
  uint64_t journal_markers = 0;    // "-- Boot …", "-- Logs begin at …" and similar
  uint64_t outside_window = 0;     // before since_us or after until_us
  uint64_t unclassified_dropped = 0;  // kOther events dropped by keep_unclassified = false
  uint64_t too_long_lines = 0;     // over LineReaderOptions::max_line_bytes
  uint64_t invalid_utf8_lines = 0;  // read and parsed all the same (counted in read issues too)
  uint64_t decoded_bytes = 0;
  uint64_t file_bytes = 0;
  std::map<LogFormat, uint64_t> lines_by_format;
  uint64_t untimed_events = 0;  // events kept with no time of their own (they sort by the one
                                // before them in the file): -o cat, short-monotonic, bare text
  bool names_node = false;      // some line named its host (else every event is `node`)
  // No line was read as any format of docs/logs.md (every line plain text, blank or bad), so
  // nothing in the file could be understood; first_line shows what its first line looked like.
  bool nothing_recognised = false;
  std::string first_line;  // the first non-blank line's first bytes, escaped (\xNN, \t …)
};

struct LogScanResult {
  // Sorted by time (events with unknown time take their predecessor's in the same file), stable,
  // ties by file (in the order given) then line. Empty after StreamLogs; only the timeline window
  // after ScanLogsAround.
  std::vector<LogEvent> events;
  uint64_t event_count = 0;                      // every event kept, whatever `events` holds
  std::map<EventKind, uint64_t> events_by_kind;  // the same events, by kind
  std::vector<LogFileStats> files;       // one per input, in the order given
  // Container damage and over-long lines, then lines that are not UTF-8, per file in input order
  // (the first max_issues).
  std::vector<ReadIssue> read_issues;
  std::vector<LogParseProblem> problems;  // unparsable lines (first max_issues)
  uint64_t read_issue_count = 0;
  uint64_t problem_count = 0;
  std::optional<int> inferred_year;      // the year given to journald short lines when inferred
  std::vector<std::string> warnings;     // human-readable, deterministic
  std::optional<std::string> stopped;    // why and where the scan stopped early (LogScanOptions::stop)
};

// Reads every file (any container LineReader takes) and fills *out (replacing its contents).
// Returns OK when the files could be opened, even if lines were damaged or unparsable: those are
// counted in *out. IoError if a file cannot be opened; InvalidArgument if since_us > until_us.
// Files are read one after another; each is decompressed on a background thread.
Status ScanLogs(const std::vector<std::string>& files, const LogScanOptions& options,
                LogScanResult* out);

// Streaming: the events of StreamLogs, one at a time.
class LogEventSink {
 public:
  virtual ~LogEventSink() = default;
  // One event. Its views (and `fields`, `continuation`) are valid during the call only, and its
  // `storage` is empty: copy what is kept. `order_time_us` is the time it sorts by in ScanLogs:
  // its own, or for an event without one, that of the event before it in its file
  // (kUnknownTime when none). Return false to stop reading the current file: the rest of it is
  // neither read nor counted.
  virtual bool OnEvent(const LogEvent& event, int64_t order_time_us) = 0;
};

// Reads like ScanLogs but hands each event to *sink instead of keeping it, so memory stays
// bounded by the few batches of lines in flight whatever the size of the logs. Per file, one
// thread decompresses, the calling thread hands out blocks of lines and calls the sink, and
// LogScanOptions::parse_threads threads split and parse the lines (helped by the calling thread
// while it waits for them, and by the decompressing thread while it may not decode further).
// The sink sees each file's events in line order, files in the order given, with one exception: when LogScanOptions::year is unset, journald
// short lines (which carry no year) and the lines that take their time are held until every file
// is read, because their year depends on all inputs; they are then delivered, in file and line
// order. *out gets everything ScanLogs fills except `events`.
Status StreamLogs(const std::vector<std::string>& files, const LogScanOptions& options,
                  LogEventSink* sink, LogScanResult* out);

// Parses a time as journalctl --since/--until and the logs write it, to UTC microseconds:
// "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.frac|,frac]]", ISO 8601 "YYYY-MM-DDTHH:MM:SS[.frac]"
// with "Z", "±HH:MM", "±HHMM" or no zone (UTC), and "@<seconds since the epoch>".
// InvalidArgument for anything else or an impossible date.
Result<int64_t> ParseLogTime(std::string_view text);

// Formats UTC microseconds as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (for reports and messages).
std::string FormatLogTime(int64_t time_us);

// Which block the report is about: its height, a hash (prefix), or both.
struct TimelineAnchor {
  std::optional<uint64_t> height;
  std::string hash_prefix;  // any length, with or without "0x", any case
};

struct TimelineOptions {
  // By count: this many events before and after the anchor event.
  size_t events_before = 25;
  size_t events_after = 25;
  // By time, when either is set: every event within [anchor - before, anchor + after] seconds
  // (events with unknown time are kept when their neighbours are); the counts above are then
  // ignored.
  std::optional<int64_t> seconds_before;
  std::optional<int64_t> seconds_after;
  // Also list kOther events (else only classified events are in the window).
  bool include_unclassified = true;
};

struct TimelineEntry {
  size_t event_index = 0;  // into the events given to SelectTimeline
  bool is_anchor = false;  // names the anchor block (height or hash prefix)
  bool is_reorg = false;   // reorg triggered / common ancestor / complete
  bool is_rollback = false;  // rolling back / rollback complete
  bool is_incident = false;  // StateRootMismatch, InflationDetected, PinQuorumFailed
  // Block applied / New block produced lines: the node's claimed root for block_height.
  bool claims_state_root = false;
  std::string claimed_state_root;  // as logged (lower case)
  // kNotCommitted: the claim is all zeros (upstream's ApplyBlock logs "0000000000000000", it
  // computes no root), which claims nothing, like 32 zero bytes in chain data.
  enum class RootCheck { kNotApplicable, kNoReplayedRoot, kMatch, kMismatch, kNotCommitted };
  RootCheck root_check = RootCheck::kNotApplicable;
  std::string replayed_state_root;  // the replayed root given for block_height, when any
};

struct Timeline {
  bool anchor_found = false;  // an event names the anchor block
  // The event the window is centred on: the first naming the anchor; else, with a height, the
  // first event at a greater height, else the last at a lower one. Unset if no event qualifies.
  std::optional<size_t> anchor_event;
  int64_t anchor_time_us = LogEvent::kUnknownTime;
  std::vector<TimelineEntry> entries;  // in event order
  size_t claims_matching = 0;   // claimed roots equal to the replayed one (by prefix)
  size_t claims_mismatching = 0;
  size_t claims_not_committed = 0;  // all-zero claims (RootCheck::kNotCommitted), in neither count
};

// A claimed state root of 16 or more hex zeros: the node committed to no root.
bool IsUncommittedRoot(std::string_view hex);

// Selects the events around the anchor block. `events` must be in ScanLogs order.
// `replayed_roots` maps a height to the replayed state root (hex, full or prefix); claimed roots
// are compared on their common prefix, case-insensitively. Pure: no I/O, deterministic.
Timeline SelectTimeline(std::span<const LogEvent> events, const TimelineAnchor& anchor,
                        const std::map<uint64_t, std::string>& replayed_roots,
                        const TimelineOptions& options = {});

// ScanLogs cut down to a timeline: `events` holds exactly the events SelectTimeline(all events,
// anchor, …, timeline) would list, in the same order, so that SelectTimeline on them gives the
// same anchor, entries (event_index aside) and root checks. Everything else in *out counts all
// events. Windows by count take memory bounded by the window, whatever the size of the logs: one
// streaming pass finds the anchor event and the positions of the events just before and after
// it (a second pass redoes that when events out of time order could have displaced them), a last
// one reads each file only up to the last line it contributes and copies just those events.
// Windows by time keep a 32-byte record per event in the first pass instead.
Status ScanLogsAround(const std::vector<std::string>& files, const LogScanOptions& options,
                      const TimelineAnchor& anchor, const TimelineOptions& timeline,
                      LogScanResult* out);

// True when the two hex strings agree on their common prefix (case-insensitive, "0x" ignored)
// and neither is empty.
bool HexPrefixMatches(std::string_view a, std::string_view b);

}  // namespace forensics

#endif  // FORENSICS_LOG_EVENTS_H_
