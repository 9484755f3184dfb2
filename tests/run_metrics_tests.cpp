// --metrics-out FILE: the verdict as a Prometheus textfile, written to a temporary name and renamed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "forensics/run_metrics.h"
#include "util/cli_run.h"
#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::TempDir;

TEST_CASE("RenderRunMetrics labels every sample with the issue and gives one verdict", "[metrics-out]") {
  RunMetrics m;
  m.issue = "parity-drift";
  m.verdict = Verdict::kViolation;
  m.drifts = 7;
  m.drift_rate = 0.25;
  m.timestamp_seconds = 1700000000;
  const std::string t = RenderRunMetrics(m);
  CHECK_THAT(t, Catch::Contains("coinjecture_forensics_verdict{issue=\"parity-drift\",verdict=\"violation\"} 1\n"));
  CHECK_THAT(t, Catch::Contains("coinjecture_forensics_verdict{issue=\"parity-drift\",verdict=\"clean\"} 0\n"));
  CHECK_THAT(t, Catch::Contains("coinjecture_forensics_parity_drift_rate{issue=\"parity-drift\"} 0.25\n"));
  CHECK_THAT(t, Catch::Contains("# TYPE coinjecture_state_violations_total counter\n"));
  CHECK_THAT(t, Catch::Contains("coinjecture_forensics_last_run_timestamp_seconds{issue=\"parity-drift\"} 1700000000\n"));
  CHECK(t.find("first_bad_height") == std::string::npos);  // none was found
}

TEST_CASE("forensics --metrics-out writes the state-violation verdict and leaves no temporary file", "[metrics-out][cli]") {
  TempDir dir;
  const std::string chain = dir.File("chain.ndjson");
  REQUIRE(testing::RunCli("generate --out '" + chain + "' --blocks 60 --fault inflation@40").status == 0);
  const std::string prom = dir.File("forensics.prom");
  auto r = testing::RunCli("--issue state-violation --skip-signatures --chain '" + chain + "' --metrics-out '" + prom + "'");
  CHECK(r.status == 1);
  const std::string t = testing::ReadWholeFile(prom);
  CHECK_THAT(t, Catch::Contains("coinjecture_state_violations_total{issue=\"state-violation\"} 1\n"));
  CHECK_THAT(t, Catch::Contains("coinjecture_forensics_first_bad_height{issue=\"state-violation\"} 40\n"));
  CHECK_THAT(t, Catch::Contains("coinjecture_forensics_verified_height{issue=\"state-violation\"} 39\n"));
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.File(""))) files += e.path().filename() != "chain.ndjson";
  CHECK(files == 1);
  // A directory that cannot take it: said on stderr, the verdict's status stands.
  auto bad = testing::RunCli("--issue state-violation --skip-signatures --chain '" + chain + "' --metrics-out '" +
                             dir.File("no/such/dir/m.prom") + "'");
  CHECK(bad.status == 1);
  CHECK_THAT(bad.err, Catch::Contains("the metrics were not written"));
}

}  // namespace
}  // namespace forensics
