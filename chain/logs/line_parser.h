// One log line → one LogEvent: format detection (logrus JSON, journal JSON, journald short,
// Python text, prefixed JSON, plain text), field extraction and classification.
// Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_LINE_PARSER_H_
#define FORENSICS_CHAIN_LOGS_LINE_PARSER_H_

#include <memory>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "forensics/log_events.h"
#include "logs/log_time.h"

namespace forensics::logs {

enum class LineOutcome {
  kEvent,          // *event is filled
  kBlank,          // empty or whitespace only
  kJournalMarker,  // "-- Boot …", "-- Logs begin at …", "-- No entries --"
  kBad,            // announced a format (JSON) and broke it; *error says why
};

// What a line says, as views valid until the next Parse() (they point into the line or the
// parser's buffers); the scanner copies what it keeps.
struct ParsedLine {
  int64_t time_us = LogEvent::kUnknownTime;
  LogLevel level = LogLevel::kUnknown;
  LogFormat format = LogFormat::kText;
  EventKind kind = EventKind::kOther;
  std::string_view node;  // empty: the line names none
  std::string_view msg;
  std::optional<uint64_t> block_height;
  std::string_view block_hash;  // as logged
  std::string_view state_root;  // as logged
  std::vector<LogField> fields;  // sorted by key, last duplicate wins
  bool yearless = false;  // time is a journald short time without a year: see yearless_time
  YearlessTime yearless_time;
  // Every view above (node, msg, hashes, field keys and values) points into the parsed text
  // (set for flat JSON objects only; false says nothing).
  bool views_in_text = false;

  void Reset();
  bool has_time() const { return time_us != LogEvent::kUnknownTime; }
  std::optional<std::string_view> Field(std::string_view key) const;
};

class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // Parses `text` into *out (reset first). On kBad, *error says why.
  LineOutcome Parse(std::string_view text, ParsedLine* out, std::string* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The daemon message text of a message kind (static storage), or "" for other kinds.
std::string_view KnownMessageText(EventKind kind);

// Sets kind from msg and the "error" field.
void ClassifyEvent(ParsedLine* line);

// "PARITY REPORT" opener, for the scanner's multi-line block handling.
bool IsParityReportOpener(std::string_view msg);
// A line made only of '=' (at least 3), closing a parity report.
bool IsParityReportCloser(std::string_view text);

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_LINE_PARSER_H_
