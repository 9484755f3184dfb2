// Time helpers shared by the log parsers: civil dates to epoch days, and the fixed-layout
// timestamp prefixes of the log formats. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_LOG_TIME_H_
#define FORENSICS_CHAIN_LOGS_LOG_TIME_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "forensics/yearless.h"

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
// padded). Its year: ResolveYearless and YearlessResolver (forensics/yearless.h).
bool ParseYearlessPrefix(std::string_view text, YearlessTime* t, size_t* consumed);

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
