// The year of journald short times in the parity-drift analysis: the log scan's rule
// (logs::YearlessResolver over the full times of the inputs), whatever order the lines come in,
// across New Year, and the same answer as ScanLogs gives for the same lines.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "forensics/log_events.h"
#include "forensics/parity.h"
#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::TempDir;

// A parity failure record (emitted on its own line) under a journald short prefix.
std::string Short(std::string_view when, int n) {
  return fmt::format("{} node-a coinjectured[7]: compute_header_hash: legacy failed: e{}\n", when, n);
}
// The same under journalctl -o short-iso, which carries the year.
std::string Iso(std::string_view when, int n) {
  return fmt::format("{}+0000 node-a coinjectured[7]: compute_header_hash: legacy failed: e{}\n", when, n);
}
// A Python asctime line (a match).
std::string Asctime(std::string_view when) {
  return fmt::format("{} - coinjecture.legacy_compat - DEBUG - verify_subset_sum: parity \xe2\x9c\x93 "
                     "(legacy=1.00ms, refactored=1.00ms)\n",
                     when);
}

ParityDriftReport Analyze(const std::vector<std::string>& files) {
  ParityDriftOptions o;
  o.log_files = files;
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  return std::move(*r);
}

// The time of each failure by its error text ("e3"), as the report dates it.
std::map<std::string, std::string> FailureTimes(const ParityDriftReport& r) {
  std::map<std::string, std::string> t;
  for (const FailureRecord& f : r.failures) t[f.error] = f.time_us ? FormatParityTime(*f.time_us) : "none";
  return t;
}

bool HasWarning(const ParityDriftReport& r, std::string_view text) {
  for (const std::string& w : r.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

TEST_CASE("parity yearless lines on Jan 1 after a December log take the next year", "[parity]") {
  TempDir dir;
  std::string log = Asctime("2025-12-31 23:00:00,000") + Asctime("2025-12-31 23:30:00,000") +
                    Short("Dec 31 23:59:58", 1) + Short("Jan 01 00:00:05", 2) + Short("Jan  1 00:10:00", 3);
  ParityDriftReport r = Analyze({dir.Write("p.log", log)});
  auto t = FailureTimes(r);
  CHECK(t["e1"] == "2025-12-31T23:59:58Z");
  CHECK(t["e2"] == "2026-01-01T00:00:05Z");
  CHECK(t["e3"] == "2026-01-01T00:10:00Z");
  CHECK(r.year_used == 2025);
  CHECK(HasWarning(r, "journald times carry no year; took 2025 (and the adjacent year where closer) from the other "
                      "log lines"));
}

TEST_CASE("parity yearless lines before the full times of their file are dated by all of them", "[parity]") {
  TempDir dir;
  SECTION("across New Year") {
    std::string log = Short("Dec 31 23:59:58", 1) + Short("Jan 01 00:00:01", 2) + Asctime("2025-12-31 23:59:59,000") +
                      Asctime("2025-12-31 23:59:59,500") + Asctime("2026-01-01 00:00:02,000");
    ParityDriftReport r = Analyze({dir.Write("p.log", log)});
    auto t = FailureTimes(r);
    CHECK(t["e1"] == "2025-12-31T23:59:58Z");
    CHECK(t["e2"] == "2026-01-01T00:00:01Z");
    CHECK(r.year_used == 2026);
    CHECK(HasWarning(r, "took 2026 (and the adjacent year where closer) from the other log lines"));
  }
  SECTION("the full times in a later file, one year") {
    std::string journal = dir.Write("j.log", Short("Nov 04 13:37:01", 1) + Short("Nov  5 01:00:00", 2));
    std::string python = dir.Write("p.log", Asctime("2024-11-04 13:00:00,000"));
    ParityDriftReport r = Analyze({journal, python});
    auto t = FailureTimes(r);
    CHECK(t["e1"] == "2024-11-04T13:37:01Z");
    CHECK(t["e2"] == "2024-11-05T01:00:00Z");
    CHECK(r.year_used == 2024);
    CHECK(HasWarning(r, "journald times carry no year; took 2024 from the other log lines"));
    CHECK_FALSE(HasWarning(r, "adjacent"));
  }
  SECTION("no full time anywhere: 1970") {
    ParityDriftReport r = Analyze({dir.Write("j.log", Short("Jan 01 00:00:01", 1))});
    CHECK(FailureTimes(r)["e1"] == "1970-01-01T00:00:01Z");
    CHECK(r.year_used == 1970);
    CHECK(HasWarning(r, "journald times carry no year and no input tells it; 1970 is shown"));
  }
}

TEST_CASE("parity yearless times within one day may take two years as the log scan gives them", "[parity]") {
  // The only full time is half a year plus a day after Jan 1 2025: a Jan 1 morning is nearer Jan 1 2026,
  // its evening nearer Jan 1 2025.
  TempDir dir;
  std::string log = Iso("2025-07-03T00:00:00", 0) + Short("Jan 01 06:00:00", 1) + Short("Jan 01 18:00:00", 2);
  ParityDriftReport r = Analyze({dir.Write("p.log", log)});
  auto t = FailureTimes(r);
  CHECK(t["e1"] == "2026-01-01T06:00:00Z");
  CHECK(t["e2"] == "2025-01-01T18:00:00Z");
}

TEST_CASE("parity yearless times agree with the log scan on the same lines", "[parity]") {
  // Two files of short-iso and journald short lines in random order, their times from Dec 10 to Jan 20,
  // the full ones from a narrower span that moves as the files are read.
  std::mt19937_64 rng(20261204);
  const int64_t day = 86400LL * 1000000;
  const int64_t start = 1765324800LL * 1000000;  // 2025-12-10T00:00:00Z
  for (int round = 0; round < 20; ++round) {
    TempDir dir;
    std::vector<std::string> files;
    int n = 0;
    for (int f = 0; f < 2; ++f) {
      std::string text;
      const int lines = 20 + static_cast<int>(rng() % 60);
      for (int i = 0; i < lines; ++i, ++n) {
        const bool full = rng() % 4 == 0;
        const int64_t span = full ? 10 * day : 41 * day;
        const int64_t t = start + (full ? 15 * day : 0) + static_cast<int64_t>(rng() % span);
        const std::string iso = FormatParityTime(t / 1000000 * 1000000);  // "2025-12-31T23:59:58Z"
        if (full) {
          text += Iso(iso.substr(0, 19), n);
        } else {
          static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
          const int month = std::stoi(iso.substr(5, 2));
          text += Short(fmt::format("{} {} {}", kMonths[month - 1], iso.substr(8, 2), iso.substr(11, 8)), n);
        }
      }
      files.push_back(dir.Write(fmt::format("f{}.log", f), text));
    }
    REQUIRE(n <= 200);  // every failure is listed

    LogScanResult scan;
    REQUIRE(ScanLogs(files, LogScanOptions{}, &scan).ok());
    std::map<std::pair<std::string, uint64_t>, int64_t> by_scan;
    for (const LogEvent& e : scan.events) by_scan[{std::string(e.file), e.line}] = e.time_us;

    ParityDriftReport r = Analyze(files);
    REQUIRE(r.failures.size() == static_cast<size_t>(n));
    std::set<int> years;
    for (const FailureRecord& f : r.failures) {
      INFO(f.file << ":" << f.line << " " << f.error);
      auto it = by_scan.find({f.file, f.line});
      REQUIRE(it != by_scan.end());
      REQUIRE(f.time_us);
      CHECK(FormatParityTime(*f.time_us) == FormatParityTime(it->second));
      years.insert(std::stoi(FormatParityTime(*f.time_us).substr(0, 4)));
    }
    CHECK(years.size() == 2);  // both sides of New Year
  }
}

}  // namespace
}  // namespace forensics
