// One log line → one LogEvent. simdjson error codes become parse-problem text here only.
//
// Detection order (first match wins):
//  1. blank line; journalctl marker ("-- Boot …");
//  2. a line starting with '{': journal JSON (has MESSAGE or __REALTIME_TIMESTAMP) or logrus JSON;
//  3. journald short / short-precise ("Nov 04 13:37:01[.ffffff] host ident[pid]: message") and
//     short-iso ("2025-11-04T13:37:01+0000 host ident[pid]: message");
//  4. "<prefix>: {…}" (host prefix, grep output "file.log:{…}" or "file.log:12:{…}");
//  5. the message forms, also used for the message inside 2 and 3: logrus JSON, Python logging
//     ("LEVEL:logger:msg", "YYYY-MM-DD HH:MM:SS,mmm - logger - LEVEL - msg"), logrus text
//     (time="…" level=… msg="…" k=v), and otherwise the text itself.
#include "logs/line_parser.h"

#include <simdjson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include "logs/classify.h"
#include "logs/flat_json.h"
#include "logs/json_object.h"
#include "logs/logrus.h"
#include "logs/trim.h"

namespace forensics::logs {

// Sorts by key (stable); on duplicates the last one wins.
void NormalizeFields(std::vector<LogField>* fields) {
  auto& f = *fields;
  const size_t n = f.size();
  if (n < 2) return;
  // Keys mostly differ in their first byte: decide on it before comparing whole keys.
  auto compare = [](std::string_view a, std::string_view b) -> int {
    if (!a.empty() && !b.empty() && a[0] != b[0]) {
      return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]) ? -1 : 1;
    }
    return a.compare(b);
  };
  // Insertion sort, noting whether two equal keys end up side by side.
  bool duplicates = false;
  for (size_t i = 1; i < n; ++i) {
    int c = compare(f[i].key, f[i - 1].key);
    if (c > 0) continue;  // already in place (the usual case)
    if (c == 0) {
      duplicates = true;
      continue;
    }
    LogField x = f[i];
    size_t j = i;
    do {
      f[j] = f[j - 1];
      --j;
    } while (j > 0 && (c = compare(x.key, f[j - 1].key)) < 0);
    if (j > 0 && c == 0) duplicates = true;
    f[j] = x;
  }
  if (!duplicates) return;
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i + 1 < n && f[i + 1].key == f[i].key) continue;
    f[out++] = f[i];
  }
  f.resize(out);
}

namespace {

LogLevel LevelFromPriority(std::string_view s) {
  if (s.size() != 1 || s[0] < '0' || s[0] > '7') return LogLevel::kUnknown;
  switch (s[0]) {
    case '0': case '1': case '2': return LogLevel::kFatal;
    case '3': return LogLevel::kError;
    case '4': return LogLevel::kWarning;
    case '5': case '6': return LogLevel::kInfo;
    default: return LogLevel::kDebug;
  }
}

// One pass over the fields; on several candidates the earlier key of each list below wins.
// Heights: block_number, block_height, height, target_height, new_height, ancestor_height.
// Hashes: block_hash, hash, new_hash, target_hash, ancestor_hash.
void ExtractDerived(ParsedLine* e) {
  constexpr int kNone = 1 << 20;
  int height_rank = kNone, hash_rank = kNone;
  for (const LogField& f : e->fields) {
    std::string_view k = f.key;
    int height = kNone, hash = kNone;  // the key's rank in either list
    switch (k.size()) {
      case 4: if (KeyIs(k, "hash")) hash = 1; break;
      case 6: if (KeyIs(k, "height")) height = 2; break;
      case 8: if (KeyIs(k, "new_hash")) hash = 2; break;
      case 10:
        if (KeyIs(k, "state_root")) {
          e->state_root = f.value;
        } else if (KeyIs(k, "block_hash")) {
          hash = 0;
        } else if (KeyIs(k, "new_height")) {
          height = 4;
        }
        break;
      case 11: if (KeyIs(k, "target_hash")) hash = 3; break;
      case 12:
        if (KeyIs(k, "block_number")) {
          height = 0;
        } else if (KeyIs(k, "block_height")) {
          height = 1;
        }
        break;
      case 13:
        if (KeyIs(k, "target_height")) {
          height = 3;
        } else if (KeyIs(k, "ancestor_hash")) {
          hash = 4;
        }
        break;
      case 15: if (KeyIs(k, "ancestor_height")) height = 5; break;
      default: break;
    }
    if (height < height_rank) {
      uint64_t h = 0;
      const std::string_view v = f.value;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), h);
      if (ec == std::errc() && ptr == v.data() + v.size()) {
        e->block_height = h;
        height_rank = height;
      }
    } else if (hash < hash_rank && !f.value.empty()) {
      e->block_hash = f.value;
      hash_rank = hash;
    }
  }
}

constexpr std::string_view kPythonLevels[] = {"DEBUG", "INFO",     "WARNING", "WARN",
                                              "ERROR", "CRITICAL", "FATAL"};

bool IsPythonLevel(std::string_view s) {
  for (std::string_view l : kPythonLevels) {
    if (s == l) return true;
  }
  return false;
}

// "LEVEL:logger:message".
bool ParsePythonDefault(std::string_view text, ParsedLine* e) {
  size_t c1 = text.find(':');
  if (c1 == std::string_view::npos || c1 < 4 || c1 > 8 || !IsPythonLevel(text.substr(0, c1))) {
    return false;
  }
  size_t c2 = text.find(':', c1 + 1);
  if (c2 == std::string_view::npos || c2 == c1 + 1) return false;
  std::string_view logger = text.substr(c1 + 1, c2 - c1 - 1);
  if (logger.find(' ') != std::string_view::npos) return false;
  e->level = ParseLevelName(text.substr(0, c1));
  e->fields.push_back(LogField{"logger", logger});
  e->msg = text.substr(c2 + 1);
  return true;
}

// After an ISO time: " - logger - LEVEL - message".
bool ParsePythonAsctimeRest(std::string_view rest, ParsedLine* e) {
  if (rest.substr(0, 3) != " - ") return false;
  rest.remove_prefix(3);
  size_t a = rest.find(" - ");
  if (a == std::string_view::npos) return false;
  size_t b = rest.find(" - ", a + 3);
  if (b == std::string_view::npos) return false;
  std::string_view logger = rest.substr(0, a);
  std::string_view level = rest.substr(a + 3, b - a - 3);
  if (!IsPythonLevel(level)) return false;
  e->level = ParseLevelName(level);
  e->fields.push_back(LogField{"logger", logger});
  e->msg = rest.substr(b + 3);
  return true;
}

bool IsUnitName(std::string_view name) {
  static constexpr std::string_view kUnitTypes[] = {".service", ".scope", ".socket", ".timer", ".mount",
                                                    ".slice",   ".target", ".path",  ".swap",  ".device"};
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  for (std::string_view t : kUnitTypes)
    if (name.substr(dot) == t) return true;
  return false;
}

// "host ident[pid]: message" after a journald time. Sets node and returns the message.
bool ParseJournalRest(std::string_view rest, ParsedLine* e, std::string_view* message) {
  if (rest.empty() || rest[0] != ' ') return false;
  rest.remove_prefix(1);
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  std::string_view host = rest.substr(0, sp);
  if (host == "-") return false;
  std::string_view after = rest.substr(sp + 1);
  size_t colon = after.find(": ");
  std::string_view ident;
  if (colon == std::string_view::npos) {
    if (after.empty() || after.back() != ':') return false;
    ident = after.substr(0, after.size() - 1);
    *message = std::string_view();
  } else {
    ident = after.substr(0, colon);
    *message = after.substr(colon + 2);
  }
  if (ident.empty() || ident.find(' ') != std::string_view::npos) return false;
  e->node = host;
  size_t bracket = ident.find('[');
  std::string_view name = ident;
  if (bracket != std::string_view::npos && ident.back() == ']') {
    name = ident.substr(0, bracket);
    e->fields.push_back(LogField{"pid", ident.substr(bracket + 1, ident.size() - bracket - 2)});
  }
  // with-unit names the unit ("coinjectured.service", "init.scope") where others the identifier.
  e->fields.push_back(LogField{IsUnitName(name) ? "systemd_unit" : "syslog_identifier", name});
  return true;
}

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

struct LineParser::Impl {
  simdjson::ondemand::parser outer;
  simdjson::ondemand::parser inner;
  PaddedBuffer outer_buf;
  PaddedBuffer inner_buf;
  std::vector<KeyValue> outer_kv;
  std::vector<KeyValue> inner_kv;
  std::string outer_bytes;
  std::string inner_bytes;
  std::string message;  // the journal MESSAGE, which is parsed again
  std::string entry_text;  // a json-pretty entry, its lines joined
  std::string logfmt_storage;

  // The message forms (step 5). Sets format only for Python and logrus text.
  void ParseMessage(std::string_view text, ParsedLine* e, bool top_level) {
    text = TrimRight(text);
    std::string error;
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}' &&
        ParseObject(inner, inner_buf, text, &inner_kv, &inner_bytes, &error)) {
      FillFromLogrus(inner_kv, e);
      if (top_level) e->format = LogFormat::kLogrusJson;
      return;
    }
    if (ParsePythonDefault(text, e)) {
      if (top_level) e->format = LogFormat::kPythonText;
      return;
    }
    int64_t t = 0;
    size_t used = 0;
    bool iso = ParseIsoPrefix(text, &t, &used);
    if (iso && ParsePythonAsctimeRest(text.substr(used), e)) {
      e->time_us = t;
      if (top_level) e->format = LogFormat::kPythonText;
      return;
    }
    if (Contains(text, "level=") && Contains(text, "msg=") &&
        ParseLogfmt(text, &inner_kv, &logfmt_storage)) {
      FillFromLogrus(inner_kv, e);
      if (top_level) e->format = LogFormat::kLogrusText;
      return;
    }
    if (iso && used < text.size() && text[used] == ' ') {
      // "2025-11-04T13:37:01Z some text": a timestamped text line.
      e->time_us = t;
      e->msg = TrimLeft(text.substr(used));
      return;
    }
    e->msg = text;
  }

  LineOutcome ParseJsonLine(std::string_view text, ParsedLine* e, std::string* error,
                            LogFormat logrus_format) {
    if (text.back() != '}') {
      *error = "bad JSON: text after the object or object cut short";
      return LineOutcome::kBad;
    }
    if (ParseFlatLogrus(text, e)) {
      e->format = logrus_format;
      e->views_in_text = true;
      return LineOutcome::kEvent;
    }
    e->Reset();
    if (!ParseObject(outer, outer_buf, text, &outer_kv, &outer_bytes, error)) {
      return LineOutcome::kBad;
    }
    bool journal = false;
    for (const auto& kv : outer_kv) {
      if (kv.first == "__REALTIME_TIMESTAMP" || kv.first == "MESSAGE") {
        journal = true;
        break;
      }
    }
    if (!journal) {
      FillFromLogrus(outer_kv, e);
      e->format = logrus_format;
      return LineOutcome::kEvent;
    }
    e->format = LogFormat::kJournalJson;
    FillFromJournal(outer_kv, e);
    return LineOutcome::kEvent;
  }

  // The fields of one journal entry (-o json, json-pretty, json-seq, verbose, export): the
  // message is parsed again, and its own time, when it has one, wins over the journal's.
  void FillFromJournal(const std::vector<KeyValue>& kv, ParsedLine* e) {
    bool have_message = false;
    LogLevel priority_level = LogLevel::kUnknown;
    for (const auto& [key, value] : kv) {
      if (key == "__REALTIME_TIMESTAMP") {
        int64_t us = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), us);
        if (ec == std::errc() && ptr == value.data() + value.size()) e->time_us = us;
      } else if (key == "_HOSTNAME") {
        e->node = value;
      } else if (key == "_BOOT_ID") {
        e->boot = value;
      } else if (key == "PRIORITY") {
        priority_level = LevelFromPriority(value);
      } else if (key == "MESSAGE") {
        message.assign(value);
        have_message = true;
      } else if (key == "SYSLOG_IDENTIFIER") {
        e->fields.push_back(LogField{"syslog_identifier", value});
      } else if (key == "_PID") {
        e->fields.push_back(LogField{"pid", value});
      } else if (key == "_SYSTEMD_UNIT") {
        e->fields.push_back(LogField{"systemd_unit", value});
      }
    }
    if (have_message) {
      int64_t journal_time = e->time_us;
      ParseMessage(message, e, /*top_level=*/false);
      if (e->time_us == LogEvent::kUnknownTime) e->time_us = journal_time;
    }
    if (e->level == LogLevel::kUnknown) e->level = priority_level;
  }

  // -o verbose: "    FIELD=value" lines; a value's further lines are indented deeper.
  bool VerboseFields(std::string_view body, std::vector<KeyValue>* kv) {
    kv->clear();
    values.clear();
    size_t open = std::string::npos;  // index in kv of the value being continued in `values`
    for (size_t pos = 0; pos < body.size();) {
      size_t nl = body.find('\n', pos);
      if (nl == std::string_view::npos) nl = body.size();
      std::string_view line = TrimRight(body.substr(pos, nl - pos));
      pos = nl + 1;
      size_t eq = line.find('=');
      bool field = line.size() > 4 && line.substr(0, 4) == "    " && line[4] != ' ' &&
                   eq != std::string_view::npos &&
                   std::all_of(line.begin() + 4, line.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
                     return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                   });
      if (field) {
        kv->emplace_back(line.substr(4, eq - 4), line.substr(eq + 1));
        open = std::string::npos;
        continue;
      }
      if (kv->empty() || TrimLeft(line).empty()) continue;
      // journalctl indents a value's further lines under its first (4 + key + '=').
      KeyValue& last = kv->back();
      if (open != kv->size() - 1) {
        values.emplace_back(last.second);
        open = kv->size() - 1;
      }
      std::string& v = values.back();
      size_t indent = 4 + last.first.size() + 1;
      size_t blanks = line.find_first_not_of(' ');
      v += '\n';
      v += line.substr(std::min(indent, blanks));
      last.second = v;
    }
    return true;
  }

  // -o export: "FIELD=value\n", or "FIELD\n" + 64-bit little-endian length + bytes + "\n".
  bool ExportFields(std::string_view body, std::vector<KeyValue>* kv, std::string* error) {
    kv->clear();
    for (size_t pos = 0; pos < body.size();) {
      size_t stop = body.find_first_of("=\n", pos);
      if (stop == std::string_view::npos) stop = body.size();
      std::string_view key = body.substr(pos, stop - pos);
      if (stop < body.size() && body[stop] == '=') {
        size_t nl = body.find('\n', stop);
        if (nl == std::string_view::npos) nl = body.size();
        kv->emplace_back(key, body.substr(stop + 1, nl - stop - 1));
        pos = nl + 1;
        continue;
      }
      if (key.empty()) {  // the blank line after the entry
        pos = stop + 1;
        continue;
      }
      if (stop + 9 > body.size()) {
        *error = "journal export entry: binary field " + std::string(key.substr(0, 64)) + " cut short";
        return false;
      }
      uint64_t n = 0;
      for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(body[stop + 1 + static_cast<size_t>(i)]);
      size_t data = stop + 9;
      if (n > body.size() - data) {
        *error = "journal export entry: binary field " + std::string(key.substr(0, 64)) + " claims " +
                 std::to_string(n) + " bytes, " + std::to_string(body.size() - data) + " follow";
        return false;
      }
      kv->emplace_back(key, body.substr(data, n));
      pos = data + n;
      if (pos < body.size() && body[pos] == '\n') ++pos;
    }
    return true;
  }

  std::deque<std::string> values;  // verbose values over several lines (stable addresses)
};

LineParser::LineParser() : impl_(std::make_unique<Impl>()) {}
LineParser::~LineParser() = default;

LineOutcome LineParser::Parse(std::string_view text, ParsedLine* e, std::string* error) {
  e->Reset();
  text = TrimRight(text);
  if (TrimLeft(text).empty()) return LineOutcome::kBlank;
  LineOutcome outcome = LineOutcome::kEvent;
  if (text[0] == '-' && text.size() > 3 && text[1] == '-' && text[2] == ' ' &&
      (Contains(text, "Logs begin at") || Contains(text, "Journal begins at") ||
       Contains(text, "Boot ") || Contains(text, "No entries") || Contains(text, "Reboot"))) {
    return LineOutcome::kJournalMarker;
  }
  if (text[0] == '\x1e') {  // -o json-seq (RFC 7464): an RS before each object
    text.remove_prefix(1);
    if (TrimLeft(text).empty()) return LineOutcome::kBlank;
  }
  if (text[0] == '{') {
    if (text.size() == 1) {  // -o json-pretty: the entry's members follow
      e->format = LogFormat::kJournalJson;
      e->entry = JournalEntry::kJsonPretty;
      return LineOutcome::kEvent;
    }
    outcome = impl_->ParseJsonLine(text, e, error, LogFormat::kLogrusJson);
  } else if (text[0] == '_' && text.substr(0, 9) == "__CURSOR=") {  // -o export
    e->format = LogFormat::kJournalExport;
    e->entry = JournalEntry::kExport;
    return LineOutcome::kEvent;
  } else {
    YearlessTime yt;
    size_t used = 0;
    int64_t t;
    bool zone_known = false;
    std::string_view message;
    if (ParseYearlessPrefix(text, &yt, &used) &&
        ParseJournalRest(text.substr(used), e, &message)) {
      e->format = LogFormat::kJournalShort;
      impl_->ParseMessage(message, e, /*top_level=*/false);
      if (e->time_us == LogEvent::kUnknownTime) {
        e->yearless = true;
        e->yearless_time = yt;
      }
    } else if (ParseIsoPrefix(text, &t, &used) &&
               ParseJournalRest(text.substr(used), e, &message)) {
      e->format = LogFormat::kJournalShort;
      impl_->ParseMessage(message, e, /*top_level=*/false);
      if (e->time_us == LogEvent::kUnknownTime) e->time_us = t;
    } else if (ParseWeekdayPrefix(text, &t, &zone_known, &used)) {
      std::string_view rest = text.substr(used);
      if (rest.size() > 4 && rest.substr(0, 4) == " [s=" && rest.back() == ']') {
        // -o verbose: the entry's fields follow. Its cursor has the realtime (t=, hex µs) and
        // the boot (b=).
        e->format = LogFormat::kJournalVerbose;
        e->entry = JournalEntry::kVerbose;
        std::string_view cursor = rest.substr(2, rest.size() - 3);
        for (size_t pos = 0; pos < cursor.size();) {
          size_t semi = cursor.find(';', pos);
          if (semi == std::string_view::npos) semi = cursor.size();
          std::string_view item = cursor.substr(pos, semi - pos);
          pos = semi + 1;
          if (item.substr(0, 2) == "b=") e->boot = item.substr(2);
          uint64_t us = 0;
          if (item.substr(0, 2) == "t=" && std::from_chars(item.data() + 2, item.data() + item.size(), us, 16).ptr ==
                                               item.data() + item.size()) {
            t = static_cast<int64_t>(us);
            zone_known = true;
          }
        }
        if (zone_known) e->time_us = t;
        return LineOutcome::kEvent;
      }
      if (!ParseJournalRest(rest, e, &message)) {
        e->Reset();
        impl_->ParseMessage(text, e, /*top_level=*/true);
      } else {  // short-full, with-unit
        e->format = LogFormat::kJournalShort;
        impl_->ParseMessage(message, e, /*top_level=*/false);
        if (e->time_us == LogEvent::kUnknownTime && zone_known) e->time_us = t;
      }
    } else if (ParseEpochPrefix(text, &t, &used) && ParseJournalRest(text.substr(used), e, &message)) {
      e->format = LogFormat::kJournalShort;  // short-unix
      impl_->ParseMessage(message, e, /*top_level=*/false);
      if (e->time_us == LogEvent::kUnknownTime) e->time_us = t;
    } else if (ParseMonotonicPrefix(text, &used) && ParseJournalRest(text.substr(used), e, &message)) {
      e->format = LogFormat::kJournalMonotonic;  // short-monotonic, short-delta
      e->relative_time = true;
      impl_->ParseMessage(message, e, /*top_level=*/false);
    } else {
      size_t brace = text.find('{');
      std::string_view prefix =
          brace == std::string_view::npos ? std::string_view() : TrimRight(text.substr(0, brace));
      if (brace != std::string_view::npos && text.back() == '}' && !prefix.empty() &&
          prefix.back() == ':' && prefix.find(' ') == std::string_view::npos) {
        outcome = impl_->ParseJsonLine(text.substr(brace), e, error, LogFormat::kPrefixedJson);
        if (outcome == LineOutcome::kEvent && e->node.empty()) {
          std::string_view p = prefix.substr(0, prefix.size() - 1);
          // grep -n: "file.log:123:"
          size_t colon = p.rfind(':');
          if (colon != std::string_view::npos && colon + 1 < p.size() &&
              std::all_of(p.begin() + static_cast<std::ptrdiff_t>(colon) + 1, p.end(),
                          [](char c) { return c >= '0' && c <= '9'; })) {
            p = p.substr(0, colon);
          }
          size_t slash = p.rfind('/');
          if (slash != std::string_view::npos) p = p.substr(slash + 1);
          e->node = p;
        }
        if (e->format == LogFormat::kJournalJson) e->format = LogFormat::kPrefixedJson;
      } else {
        impl_->ParseMessage(text, e, /*top_level=*/true);
      }
    }
  }
  if (outcome != LineOutcome::kEvent) return outcome;
  NormalizeFields(&e->fields);
  ExtractDerived(e);
  ClassifyEvent(e);
  if (e->kind == EventKind::kStateRootMismatch || e->kind == EventKind::kPinQuorumFailed) {
    AddIncidentDetails(e);
    e->views_in_text = false;  // its keys are literals
  }
  return LineOutcome::kEvent;
}

LineOutcome LineParser::ParseEntry(JournalEntry shape, std::string_view header, int64_t header_time_us,
                                   std::string_view body, ParsedLine* e, std::string* error) {
  e->Reset();
  LineOutcome outcome = LineOutcome::kEvent;
  switch (shape) {
    case JournalEntry::kJsonPretty: {
      impl_->entry_text.assign(header);
      impl_->entry_text += '\n';
      impl_->entry_text.append(body);
      std::string_view text = TrimRight(impl_->entry_text);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text = TrimRight(text.substr(0, text.size() - 1));
      if (text.empty() || text.back() != '}') {
        *error = "journal JSON entry without its closing \"}\"";
        return LineOutcome::kBad;
      }
      outcome = impl_->ParseJsonLine(text, e, error, LogFormat::kLogrusJson);
      if (outcome == LineOutcome::kEvent && e->format != LogFormat::kJournalJson) {
        *error = "a JSON object over several lines that is not a journal entry";
        return LineOutcome::kBad;
      }
      break;
    }
    case JournalEntry::kVerbose:
    case JournalEntry::kExport: {
      std::vector<KeyValue>& kv = impl_->outer_kv;
      if (shape == JournalEntry::kVerbose) {
        impl_->VerboseFields(body, &kv);
      } else if (!impl_->ExportFields(body, &kv, error)) {
        return LineOutcome::kBad;
      } else {
        std::string_view cursor = TrimRight(header);
        kv.emplace(kv.begin(), "__CURSOR", cursor.substr(std::min<size_t>(9, cursor.size())));
      }
      e->format = shape == JournalEntry::kVerbose ? LogFormat::kJournalVerbose : LogFormat::kJournalExport;
      e->time_us = header_time_us;
      if (shape == JournalEntry::kVerbose) {
        // The header's b= is the boot; a _BOOT_ID field, when shown, says the same.
        std::string_view h = header;
        size_t b = h.find(";b=");
        if (b != std::string_view::npos) {
          size_t end = h.find_first_of(";]", b + 3);
          e->boot = h.substr(b + 3, end == std::string_view::npos ? std::string_view::npos : end - b - 3);
        }
      }
      impl_->FillFromJournal(kv, e);
      break;
    }
    case JournalEntry::kNone:
      return Parse(header, e, error);
  }
  if (outcome != LineOutcome::kEvent) return outcome;
  NormalizeFields(&e->fields);
  ExtractDerived(e);
  ClassifyEvent(e);
  if (e->kind == EventKind::kStateRootMismatch || e->kind == EventKind::kPinQuorumFailed) AddIncidentDetails(e);
  e->views_in_text = false;
  return LineOutcome::kEvent;
}

bool ExportEntryTracker::Feed(std::string_view line) {
  if (state_ == State::kField) {
    if (line.empty()) return true;
    if (line.find('=') == std::string_view::npos) {  // "FIELD": a binary value follows
      state_ = State::kLength;
      have_ = 0;
    }
    return false;
  }
  // The line and the '\n' after it, as bytes of the binary value.
  const uint64_t total = line.size() + 1;
  uint64_t i = 0;
  while (i < total && state_ == State::kLength) {
    length_[have_++] = i < line.size() ? static_cast<uint8_t>(line[i]) : uint8_t{'\n'};
    ++i;
    if (have_ == 8) {
      uint64_t n = 0;
      for (int k = 7; k >= 0; --k) n = (n << 8) | length_[k];
      remaining_ = n == UINT64_MAX ? n : n + 1;  // the bytes and the '\n' after them
      state_ = State::kData;
    }
  }
  if (state_ == State::kData && i < total) {
    uint64_t take = std::min(remaining_, total - i);
    remaining_ -= take;
    // Done at the end of a line; one that ends inside a line was cut wrong, and the reading of
    // fields goes on after that line (ParseEntry reports the entry).
    if (remaining_ == 0) state_ = State::kField;
  }
  return false;
}

void ParsedLine::Reset() {
  time_us = LogEvent::kUnknownTime;
  level = LogLevel::kUnknown;
  format = LogFormat::kText;
  kind = EventKind::kOther;
  node = {};
  msg = {};
  block_height.reset();
  block_hash = {};
  state_root = {};
  fields.clear();
  boot = {};
  yearless = false;
  yearless_time = {};
  relative_time = false;
  entry = JournalEntry::kNone;
  views_in_text = false;
}

std::optional<std::string_view> ParsedLine::Field(std::string_view key) const {
  if (const std::string_view* v = FindField(*this, key)) return *v;
  return std::nullopt;
}

}  // namespace forensics::logs
