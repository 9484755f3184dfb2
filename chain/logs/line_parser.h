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

// The journalctl renderings whose entries take several lines: the line that opens one says which.
enum class JournalEntry : uint8_t {
  kNone,
  kVerbose,     // -o verbose: "Www YYYY-MM-DD HH:MM:SS.ffffff ZONE [s=…;i=…;b=…;m=…;t=…;x=…]", then
                // "    FIELD=value" lines (a value's further lines indented under it)
  kExport,      // -o export: "__CURSOR=…", "FIELD=value" lines (binary ones "FIELD\n" + 64-bit
                // little-endian length + bytes + "\n"), a blank line after the entry
  kJsonPretty,  // -o json-pretty: "{" alone, one member a line, "}" alone
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
  std::string_view boot;  // journald _BOOT_ID (or a verbose header's b=), when the line has one
  bool yearless = false;  // time is a journald short time without a year: see yearless_time
  YearlessTime yearless_time;
  bool relative_time = false;  // a short-monotonic / short-delta prefix: seconds since a boot
  JournalEntry entry = JournalEntry::kNone;  // the line opens such an entry (see ParseEntry)
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

  // A whole multi-line journalctl entry opened by a line for which Parse() set `entry`:
  // `header` is that line and `body` the entry's other lines, each followed by '\n', as read
  // (for json-pretty the closing "}" included; for export, binary values and all).
  // `header_time_us` is the time Parse() gave the header.
  LineOutcome ParseEntry(JournalEntry shape, std::string_view header, int64_t header_time_us,
                         std::string_view body, ParsedLine* out, std::string* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where a journalctl -o export entry ends, fed one line at a time (without its '\n'): its binary
// values may hold newlines and blank lines, so only their length says where they end.
class ExportEntryTracker {
 public:
  // True when `line` is the blank line after the entry.
  bool Feed(std::string_view line);
  void Reset() { *this = ExportEntryTracker(); }
  // A binary value's length is still being read or its bytes are (not at a field's start).
  bool in_binary() const { return state_ != State::kField; }

 private:
  enum class State : uint8_t { kField, kLength, kData };
  State state_ = State::kField;
  uint8_t have_ = 0;  // length bytes read
  uint8_t length_[8] = {};
  uint64_t remaining_ = 0;  // bytes of the value and its '\n' still to come
};

// Sorts fields by key (stable); on duplicates the last one wins.
void NormalizeFields(std::vector<LogField>* fields);
// The value of the first field named `key`, or nullptr.
inline const std::string_view* FindField(const ParsedLine& e, std::string_view key) {
  for (const LogField& f : e.fields) {
    if (f.key == key) return &f.value;
  }
  return nullptr;
}

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_LINE_PARSER_H_
