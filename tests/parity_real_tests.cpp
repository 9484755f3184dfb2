// Parity logs as upstream's shims really write them: the captures of tests/data/real-parity/
// (copies of shared/real/parity/, with their truth.json) in the three logging setups, the report
// block with float counts and the traceback that replaces it, python-json-logger records; the
// generator writing the same shape; and the memory of the analysis bounded by the report's caps.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "util/cli_run.h"
#include "forensics/parity.h"
#include "forensics/parity_gen.h"
#include "util/io_fixtures.h"
#include "util/parity_fixtures.h"

namespace forensics {
namespace {

using testing::CliRun;
using testing::ReadWholeFile;
using testing::RunCli;
using testing::Parsed;
using testing::ParseText;
using testing::TempDir;
using testing::ZstdFrame;

const std::string kRealDir = std::string(FORENSICS_TEST_DATA) + "/real-parity";

// truth.json, parsed once.
const simdjson::dom::element& Truth() {
  static simdjson::dom::parser parser;
  static simdjson::dom::element doc = parser.load(kRealDir + "/truth.json");
  return doc;
}

uint64_t U(simdjson::dom::element e) { return static_cast<uint64_t>(int64_t(e)); }
std::string S(simdjson::dom::element e) { return std::string(std::string_view(e)); }

ParityDriftReport AnalyzeReal(const std::string& file, bool metrics) {
  ParityDriftOptions o;
  o.log_files = {kRealDir + "/" + file};
  o.chain_path = kRealDir + "/chain.ndjson";
  if (metrics) o.metrics_path = kRealDir + "/metrics.prom";
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  return std::move(*r);
}

const FunctionCounts& Function(const ParityDriftReport& r, std::string_view name) {
  auto it = std::find_if(r.by_function.begin(), r.by_function.end(), [&](const FunctionCounts& f) { return f.function == name; });
  REQUIRE(it != r.by_function.end());
  return *it;
}

TEST_CASE("real shim logs: comparisons, matches and drifts per function are truth.json's in every setup", "[parity][real]") {
  const auto& t = Truth();
  for (const char* file : {"shim-basic.log", "shim-asctime.log", "shim-json.log"}) {
    INFO(file);
    ParityDriftReport r = AnalyzeReal(file, false);
    CHECK(r.problem_count == 0);
    CHECK(r.lines_read == U(t["files"][file]["physical_lines"]));
    REQUIRE(r.comparisons);
    CHECK(*r.comparisons == U(t["comparisons"]));
    CHECK(*r.matches == U(t["matches"]));
    CHECK(r.drifts == U(t["drifts"]));
    REQUIRE(r.drift_rate);
    CHECK(std::abs(*r.drift_rate - double(t["drift_rate"])) < 1e-6);
    for (const char* fn : {"compute_header_hash", "verify_subset_sum"}) {
      INFO(fn);
      const FunctionCounts& f = Function(r, fn);
      CHECK(f.drifts == U(t["by_function"][fn]["drifts"]));
      CHECK(f.matches == U(t["by_function"][fn]["matches"]));
      CHECK(f.comparisons == U(t["by_function"][fn]["comparisons"]));
    }
    // Every header drift is the extra_data difference, confirmed from the chain; the subset-sum
    // drifts (True vs False) are not a codec difference.
    CHECK(r.explained == U(t["by_function"]["compute_header_hash"]["drifts"]));
    CHECK(r.unexplained == U(t["by_function"]["verify_subset_sum"]["drifts"]));
    CHECK(r.verdict == Verdict::kViolation);
    CHECK(r.emergency_rollback);
  }
}

TEST_CASE("real shim logs: failures keep their exact texts and fallbacks, in every setup", "[parity][real]") {
  const auto& t = Truth();
  const auto failures = t["failures"];
  for (const char* file : {"shim-basic.log", "shim-asctime.log", "shim-json.log"}) {
    INFO(file);
    ParityDriftReport r = AnalyzeReal(file, false);
    CHECK(r.refactored_failures == U(failures["refactored_failures"]));
    CHECK(r.fallbacks == U(failures["fallbacks"]));
    CHECK(r.legacy_failures == U(failures["legacy_failures"]));
    CHECK(r.fallback_successes == U(failures["fallback_successes"]));
    std::vector<uint64_t> failed_lines, fallback_lines;
    simdjson::dom::array failed_at = t["files"][file]["refactored_failed_lines"];
    simdjson::dom::array fallback_at = t["files"][file]["fallback_lines"];
    for (auto l : failed_at) failed_lines.push_back(U(l));
    for (auto l : fallback_at) fallback_lines.push_back(U(l));
    REQUIRE(r.failures.size() == failed_lines.size() + fallback_lines.size());
    size_t k = 0;
    simdjson::dom::array listed = failures["listed"];
    for (auto want : listed) {
      const FailureRecord& failed = r.failures[2 * k];
      const FailureRecord& fallback = r.failures[2 * k + 1];
      CHECK(failed.kind == ParityRecordKind::kRefactoredFailed);
      CHECK(failed.function == S(want["function"]));
      CHECK(failed.error == S(want["error"]));  // no JSON tail
      CHECK(failed.line == failed_lines[k]);
      CHECK(fallback.kind == ParityRecordKind::kFallingBack);
      CHECK(fallback.function == S(want["function"]));
      CHECK(fallback.line == fallback_lines[k]);
      ++k;
    }
  }
}

TEST_CASE("real shim logs: the first drift is block 0 with both hashes and its time", "[parity][real]") {
  const auto& t = Truth();
  const auto first = t["first_drift"];
  for (const char* file : {"shim-basic.log", "shim-asctime.log", "shim-json.log"}) {
    INFO(file);
    ParityDriftReport r = AnalyzeReal(file, false);
    REQUIRE(r.first_drift);
    const Drift& d = *r.first_drift;
    CHECK(d.function == S(first["function"]));
    CHECK(d.line == U(t["files"][file]["first_drift_line"]));
    CHECK(d.status == DriftStatus::kExplained);
    REQUIRE(d.explanation);
    CHECK(d.explanation->height == U(first["block_height"]));
    CHECK(d.explanation->block_hash == S(first["block_hash"]));
    CHECK(d.explanation->legacy_hash == S(first["legacy_hash"]));
    CHECK(d.explanation->legacy_confirmed);
    REQUIRE(d.legacy);
    CHECK(PyValueDisplay(*d.legacy) == S(first["legacy_hash"]));
    simdjson::dom::element want_time = t["files"][file]["first_drift_time"];
    if (want_time.is_null()) {
      CHECK_FALSE(d.time_us);
    } else {
      REQUIRE(d.time_us);
      CHECK(FormatParityTime(*d.time_us) == S(want_time));
    }
    // Every header drift is tied to its block.
    REQUIRE(!r.clusters.empty());
    const DriftCluster& headers = r.clusters.back();
    CHECK(headers.key == "compute_header_hash/explained/extra_data");
    CHECK(headers.count == 40);
    CHECK(headers.min_height == 0u);
    CHECK(headers.max_height == 39u);
  }
}

TEST_CASE("real shim logs: the report block's float counts and time, and the report that raised, read past",
          "[parity][real]") {
  const auto& t = Truth();
  const auto report = t["parity_report"];
  for (const char* file : {"shim-basic.log", "shim-asctime.log", "shim-json.log"}) {
    INFO(file);
    ParityDriftReport r = AnalyzeReal(file, false);
    REQUIRE(r.report_blocks.size() == 2);
    const ParityReportBlock& b = r.report_blocks[0];
    CHECK(b.line == U(t["files"][file]["report_opener_line"]));
    CHECK(b.codec_mode == S(report["codec_mode"]));
    CHECK(b.rust_available == bool(report["rust_available"]));
    CHECK(b.matches == 3u);  // "3.0"
    CHECK(S(report["parity_matches_text"]) == "3.0");
    CHECK(b.drifts == 0u);
    CHECK(b.closed);
    CHECK_FALSE(b.error);
    simdjson::dom::element want_time = t["files"][file]["report_time"];
    if (want_time.is_null()) {
      CHECK_FALSE(b.time_us);
    } else {
      REQUIRE(b.time_us);
      CHECK(FormatParityTime(*b.time_us) == S(want_time));
    }
    // The final log_parity_report() raised; its traceback is read past and named.
    const ParityReportBlock& failed = r.report_blocks[1];
    CHECK(failed.line == U(t["files"][file]["parity_report_failed_line"]));
    REQUIRE(failed.error);
    CHECK(*failed.error == S(t["final_parity_report"]["raised"]));
    CHECK_FALSE(failed.matches);
    bool warned = false;
    for (const std::string& w : r.warnings) warned = warned || w.find(": log_parity_report() raised (TypeError: ") != std::string::npos;
    CHECK(warned);
    // The counts come from the parity ✓ lines, not from the warm-up block's 3 matches.
    CHECK(r.counts_source == "parity ✓ lines");
  }
}

TEST_CASE("real metrics: prometheus_client's exposition gives the parity counters of truth.json", "[parity][real]") {
  const auto& t = Truth();
  ParityDriftReport r = AnalyzeReal("shim-asctime.log", true);
  REQUIRE(r.metrics);
  CHECK(r.metrics->matches_total == double(U(t["metrics"]["coinjecture_parity_matches_total"])));
  CHECK(r.metrics->drifts_by_function.at("compute_header_hash") ==
        double(U(t["metrics"]["coinjecture_parity_drifts_total"]["compute_header_hash"])));
  CHECK(r.metrics->drifts_by_function.at("verify_subset_sum") ==
        double(U(t["metrics"]["coinjecture_parity_drifts_total"]["verify_subset_sum"])));
  CHECK(Function(r, "compute_header_hash").metrics_drifts == 40u);
  CHECK(r.problem_count == 0);
}

TEST_CASE("python-json-logger: the record is read out of the message, the traceback out of exc_info", "[parity][real]") {
  const std::string line =
      R"({"asctime": "2025-11-20 13:35:30,250", "name": "coinjecture.legacy_compat", "levelname": "ERROR", )"
      R"("message": "verify_subset_sum: refactored failed: Subset sum verification failed: solution does not match target"})"
      "\n"
      R"({"asctime": "2025-11-20 13:35:31,625", "name": "coinjecture.legacy_compat", "levelname": "ERROR", )"
      R"("message": "verify_subset_sum: PARITY DRIFT \u2717\n  Legacy:      False\n  Refactored:  True\n  Legacy time: 0.00ms\n  Refactored time: 0.01ms"})"
      "\n";
  Parsed p = ParseText(line);
  CHECK(p.problems.empty());
  REQUIRE(p.records.size() == 2);
  CHECK(p.records[0].kind == ParityRecordKind::kRefactoredFailed);
  CHECK(p.records[0].error == "Subset sum verification failed: solution does not match target");
  CHECK(p.records[0].prefix == ParityPrefix::kPythonJson);
  REQUIRE(p.records[0].time_us);
  CHECK(FormatParityTime(*p.records[0].time_us) == "2025-11-20T13:35:30.250Z");
  const ParityRecord& d = p.records[1];
  CHECK(d.kind == ParityRecordKind::kDrift);
  CHECK_FALSE(d.first_line_only);
  CHECK(d.legacy_repr == "False");
  CHECK(d.refactored_repr == "True");
  CHECK(d.refactored_ms == 0.01);
  CHECK(d.line == 2);
}

TEST_CASE("report counts: integral floats are counts, fractions and signs are problems", "[parity][real]") {
  Parsed p = ParseText(
      "INFO:coinjecture.legacy_compat:\n========== PARITY REPORT ==========\nParity Matches:  9007199254740992.0\n"
      "Parity Drifts:   7.0\n===================================\n\n"
      "INFO:coinjecture.legacy_compat:\n========== PARITY REPORT ==========\nParity Matches:  2.5\n"
      "Parity Drifts:   -1.0\n===================================\n\n"
      "INFO:coinjecture.legacy_compat:\n========== PARITY REPORT ==========\nParity Matches:  1e+16\n"
      "===================================\n");
  REQUIRE(p.records.size() == 3);
  CHECK(p.records[0].report_matches == 9007199254740992u);  // 2^53, the last float that counts one by one
  CHECK(p.records[0].report_drifts == 7u);
  CHECK(p.records[0].prefix == ParityPrefix::kPythonDefault);
  CHECK(p.records[0].line == 2);
  CHECK_FALSE(p.records[1].report_matches);
  CHECK_FALSE(p.records[1].report_drifts);
  CHECK_FALSE(p.records[2].report_matches);  // past 2^53 a float no longer counts
  CHECK(p.problems.size() == 3);
}

TEST_CASE("tracebacks: one through log_parity_report is the report's failure, others are read past", "[parity][real]") {
  Parsed p = ParseText(
      "2025-11-20 13:36:20,000 - app - ERROR - something else failed\n"
      "Traceback (most recent call last):\n"
      "  File \"/srv/app.py\", line 3, in <module>\n"
      "    main\n"
      "  File \"/srv/app.py\", line 2, in main\n"
      "    raise KeyError('x')\n"
      "KeyError: 'x'\n"
      "\n"
      "During handling of the above exception, another exception occurred:\n"
      "\n"
      "Traceback (most recent call last):\n"
      "  File \"/srv/app.py\", line 5, in <module>\n"
      "ValueError: second\n"
      "compute_header_hash: PARITY DRIFT ✗\n"
      "2025-11-20 13:36:25,250 - coinjecture.node - ERROR - parity report failed\n"
      "Traceback (most recent call last):\n"
      "  File \"/srv/coinjecture/python/src/coinjecture/legacy_compat.py\", line 302, in log_parity_report\n"
      "    stats = get_parity_stats()\n"
      "            ^^^^^^^^^^^^^^^^^^\n"
      "TypeError: unsupported operand type(s) for +: 'int' and 'Counter'\n");
  CHECK(p.problems.empty());
  REQUIRE(p.records.size() == 2);
  CHECK(p.records[0].kind == ParityRecordKind::kDrift);  // after a traceback, not taken for its exception
  CHECK(p.records[0].line == 14);
  const ParityRecord& f = p.records[1];
  CHECK(f.kind == ParityRecordKind::kReportFailed);
  CHECK(f.line == 15);
  CHECK(f.error == "TypeError: unsupported operand type(s) for +: 'int' and 'Counter'");
  REQUIRE(f.time_us);
  CHECK(FormatParityTime(*f.time_us) == "2025-11-20T13:36:25.250Z");
}

// The generator writes what the captures hold: the same report block and traceback lines, and
// the JSON formatter's escapes, so that what it makes for tests and benchmarks reads like the real thing.
TEST_CASE("the generator writes upstream's report block, traceback and JSON records", "[parity][real]") {
  auto headers = SyntheticCoreV4Headers(4, 3);
  ParityGenOptions g;
  g.matches = 5;
  g.warmup_matches = 3;
  g.header_drifts = 4;
  g.unexplained_drifts = 0;
  g.fallbacks = 0;
  g.seed = 5;
  const std::string real = ReadWholeFile(kRealDir + "/shim-basic.log");
  auto block_of = [](const std::string& text, std::string_view from, size_t lines) {
    size_t a = text.find(from);
    REQUIRE(a != std::string::npos);
    size_t b = a;
    for (size_t i = 0; i < lines; ++i) b = text.find('\n', b) + 1;
    return text.substr(a, b - a);
  };
  for (ParityPrefix style : {ParityPrefix::kPythonDefault, ParityPrefix::kPythonAsctime, ParityPrefix::kPythonJson,
                             ParityPrefix::kJournaldShort, ParityPrefix::kNone}) {
    INFO(ParityPrefixName(style));
    g.styles = {style};
    std::string log;
    ParityGenSummary sum;
    REQUIRE(GenerateParityLog(headers, g, [&](std::string_view x) { log += x; }, &sum).ok());
    CHECK(sum.report_blocks == 1);
    CHECK(sum.failed_reports == 1);
    if (style == ParityPrefix::kPythonDefault) {
      CHECK(block_of(log, "INFO:coinjecture.legacy_compat:\n", 8) == block_of(real, "INFO:coinjecture.legacy_compat:\n", 8));
      CHECK(block_of(log, "ERROR:coinjecture.node:", 11) == block_of(real, "ERROR:coinjecture.node:", 11));
    }
    if (style == ParityPrefix::kPythonJson) {
      CHECK(log.find("PARITY DRIFT \\u2717\\n  Legacy:      b'") != std::string::npos);
      CHECK(log.find(R"(, "exc_info": "Traceback (most recent call last):\n  File \")") != std::string::npos);
    }
    Parsed p = ParseText(log);
    CHECK(p.problems.empty());
    size_t drifts = 0, blocks = 0, failed = 0;
    for (const ParityRecord& r : p.records) {
      drifts += r.kind == ParityRecordKind::kDrift && !r.first_line_only;
      if (r.kind == ParityRecordKind::kReport) {
        ++blocks;
        CHECK(r.report_matches == 3u);
        CHECK(r.report_drifts == 0u);
        CHECK(r.report_closed);
        CHECK(r.time_us.has_value() == (style != ParityPrefix::kNone && style != ParityPrefix::kPythonDefault));
      }
      failed += r.kind == ParityRecordKind::kReportFailed;
    }
    CHECK(drifts == 4);
    CHECK(blocks == 1);
    CHECK(failed == 1);
  }
}

TEST_CASE("samples/parity/parity.log holds the report block and traceback as upstream writes them", "[parity][real]") {
  const std::string log = ReadWholeFile(std::string(FORENSICS_SAMPLES_DIR) + "/parity/parity.log");
  // The block's message starts with a newline: the prefix stands alone, the counts are floats.
  CHECK(log.find(" - coinjecture.legacy_compat - INFO - \n========== PARITY REPORT ==========\nCodec Mode:      shadow\n"
                 "Rust Available:  True\nParity Matches:  3.0\nParity Drifts:   0\n") != std::string::npos);
  CHECK(log.find("INFO - ========== PARITY REPORT") == std::string::npos);
  CHECK(log.find("Parity Drifts:   10") == std::string::npos);  // upstream raises once a drift was counted
  CHECK(log.find(" - coinjecture.node - ERROR - parity report failed\nTraceback (most recent call last):\n") !=
        std::string::npos);
}

// A drift-heavy shadow-mode log (every header drifts) of 120,000 drifts. Keeping every drift, the
// analysis took ~150 MB here; streaming, it holds the report's aggregates and its listed drifts
// only. The peak is the CLI's own (cli_run.h).
TEST_CASE("a drift-heavy log is analysed in memory bounded by the report, not by its drifts", "[parity][slow]") {
  TempDir dir;
  auto headers = SyntheticCoreV4Headers(500, 9);
  const std::string chain = dir.Write("chain.ndjson", CoreV4ExportNdjson(headers));
  ParityGenOptions g;
  g.styles = {ParityPrefix::kPythonAsctime};
  g.matches = 120000;
  g.warmup_matches = 3;
  g.header_drifts = 120000;
  g.unexplained_drifts = 0;
  g.other_drifts = 600;
  g.fallbacks = 20;
  g.report_every = 20000;
  g.step_us = 10000;
  std::string log;
  ParityGenSummary sum;
  REQUIRE(GenerateParityLog(headers, g, [&](std::string_view x) { log += x; }, &sum).ok());
  const std::string path = dir.Write("shadow.log.zst", ZstdFrame(log, 1));
  const std::string args = "--issue parity-drift --log '" + path + "' --chain '" + chain + "' --format json";
  log.clear();
  log.shrink_to_fit();
#if defined(__SANITIZE_ADDRESS__)
  CliRun r = RunCli(args);
  CHECK(r.status == 1);
  WARN("peak RSS not measured under AddressSanitizer");
#else
  CliRun r = RunCli(args, /*measure_peak=*/true);
  CHECK(r.status == 1);
  CHECK(r.out.find("\"drifts\": 120600") != std::string::npos);
  const long peak_mb = r.peak_rss_kb / 1024;
  INFO("peak RSS of the CLI: " << peak_mb << " MB");
  REQUIRE(r.peak_rss_kb > 0);
  CHECK(peak_mb < 48);
#endif
}

}  // namespace
}  // namespace forensics
