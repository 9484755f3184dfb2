// The prefixes of a parity log line (parity/parity_prefix.h).
#include "parity/parity_prefix.h"

#include "logs/log_time.h"

namespace forensics::parity {
namespace {

// After a journald time at s[p] (a blank): " host ident[pid]: message". Sets *msg.
bool HostIdent(std::string_view s, size_t p, std::string_view* msg) {
  if (p >= s.size() || s[p] != ' ') return false;
  size_t host_end = s.find(' ', p + 1);
  if (host_end == std::string_view::npos || host_end == p + 1) return false;
  // ident[pid]: — up to the first ": " after the host.
  size_t colon = s.find(": ", host_end + 1);
  size_t colon_end = colon == std::string_view::npos ? std::string_view::npos : colon + 2;
  if (colon == std::string_view::npos) {
    if (s.back() != ':') return false;
    colon_end = s.size();
  }
  std::string_view ident = s.substr(host_end + 1, (colon == std::string_view::npos ? s.size() - 1 : colon) - host_end - 1);
  if (ident.empty() || ident.find(' ') != std::string_view::npos) return false;
  *msg = colon_end >= s.size() ? std::string_view() : s.substr(colon_end);
  return true;
}

constexpr std::string_view kLevels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "WARN", "FATAL"};

}  // namespace

// "YYYY-MM-DD HH:MM:SS[,mmm]" (or 'T' between) at the start of s, with the zone ParseIsoPrefix
// reads (none: UTC). Sets the UTC time.
bool ParseAsctime(std::string_view s, int64_t* t, size_t* consumed) {
  return s.size() >= 19 && logs::ParseIsoPrefix(s, t, consumed);
}


// "Mon DD HH:MM:SS[.ffffff] host ident[pid]: " (the day two digits or blank and one, as journald
// pads it) → the time as written, that time in year 2000, and the message.
bool ParseJournaldShort(std::string_view s, int64_t* t, logs::YearlessTime* yearless, std::string_view* msg) {
  if (s.size() < 16 || (s[4] != ' ' && !(s[4] >= '0' && s[4] <= '9' && s[5] >= '0' && s[5] <= '9'))) return false;
  logs::YearlessTime yt;
  size_t p;
  if (!logs::ParseYearlessPrefix(s, &yt, &p) || !HostIdent(s, p, msg)) return false;
  *t = logs::ResolveYearless(yt, 2000);
  *yearless = yt;
  return true;
}

// journalctl -o short-iso: "YYYY-MM-DDTHH:MM:SS[.ffffff]±HHMM host ident[pid]: " (or ±HH:MM, Z).
bool ParseJournaldIso(std::string_view s, int64_t* t, std::string_view* msg) {
  size_t n;
  int64_t utc;
  if (s.size() < 20 || s[10] != 'T' || !ParseAsctime(s, &utc, &n)) return false;
  if (!HostIdent(s, n, msg)) return false;
  *t = utc;
  return true;
}


// Takes off a Python logging prefix. Sets *t when it carries a time.
std::string_view StripPython(std::string_view s, std::optional<int64_t>* t, bool* stripped, ParityPrefix* kind) {
  *stripped = false;
  const bool level_first = !s.empty() && s[0] >= 'A' && s[0] <= 'Z';
  for (std::string_view lvl : kLevels) {
    if (!level_first) break;
    if (s.size() > lvl.size() && s.compare(0, lvl.size(), lvl) == 0 && s[lvl.size()] == ':') {
      size_t end = s.find(':', lvl.size() + 1);
      if (end == std::string_view::npos) return s;
      std::string_view logger = s.substr(lvl.size() + 1, end - lvl.size() - 1);
      if (logger.empty() || logger.find(' ') != std::string_view::npos) return s;
      *stripped = true;
      *kind = ParityPrefix::kPythonDefault;
      return s.substr(end + 1);
    }
  }
  if (!s.empty() && s[0] >= '0' && s[0] <= '9') {
    int64_t time;
    size_t n;
    if (ParseAsctime(s, &time, &n)) {
      // " - logger - LEVEL - "
      std::string_view rest = s.substr(n);
      if (rest.substr(0, 3) == " - ") {
        size_t a = rest.find(" - ", 3);
        if (a != std::string_view::npos) {
          size_t b = rest.find(" - ", a + 3);
          if (b != std::string_view::npos) {
            *t = time;
            *stripped = true;
            *kind = ParityPrefix::kPythonAsctime;
            return rest.substr(b + 3);
          }
        }
      }
    }
  }
  return s;
}

}  // namespace forensics::parity
