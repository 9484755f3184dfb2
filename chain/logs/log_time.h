// Time helpers shared by the log parsers: civil dates to epoch days, and the fixed-layout
// timestamp prefixes of the log formats. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_LOG_TIME_H_
#define FORENSICS_CHAIN_LOGS_LOG_TIME_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace forensics::logs {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31; not range-checked
// beyond that: Feb 30 is Mar 2).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
// The proleptic Gregorian date of a day number (days since 1970-01-01).
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);
// The calendar year of a UTC time.
int YearOfTime(int64_t time_us);
bool IsValidDate(int64_t year, unsigned month, unsigned day);

// Parses an ISO-8601-like timestamp at the start of `text`: "YYYY-MM-DD[T ]HH:MM:SS[.,frac]"
// followed by an optional zone ("Z", "±HH:MM", "±HHMM", "±HH"); a missing zone is UTC.
// On success sets *time_us and *consumed (bytes used) and returns true.
bool ParseIsoPrefix(std::string_view text, int64_t* time_us, size_t* consumed);

// A journald "short" / "short-precise" time "Mon DD HH:MM:SS[.ffffff]" (day may be space
// padded). Sets month (1-12), day and microseconds into the day.
struct YearlessTime {
  unsigned month = 0;
  unsigned day = 0;
  int64_t time_of_day_us = 0;
};
bool ParseYearlessPrefix(std::string_view text, YearlessTime* t, size_t* consumed);
int64_t ResolveYearless(const YearlessTime& t, int year);

// The one rule for the year of a yearless time (journald short), from the full timestamps seen:
//   - the reference year is the calendar year of the latest full timestamp seen;
//   - the time takes the reference year or the year before or after it, whichever puts it
//     closest to the span from the earliest to the latest full timestamp (inside the span counts
//     as 0; a tie goes to the reference year, then the year before), so a log crossing New Year
//     gets both years; a year in which the date does not exist (Feb 29) is skipped, and a date
//     in none of the three takes the reference year (Feb 29 becomes Mar 1);
//   - with no full timestamp seen, the year is 1970.
// The rule reads what has been seen so far: a reader that holds its yearless times until its
// inputs are read resolves them against all of them; a streaming reader gets the answer for the
// timestamps before the line.
class YearlessResolver {
 public:
  // Feeds one full (dated) timestamp.
  void See(int64_t time_us) {
    if (time_us < min_) min_ = time_us;
    if (time_us > max_) max_ = time_us;
  }
  bool has_reference() const { return min_ <= max_; }
  // The reference year (has_reference() only).
  int reference_year() const { return YearOfTime(max_); }
  // The time of `t` by the rule. When one of the three years was taken, *other_year (if given)
  // says whether it was not the reference year; it is left alone otherwise.
  int64_t Resolve(const YearlessTime& t, bool* other_year = nullptr) const;

 private:
  int64_t min_ = INT64_MAX;
  int64_t max_ = INT64_MIN;
};

// journalctl short-full, with-unit and the verbose entry header: "Www YYYY-MM-DD HH:MM:SS[.ffffff]
// ZONE". The zone is an abbreviation (%Z): UTC, GMT and UT, or a numeric "+HHMM", give the time
// (*zone_known true); any other abbreviation cannot be turned into an offset, and the prefix is
// read without a time (*zone_known false).
bool ParseWeekdayPrefix(std::string_view text, int64_t* time_us, bool* zone_known, size_t* consumed);

// journalctl short-unix: "SECONDS.ffffff", seconds since the epoch.
bool ParseEpochPrefix(std::string_view text, int64_t* time_us, size_t* consumed);

// journalctl short-monotonic "[ SECONDS.ffffff]" and short-delta "[ SECONDS.ffffff < DELTA.ffffff]"
// (DELTA may end in '*', a new boot): seconds since the boot, which is no date.
bool ParseMonotonicPrefix(std::string_view text, size_t* consumed);

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_LOG_TIME_H_
