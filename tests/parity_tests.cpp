// Parity drift: Python repr decoding, the record parser in every prefix style and container, grep
// excerpts, metrics, the genesis vector, explanations from chain data, bad input, determinism,
// Markdown escaping and the checked-in sample.
#include <atomic>
#include <catch2/catch.hpp>
#include <fmt/ranges.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../forensics/cli/flag_names.h"
#include "forensics/codec.h"
#include "forensics/log_events.h"
#include "forensics/markdown.h"
#include "forensics/parity.h"
#include "forensics/parity_gen.h"
#include "forensics/sha256.h"
#include "util/io_fixtures.h"
#include "util/parity_fixtures.h"

namespace forensics {
namespace {

using testing::GzipMember;
using testing::Parsed;
using testing::ParseText;
using testing::TempDir;
using testing::ZstdFrame;

std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

std::string Hex(std::string_view s) { return ToHex({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }

std::string Raw(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), 32); }

CoreV4Header Genesis() {
  CoreV4Header h;
  h.block_index = 0;
  h.timestamp = 1704067200;
  h.difficulty_target = 100;
  return h;
}

constexpr std::string_view kGenesisCoreV4 = "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc";
constexpr std::string_view kGenesisLegacy = "30d61d0b62a983ed13b30a138d5fcc48b76b773ec9b40c40bfc4ca75acf179bf";

// The genesis drift record as the shim logs it, without prefix.
std::string GenesisDriftRecord() {
  Hash32 legacy = sha256::Hash(EncodeCoreV4Header(Genesis(), ExtraDataEncoding::kBin));
  Hash32 core = sha256::Hash(EncodeCoreV4Header(Genesis(), ExtraDataEncoding::kArray));
  return "compute_header_hash: PARITY DRIFT ✗\n  Legacy:      " + EncodePyBytesRepr(Raw(legacy)) +
         "\n  Refactored:  " + EncodePyBytesRepr(Raw(core)) + "\n  Legacy time: 0.42ms\n  Refactored time: 0.07ms\n";
}

// --- Python reprs ---------------------------------------------------------------------------

TEST_CASE("bytes reprs decode printable characters and every escape exactly", "[parity]") {
  auto v = DecodePyRepr(R"(b'\xd1\xd9Y\xb0 a\'b"c\\d\n\r\t\x00\x7f~')");
  REQUIRE(v.has_value());
  CHECK(v->kind == PyValue::Kind::kBytes);
  CHECK(v->bytes == Bytes({0xd1, 0xd9, 'Y', 0xb0, ' ', 'a', '\'', 'b', '"', 'c', '\\', 'd', '\n', '\r', '\t', 0, 0x7f, '~'}));
  auto d = DecodePyRepr(R"(b"it's \"x\" \x41")");
  REQUIRE(d.has_value());
  CHECK(d->bytes == "it's \"x\" A");
  CHECK(DecodePyRepr("b''")->bytes.empty());
  CHECK(DecodePyRepr("  B'\\101'  ")->bytes == "A");  // octal escape, surrounding blanks
}

TEST_CASE("booleans, integers, None and strings decode", "[parity]") {
  CHECK(DecodePyRepr("True")->kind == PyValue::Kind::kBool);
  CHECK(DecodePyRepr("True")->boolean);
  CHECK_FALSE(DecodePyRepr("False")->boolean);
  CHECK(DecodePyRepr("None")->kind == PyValue::Kind::kNone);
  CHECK(DecodePyRepr("-12345678901234567890123")->bytes == "-12345678901234567890123");
  CHECK(DecodePyRepr("'caf\\xe9 \\u2713'")->bytes == "caf\xc3\xa9 \xe2\x9c\x93");
  CHECK(DecodePyRepr("\"a'b\"")->bytes == "a'b");
}

TEST_CASE("reprs that do not parse are errors saying why, never crashes", "[parity]") {
  for (std::string_view bad : {"b'\\q'", "b'abc", "b'\\x4'", "b'\\x'", "b'caf\xc3\xa9'", "b'a' trailing", "", "   ",
                               "b", "truthy", "12a", "-", "'\\u12'", "b'\\u1234'", "b'\\"}) {
    auto v = DecodePyRepr(bad);
    INFO(std::string(bad));
    CHECK_FALSE(v.has_value());
  }
}

TEST_CASE("bytes reprs round-trip for every byte value, with CPython's quote choice", "[parity]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  auto v = DecodePyRepr(EncodePyBytesRepr(all));
  REQUIRE(v.has_value());
  CHECK(v->bytes == all);
  CHECK(EncodePyBytesRepr("'") == "b\"'\"");
  CHECK(EncodePyBytesRepr("'\"") == "b'\\'\"'");
  CHECK(EncodePyBytesRepr(Bytes({0xd1, 0xd9, 'Y', 0xb0, '\n'})) == "b'\\xd1\\xd9Y\\xb0\\n'");
}

// --- Genesis vector and encodings -------------------------------------------------------------

TEST_CASE("genesis vector: legacy 30d61d0b… vs core-v4 9e28bebb…, differing only in extra_data", "[parity]") {
  std::string legacy = EncodeCoreV4Header(Genesis(), ExtraDataEncoding::kBin);
  std::string core = EncodeCoreV4Header(Genesis(), ExtraDataEncoding::kArray);
  CHECK(core.size() == 267);
  CHECK(sha256::Hash(core).Hex() == kGenesisCoreV4);
  CHECK(sha256::Hash(legacy).Hex() == kGenesisLegacy);
  auto diff = CompareHeaderEncodings(legacy, core);
  REQUIRE(diff.size() == 1);
  CHECK(diff[0].field == "extra_data");
  CHECK(diff[0].legacy_hex == "c400");
  CHECK(diff[0].core_v4_hex == "90");
}

TEST_CASE("genesis drift analysed with its chain is explained and confirmed", "[parity]") {
  TempDir dir;
  std::vector<CoreV4Header> headers = {Genesis()};
  std::string chain = dir.Write("chain.ndjson", CoreV4ExportNdjson(headers));
  std::string log = dir.Write("p.log", "ERROR:coinjecture.legacy_compat:" + GenesisDriftRecord());
  ParityDriftOptions o;
  o.log_files = {log};
  o.chain_path = chain;
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->verdict == Verdict::kViolation);
  CHECK(r->explained == 1);
  REQUIRE(r->drifts_list.size() == 1);
  const Drift& d = r->drifts_list[0];
  REQUIRE(d.explanation.has_value());
  CHECK(d.explanation->height == 0);
  CHECK(d.explanation->block_hash == kGenesisCoreV4);
  CHECK(d.explanation->legacy_hash == kGenesisLegacy);
  CHECK(d.explanation->legacy_confirmed);
  CHECK(d.explanation->core_v4_confirmed);
  REQUIRE(d.explanation->fields.size() == 1);
  CHECK(d.explanation->fields[0].legacy_hex == "c400");
  CHECK(d.explanation->fields[0].core_v4_hex == "90");
  // Windows around the first difference: the legacy bytes show c4 00, the core-v4 ones 90.
  CHECK(d.explanation->legacy_window_hex.find("c400") != std::string::npos);
  CHECK(d.explanation->core_v4_window_hex.substr(d.explanation->core_v4_window_hex.size() - 2) == "90");
  ReportStamp stamp{"test", "forensics --issue parity-drift"};
  std::string md = RenderParityDriftMarkdown(*r, stamp);
  CHECK(md.find("c4 00") != std::string::npos);
  CHECK(md.find(kGenesisLegacy) != std::string::npos);
  CHECK(md.find("`extra_data`") != std::string::npos);
  std::string json = RenderParityDriftJson(*r, stamp);
  CHECK(json.find("\"issue\": \"parity-drift\"") != std::string::npos);
  CHECK(json.find("\"legacy_confirmed\": true") != std::string::npos);
}

// --- Record parser: prefix styles --------------------------------------------------------------

void CheckGenesisDrift(const Parsed& p, ParityPrefix prefix, bool timed) {
  REQUIRE(p.problems.empty());
  REQUIRE(p.records.size() == 1);
  const ParityRecord& r = p.records[0];
  CHECK(r.kind == ParityRecordKind::kDrift);
  CHECK(r.function == "compute_header_hash");
  CHECK(r.prefix == prefix);
  CHECK(r.time_us.has_value() == timed);
  REQUIRE(r.legacy_repr.has_value());
  REQUIRE(r.refactored_repr.has_value());
  CHECK(Hex(DecodePyRepr(*r.legacy_repr)->bytes) == kGenesisLegacy);
  CHECK(Hex(DecodePyRepr(*r.refactored_repr)->bytes) == kGenesisCoreV4);
  CHECK(r.legacy_ms == 0.42);
  CHECK(r.refactored_ms == 0.07);
  CHECK_FALSE(r.first_line_only);
}

TEST_CASE("a drift record parses the same in every prefix style", "[parity]") {
  const std::string rec = GenesisDriftRecord();
  SECTION("no prefix") { CheckGenesisDrift(ParseText(rec), ParityPrefix::kNone, false); }
  SECTION("Python default prefix") {
    CheckGenesisDrift(ParseText("ERROR:coinjecture.legacy_compat:" + rec), ParityPrefix::kPythonDefault, false);
  }
  SECTION("Python asctime prefix") {
    auto p = ParseText("2025-11-04 13:37:01,123 - coinjecture.legacy_compat - ERROR - " + rec);
    CheckGenesisDrift(p, ParityPrefix::kPythonAsctime, true);
    CHECK(FormatParityTime(*p.records[0].time_us) == "2025-11-04T13:37:01.123Z");
  }
  SECTION("journald short prefix with indented continuation lines") {
    std::string prefix = "Nov 04 13:37:01 host coinjectured[1234]: ";
    std::string text = prefix + "compute_header_hash: PARITY DRIFT ✗\n";
    std::istringstream in(rec);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) text += std::string(prefix.size(), ' ') + line + "\n";
    auto p = ParseText(text);
    CheckGenesisDrift(p, ParityPrefix::kJournaldShort, true);
    CHECK(p.records[0].yearless);
    CHECK(FormatParityTime(ResolveYearlessTime(*p.records[0].time_us, 2025)) == "2025-11-04T13:37:01Z");
  }
  SECTION("journalctl -o short-iso prefix with a zone offset") {
    std::string prefix = "2025-11-04T14:37:01+0100 host coinjectured[1234]: ";
    std::string text = prefix + "compute_header_hash: PARITY DRIFT ✗\n";
    std::istringstream in(rec);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) text += std::string(prefix.size(), ' ') + line + "\n";
    auto p = ParseText(text);
    CheckGenesisDrift(p, ParityPrefix::kJournaldShort, true);
    CHECK_FALSE(p.records[0].yearless);
    CHECK(FormatParityTime(*p.records[0].time_us) == "2025-11-04T13:37:01Z");
  }
  SECTION("journalctl -o json with the whole record in MESSAGE") {
    std::string msg = rec.substr(0, rec.size() - 1);
    std::string esc;
    for (char c : msg) esc += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : c == '"' ? std::string("\\\"") : std::string(1, c);
    auto p = ParseText("{\"__REALTIME_TIMESTAMP\":\"1762263421123000\",\"MESSAGE\":\"" + esc + "\"}\n");
    CheckGenesisDrift(p, ParityPrefix::kJournalJson, true);
    CHECK(FormatParityTime(*p.records[0].time_us) == "2025-11-04T13:37:01.123Z");
  }
  SECTION("journald wrapping a Python-prefixed line, each line its own entry") {
    std::string prefix = "Nov 04 13:37:01 host python3[77]: ";
    std::string text;
    std::istringstream in("ERROR:coinjecture.legacy_compat:" + rec);
    std::string line;
    while (std::getline(in, line)) text += prefix + line + "\n";
    CheckGenesisDrift(ParseText(text), ParityPrefix::kJournaldShort, true);
  }
}

TEST_CASE("matches, failures, fallbacks and report blocks are recognised", "[parity]") {
  auto p = ParseText(
      "DEBUG:coinjecture.legacy_compat:verify_subset_sum: parity ✓ (legacy=0.12ms, refactored=0.03ms)\n"
      "ERROR:coinjecture.legacy_compat:compute_merkle_root: legacy failed: ValueError('x: y')\n"
      "ERROR:coinjecture.legacy_compat:compute_merkle_root: refactored failed: RuntimeError('z')\n"
      "WARNING:coinjecture.legacy_compat:compute_merkle_root: falling back to legacy result\n"
      "WARNING:coinjecture.legacy_compat:verify_signature: refactored failed (KeyError('a (b)')), falling back to legacy\n"
      "INFO:coinjecture.legacy_compat:verify_signature: legacy fallback success (1.50ms)\n"
      "INFO:coinjecture.legacy_compat:========== PARITY REPORT ==========\n"
      "Codec Mode: shadow\nRust Available: True\nParity Matches: 1234\nParity Drifts: 5\n"
      "===================================\n"
      "INFO:some.other.logger:unrelated line: with colons\n");
  REQUIRE(p.problems.empty());
  REQUIRE(p.records.size() == 7);
  CHECK(p.records[0].kind == ParityRecordKind::kMatch);
  CHECK(p.records[0].function == "verify_subset_sum");
  CHECK(p.records[1].kind == ParityRecordKind::kLegacyFailed);
  CHECK(p.records[1].error == "ValueError('x: y')");
  CHECK(p.records[2].kind == ParityRecordKind::kRefactoredFailed);
  CHECK(p.records[3].kind == ParityRecordKind::kFallingBack);
  CHECK(p.records[4].kind == ParityRecordKind::kRefactoredFallback);
  CHECK(p.records[4].error == "KeyError('a (b)')");
  CHECK(p.records[5].kind == ParityRecordKind::kFallbackSuccess);
  CHECK(p.records[5].legacy_ms == 1.5);
  const ParityRecord& rep = p.records[6];
  CHECK(rep.kind == ParityRecordKind::kReport);
  CHECK(rep.codec_mode == "shadow");
  CHECK(rep.rust_available == true);
  CHECK(rep.report_matches == 1234u);
  CHECK(rep.report_drifts == 5u);
  CHECK(rep.report_closed);
  CHECK(p.other == 1);
}

TEST_CASE("grep excerpts keeping only the first line still count drifts, without problems", "[parity]") {
  ParityGenOptions g;
  g.styles = {ParityPrefix::kJournaldShort};
  g.header_drifts = 7;
  g.unexplained_drifts = 0;
  g.matches = 100;
  g.grep_only = true;
  std::string text;
  auto headers = SyntheticCoreV4Headers(4, 3);
  REQUIRE(GenerateParityLog(headers, g, [&](std::string_view s) { text += s; }, nullptr).ok());
  auto p = ParseText(text);
  CHECK(p.problems.empty());
  size_t drifts = 0;
  for (const auto& r : p.records) {
    if (r.kind != ParityRecordKind::kDrift) continue;
    ++drifts;
    CHECK(r.first_line_only);
  }
  CHECK(drifts == 7);

  TempDir dir;
  ParityDriftOptions o;
  o.log_files = {dir.Write("grep.log", text)};
  o.year = 2025;
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->verdict == Verdict::kViolation);
  CHECK(r->drifts == 7);
  CHECK(r->no_values == 7);
  CHECK_FALSE(r->comparisons.has_value());  // the report block's counts were cut by grep
  CHECK(r->problem_count == 0);
  CHECK_FALSE(r->per_minute.empty());
  CHECK(r->first_drift->time_us.has_value());
  std::string json = RenderParityDriftJson(*r, {"t", "c"});
  CHECK(json.find("\"comparisons\": null") != std::string::npos);
}

// --- Containers --------------------------------------------------------------------------------

TEST_CASE("zstd (multi-frame) and gzip logs give the same counts as plain text", "[parity]") {
  ParityGenOptions g;
  g.styles = {ParityPrefix::kPythonAsctime, ParityPrefix::kJournalJson, ParityPrefix::kPythonDefault,
              ParityPrefix::kJournaldShort, ParityPrefix::kNone};
  g.header_drifts = 20;
  g.matches = 500;
  g.other_drifts = 2;
  g.fallbacks = 3;
  g.legacy_failures = 2;
  auto headers = SyntheticCoreV4Headers(12, 9);
  std::string text;
  ParityGenSummary sum;
  REQUIRE(GenerateParityLog(headers, g, [&](std::string_view s) { text += s; }, &sum).ok());
  TempDir dir;
  std::string chain = dir.Write("chain.ndjson", CoreV4ExportNdjson(headers));
  size_t half = text.find('\n', text.size() / 2) + 1;
  std::vector<std::string> files = {
      dir.Write("plain.log", text),
      dir.Write("two.log.zst", ZstdFrame(text.substr(0, half)) + ZstdFrame(text.substr(half))),
      dir.Write("one.log.gz", GzipMember(text)),
  };
  std::string first_json;
  for (const std::string& f : files) {
    ParityDriftOptions o;
    o.log_files = {f};
    o.chain_path = chain;
    o.year = 2025;
    auto r = AnalyzeParityDrift(o);
    REQUIRE(r.has_value());
    INFO(f);
    CHECK(r->problem_count == 0);
    CHECK(r->drifts == sum.drifts);
    CHECK(r->explained == 20);
    CHECK(r->unexplained == 1 + 2);
    CHECK(r->matches == sum.matches);
    CHECK(r->comparisons == sum.matches + sum.drifts);
    CHECK(r->fallbacks == 3);
    CHECK(r->legacy_failures == 2);
    // As upstream's does once a drift was counted, the final log_parity_report() raised.
    REQUIRE(r->report_blocks.size() == 1);
    CHECK(r->report_blocks[0].error);
    r->inputs.clear();
    for (std::string& w : r->warnings)
      for (size_t p = w.find(f); p != std::string::npos; p = w.find(f)) w.replace(p, f.size(), "x");
    for (Drift& d : r->drifts_list) d.file = "x";
    r->first_drift->file = "x";
    for (auto& c : r->clusters) c.first_file = "x";
    for (auto& fr : r->failures) fr.file = "x";
    for (auto& b : r->report_blocks) b.file = "x";
    std::string json = RenderParityDriftJson(*r, {"t", "c"});
    if (first_json.empty()) first_json = json;
    CHECK(json == first_json);
  }
}

TEST_CASE("a truncated zstd frame is reported and the verdict does not claim clean", "[parity]") {
  ParityGenOptions g;
  g.header_drifts = 0;
  g.unexplained_drifts = 0;
  g.matches = 300;
  g.report_block = false;
  std::string text;
  REQUIRE(GenerateParityLog({}, g, [&](std::string_view s) { text += s; }, nullptr).ok());
  std::string frame = ZstdFrame(text);
  TempDir dir;
  ParityDriftOptions o;
  o.log_files = {dir.Write("cut.log.zst", ZstdFrame(text) + frame.substr(0, frame.size() / 2))};
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->verdict == Verdict::kInconclusive);
  CHECK(r->problem_count >= 1);
  CHECK(r->matches >= 300u);
}

// --- Metrics -----------------------------------------------------------------------------------

TEST_CASE("Prometheus text: labels, escapes, special values, timestamps and bad lines", "[parity]") {
  auto pr = ParsePrometheusText(
      "# HELP coinjecture_parity_drifts_total Drifts.\n"
      "# TYPE coinjecture_parity_drifts_total counter\n"
      "coinjecture_parity_drifts_total{function=\"compute_header_hash\",node=\"a\\\"b\\\\c\\n\"} 17 1700000000000\n"
      "coinjecture_parity_matches_total 1.5e3\n"
      "weird_gauge NaN\n"
      "other{} +Inf\r\n"
      "broken{function=\"x} 1\n"
      "no_value\n"
      "\n");
  REQUIRE(pr.samples.size() == 4);
  CHECK(pr.samples[0].Label("function") == "compute_header_hash");
  CHECK(pr.samples[0].Label("node") == "a\"b\\c\n");
  CHECK(pr.samples[0].value == 17);
  CHECK(pr.samples[1].value == 1500);
  CHECK(std::isnan(pr.samples[2].value));
  CHECK(std::isinf(pr.samples[3].value));
  REQUIRE(pr.problems.size() == 2);
  CHECK(pr.problems[0].line == 7);
  CHECK(pr.problems[1].line == 8);
}

TEST_CASE("metrics alone give the counts, a state violation there is an emergency trigger", "[parity]") {
  TempDir dir;
  std::string log = dir.Write("p.log", "ERROR:coinjecture.legacy_compat:" + GenesisDriftRecord());
  std::string metrics = dir.Write("m.prom",
                                  "coinjecture_parity_matches_total 999\n"
                                  "coinjecture_parity_drifts_total{function=\"compute_header_hash\"} 1\n"
                                  "coinjecture_state_violations_total 2\n");
  ParityDriftOptions o;
  o.log_files = {log};
  o.metrics_path = metrics;
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->counts_source == "metrics");
  CHECK(r->comparisons == 1000u);
  CHECK(r->drift_rate == Approx(0.001));
  CHECK(r->emergency_rollback);  // the state violation, not the 0.1% rate
  CHECK(r->rollout_blocked);
  CHECK(r->not_verified == 1);  // no --chain
  REQUIRE(r->by_function.size() == 1);
  CHECK(r->by_function[0].metrics_drifts == 1u);
}

TEST_CASE("a requested stop reports what was read, marked partial, in every format", "[parity]") {
  TempDir dir;
  std::string log = dir.Write("p.log", "ERROR:coinjecture.legacy_compat:" + GenesisDriftRecord());
  std::atomic<bool> stop{false};
  ParityDriftOptions o;
  o.log_files = {log};
  o.stop_requested = &stop;
  auto whole = AnalyzeParityDrift(o);
  REQUIRE(whole.has_value());
  CHECK_FALSE(whole->partial);
  CHECK(whole->verdict == Verdict::kViolation);
  stop = true;
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->partial);
  CHECK(r->lines_read == 0);
  CHECK(r->verdict == Verdict::kInconclusive);  // nothing was read: no drift seen, none ruled out
  CHECK_THAT(r->stopped_reason, Catch::Contains("stopped on request") && Catch::Contains(log + ":1"));
  const ReportStamp stamp{"0", "forensics"};
  CHECK_THAT(RenderParityDriftText(*r), Catch::Contains("PARTIAL: analysis stopped early: stopped on request"));
  CHECK_THAT(RenderParityDriftJson(*r, stamp), Catch::Contains("\"partial\": true"));
  CHECK_THAT(RenderParityDriftMarkdown(*r, stamp), Catch::Contains("| **Partial** |"));
  CHECK_THAT(RenderParityDriftJson(*whole, stamp), Catch::Contains("\"partial\": false"));
}

TEST_CASE("the library's advice names options as the front end spells them, never a flag of its own", "[parity]") {
  TempDir dir;
  std::string log = dir.Write("p.log", "ERROR:coinjecture.legacy_compat:" + GenesisDriftRecord());
  ParityDriftOptions o;
  o.log_files = {log};
  o.metrics_path = dir.File("absent.prom");
  auto joined = [](const ParityDriftReport& r) {
    std::string all;
    for (const std::string& s : r.advice) all += s + "\n";
    for (const std::string& s : r.warnings) all += s + "\n";
    return all;
  };
  auto plain = AnalyzeParityDrift(o);
  REQUIRE(plain.has_value());
  CHECK_THAT(joined(*plain), Catch::Contains("pass chain_path to confirm"));
  CHECK_THAT(joined(*plain), Catch::Contains("metrics_path " + *o.metrics_path + ": cannot be read"));
  CHECK(joined(*plain).find("--") == std::string::npos);
  o.option_names = [](OptionName n) -> std::string_view { return n == OptionName::kChain ? "<chain>" : "<other>"; };
  auto spelled = AnalyzeParityDrift(o);
  REQUIRE(spelled.has_value());
  CHECK_THAT(joined(*spelled), Catch::Contains("pass <chain> to confirm"));
  CHECK_THAT(joined(*spelled), Catch::Contains("<other> " + *o.metrics_path + ": cannot be read"));
}

// --- Verdicts and thresholds -----------------------------------------------------------------

ParityDriftReport Run(const std::string& text, const std::string& name = "p.log") {
  TempDir dir;
  ParityDriftOptions o;
  o.log_files = {dir.Write(name, text)};
  o.year = 2025;
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  return std::move(*r);
}

std::string GenText(const ParityGenOptions& g, std::span<const CoreV4Header> headers) {
  std::string text;
  REQUIRE(GenerateParityLog(headers, g, [&](std::string_view s) { text += s; }, nullptr).ok());
  return text;
}

TEST_CASE("runbook thresholds: above 1% is an emergency, any drift blocks the rollout", "[parity]") {
  auto headers = SyntheticCoreV4Headers(3, 1);
  ParityGenOptions g;
  g.unexplained_drifts = 0;
  g.matches = 1000;
  g.header_drifts = 5;  // 0.5%
  ParityDriftReport low = Run(GenText(g, headers));
  CHECK(low.verdict == Verdict::kViolation);
  CHECK(low.drift_rate == Approx(5.0 / 1005));
  CHECK_FALSE(low.emergency_rollback);
  CHECK(low.rollout_blocked);
  g.header_drifts = 20;  // ≈ 2%
  ParityDriftReport high = Run(GenText(g, headers));
  CHECK(high.emergency_rollback);
  CHECK(high.advice.front().find("Emergency rollback trigger") != std::string::npos);
  CHECK(ParityDriftTitle(high).find("emergency rollback trigger") != std::string::npos);
  g.header_drifts = 0;
  ParityDriftReport clean = Run(GenText(g, {}));
  CHECK(clean.verdict == Verdict::kClean);
  CHECK(clean.comparisons == 1000u);
  CHECK(clean.drift_rate == 0.0);
  ParityDriftReport none = Run("just a line\nanother one\n");
  CHECK(none.verdict == Verdict::kInconclusive);
}

TEST_CASE("nothing readable at all is an error, one unreadable file among others is a warning", "[parity]") {
  ParityDriftOptions o;
  o.log_files = {"/nonexistent/parity.log"};
  CHECK_FALSE(AnalyzeParityDrift(o).has_value());
  TempDir dir;
  o.log_files.push_back(dir.Write("ok.log", "verify_subset_sum: parity ✓ (legacy=0.10ms, refactored=0.02ms)\n"));
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->verdict == Verdict::kInconclusive);
  CHECK_FALSE(r->warnings.empty());
}

TEST_CASE("since and until keep only records inside the window, --year dates journald lines", "[parity]") {
  auto headers = SyntheticCoreV4Headers(4, 8);
  ParityGenOptions g;
  g.styles = {ParityPrefix::kJournaldShort};
  g.matches = 600;
  g.header_drifts = 60;
  g.unexplained_drifts = 0;
  g.step_us = 1000000;  // about 11 minutes in all
  g.report_block = false;
  TempDir dir;
  ParityDriftOptions o;
  o.log_files = {dir.Write("j.log", GenText(g, headers))};
  o.year = 2024;
  auto all = AnalyzeParityDrift(o);
  REQUIRE(all.has_value());
  CHECK(all->drifts == 60);
  CHECK(all->matches == 600u);
  CHECK(FormatParityTime(all->per_minute.front().minute_us).substr(0, 10) == "2024-11-04");
  o.since_us = *ParseLogTime("2024-11-04 13:40:00");
  o.until_us = *ParseLogTime("2024-11-04 13:43:59.999999");
  auto window = AnalyzeParityDrift(o);
  REQUIRE(window.has_value());
  CHECK(window->drifts > 0);
  CHECK(window->drifts < 60);
  CHECK(window->matches < 600u);
  REQUIRE(window->per_minute.size() == 4);
  CHECK(FormatParityTime(window->per_minute.front().minute_us) == "2024-11-04T13:40:00Z");
  for (const Drift& d : window->drifts_list) {
    CHECK(*d.time_us >= *o.since_us);
    CHECK(*d.time_us <= *o.until_us);
  }
}

TEST_CASE("a large incident still fits GitHub's body limit, with coarser chart buckets", "[parity]") {
  auto headers = SyntheticCoreV4Headers(64, 4);
  ParityGenOptions g;
  g.styles = {ParityPrefix::kPythonAsctime};
  g.matches = 20000;
  g.header_drifts = 3000;
  g.unexplained_drifts = 700;
  g.other_drifts = 300;
  g.fallbacks = 400;
  g.step_us = 3000000;  // about 20 hours
  TempDir dir;
  ParityDriftOptions o;
  o.log_files = {dir.Write("big.log", GenText(g, headers))};
  o.chain_path = dir.Write("c.ndjson", CoreV4ExportNdjson(headers));
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->drifts == 4000);
  CHECK(r->drifts_listed_cap > 0);
  std::string body = RenderParityDriftMarkdown(*r, {"t", "c"});
  CHECK(md::CharCount(body) <= md::kGitHubBodyLimit);
  CHECK(body.find("rows cut to fit") != std::string::npos);
  CHECK(body.find("### Drift over time (per 15 minutes") != std::string::npos);
  CHECK(body.find("</details>") != std::string::npos);  // the stamp survives the cut
}

// --- Explanations, unexplained and not-in-chain drifts ---------------------------------------

TEST_CASE("with --chain every header drift is tied to its block, unexplained ones come first", "[parity]") {
  auto headers = SyntheticCoreV4Headers(16, 5);
  ParityGenOptions g;
  g.header_drifts = 16;
  g.unexplained_drifts = 2;
  g.not_in_chain_drifts = 1;
  g.other_drifts = 1;
  ParityGenSummary sum;
  std::string text;
  REQUIRE(GenerateParityLog(headers, g, [&](std::string_view s) { text += s; }, &sum).ok());
  TempDir dir;
  ParityDriftOptions o;
  o.log_files = {dir.Write("p.log", text)};
  o.chain_path = dir.Write("c.ndjson", CoreV4ExportNdjson(headers));
  auto r = AnalyzeParityDrift(o);
  REQUIRE(r.has_value());
  CHECK(r->explained == 16);
  CHECK(r->unexplained == 3);  // 2 legacy mismatches + 1 verify_subset_sum
  CHECK(r->not_in_chain == 1);
  CHECK(r->problem_count == 1);  // the hash not in the chain
  REQUIRE(r->drifts_list.size() == 20);
  for (int i = 0; i < 3; ++i) CHECK(r->drifts_list[i].status == DriftStatus::kUnexplained);
  CHECK(r->clusters.front().status == DriftStatus::kUnexplained);
  std::set<BlockHeight> heights;
  for (const Drift& d : r->drifts_list) {
    if (d.status != DriftStatus::kExplained) continue;
    REQUIRE(d.explanation.has_value());
    CHECK(d.explanation->legacy_confirmed);
    REQUIRE(d.explanation->fields.size() == 1);
    CHECK(d.explanation->fields[0].field == "extra_data");
    heights.insert(d.explanation->height);
  }
  CHECK(heights.size() == 16);
  // Extra data of more than 15 bytes: bin c4 len … vs array dc 00 len ….
  bool saw_long = false;
  for (const Drift& d : r->drifts_list)
    if (d.explanation && d.explanation->fields[0].core_v4_hex.rfind("dc00", 0) == 0) saw_long = true;
  CHECK(saw_long);
  std::string md = RenderParityDriftMarkdown(*r, {"t", "c"});
  CHECK(md.find("Unexplained drifts (3)") < md.find("### Drifts by cause"));
  CHECK(md.find("### Explanations") != std::string::npos);
}

// --- Bad input ---------------------------------------------------------------------------------

TEST_CASE("bad input is counted with file and line, never a crash", "[parity]") {
  std::string good = GenesisDriftRecord();
  std::string text =
      // a repr that does not parse
      "compute_header_hash: PARITY DRIFT ✗\n  Legacy:      b'\\q'\n  Refactored:  b'\\x00'\n"
      "  Legacy time: 0.1ms\n  Refactored time: 0.1ms\n"
      // a hash of the wrong length
      "compute_header_hash: PARITY DRIFT ✗\n  Legacy:      b'\\x01\\x02'\n  Refactored:  " +
      EncodePyBytesRepr(std::string(32, 'a')) +
      "\n  Legacy time: 0.1ms\n  Refactored time: 0.1ms\n"
      // a record cut short in the middle
      "compute_header_hash: PARITY DRIFT ✗\n  Legacy:      b'x'\n"
      "verify_subset_sum: parity ✓ (legacy=0.10ms, refactored=0.02ms)\n"
      // unparsable time
      "verify_subset_sum: PARITY DRIFT ✗\n  Legacy:      True\n  Refactored:  False\n"
      "  Legacy time: soon\n  Refactored time: 0.1ms\n"
      // broken journal JSON
      "{\"MESSAGE\": \"compute_header_hash: PARITY DRIFT ✗\n" +
      good +
      // half a record at the end of the file
      "compute_header_hash: PARITY DRIFT ✗\n  Legacy:      b'\\x00'";
  ParityDriftReport r = Run(text, "bad.log");
  CHECK(r.verdict == Verdict::kViolation);
  CHECK(r.malformed == 2);
  CHECK(r.drifts == 6);
  std::vector<std::string> whats;
  for (const ParityProblem& p : r.problems) {
    CHECK(p.file.ends_with("bad.log"));
    CHECK(p.line > 0);
    whats.push_back(fmt::format("{}: {}", p.line, p.what));
  }
  INFO(fmt::format("{}", fmt::join(whats, "\n")));
  REQUIRE(r.problem_count == 6);
  std::string all = fmt::format("{}", fmt::join(whats, "\n"));
  CHECK(all.find("11: PARITY DRIFT record cut short: missing Refactored, Legacy time, Refactored time") != std::string::npos);
  CHECK(all.find("17: Legacy time does not parse") != std::string::npos);
  CHECK(all.find("19: journal JSON line does not parse") != std::string::npos);
  CHECK(all.find("25: PARITY DRIFT record cut short at the end of the file") != std::string::npos);
  CHECK(all.find("1: the Legacy value does not parse") != std::string::npos);
  CHECK(all.find("6: the Legacy value is a hash of the wrong length: 2 bytes") != std::string::npos);
}

TEST_CASE("cut anywhere or with bytes flipped, a log parses without crashing", "[parity]") {
  auto headers = SyntheticCoreV4Headers(3, 6);
  ParityGenOptions g;
  g.styles = {ParityPrefix::kPythonAsctime, ParityPrefix::kJournalJson, ParityPrefix::kJournaldShort,
              ParityPrefix::kPythonDefault, ParityPrefix::kNone};
  g.matches = 20;
  g.header_drifts = 6;
  g.other_drifts = 2;
  g.fallbacks = 2;
  g.legacy_failures = 1;
  const std::string text = GenText(g, headers);
  size_t records = ParseText(text).records.size();
  for (size_t cut = 0; cut <= text.size(); cut += 17) {
    Parsed p = ParseText(std::string_view(text).substr(0, cut));
    CHECK(p.records.size() <= records);
  }
  uint64_t x = 12345;
  for (int round = 0; round < 200; ++round) {
    std::string bad = text;
    for (int k = 0; k < 8; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      bad[(x >> 33) % bad.size()] = static_cast<char>(x >> 17);
    }
    Parsed p = ParseText(bad);
    for (const ParityRecord& r : p.records) {
      if (r.legacy_repr) (void)DecodePyRepr(*r.legacy_repr);
      if (r.refactored_repr) (void)DecodePyRepr(*r.refactored_repr);
    }
  }
  CHECK(ParsePrometheusText(text).samples.size() <= records);
}

// --- Determinism and Markdown safety -----------------------------------------------------------

TEST_CASE("two runs over the same inputs give byte-identical reports", "[parity]") {
  auto headers = SyntheticCoreV4Headers(8, 2);
  ParityGenOptions g;
  g.styles = {ParityPrefix::kJournaldShort};
  g.header_drifts = 12;
  g.fallbacks = 2;
  TempDir dir;
  ParityGenSummary sum;
  std::string text;
  REQUIRE(GenerateParityLog(headers, g, [&](std::string_view s) { text += s; }, &sum).ok());
  ParityDriftOptions o;
  o.log_files = {dir.Write("p.log", text)};
  o.chain_path = dir.Write("c.ndjson", CoreV4ExportNdjson(headers));
  o.metrics_path = dir.Write("m.prom", ParityMetricsText(sum));
  ReportStamp stamp{"t", "forensics --issue parity-drift --log p.log"};
  auto a = AnalyzeParityDrift(o);
  auto b = AnalyzeParityDrift(o);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(RenderParityDriftMarkdown(*a, stamp) == RenderParityDriftMarkdown(*b, stamp));
  CHECK(RenderParityDriftJson(*a, stamp) == RenderParityDriftJson(*b, stamp));
  CHECK(RenderParityDriftText(*a) == RenderParityDriftText(*b));
  // The year came from the chain's block timestamps (journald lines have none).
  CHECK(a->year_used == 2025);
}

TEST_CASE("hostile log text cannot mention, reference, close, inject HTML or break tables", "[parity]") {
  std::string hostile = "@octocat fixes #123 <img src=x onerror=alert(1)> | col | `code` [link](http://e.vil)";
  std::string text = "compute_merkle_root: legacy failed: " + hostile + "\n" +
                     "verify_subset_sum: PARITY DRIFT ✗\n  Legacy:      '" + hostile + "'\n  Refactored:  b'" +
                     "@x #1 <b>|'\n  Legacy time: 1.00ms\n  Refactored time: 1.00ms\n" +
                     "verify_subset_sum: PARITY DRIFT ✗\n  Legacy:      b'\\zz closes #9 @y <i>|'\n  Refactored:  True\n"
                     "  Legacy time: 1.00ms\n  Refactored time: 1.00ms\n";
  ParityDriftReport r = Run(text, "evil @mention #5.log");
  std::string md = RenderParityDriftMarkdown(r, {"t", "c"});
  CHECK(md.find("@octocat") == std::string::npos);
  CHECK(md.find("#123") == std::string::npos);
  CHECK(md.find("#9") == std::string::npos);
  CHECK(md.find("@mention") == std::string::npos);
  CHECK(md.find("<img") == std::string::npos);
  CHECK(md.find("<b>") == std::string::npos);
  CHECK(md.find("<i>") == std::string::npos);
  CHECK(md.find("](http") == std::string::npos);
  // Every table row keeps its column count: no unescaped pipe from the logs.
  std::istringstream in(md);
  std::string line, header;
  size_t cols = 0;
  while (std::getline(in, line)) {
    if (line.rfind("| ", 0) != 0) {
      cols = 0;
      continue;
    }
    size_t n = 0;
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++n;
    if (cols == 0) cols = n;
    INFO(line);
    CHECK(n == cols);
  }
}

// --- The checked-in sample ---------------------------------------------------------------------

struct Sample {
  std::string dir = std::string(FORENSICS_SAMPLES_DIR) + "/parity";
  ParityDriftOptions Options() const {
    ParityDriftOptions o;
    o.log_files = {dir + "/parity.log", dir + "/parity-grep.log.zst"};
    o.chain_path = dir + "/chain.ndjson";
    o.metrics_path = dir + "/metrics.prom";
    o.option_names = cli::FlagName;  // as the CLI, whose output the expected reports are
    return o;
  }
  static ReportStamp Stamp() {
    return {"0.1.0",
            "forensics --issue parity-drift --log samples/parity/parity.log samples/parity/parity-grep.log.zst "
            "--chain samples/parity/chain.ndjson --metrics samples/parity/metrics.prom"};
  }
  // The reports with the samples directory spelled relative to the repository root.
  std::string Relative(std::string s) const {
    const std::string from = FORENSICS_SAMPLES_DIR;
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p)) s.replace(p, from.size(), "samples");
    return s;
  }
};

std::string ReadFile(const std::string& path) { return forensics::testing::ReadWholeFile(path); }

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_CASE("samples/parity: the expected report.md and report.json match byte for byte", "[parity]") {
  Sample s;
  auto r = AnalyzeParityDrift(s.Options());
  REQUIRE(r.has_value());
  CHECK(r->verdict == Verdict::kViolation);
  std::string body = s.Relative(RenderParityDriftMarkdown(*r, Sample::Stamp()));
  std::string json = s.Relative(RenderParityDriftJson(*r, Sample::Stamp()));
  CHECK(body == ReadFile(s.dir + "/expected/report.md"));
  CHECK(json == ReadFile(s.dir + "/expected/report.json"));
  CHECK(md::CharCount(body) <= md::kGitHubBodyLimit);
}

// Rewrites the sample inputs and expected reports: `forensics_tests "[.regen-parity-sample]"`.
TEST_CASE("regenerate samples/parity", "[.regen-parity-sample]") {
  Sample s;
  std::filesystem::create_directories(s.dir + "/expected");
  auto headers = SyntheticCoreV4Headers(12, 42);
  WriteFile(s.dir + "/chain.ndjson", CoreV4ExportNdjson(headers));
  ParityGenOptions g;
  g.styles = {ParityPrefix::kPythonAsctime};
  g.matches = 240;
  g.warmup_matches = 3;
  g.header_drifts = 8;
  g.unexplained_drifts = 1;
  g.other_drifts = 1;
  g.fallbacks = 2;
  g.legacy_failures = 1;
  g.step_us = 1500000;
  g.seed = 42;
  std::string log;
  ParityGenSummary sum;
  REQUIRE(GenerateParityLog(headers, g, [&](std::string_view x) { log += x; }, &sum).ok());
  WriteFile(s.dir + "/parity.log", log);
  WriteFile(s.dir + "/metrics.prom", ParityMetricsText(sum));
  // A second node's journal, grepped as in the runbook, zstd-compressed.
  ParityGenOptions g2 = g;
  g2.styles = {ParityPrefix::kJournaldShort};
  g2.grep_only = true;
  g2.host = "node-b";
  g2.seed = 43;
  g2.header_drifts = 3;
  g2.unexplained_drifts = 0;
  g2.other_drifts = 0;
  std::string grep;
  REQUIRE(GenerateParityLog(headers, g2, [&](std::string_view x) { grep += x; }, nullptr).ok());
  WriteFile(s.dir + "/parity-grep.log.zst", ZstdFrame(grep, 19));
  auto r = AnalyzeParityDrift(s.Options());
  REQUIRE(r.has_value());
  WriteFile(s.dir + "/expected/report.md", s.Relative(RenderParityDriftMarkdown(*r, Sample::Stamp())));
  WriteFile(s.dir + "/expected/report.json", s.Relative(RenderParityDriftJson(*r, Sample::Stamp())));
}

}  // namespace
}  // namespace forensics
