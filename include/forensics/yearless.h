// The one rule for the year of a journald short time ("Dec 03 14:02:11 host unit[pid]: …", which
// carries none), shared by the log scan (forensics/log_events.h) and the parity-drift reader
// (forensics/parity_log.h). Implemented in chain/logs/log_time.cpp.
#ifndef FORENSICS_YEARLESS_H_
#define FORENSICS_YEARLESS_H_

#include <cstdint>

namespace forensics::logs {

// A journald "short" / "short-precise" time "Mon DD HH:MM:SS[.ffffff]" (day may be space
// padded): month (1-12), day and microseconds into the day.
struct YearlessTime {
  unsigned month = 0;
  unsigned day = 0;
  int64_t time_of_day_us = 0;
};
// `t` in `year` (UTC microseconds); a date that year lacks rolls over (Feb 29 of 2025 is Mar 1).
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
  int reference_year() const;
  // The time of `t` by the rule. When one of the three years was taken, *other_year (if given)
  // says whether it was not the reference year; it is left alone otherwise.
  int64_t Resolve(const YearlessTime& t, bool* other_year = nullptr) const;

 private:
  int64_t min_ = INT64_MAX;
  int64_t max_ = INT64_MIN;
};

}  // namespace forensics::logs

#endif  // FORENSICS_YEARLESS_H_
