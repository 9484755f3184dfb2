// The values and line shapes inside parity records (parity/parity_text.h).
#include "parity/parity_text.h"

#include <charconv>

#include "logs/trim.h"

namespace forensics::parity {

using logs::Trim;

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

std::optional<double> ParseMs(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && s.substr(s.size() - 2) == "ms") s.remove_suffix(2);
  if (s.empty()) return std::nullopt;
  // The shims' `{:.2f}`: digits, a point, digits. Their integer over a power of ten is the double
  // from_chars gives (both exact, one correctly rounded division), at a fraction of its cost.
  if (s.size() <= 15) {
    uint64_t v = 0, scale = 1;
    size_t i = 0, point = std::string_view::npos;
    for (; i < s.size(); ++i) {
      if (s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + static_cast<uint64_t>(s[i] - '0');
        if (point != std::string_view::npos) scale *= 10;
      } else if (s[i] == '.' && point == std::string_view::npos && i > 0 && i + 1 < s.size()) {
        point = i;
      } else {
        break;
      }
    }
    if (i == s.size()) return static_cast<double>(v) / static_cast<double>(scale);
  }
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  s = Trim(s);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A count as the report block prints it: prometheus_client's counters are floats, so upstream
// writes `4.0` (and `1e+16` from 10^16 on); an integer is read as well. A value with a fraction,
// a sign or beyond 2^53 (where floats stop counting one by one) is no count.
std::optional<uint64_t> ParseCount(std::string_view s) {
  if (auto v = ParseU64(s)) return v;
  s = Trim(s);
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  if (!(d >= 0 && d <= 9007199254740992.0) || d != static_cast<double>(static_cast<uint64_t>(d))) return std::nullopt;
  return static_cast<uint64_t>(d);
}

// A line that starts a parity record is never part of a traceback.
bool ParityMarker(std::string_view s) {
  for (std::string_view m : {": PARITY DRIFT", ": parity ", ": legacy failed", ": refactored failed", ": falling back",
                             ": legacy fallback", "PARITY REPORT"})
    if (s.find(m) != std::string_view::npos) return true;
  return false;
}

// `  File "…", line N, in FUNC` of a Python traceback: FUNC.
std::string_view TracebackFrameFunction(std::string_view s) {
  s = Trim(s);
  if (s.substr(0, 6) != "File \"") return {};
  size_t in = s.rfind(", in ");
  return in == std::string_view::npos ? std::string_view() : s.substr(in + 5);
}

// The last line of a traceback: `TypeError: …`, `module.Error: …` or a bare exception name.
bool ExceptionLine(std::string_view s) {
  if (s.empty() || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  size_t end = 0;
  while (end < s.size() && IsIdentChar(s[end])) ++end;
  return end == s.size() || s[end] == ':';
}

bool AllEquals(std::string_view s) {
  s = Trim(s);
  return s.size() >= 3 && s.find_first_not_of('=') == std::string_view::npos;
}

std::string Excerpt(std::string_view s) {
  if (s.size() <= 120) return std::string(s);
  size_t n = 120;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "…";
}

// `Key: value` of a report block (letters and spaces before ": ").
bool ReportKeyValue(std::string_view s, std::string_view* key, std::string_view* value) {
  size_t c = s.find(": ");
  if (c == std::string_view::npos || c == 0) {
    if (!s.empty() && s.back() == ':') c = s.size() - 1; else return false;
  }
  std::string_view k = s.substr(0, c);
  if (k.empty() || k[0] < 'A' || k[0] > 'Z') return false;
  for (char ch : k)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == ' ' || ch == '_')) return false;
  *key = k;
  *value = c + 2 <= s.size() ? Trim(s.substr(c + 2)) : std::string_view();
  return true;
}

}  // namespace forensics::parity
