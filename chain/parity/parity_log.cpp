// ParityLogParser: physical lines of a parity log (docs/logs.md) → ParityRecords.
//
// Per line:
//   1. Take off the container prefix: a journalctl -o json object (the text is MESSAGE, one or
//      more lines), or a journald short prefix `Mon DD HH:MM:SS host ident[pid]: `.
//   2. Take off a Python logging prefix (`LEVEL:logger:` or `YYYY-MM-DD HH:MM:SS,mmm - logger -
//      LEVEL - `), keeping its time.
//   3. A line that continues the open record (`Legacy:`, `Refactored:`, the two times; a report's
//      `Key: value` lines and its closing `=====`) is attached to it, whatever its indentation.
//   4. Otherwise the open record is emitted and the line is matched against the record markers:
//      `{f}: PARITY DRIFT`, `{f}: parity ✓ (…)`, failures, fallbacks, `PARITY REPORT`.
// Text before the function name that is none of the known prefixes is ignored, so grep output
// (`file:…`) and other wrappers still parse.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "forensics/parity_log.h"
#include "logs/log_time.h"
#include "logs/trim.h"
#include "parity/parity_prefix.h"
#include "parity/parity_text.h"

namespace forensics {
namespace {

using logs::kMicrosPerDay;
using logs::Trim;
using logs::TrimLeft;
using parity::AllEquals;
using parity::Excerpt;
using parity::ExceptionLine;
using parity::IsIdentChar;
using parity::ParityMarker;
using parity::ParseAsctime;
using parity::ParseCount;
using parity::ParseJournaldIso;
using parity::ParseJournaldShort;
using parity::ParseMs;
using parity::ParseU64;
using parity::ReportKeyValue;
using parity::StripPython;
using parity::TracebackFrameFunction;

}  // namespace

std::string_view ParityRecordKindName(ParityRecordKind k) {
  switch (k) {
    case ParityRecordKind::kDrift: return "drift";
    case ParityRecordKind::kMatch: return "match";
    case ParityRecordKind::kLegacyFailed: return "legacy-failed";
    case ParityRecordKind::kRefactoredFailed: return "refactored-failed";
    case ParityRecordKind::kFallingBack: return "falling-back";
    case ParityRecordKind::kRefactoredFallback: return "refactored-failed-fallback";
    case ParityRecordKind::kFallbackSuccess: return "fallback-success";
    case ParityRecordKind::kReport: return "report";
    case ParityRecordKind::kReportFailed: return "report-failed";
  }
  return "";
}

std::string_view ParityPrefixName(ParityPrefix p) {
  switch (p) {
    case ParityPrefix::kNone: return "none";
    case ParityPrefix::kPythonDefault: return "python-default";
    case ParityPrefix::kPythonAsctime: return "python-asctime";
    case ParityPrefix::kJournaldShort: return "journald-short";
    case ParityPrefix::kJournalJson: return "journal-json";
    case ParityPrefix::kPythonJson: return "python-json";
  }
  return "";
}

int64_t ResolveYearlessTime(int64_t t, int year) {
  const int64_t days = t >= 0 ? t / kMicrosPerDay : (t - kMicrosPerDay + 1) / kMicrosPerDay;
  int64_t y;
  unsigned m, d;
  logs::CivilFromDays(days, &y, &m, &d);
  return logs::DaysFromCivil(year, m, d) * kMicrosPerDay + (t - days * kMicrosPerDay);
}

std::string FormatParityTime(int64_t t) {
  const int64_t days = t >= 0 ? t / kMicrosPerDay : (t - kMicrosPerDay + 1) / kMicrosPerDay;
  const int64_t tod = t - days * kMicrosPerDay;
  int64_t y;
  unsigned m, d;
  logs::CivilFromDays(days, &y, &m, &d);
  const int64_t sec = tod / logs::kMicrosPerSecond;
  const int64_t us = tod % logs::kMicrosPerSecond;
  std::string s = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, sec / 3600, sec / 60 % 60, sec % 60);
  if (us % 1000 == 0 && us != 0) s += fmt::format(".{:03}", us / 1000);
  else if (us != 0) s += fmt::format(".{:06}", us);
  return s + "Z";
}

struct ParityLogParser::Impl {
  std::string file;
  RecordSink on_record;
  ProblemSink on_problem;
  simdjson::dom::parser json;
  uint64_t other_lines = 0;
  logs::YearlessResolver own_years;
  logs::YearlessResolver* years = &own_years;  // fed every full (dated) time of the lines
  bool seen_full_drift = false;

  bool open = false;
  ParityRecord rec;
  int drift_lines = 0;   // continuation lines attached to an open drift
  int report_lines = 0;  // value lines attached to an open report

  // The logging record the last prefixed line began: an unprefixed line right after it is part of
  // the same message (the report block after its empty first line, a traceback after its message).
  struct RecordStart {
    uint64_t line = 0, offset = 0;
    std::optional<int64_t> time_us;
    std::optional<logs::YearlessTime> yearless;
    ParityPrefix prefix = ParityPrefix::kNone;
    bool empty = false;  // the message's first line is empty (`log_parity_report()` starts with "\n")
  };
  std::optional<RecordStart> last_record;
  uint64_t last_record_end = 0;  // the last physical line known to belong to last_record

  // A Python traceback being read past. One through log_parity_report() is that report's failure.
  bool in_traceback = false;
  bool traceback_in_report = false;
  std::string traceback_exception;  // the last `Type: message` line
  RecordStart traceback_owner;

  // The buffers of the last record's two values, kept for the next record's: a drift's values are
  // its only strings too long for the small-string buffer, and a drift-heavy log holds one for
  // every two lines.
  std::string spare_legacy, spare_refactored;

  // Disengages *value, keeping its buffer in *spare (unless the sink took the value).
  static void Recycle(std::optional<std::string>* value, std::string* spare) {
    if (*value && (*value)->capacity() > spare->capacity()) *spare = std::move(**value);
    value->reset();
  }
  // Sets *value to `text`, in the buffer *spare kept.
  static void Assign(std::optional<std::string>* value, std::string* spare, std::string_view text) {
    spare->assign(text);
    *value = std::move(*spare);
  }

  void Problem(uint64_t line, uint64_t offset, std::string what, std::string_view text) {
    on_problem(ParityProblem{file, line, offset, std::move(what), Excerpt(text)});
  }

  void Emit() {
    on_record(std::move(rec));
    Reset();
    open = false;
    drift_lines = 0;
    report_lines = 0;
  }

  // Closes the open record because a line that does not continue it arrived (or the file ended).
  void Close(bool at_eof) {
    if (!open) return;
    if (rec.kind == ParityRecordKind::kDrift) {
      if (drift_lines == 0) {
        rec.first_line_only = true;
        if (at_eof && seen_full_drift)
          Problem(rec.line, rec.offset, "PARITY DRIFT record cut short at the end of the file (only its first line)", "");
      } else {
        std::vector<std::string> missing;
        if (!rec.legacy_repr) missing.push_back("Legacy");
        if (!rec.refactored_repr) missing.push_back("Refactored");
        if (!rec.legacy_ms) missing.push_back("Legacy time");
        if (!rec.refactored_ms) missing.push_back("Refactored time");
        std::string list;
        for (size_t i = 0; i < missing.size(); ++i) list += (i ? ", " : "") + missing[i];
        Problem(rec.line, rec.offset,
                fmt::format("PARITY DRIFT record cut short{}: missing {}", at_eof ? " at the end of the file" : "", list), "");
      }
    } else if (rec.kind == ParityRecordKind::kReport && !rec.report_closed && report_lines > 0) {
      Problem(rec.line, rec.offset,
              fmt::format("PARITY REPORT block not closed{}", at_eof ? " before the end of the file" : ""), "");
    }
    Emit();
  }

  // A continuation of the open drift? Returns true when attached.
  bool DriftContinuation(std::string_view body, std::string_view raw, uint64_t line, uint64_t offset) {
    std::string_view s = TrimLeft(body);
    auto take = [&](std::string_view key) -> std::optional<std::string_view> {
      if (s.size() >= key.size() && s.compare(0, key.size(), key) == 0) return s.substr(key.size());
      return std::nullopt;
    };
    if (auto v = take("Legacy time:")) {
      if (rec.legacy_ms) return false;
      rec.legacy_ms = ParseMs(*v);
      if (!rec.legacy_ms) {
        rec.legacy_ms = -1;
        Problem(line, offset, "Legacy time does not parse", raw);
      }
    } else if (auto v2 = take("Refactored time:")) {
      if (rec.refactored_ms) return false;
      rec.refactored_ms = ParseMs(*v2);
      if (!rec.refactored_ms) {
        rec.refactored_ms = -1;
        Problem(line, offset, "Refactored time does not parse", raw);
      }
    } else if (auto v3 = take("Legacy:")) {
      if (rec.legacy_repr) return false;
      Assign(&rec.legacy_repr, &spare_legacy, Trim(*v3));
    } else if (auto v4 = take("Refactored:")) {
      if (rec.refactored_repr) return false;
      Assign(&rec.refactored_repr, &spare_refactored, Trim(*v4));
    } else {
      return false;
    }
    ++drift_lines;
    if (drift_lines == 4) {
      seen_full_drift = true;
      Emit();
    }
    return true;
  }

  bool ReportContinuation(std::string_view body, uint64_t line, uint64_t offset) {
    std::string_view s = Trim(body);
    if (AllEquals(s)) {
      rec.report_closed = true;
      Emit();
      return true;
    }
    std::string_view key, value;
    if (!ReportKeyValue(s, &key, &value)) return false;
    if (key == "Codec Mode") {
      rec.codec_mode = std::string(value);
    } else if (key == "Rust Available") {
      if (value == "True" || value == "true") rec.rust_available = true;
      else if (value == "False" || value == "false") rec.rust_available = false;
      else Problem(line, offset, "PARITY REPORT: Rust Available is neither True nor False", body);
    } else if (key == "Parity Matches") {
      rec.report_matches = ParseCount(value);
      if (!rec.report_matches) Problem(line, offset, "PARITY REPORT: Parity Matches is not a count", body);
    } else if (key == "Parity Drifts") {
      rec.report_drifts = ParseCount(value);
      if (!rec.report_drifts) Problem(line, offset, "PARITY REPORT: Parity Drifts is not a count", body);
    }
    ++report_lines;
    return true;
  }

  // Clears the open record, keeping the capacity of its strings (most records are matches).
  void Reset() {
    rec.kind = ParityRecordKind::kDrift;
    rec.prefix = ParityPrefix::kNone;
    rec.function.clear();
    rec.line = rec.offset = 0;
    rec.time_us.reset();
    rec.yearless = false;
    rec.yearless_time = {};
    Recycle(&rec.legacy_repr, &spare_legacy);
    Recycle(&rec.refactored_repr, &spare_refactored);
    rec.legacy_ms.reset();
    rec.refactored_ms.reset();
    rec.first_line_only = false;
    rec.error.clear();
    rec.codec_mode.reset();
    rec.rust_available.reset();
    rec.report_matches.reset();
    rec.report_drifts.reset();
    rec.report_closed = false;
  }

  void Begin(ParityRecordKind kind, ParityPrefix prefix, std::optional<int64_t> t,
             const std::optional<logs::YearlessTime>& yearless, uint64_t line,
             uint64_t offset) {
    Reset();
    rec.kind = kind;
    rec.prefix = prefix;
    rec.line = line;
    rec.offset = offset;
    rec.time_us = t;
    rec.yearless = yearless.has_value();
    if (yearless) rec.yearless_time = *yearless;
    open = true;
  }

  // Starts a record if `body` holds a marker. Returns false for an unrelated line.
  bool Start(std::string_view body, std::optional<int64_t> t, const std::optional<logs::YearlessTime>& yearless,
             ParityPrefix prefix, uint64_t line,
             uint64_t offset, std::string_view raw) {
    // "{f}: marker" — try each ": " in turn, so unknown text before the function is skipped.
    for (size_t p = body.find(": "); p != std::string_view::npos; p = body.find(": ", p + 1)) {
      std::string_view rest = body.substr(p + 2);
      auto starts = [&](std::string_view m) { return rest.size() >= m.size() && rest.compare(0, m.size(), m) == 0; };
      ParityRecordKind kind;
      std::string_view error;
      if (starts("parity \xe2\x9c\x93") || starts("parity ok") || starts("parity OK")) {
        kind = ParityRecordKind::kMatch;  // the times of a match are not needed: not parsed
      } else if (starts("PARITY DRIFT")) {
        kind = ParityRecordKind::kDrift;
      } else if (starts("legacy failed: ")) {
        kind = ParityRecordKind::kLegacyFailed;
        error = rest.substr(15);
      } else if (starts("refactored failed (")) {
        size_t e = rest.rfind("), falling back to legacy");
        if (e == std::string_view::npos || e < 19) continue;
        kind = ParityRecordKind::kRefactoredFallback;
        error = rest.substr(19, e - 19);
      } else if (starts("refactored failed: ")) {
        kind = ParityRecordKind::kRefactoredFailed;
        error = rest.substr(19);
      } else if (starts("falling back to legacy result")) {
        kind = ParityRecordKind::kFallingBack;
      } else if (starts("legacy fallback success")) {
        kind = ParityRecordKind::kFallbackSuccess;
      } else {
        continue;
      }
      Begin(kind, prefix, t, yearless, line, offset);
      size_t b = p;
      while (b > 0 && IsIdentChar(body[b - 1])) --b;
      rec.function.assign(body.substr(b, p - b));
      if (rec.function.empty()) {
        rec.function = "(unknown)";
        Problem(line, offset, "parity record without a function name", raw);
      }
      rec.error.assign(error);
      if (kind == ParityRecordKind::kFallbackSuccess) {
        size_t o = rest.find('(');
        size_t c = rest.find(')', o == std::string_view::npos ? 0 : o);
        if (o != std::string_view::npos && c != std::string_view::npos) rec.legacy_ms = ParseMs(rest.substr(o + 1, c - o - 1));
      }
      if (kind != ParityRecordKind::kDrift) Emit();
      return true;
    }
    // PARITY REPORT opener.
    if (body.find("PARITY REPORT") != std::string_view::npos && body.find('=') != std::string_view::npos) {
      Begin(ParityRecordKind::kReport, prefix, t, yearless, line, offset);
      return true;
    }
    return false;
  }

  // Ends the traceback being read: one through log_parity_report() becomes a kReportFailed record
  // at the logging record that carried it.
  void EndTraceback() {
    if (!in_traceback) return;
    in_traceback = false;
    if (!traceback_in_report) return;
    const RecordStart& o = traceback_owner;
    Begin(ParityRecordKind::kReportFailed, o.prefix, o.time_us, o.yearless, o.line, o.offset);
    rec.function = "log_parity_report";
    rec.error = traceback_exception.empty() ? "(no exception line)" : traceback_exception;
    Emit();
  }

  // A line inside a traceback (no logging prefix of its own). False when the traceback has ended
  // and the line is to be read as any other.
  bool TracebackLine(std::string_view body) {
    std::string_view s = Trim(body);
    if (s == "Traceback (most recent call last):") {  // a chained exception's traceback
      traceback_exception.clear();
      return true;
    }
    if (s.substr(0, 6) == "File \"") {
      std::string_view fn = TracebackFrameFunction(s);
      if (fn == "log_parity_report" || fn == "get_parity_stats") traceback_in_report = true;
      traceback_exception.clear();  // what looked like the exception was a source line
      return true;
    }
    if (s.empty() || s == "During handling of the above exception, another exception occurred:" ||
        s == "The above exception was the direct cause of the following exception:")
      return true;
    if (!traceback_exception.empty()) return false;  // the traceback ended with its exception line
    if (ExceptionLine(s) && !ParityMarker(s)) {
      traceback_exception.assign(s);
      return true;
    }
    return !body.empty() && (body.front() == ' ' || body.front() == '\t');  // a source line, carets
  }

  // One line of message text (after any container prefix). `record_start`: the line begins a
  // logging record although it carries no text prefix (the message of a JSON formatter).
  void Message(std::string_view msg, std::optional<int64_t> t, std::optional<logs::YearlessTime> yearless,
               ParityPrefix prefix, uint64_t line,
               uint64_t offset, std::string_view raw, bool record_start = false) {
    bool stripped = false;
    std::optional<int64_t> pt;
    ParityPrefix pkind = prefix;
    const bool container = prefix != ParityPrefix::kNone;  // a journal entry's own line
    std::string_view body = StripPython(msg, &pt, &stripped, &pkind);
    if (pt) {
      t = pt;
      yearless.reset();
      years->See(*pt);
    }
    if (prefix == ParityPrefix::kNone) prefix = pkind;  // the container's prefix names the style first
    const bool starts_record = stripped || record_start;
    // The record this line continues, when it is the next line of a message begun just before.
    std::optional<RecordStart> owner;
    if (!starts_record && last_record && (last_record_end == line || last_record_end + 1 == line)) owner = last_record;
    // A line with a prefix of its own may begin one (journalctl writes the rest of a multi-line
    // entry on indented lines without a prefix).
    if (starts_record || container) {
      last_record = RecordStart{line, offset, t, yearless, prefix, Trim(body).empty()};
      last_record_end = line;
    } else if (owner) {
      last_record_end = line;
    }
    if (in_traceback) {
      if (!starts_record && TracebackLine(body)) {
        ++other_lines;
        return;
      }
      EndTraceback();
    }
    if (open) {
      if (rec.kind == ParityRecordKind::kDrift && DriftContinuation(body, raw, line, offset)) return;
      if (open && rec.kind == ParityRecordKind::kReport && ReportContinuation(body, line, offset)) return;
      Close(false);
    }
    if (!starts_record && Trim(body) == "Traceback (most recent call last):") {
      in_traceback = true;
      traceback_in_report = false;
      traceback_exception.clear();
      traceback_owner = owner ? *owner : RecordStart{line, offset, t, yearless, prefix, false};
      ++other_lines;
      return;
    }
    // The report block's opener on the line after its record's empty first line: the record's
    // prefix dates it.
    if (owner && owner->empty && !t) {
      t = owner->time_us;
      yearless = owner->yearless;
      if (prefix == ParityPrefix::kNone) prefix = owner->prefix;
    }
    if (!Start(body, t, yearless, prefix, line, offset, raw)) ++other_lines;
  }

  void Line(std::string_view text, uint64_t line, uint64_t offset) {
    std::string_view s = text;
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    // journalctl -o json; a Python JSON formatter (python-json-logger)
    std::string_view lt = TrimLeft(s);
    if (!lt.empty() && lt.front() == '{') {
      if (lt.find("\"MESSAGE\"") != std::string_view::npos) {
        JournalJson(lt, line, offset, text);
        return;
      }
      if (lt.find("\"message\"") != std::string_view::npos) {
        PythonJson(lt, line, offset, text);
        return;
      }
    }
    // journald short
    int64_t t;
    std::string_view msg;
    logs::YearlessTime yt;
    if (s.size() > 16 && s[3] == ' ' && ParseJournaldShort(s, &t, &yt, &msg)) {
      Message(msg, t, yt, ParityPrefix::kJournaldShort, line, offset, text);
      return;
    }
    if (s.size() > 20 && s[10] == 'T' && ParseJournaldIso(s, &t, &msg)) {
      years->See(t);
      Message(msg, t, std::nullopt, ParityPrefix::kJournaldShort, line, offset, text);
      return;
    }
    Message(s, std::nullopt, std::nullopt, ParityPrefix::kNone, line, offset, text);
  }

  // Feeds a multi-line message line by line; the first line begins the record when `record_start`.
  void MessageLines(std::string_view message, std::optional<int64_t> t, ParityPrefix prefix, uint64_t line,
                    uint64_t offset, std::string_view raw, bool record_start) {
    std::string_view rest = message;
    bool first = true;
    while (true) {
      size_t nl = rest.find('\n');
      std::string_view one = rest.substr(0, nl);
      if (!one.empty() && one.back() == '\r') one.remove_suffix(1);
      Message(one, t, std::nullopt, prefix, line, offset, raw, record_start && first);
      first = false;
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }

  // python-json-logger: one object a line; the record's whole text is in "message" (a drift's five
  // lines, the report block), its time in "asctime" (or "timestamp", "created"), a traceback in
  // "exc_info".
  void PythonJson(std::string_view s, uint64_t line, uint64_t offset, std::string_view raw) {
    simdjson::padded_string padded(s);
    simdjson::dom::element doc;
    if (json.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      if (open) Close(false);
      EndTraceback();
      Problem(line, offset, "JSON log line does not parse", raw);
      return;
    }
    std::string_view message;
    if (doc["message"].get_string().get(message) != simdjson::SUCCESS) {
      ++other_lines;
      return;
    }
    std::optional<int64_t> t;
    std::string_view ts;
    int64_t v = 0;
    size_t n = 0;
    double created = 0;
    if ((doc["asctime"].get_string().get(ts) == simdjson::SUCCESS ||
         doc["timestamp"].get_string().get(ts) == simdjson::SUCCESS) &&
        ParseAsctime(ts, &v, &n)) {
      t = v;
      years->See(v);
    } else if (doc["created"].get_double().get(created) == simdjson::SUCCESS && std::isfinite(created) &&
               std::fabs(created) < 1e12) {
      t = static_cast<int64_t>(std::llround(created * 1e6));
      years->See(*t);
    }
    // The message is copied: the parser's buffer is reused for the next line.
    std::string text(message);
    std::string_view exc;
    std::string exc_text;
    if (doc["exc_info"].get_string().get(exc) == simdjson::SUCCESS) exc_text.assign(exc);
    MessageLines(text, t, ParityPrefix::kPythonJson, line, offset, raw, true);
    if (!exc_text.empty()) MessageLines(exc_text, t, ParityPrefix::kPythonJson, line, offset, raw, false);
  }

  void JournalJson(std::string_view s, uint64_t line, uint64_t offset, std::string_view raw) {
    simdjson::padded_string padded(s);
    simdjson::dom::element doc;
    if (json.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      if (open) Close(false);
      Problem(line, offset, "journal JSON line does not parse", raw);
      return;
    }
    std::string message;
    simdjson::dom::element m;
    if (doc["MESSAGE"].get(m) != simdjson::SUCCESS) {
      ++other_lines;
      return;
    }
    std::string_view sv;
    simdjson::dom::array arr;
    if (m.get_string().get(sv) == simdjson::SUCCESS) {
      message = std::string(sv);
    } else if (m.get_array().get(arr) == simdjson::SUCCESS) {  // journald writes non-UTF-8 text as bytes
      for (simdjson::dom::element b : arr) {
        uint64_t v;
        if (b.get_uint64().get(v) != simdjson::SUCCESS || v > 255) {
          Problem(line, offset, "journal JSON MESSAGE array holds a non-byte", raw);
          return;
        }
        message.push_back(static_cast<char>(v));
      }
    } else {
      ++other_lines;
      return;
    }
    std::optional<int64_t> t;
    simdjson::dom::element ts;
    if (doc["__REALTIME_TIMESTAMP"].get(ts) == simdjson::SUCCESS) {
      std::string_view tsv;
      uint64_t v = 0;
      if (ts.get_string().get(tsv) == simdjson::SUCCESS) {
        if (auto u = ParseU64(tsv)) t = static_cast<int64_t>(*u);
      } else if (ts.get_uint64().get(v) == simdjson::SUCCESS) {
        t = static_cast<int64_t>(v);
      }
      if (t) years->See(*t);
    }
    // The message may hold several lines (a whole record).
    MessageLines(message, t, ParityPrefix::kJournalJson, line, offset, raw, false);
  }
};

ParityLogParser::ParityLogParser(std::string file, RecordSink on_record, ProblemSink on_problem,
                                 logs::YearlessResolver* years)
    : impl_(std::make_unique<Impl>()) {
  if (years) impl_->years = years;
  impl_->file = std::move(file);
  impl_->on_record = std::move(on_record);
  impl_->on_problem = std::move(on_problem);
}

ParityLogParser::~ParityLogParser() = default;

void ParityLogParser::AddLine(std::string_view text, uint64_t line, uint64_t offset) { impl_->Line(text, line, offset); }

void ParityLogParser::Finish() {
  impl_->EndTraceback();
  impl_->Close(true);
}

uint64_t ParityLogParser::other_lines() const { return impl_->other_lines; }

const logs::YearlessResolver& ParityLogParser::years() const { return *impl_->years; }

}  // namespace forensics
