// The parity (shadow-mode) log of the Python shims as data (docs/logs.md "The parity (shadow-mode) log"),
// the chain layer's reader of it:
//   - DecodePyRepr: one Python repr (bytes, str, int, bool, None) → its exact value;
//   - ParityLogParser: physical log lines (any prefix style) → ParityRecords, streaming;
//   - ParsePrometheusText: text exposition → samples.
// The analysis over these records is forensics/parity.h. Nothing here prints or exits; damaged input is
// counted and reported, never fatal.
#ifndef FORENSICS_PARITY_LOG_H_
#define FORENSICS_PARITY_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "forensics/result.h"
#include "forensics/yearless.h"

namespace forensics {

// --- Python reprs -----------------------------------------------------------------------------

struct PyValue {
  enum class Kind { kBytes, kStr, kInt, kBool, kNone };
  Kind kind = Kind::kNone;
  std::string bytes;  // kBytes: the exact bytes; kStr: UTF-8 text; kInt: the decimal digits with sign
  bool boolean = false;
  friend bool operator==(const PyValue&, const PyValue&) = default;
};

// Decodes one repr as Python prints it: b'…'/b"…" (printable ASCII as itself, \xNN, \n \r \t
// \\ \' \" and the other escapes of Python's bytes literals), '…'/"…" strings (\uXXXX too),
// integers, True, False, None. Surrounding whitespace is ignored. InvalidArgument saying where
// and why for anything else (unknown escape, non-ASCII in a bytes literal, unterminated quote,
// trailing text).
Result<PyValue> DecodePyRepr(std::string_view repr);
// Python's repr of bytes (the quote choice and escapes of CPython), for the generator and tests.
std::string EncodePyBytesRepr(std::string_view bytes);
// A short human form of a decoded value: hex for bytes, the text otherwise.
std::string PyValueDisplay(const PyValue& v);

// --- Parity log records -----------------------------------------------------------------------

enum class ParityRecordKind {
  kDrift,                // {f}: PARITY DRIFT ✗ (+ Legacy / Refactored / times)
  kMatch,                // {f}: parity ✓ (legacy=…ms, refactored=…ms)
  kLegacyFailed,         // {f}: legacy failed: {e}
  kRefactoredFailed,     // {f}: refactored failed: {e}
  kFallingBack,          // {f}: falling back to legacy result
  kRefactoredFallback,   // {f}: refactored failed ({e}), falling back to legacy
  kFallbackSuccess,      // {f}: legacy fallback success ({ms}ms)
  kReport,               // ========== PARITY REPORT ========== block
  kReportFailed,         // a traceback through log_parity_report(): the report raised (error: the exception)
};
std::string_view ParityRecordKindName(ParityRecordKind k);

// Which prefix the first line of a record carried.
enum class ParityPrefix { kNone, kPythonDefault, kPythonAsctime, kJournaldShort, kJournalJson, kPythonJson };
std::string_view ParityPrefixName(ParityPrefix p);

struct ParityRecord {
  ParityRecordKind kind = ParityRecordKind::kDrift;
  ParityPrefix prefix = ParityPrefix::kNone;
  std::string function;  // "compute_header_hash"; empty for reports
  uint64_t line = 0;     // 1-based line of the record's first line in the decoded file
  uint64_t offset = 0;   // byte offset of that line in the decoded file
  // UTC microseconds; unset when the prefix carries no time. A journald short time has no year:
  // it is then computed with year 2000, `yearless` is set and yearless_time holds it as written
  // (its year: logs::YearlessResolver over the full times the parser saw, forensics/yearless.h).
  std::optional<int64_t> time_us;
  bool yearless = false;
  logs::YearlessTime yearless_time;
  // kDrift: the reprs as logged (unset when the line is missing) and the times.
  std::optional<std::string> legacy_repr, refactored_repr;
  std::optional<double> legacy_ms, refactored_ms;
  bool first_line_only = false;  // a grep excerpt: only the marker line was found
  // kLegacyFailed, kRefactoredFailed, kRefactoredFallback: the error text.
  std::string error;
  // kFallbackSuccess: the time in legacy_ms (the times of matches are not parsed).
  // kReport: the block's values (unset when the line is absent or unreadable).
  std::optional<std::string> codec_mode;
  std::optional<bool> rust_available;
  std::optional<uint64_t> report_matches, report_drifts;
  bool report_closed = false;  // the closing line of '=' was seen
};

struct ParityProblem {
  std::string file;
  uint64_t line = 0;
  uint64_t offset = 0;
  std::string what;
  std::string excerpt;  // the start of the offending line (untrusted)
};

// Turns physical lines into records, one file at a time. Handles every prefix style of docs/logs.md
// (none, `LEVEL:logger:`, asctime, journald short with indented continuation lines, journalctl
// -o json with the record in MESSAGE), and any other text before the marker. Streaming: memory
// is bounded by one record.
class ParityLogParser {
 public:
  using RecordSink = std::function<void(ParityRecord&&)>;
  using ProblemSink = std::function<void(ParityProblem&&)>;
  // Every full (dated) time the lines carry (asctime, short-iso, journal JSON, a JSON formatter's)
  // is fed to *years, which the parsers of several files may share; without one the parser keeps
  // its own.
  ParityLogParser(std::string file, RecordSink on_record, ProblemSink on_problem,
                  logs::YearlessResolver* years = nullptr);
  ~ParityLogParser();
  ParityLogParser(const ParityLogParser&) = delete;
  ParityLogParser& operator=(const ParityLogParser&) = delete;

  void AddLine(std::string_view text, uint64_t line, uint64_t offset);
  // End of the file: an open record is emitted (a drift with some but not all of its lines is
  // reported as cut short).
  void Finish();
  // Lines that belonged to no parity record.
  uint64_t other_lines() const;
  // The resolver the full times are fed to (the one given, else the parser's own).
  const logs::YearlessResolver& years() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Re-dates a time computed for a yearless journald line (year 2000) into `year`.
int64_t ResolveYearlessTime(int64_t time_us_in_2000, int year);
// "2025-11-04T13:37:01.123Z" (milliseconds shown only when not zero).
std::string FormatParityTime(int64_t time_us);

// --- Prometheus text exposition -----------------------------------------------------------------

struct PromSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in the order written
  double value = 0;
  uint64_t line = 0;
  std::optional<std::string_view> Label(std::string_view key) const;
};
struct PromParseResult {
  std::vector<PromSample> samples;
  std::vector<ParityProblem> problems;  // file is left empty
};
// Parses the text format (comments, HELP/TYPE, labels with \\ \" \n escapes, NaN/±Inf, optional
// timestamps). A bad line is a problem, not an error.
PromParseResult ParsePrometheusText(std::string_view text);

}  // namespace forensics

#endif  // FORENSICS_PARITY_LOG_H_
