// YearlessResolver, the rule that dates journald short times: the reference year from the latest
// full timestamp, the neighbouring year where it is closer to the span seen, Feb 29 and 1970.
#include "logs/log_time.h"

#include <catch2/catch.hpp>

namespace forensics::logs {
namespace {

int64_t At(int year, unsigned month, unsigned day, int64_t seconds = 0) {
  return DaysFromCivil(year, month, day) * kMicrosPerDay + seconds * kMicrosPerSecond;
}

YearlessTime Yearless(unsigned month, unsigned day, int64_t seconds = 0) {
  return YearlessTime{month, day, seconds * kMicrosPerSecond};
}

TEST_CASE("YearlessResolver dates yearless times by the full timestamps seen", "[log_events]") {
  YearlessResolver r;
  bool other = true;
  // Nothing seen: 1970, and the flag is left alone.
  CHECK_FALSE(r.has_reference());
  CHECK(r.Resolve(Yearless(3, 4, 5), &other) == At(1970, 3, 4, 5));
  CHECK(other);

  // A span across New Year: the reference year is the latest's; Dec 31 is closer a year before.
  r.See(At(2025, 1, 2));
  r.See(At(2024, 12, 30));
  REQUIRE(r.has_reference());
  CHECK(r.reference_year() == 2025);
  CHECK(r.Resolve(Yearless(1, 1, 60), &other) == At(2025, 1, 1, 60));
  CHECK_FALSE(other);
  CHECK(r.Resolve(Yearless(12, 31), &other) == At(2024, 12, 31));
  CHECK(other);
  // Inside the span is distance 0; a tie goes to the reference year.
  CHECK(r.Resolve(Yearless(7, 1)) == At(2025, 7, 1));

  // Just before the earliest of a span at the start of a year: still the year before.
  YearlessResolver early;
  early.See(At(2023, 1, 1, 10));
  CHECK(early.Resolve(Yearless(12, 31, 86399), &other) == At(2022, 12, 31, 86399));
  CHECK(other);

  // Feb 29: the nearby leap year, else the reference year's Mar 1.
  YearlessResolver leap;
  leap.See(At(2023, 6, 1));
  CHECK(leap.Resolve(Yearless(2, 29), &other) == At(2024, 2, 29));
  CHECK(other);
  YearlessResolver no_leap;
  no_leap.See(At(2022, 6, 1));
  other = false;
  CHECK(no_leap.Resolve(Yearless(2, 29), &other) == At(2022, 3, 1));
  CHECK_FALSE(other);
}

}  // namespace
}  // namespace forensics::logs
