// Timestamp parsing and formatting for the log readers (UTC microseconds since the epoch).
#include "logs/log_time.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <string>

#include "forensics/log_events.h"

namespace forensics::logs {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* value) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return true;
}

constexpr std::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A fraction of a second after the seconds at *p: "." or "," and digits (beyond six they are read
// and ignored), in microseconds; *p moves past it. None: 0, *p unchanged.
int64_t ParseFraction(std::string_view s, size_t* p) {
  size_t q = *p;
  if (q + 1 >= s.size() || (s[q] != '.' && s[q] != ',') || !IsDigit(s[q + 1])) return 0;
  ++q;
  int64_t frac_us = 0, scale = 100000;
  while (q < s.size() && IsDigit(s[q])) {
    frac_us += (s[q] - '0') * scale;
    scale /= 10;
    ++q;
  }
  *p = q;
  return frac_us;
}

// Parses "HH:MM:SS[.,frac]" at pos. Returns bytes used, 0 if none.
size_t ParseTimeOfDay(std::string_view s, size_t pos, int64_t* us, bool seconds_optional) {
  int64_t hh, mm, ss = 0;
  if (!Digits(s, pos, 2, &hh) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !Digits(s, pos + 3, 2, &mm)) {
    return 0;
  }
  size_t p = pos + 5;
  if (p < s.size() && s[p] == ':' && Digits(s, p + 1, 2, &ss)) {
    p += 3;
  } else if (!seconds_optional) {
    return 0;
  }
  if (hh > 23 || mm > 59 || ss > 60) return 0;
  const int64_t frac_us = ParseFraction(s, &p);
  *us = ((hh * 60 + mm) * 60 + ss) * kMicrosPerSecond + frac_us;
  return p - pos;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsValidDate(int64_t year, unsigned month, unsigned day) {
  static constexpr unsigned kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  if (month == 2 && day == 29) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap;
  }
  return true;
}

int YearOfTime(int64_t time_us) {
  int64_t days = time_us / kMicrosPerDay;
  if (time_us % kMicrosPerDay < 0) --days;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return static_cast<int>(y);
}

namespace {

// The last valid date "YYYY-MM-DD" read on this thread and its day number: log lines mostly share
// their date with the line before.
struct DateCache {
  char text[10] = {'1', '9', '7', '0', '-', '0', '1', '-', '0', '1'};
  int64_t days = 0;
};
thread_local DateCache date_cache;

inline bool TwoDigits(const char* p, int64_t* v) {
  unsigned a = static_cast<unsigned char>(p[0]) - '0', b = static_cast<unsigned char>(p[1]) - '0';
  if (a > 9 || b > 9) return false;
  *v = a * 10 + b;
  return true;
}

// ParseTimeOfDay(s, pos, us, false) for the usual "HH:MM:SS" with all of it in s; 0 where that
// does not apply (the general one then decides).
inline size_t ParseTimeOfDayFast(std::string_view s, size_t pos, int64_t* us) {
  if (pos + 8 > s.size()) return 0;
  const char* p = s.data() + pos;
  int64_t hh, mm, ss;
  if (p[2] != ':' || p[5] != ':' || !TwoDigits(p, &hh) || !TwoDigits(p + 3, &mm) ||
      !TwoDigits(p + 6, &ss)) {
    return 0;
  }
  if (hh > 23 || mm > 59 || ss > 60) return 0;
  size_t q = pos + 8;
  const int64_t frac_us = ParseFraction(s, &q);
  *us = ((hh * 60 + mm) * 60 + ss) * kMicrosPerSecond + frac_us;
  return q - pos;
}

}  // namespace

bool ParseIsoPrefix(std::string_view s, int64_t* time_us, size_t* consumed) {
  int64_t days;
  if (s.size() >= 10 && std::memcmp(s.data(), date_cache.text, 10) == 0) {
    days = date_cache.days;
  } else {
    int64_t year, month, day;
    if (!Digits(s, 0, 4, &year) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
        s[7] != '-' || !Digits(s, 8, 2, &day)) {
      return false;
    }
    if (!IsValidDate(year, static_cast<unsigned>(month), static_cast<unsigned>(day))) return false;
    days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::memcpy(date_cache.text, s.data(), 10);
    date_cache.days = days;
  }
  if (s.size() < 11 || (s[10] != 'T' && s[10] != ' ' && s[10] != 't')) return false;
  int64_t tod;
  size_t n = ParseTimeOfDayFast(s, 11, &tod);
  if (n == 0) n = ParseTimeOfDay(s, 11, &tod, false);
  if (n == 0) return false;
  size_t p = 11 + n;
  int64_t offset_s = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p] == '-' ? -1 : 1;
    int64_t oh, om = 0;
    if (Digits(s, p + 1, 2, &oh)) {
      size_t q = p + 3;
      if (q < s.size() && s[q] == ':' && Digits(s, q + 1, 2, &om)) {
        q += 3;
      } else if (Digits(s, q, 2, &om)) {
        q += 2;
      }
      if (oh <= 23 && om <= 59) {
        offset_s = sign * (oh * 3600 + om * 60);
        p = q;
      }
    }
  }
  *time_us = days * kMicrosPerDay + tod - offset_s * kMicrosPerSecond;
  *consumed = p;
  return true;
}

bool ParseYearlessPrefix(std::string_view s, YearlessTime* t, size_t* consumed) {
  if (s.size() < 15 || s[3] != ' ') return false;
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (s.substr(0, 3) == kMonths[i]) {
      month = i + 1;
      break;
    }
  }
  if (month == 0) return false;
  int64_t day;
  size_t p = 4;
  if (s[p] == ' ') {
    if (!Digits(s, p + 1, 1, &day)) return false;
    p += 2;
  } else if (Digits(s, p, 2, &day)) {
    p += 2;
  } else if (Digits(s, p, 1, &day)) {
    p += 1;
  } else {
    return false;
  }
  if (day < 1 || day > 31 || p >= s.size() || s[p] != ' ') return false;
  ++p;
  int64_t tod;
  size_t n = ParseTimeOfDay(s, p, &tod, false);
  if (n == 0) return false;
  t->month = month;
  t->day = static_cast<unsigned>(day);
  t->time_of_day_us = tod;
  *consumed = p + n;
  return true;
}

int64_t ResolveYearless(const YearlessTime& t, int year) {
  return DaysFromCivil(year, t.month, t.day) * kMicrosPerDay + t.time_of_day_us;
}

int YearlessResolver::reference_year() const { return YearOfTime(max_); }

int64_t YearlessResolver::Resolve(const YearlessTime& t, bool* other_year) const {
  if (!has_reference()) return ResolveYearless(t, 1970);
  const int ref = reference_year();
  int64_t best = 0;
  int64_t best_distance = INT64_MAX;
  for (int year : {ref, ref - 1, ref + 1}) {
    if (!IsValidDate(year, t.month, t.day)) continue;
    const int64_t time = ResolveYearless(t, year);
    const int64_t d = time < min_ ? min_ - time : time > max_ ? time - max_ : 0;
    if (d < best_distance) {
      best_distance = d;
      best = time;
      if (other_year) *other_year = year != ref;
    }
  }
  if (best_distance == INT64_MAX) return ResolveYearless(t, ref);  // Feb 29 in no nearby leap year
  return best;
}

bool ParseWeekdayPrefix(std::string_view s, int64_t* time_us, bool* zone_known, size_t* consumed) {
  static constexpr std::string_view kWeekdays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  if (s.size() < 24 || s[3] != ' ' || s[14] != ' ') return false;
  bool weekday = false;
  for (std::string_view w : kWeekdays) weekday |= s.substr(0, 3) == w;
  if (!weekday) return false;
  std::string_view rest = s.substr(4);
  int64_t t;
  size_t used;
  // Without a zone of its own (the abbreviation after the blank is read here).
  if (!ParseIsoPrefix(rest, &t, &used) || used >= rest.size() || rest[used] != ' ') return false;
  size_t p = used + 1;
  size_t z = p;
  while (z < rest.size() && z - p < 6 && rest[z] >= 'A' && rest[z] <= 'Z') ++z;
  if (z > p) {
    std::string_view zone = rest.substr(p, z - p);
    *zone_known = zone == "UTC" || zone == "GMT" || zone == "UT";
  } else {
    int64_t hh, mm;
    if (z + 5 > rest.size() || (rest[z] != '+' && rest[z] != '-') || !Digits(rest, z + 1, 2, &hh) ||
        !Digits(rest, z + 3, 2, &mm) || hh > 23 || mm > 59) {
      return false;
    }
    t -= (rest[z] == '-' ? -1 : 1) * (hh * 3600 + mm * 60) * kMicrosPerSecond;
    z += 5;
    *zone_known = true;
  }
  if (z < rest.size() && rest[z] != ' ') return false;
  *time_us = t;
  *consumed = 4 + z;
  return true;
}

bool ParseEpochPrefix(std::string_view s, int64_t* time_us, size_t* consumed) {
  size_t p = 0;
  int64_t secs = 0;
  while (p < s.size() && p < 12 && IsDigit(s[p])) secs = secs * 10 + (s[p++] - '0');
  if (p == 0 || p >= s.size() || s[p] != '.') return false;
  int64_t frac;
  if (!Digits(s, p + 1, 6, &frac)) return false;
  p += 7;
  if (p < s.size() && s[p] != ' ') return false;
  *time_us = secs * kMicrosPerSecond + frac;
  *consumed = p;
  return true;
}

bool ParseMonotonicPrefix(std::string_view s, size_t* consumed) {
  // One "SECONDS.ffffff" after blanks at *p.
  auto seconds = [&](size_t* p) {
    while (*p < s.size() && s[*p] == ' ') ++*p;
    size_t digits = *p;
    while (*p < s.size() && IsDigit(s[*p])) ++*p;
    int64_t frac;
    if (*p == digits || *p >= s.size() || s[*p] != '.' || !Digits(s, *p + 1, 6, &frac)) return false;
    *p += 7;
    return true;
  };
  if (s.empty() || s[0] != '[') return false;
  size_t p = 1;
  if (!seconds(&p)) return false;
  while (p < s.size() && s[p] == ' ') ++p;  // short-delta's first entry has blanks for its delta
  if (p < s.size() && s[p] == '<') {
    ++p;
    if (!seconds(&p)) return false;
    if (p < s.size() && (s[p] == '*' || s[p] == ' ')) ++p;  // '*': the delta crosses a boot
    if (p >= s.size() || s[p] != '>') return false;
    ++p;
  }
  if (p >= s.size() || s[p] != ']') return false;
  *consumed = p + 1;
  return true;
}

}  // namespace forensics::logs

namespace forensics {

Result<int64_t> ParseLogTime(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  auto bad = [&] {
    return Status::InvalidArgument("cannot parse time \"" + std::string(text) +
                                   "\" (want YYYY-MM-DD[ HH:MM[:SS]], ISO 8601 or @SECONDS)");
  };
  if (!text.empty() && text[0] == '@') {
    std::string_view digits = text.substr(1);
    bool negative = !digits.empty() && digits[0] == '-';
    if (negative) digits.remove_prefix(1);
    size_t dot = digits.find('.');
    std::string_view whole = digits.substr(0, dot);
    int64_t secs = 0;
    auto [ptr, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
    if (ec != std::errc() || ptr != whole.data() + whole.size() || whole.empty()) return bad();
    int64_t frac = 0;
    if (dot != std::string_view::npos) {
      int64_t scale = 100000;
      for (char c : digits.substr(dot + 1)) {
        if (c < '0' || c > '9') return bad();
        frac += (c - '0') * scale;
        scale /= 10;
      }
    }
    int64_t us = secs * logs::kMicrosPerSecond + frac;
    return negative ? -us : us;
  }
  int64_t t;
  size_t used;
  if (logs::ParseIsoPrefix(text, &t, &used) && used == text.size()) return t;
  // "YYYY-MM-DD" and "YYYY-MM-DD HH:MM".
  int64_t year, month, day;
  if (text.size() >= 10 && logs::Digits(text, 0, 4, &year) && text[4] == '-' &&
      logs::Digits(text, 5, 2, &month) && text[7] == '-' && logs::Digits(text, 8, 2, &day) &&
      logs::IsValidDate(year, static_cast<unsigned>(month), static_cast<unsigned>(day))) {
    int64_t base = logs::DaysFromCivil(year, static_cast<unsigned>(month),
                                       static_cast<unsigned>(day)) *
                   logs::kMicrosPerDay;
    if (text.size() == 10) return base;
    int64_t tod;
    if ((text[10] == ' ' || text[10] == 'T') &&
        logs::ParseTimeOfDay(text, 11, &tod, true) == text.size() - 11) {
      return base + tod;
    }
  }
  return bad();
}

std::string FormatLogTime(int64_t time_us) {
  if (time_us == LogEvent::kUnknownTime) return "unknown-time";
  int64_t days = time_us / logs::kMicrosPerDay;
  int64_t rem = time_us % logs::kMicrosPerDay;
  if (rem < 0) {
    rem += logs::kMicrosPerDay;
    --days;
  }
  int64_t y;
  unsigned m, d;
  logs::CivilFromDays(days, &y, &m, &d);
  int64_t secs = rem / logs::kMicrosPerSecond;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", y, m, d, secs / 3600,
                     secs / 60 % 60, secs % 60, rem % logs::kMicrosPerSecond);
}

}  // namespace forensics
