// The logrus message forms (logs/logrus.h).
#include "logs/logrus.h"

#include <cstdint>

#include "logs/log_time.h"

namespace forensics::logs {
namespace {

enum class LogrusKey { kOther, kTime, kLevel, kMsg, kMessage };

// Which of the keys FillFromLogrus treats apart `key` is.
inline LogrusKey ClassifyLogrusKey(std::string_view key) {
  switch (key.size()) {
    case 2: return KeyIs(key, "ts") ? LogrusKey::kTime : LogrusKey::kOther;
    case 3:
      if (KeyIs(key, "msg")) return LogrusKey::kMsg;
      return KeyIs(key, "lvl") ? LogrusKey::kLevel : LogrusKey::kOther;
    case 4: return KeyIs(key, "time") ? LogrusKey::kTime : LogrusKey::kOther;
    case 5: return KeyIs(key, "level") ? LogrusKey::kLevel : LogrusKey::kOther;
    case 7: return KeyIs(key, "message") ? LogrusKey::kMessage : LogrusKey::kOther;
    case 8: return KeyIs(key, "severity") ? LogrusKey::kLevel : LogrusKey::kOther;
    case 9: return KeyIs(key, "timestamp") ? LogrusKey::kTime : LogrusKey::kOther;
    default: return LogrusKey::kOther;
  }
}

// Fills time/level/msg/fields from the members of a logrus object (JSON or text), one at a time.
class LogrusFill {
 public:
  explicit LogrusFill(ParsedLine* e) : e_(e) {}
  [[gnu::always_inline]] void Add(std::string_view key, std::string_view value) {
    ParsedLine* e = e_;
    const LogrusKey which = ClassifyLogrusKey(key);
    if (which == LogrusKey::kOther) {
      Field(key, value);
    } else if (which == LogrusKey::kTime) {
      int64_t t;
      size_t used;
      if (ParseIsoPrefix(value, &t, &used)) {
        e->time_us = t;
      } else {
        Field(key, value);
      }
    } else if (which == LogrusKey::kLevel) {
      LogLevel l = ParseLevelName(value);
      if (l != LogLevel::kUnknown) {
        e->level = l;
      } else {
        Field(key, value);
      }
    } else if (which == LogrusKey::kMsg || !have_msg_) {
      e->msg = value;
      have_msg_ = which == LogrusKey::kMsg;
    } else {
      Field(key, value);
    }
  }

 private:
  [[gnu::always_inline]] void Field(std::string_view key, std::string_view value) {
    // Stored member by member: a LogField built on the stack and copied whole by push_back is
    // read back wider than it was written, which stalls.
    LogField& f = e_->fields.emplace_back();
    f.key = key;
    f.value = value;
  }

  ParsedLine* e_;
  bool have_msg_ = false;
};

}  // namespace

LogLevel ParseLevelName(std::string_view s) {
  // The names logrus writes, as written.
  if (KeyIs(s, "info")) return LogLevel::kInfo;
  if (KeyIs(s, "debug")) return LogLevel::kDebug;
  if (KeyIs(s, "warning")) return LogLevel::kWarning;
  if (KeyIs(s, "error")) return LogLevel::kError;
  auto eq = [&](std::string_view name) {
    if (s.size() != name.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != name[i]) return false;
    }
    return true;
  };
  if (s.empty()) return LogLevel::kUnknown;
  switch (s[0] | 0x20) {
    case 'd': return eq("debug") ? LogLevel::kDebug : LogLevel::kUnknown;
    case 'i': return eq("info") ? LogLevel::kInfo : LogLevel::kUnknown;
    case 'w': return eq("warning") || eq("warn") ? LogLevel::kWarning : LogLevel::kUnknown;
    case 'e': return eq("error") || eq("err") ? LogLevel::kError : LogLevel::kUnknown;
    case 'f': return eq("fatal") ? LogLevel::kFatal : LogLevel::kUnknown;
    case 'c': return eq("critical") || eq("crit") ? LogLevel::kFatal : LogLevel::kUnknown;
    case 'p': return eq("panic") ? LogLevel::kPanic : LogLevel::kUnknown;
    case 't': return eq("trace") ? LogLevel::kTrace : LogLevel::kUnknown;
    case 'n': return eq("notice") ? LogLevel::kInfo : LogLevel::kUnknown;
    default: return LogLevel::kUnknown;
  }
}

[[gnu::flatten]] void FillFromLogrus(const std::vector<KeyValue>& kv, ParsedLine* e) {
  LogrusFill fill(e);
  for (const auto& [key, value] : kv) fill.Add(key, value);
}

[[gnu::flatten, gnu::noinline]] bool ParseFlatLogrus(std::string_view text, ParsedLine* e) {
  LogrusFill fill(e);
  return ScanFlat(text, [&fill](std::string_view key, std::string_view value) {
    if ((key.size() == 7 && KeyIs(key, "MESSAGE")) ||
        (key.size() == 20 && KeyIs(key, "__REALTIME_TIMESTAMP"))) {
      return false;
    }
    fill.Add(key, value);
    return true;
  });
}

bool ParseLogfmt(std::string_view text, std::vector<KeyValue>* kv, std::string* storage) {
  kv->clear();
  storage->clear();
  storage->reserve(text.size());  // views into storage stay valid: it never reallocates
  size_t i = 0;
  bool saw_level = false, saw_msg = false;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    size_t k = i;
    while (i < text.size() && text[i] != '=' && text[i] != ' ') ++i;
    if (i >= text.size() || text[i] != '=' || i == k) return false;
    std::string_view key = text.substr(k, i - k);
    ++i;
    std::string_view value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      size_t start = storage->size();
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size()) {
          char n = text[i++];
          c = n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
        }
        storage->push_back(c);
      }
      if (!closed) return false;
      value = std::string_view(storage->data() + start, storage->size() - start);
    } else {
      size_t v = i;
      while (i < text.size() && text[i] != ' ') ++i;
      value = text.substr(v, i - v);
    }
    saw_level |= key == "level";
    saw_msg |= key == "msg";
    kv->emplace_back(key, value);
  }
  return saw_level && saw_msg;
}

}  // namespace forensics::logs
