// ScanLogs / SelectTimeline / ParseLogTime: every line format and prefix of docs/logs.md, events and
// fields, damaged containers, bad lines with offsets, time windows, years, ordering, timelines.
#include "forensics/log_events.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::GzipMember;
using testing::TempDir;
using testing::ZstdFrame;

constexpr int64_t kSec = 1000000;
// 2025-11-04T13:37:01Z
constexpr int64_t kT0 = 1762263421 * kSec;

LogScanResult Scan(const std::vector<std::string>& files, LogScanOptions options = {}) {
  LogScanResult result;
  Status st = ScanLogs(files, options, &result);
  REQUIRE(st.ok());
  return result;
}

std::string Logrus(const std::string& time, const std::string& level, const std::string& msg,
                   const std::string& fields = "") {
  return "{\"level\":\"" + level + "\",\"msg\":\"" + msg + "\"" + (fields.empty() ? "" : ",") +
         fields + ",\"time\":\"" + time + "\"}\n";
}

TEST_CASE("logrus JSON line becomes a typed event with fields as strings", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write(
      "node1.log",
      "{\"block_hash\":\"ABCDEF0123456789\",\"block_number\":1234,\"level\":\"info\","
      "\"msg\":\"Applying block to state\",\"time\":\"2025-11-04T13:37:01.250+01:00\","
      "\"tx_count\":\"7\",\"extra\":{\"a\":[1,2]},\"ok\":true,\"nothing\":null,"
      "\"big\":340282366920938463463374607431768211455,\"text\":\"tab\\there \\u00e9\"}\n");
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 1);
  const LogEvent& e = r.events[0];
  CHECK(e.kind == EventKind::kBlockApplying);
  CHECK(e.level == LogLevel::kInfo);
  CHECK(e.format == LogFormat::kLogrusJson);
  CHECK(e.msg == "Applying block to state");
  CHECK(e.time_us == kT0 - 3600 * kSec + 250000);
  CHECK(e.node == "node1.log");
  CHECK(e.file == path);
  CHECK(e.line == 1);
  CHECK(e.offset == 0);
  REQUIRE(e.block_height.has_value());
  CHECK(*e.block_height == 1234);
  CHECK(e.block_hash_prefix == "abcdef0123456789");
  CHECK(e.Field("tx_count") == std::optional<std::string_view>("7"));
  CHECK(e.Field("block_number") == std::optional<std::string_view>("1234"));
  CHECK(e.Field("extra") == std::optional<std::string_view>("{\"a\":[1,2]}"));
  CHECK(e.Field("ok") == std::optional<std::string_view>("true"));
  CHECK(e.Field("nothing") == std::optional<std::string_view>("null"));
  CHECK(e.Field("big") == std::optional<std::string_view>("340282366920938463463374607431768211455"));
  CHECK(e.Field("text") == std::optional<std::string_view>("tab\there \xC3\xA9"));
  CHECK_FALSE(e.Field("msg").has_value());
  CHECK_FALSE(e.Field("time").has_value());
  for (size_t i = 1; i < e.fields.size(); ++i) CHECK(e.fields[i - 1].key < e.fields[i].key);
}

TEST_CASE("every daemon message of docs/logs.md maps to its event kind", "[log_events]") {
  auto [msg, kind] = GENERATE(table<std::string, EventKind>({
      {"Applying block to state", EventKind::kBlockApplying},
      {"Block applied successfully", EventKind::kBlockApplied},
      {"New block produced", EventKind::kBlockProduced},
      {"Failed to apply transaction", EventKind::kTxFailed},
      {"Distributing block rewards", EventKind::kRewardDistributing},
      {"Block reward distributed", EventKind::kRewardDistributed},
      {"Chain reorganization triggered", EventKind::kReorgTriggered},
      {"Found common ancestor for reorg", EventKind::kReorgAncestor},
      {"Chain reorganization complete", EventKind::kReorgComplete},
      {"Rolling back state", EventKind::kRollback},
      {"State rollback complete", EventKind::kRollbackComplete},
      {"Content pinned with quorum", EventKind::kPinQuorum},
      {"Pin failed", EventKind::kPinFailed},
      {"CID audit failed", EventKind::kCidAuditFailed},
      {"Starting COINjecture daemon", EventKind::kDaemonStart},
      {"Configuration loaded", EventKind::kConfigLoaded},
      {"Peer connected", EventKind::kOther},
  }));
  TempDir dir;
  LogScanResult r = Scan({dir.Write("d.log", Logrus("2025-11-04T13:37:01Z", "info", msg))});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == kind);
  CHECK(EventKindName(kind).size() > 0);
}

TEST_CASE("incident markers in msg or error take precedence over the message kind",
          "[log_events]") {
  auto [line, kind] = GENERATE(table<std::string, EventKind>({
      {Logrus("2025-11-04T13:37:01Z", "error", "Failed to apply transaction",
              "\"error\":\"InflationDetected: Inflation detected: total supply exceeded\""),
       EventKind::kInflationDetected},
      {Logrus("2025-11-04T13:37:01Z", "error", "Failed to apply block",
              "\"error\":\"State root mismatch: expected aa11, computed bb22\""),
       EventKind::kStateRootMismatch},
      {Logrus("2025-11-04T13:37:01Z", "error", "StateRootMismatch at block 5"),
       EventKind::kStateRootMismatch},
      {Logrus("2025-11-04T13:37:01Z", "error", "Pin failed",
              "\"error\":\"pin quorum not met: got 2/5, required 3/5\""),
       EventKind::kPinQuorumFailed},
      {Logrus("2025-11-04T13:37:01Z", "error", "PinQuorumFailed"), EventKind::kPinQuorumFailed},
  }));
  TempDir dir;
  LogScanResult r = Scan({dir.Write("d.log", line)});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == kind);
}

TEST_CASE("incident texts yield the expected/computed roots and the pin counts", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write(
      "d.log", Logrus("2025-11-04T13:37:01Z", "error", "Failed to apply block",
                      "\"block_number\":5,\"error\":\"StateRootMismatch: State root mismatch: "
                      "expected 0xaa11, computed 0xbb22\"") +
                   Logrus("2025-11-04T13:37:02Z", "error", "Pin failed",
                          "\"error\":\"pin quorum not met: got 2/5, required 3/5\""));
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].kind == EventKind::kStateRootMismatch);
  CHECK(r.events[0].Field("expected_root") == std::optional<std::string_view>("0xaa11"));
  CHECK(r.events[0].Field("computed_root") == std::optional<std::string_view>("0xbb22"));
  CHECK(r.events[1].kind == EventKind::kPinQuorumFailed);
  CHECK(r.events[1].Field("pins_got") == std::optional<std::string_view>("2/5"));
  CHECK(r.events[1].Field("pins_required") == std::optional<std::string_view>("3/5"));
}

TEST_CASE("block applied and produced lines carry the claimed state root prefix", "[log_events]") {
  TempDir dir;
  std::string text =
      Logrus("2025-11-04T13:37:01Z", "info", "Block applied successfully",
             "\"block_number\":\"77\",\"state_root\":\"0x00FFaa11bb22cc33\"") +
      Logrus("2025-11-04T13:37:02Z", "info", "New block produced",
             "\"block_hash\":\"1111222233334444\",\"block_number\":78,\"fees\":10,\"gas_used\":"
             "21000,\"state_root\":\"" + std::string(64, 'e') + "\",\"tx_count\":1");
  LogScanResult r = Scan({dir.Write("d.log", text)});
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].kind == EventKind::kBlockApplied);
  CHECK(r.events[0].block_height == std::optional<uint64_t>(77));
  CHECK(r.events[0].state_root_prefix == "00ffaa11bb22cc33");
  CHECK(r.events[1].kind == EventKind::kBlockProduced);
  CHECK(r.events[1].state_root_prefix == std::string(64, 'e'));
  CHECK(r.events[1].block_hash_prefix == "1111222233334444");
}

TEST_CASE("journald short lines take the year from the option", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write(
      "journal.txt",
      "-- Logs begin at Tue 2025-11-04 00:00:01 UTC, end at Tue 2025-11-04 23:59:59 UTC. --\n"
      "Nov 04 13:37:01 validator-3 coinjectured[1234]: Starting COINjecture daemon\n"
      "Nov  4 13:37:02 validator-3 coinjectured[1234]: plain text message\n"
      "Nov 04 13:37:03.500000 validator-3 coinjectured[1234]: precise time\n");
  LogScanOptions options;
  options.year = 2025;
  LogScanResult r = Scan({path}, options);
  REQUIRE(r.events.size() == 3);
  CHECK(r.files[0].journal_markers == 1);
  CHECK(r.events[0].kind == EventKind::kDaemonStart);
  CHECK(r.events[0].node == "validator-3");
  CHECK(r.events[0].format == LogFormat::kJournalShort);
  CHECK(r.events[0].time_us == kT0);
  CHECK(r.events[0].time_from_yearless);
  CHECK(r.events[0].Field("syslog_identifier") == std::optional<std::string_view>("coinjectured"));
  CHECK(r.events[0].Field("pid") == std::optional<std::string_view>("1234"));
  CHECK(r.events[1].time_us == kT0 + kSec);
  CHECK(r.events[2].time_us == kT0 + 2 * kSec + 500000);
  CHECK(r.warnings.empty());
}

TEST_CASE("journald short year is inferred from other inputs, else 1970 with a warning",
          "[log_events]") {
  TempDir dir;
  std::string journal = dir.Write("journal.txt",
                                  "Dec 31 23:59:58 h coinjectured[1]: old year\n"
                                  "Jan 01 00:00:01 h coinjectured[1]: new year\n");
  SECTION("from a logrus file in the same scan, each line nearest the other timestamps") {
    std::string daemon = dir.Write("d.log", Logrus("2026-01-01T00:00:00Z", "info", "x"));
    LogScanResult r = Scan({journal, daemon});
    REQUIRE(r.events.size() == 3);
    CHECK(r.inferred_year == std::optional<int>(2026));
    CHECK(r.events[0].msg == "old year");
    CHECK(FormatLogTime(r.events[0].time_us) == "2025-12-31T23:59:58.000000Z");
    CHECK(r.events[1].msg == "x");
    CHECK(FormatLogTime(r.events[2].time_us) == "2026-01-01T00:00:01.000000Z");
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("2026") != std::string::npos);
    // The old-year line took the year before, though the last line took the reference year.
    CHECK(r.warnings[0].find("and the adjacent year where closer") != std::string::npos);
  }
  SECTION("with no full timestamp anywhere") {
    LogScanResult r = Scan({journal});
    REQUIRE(r.events.size() == 2);
    CHECK(FormatLogTime(r.events[0].time_us).substr(0, 4) == "1970");
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("1970") != std::string::npos);
  }
}

TEST_CASE("journald short line wrapping a logrus JSON message uses the JSON fields and time",
          "[log_events]") {
  TempDir dir;
  std::string path = dir.Write(
      "j.txt", "Nov 04 14:37:01 validator-3 coinjectured[1234]: " +
                   Logrus("2025-11-04T13:37:01Z", "warning", "Chain reorganization triggered",
                          "\"new_hash\":\"aaaabbbbccccdddd\",\"new_height\":101,"
                          "\"old_hash\":\"1111222233334444\",\"old_height\":100"));
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 1);
  const LogEvent& e = r.events[0];
  CHECK(e.kind == EventKind::kReorgTriggered);
  CHECK(e.level == LogLevel::kWarning);
  CHECK(e.node == "validator-3");
  CHECK(e.time_us == kT0);
  CHECK_FALSE(e.time_from_yearless);
  CHECK(e.block_height == std::optional<uint64_t>(101));
  CHECK(e.block_hash_prefix == "aaaabbbbccccdddd");
  CHECK(e.Field("old_height") == std::optional<std::string_view>("100"));
  CHECK(r.warnings.empty());
}

TEST_CASE("journald indented continuation lines attach to the message", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write("j.txt",
                               "Nov 04 13:37:01 h python3[9]: first line\n"
                               "                               second line\n"
                               "                               third line\n"
                               "Nov 04 13:37:02 h python3[9]: next\n");
  LogScanOptions options;
  options.year = 2025;
  LogScanResult r = Scan({path}, options);
  REQUIRE(r.events.size() == 2);
  REQUIRE(r.events[0].continuation.size() == 2);
  CHECK(r.events[0].continuation[1].find("third line") != std::string_view::npos);
  CHECK(r.files[0].continuation_lines == 2);
  CHECK(r.events[1].msg == "next");
}

TEST_CASE("journalctl -o json lines: MESSAGE, realtime, hostname, priority", "[log_events]") {
  TempDir dir;
  std::string inner = "{\\\"block_number\\\":9,\\\"level\\\":\\\"info\\\",\\\"msg\\\":"
                      "\\\"Block applied successfully\\\",\\\"state_root\\\":"
                      "\\\"0123456789abcdef\\\",\\\"time\\\":\\\"2025-11-04T13:37:01Z\\\"}";
  std::string path = dir.Write(
      "j.json",
      "{\"__REALTIME_TIMESTAMP\":\"" + std::to_string(kT0 + 7) +
          "\",\"_HOSTNAME\":\"validator-1\",\"PRIORITY\":\"3\",\"SYSLOG_IDENTIFIER\":"
          "\"coinjectured\",\"MESSAGE\":\"State root mismatch: expected a, computed b\"}\n"
          "{\"__REALTIME_TIMESTAMP\":\"" + std::to_string(kT0 + 9) +
          "\",\"_HOSTNAME\":\"validator-1\",\"PRIORITY\":\"6\",\"MESSAGE\":\"" + inner + "\"}\n"
          "{\"__REALTIME_TIMESTAMP\":\"" + std::to_string(kT0 + 20) +
          "\",\"_HOSTNAME\":\"validator-1\",\"MESSAGE\":[104,105,255]}\n");
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 3);
  // The wrapped logrus JSON keeps its own time, so it sorts before the journald receive times.
  const LogEvent& applied = r.events[0];
  CHECK(applied.kind == EventKind::kBlockApplied);
  CHECK(applied.format == LogFormat::kJournalJson);
  CHECK(applied.time_us == kT0);
  CHECK(applied.level == LogLevel::kInfo);
  CHECK(applied.block_height == std::optional<uint64_t>(9));
  CHECK(applied.state_root_prefix == "0123456789abcdef");
  const LogEvent& mismatch = r.events[1];
  CHECK(mismatch.format == LogFormat::kJournalJson);
  CHECK(mismatch.node == "validator-1");
  CHECK(mismatch.level == LogLevel::kError);
  CHECK(mismatch.time_us == kT0 + 7);
  CHECK(mismatch.kind == EventKind::kStateRootMismatch);
  CHECK(mismatch.Field("syslog_identifier") == std::optional<std::string_view>("coinjectured"));
  CHECK(r.events[2].msg == std::string_view("hi\xFF", 3));
}

TEST_CASE("Python shim lines in all three prefix styles, with the drift record's lines",
          "[log_events]") {
  TempDir dir;
  std::string drift_tail =
      "  Legacy:      b'\\xd1\\xd9Y\\xb0'\n"
      "  Refactored:  b'\\x01\\x02'\n"
      "  Legacy time: 0.12ms\n"
      "  Refactored time: 0.03ms\n";
  std::string style = GENERATE(std::string(""), std::string("ERROR:coinjecture.legacy_compat:"),
                               std::string("2025-11-04 13:37:01,123 - coinjecture.legacy_compat - "
                                           "ERROR - "));
  std::string path = dir.Write(
      "shim.log", style + "compute_header_hash: PARITY DRIFT \xE2\x9C\x97\n" + drift_tail);
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 1);
  const LogEvent& e = r.events[0];
  CHECK(e.kind == EventKind::kParity);
  CHECK(e.msg == "compute_header_hash: PARITY DRIFT \xE2\x9C\x97");
  REQUIRE(e.continuation.size() == 4);
  CHECK(e.continuation[0] == "  Legacy:      b'\\xd1\\xd9Y\\xb0'");
  if (!style.empty()) {
    CHECK(e.format == LogFormat::kPythonText);
    CHECK(e.level == LogLevel::kError);
    CHECK(e.Field("logger") == std::optional<std::string_view>("coinjecture.legacy_compat"));
  }
  if (style.size() > 40) CHECK(e.time_us == kT0 + 123000);
}

TEST_CASE("a PARITY REPORT block is one parity event with its lines", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write("shim.log",
                               "INFO:coinjecture.legacy_compat:========== PARITY REPORT "
                               "==========\n"
                               "Codec Mode: shadow\n"
                               "Rust Available: True\n"
                               "Parity Matches: 998\n"
                               "Parity Drifts: 2\n"
                               "===================================\n"
                               "INFO:coinjecture.legacy_compat:verify_subset_sum: legacy fallback "
                               "success (1.20ms)\n");
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].kind == EventKind::kParity);
  CHECK(r.events[0].continuation.size() == 5);
  CHECK(r.events[1].kind == EventKind::kParity);
  CHECK(r.events[1].level == LogLevel::kInfo);
}

TEST_CASE("a prefix before a JSON object names the node", "[log_events]") {
  TempDir dir;
  std::string json = Logrus("2025-11-04T13:37:01Z", "info", "Pin failed",
                            "\"error\":\"timeout\",\"node\":\"ipfs-2\"");
  std::string path = dir.Write("grep.txt", "validator-7: " + json + "logs/node2.log:" + json +
                                               "node3.log:42:" + json);
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].node == "validator-7");
  CHECK(r.events[1].node == "node2.log");
  CHECK(r.events[2].node == "node3.log");
  for (const LogEvent& e : r.events) {
    CHECK(e.kind == EventKind::kPinFailed);
    CHECK(e.format == LogFormat::kPrefixedJson);
    CHECK(e.Field("error") == std::optional<std::string_view>("timeout"));
  }
}

TEST_CASE("logrus text formatter lines are read too", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write("text.log",
                               "time=\"2025-11-04T13:37:01Z\" level=info msg=\"Block applied "
                               "successfully\" block_number=12 state_root=aabbccddeeff0011\n");
  LogScanResult r = Scan({path});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].format == LogFormat::kLogrusText);
  CHECK(r.events[0].kind == EventKind::kBlockApplied);
  CHECK(r.events[0].block_height == std::optional<uint64_t>(12));
  CHECK(r.events[0].state_root_prefix == "aabbccddeeff0011");
  CHECK(r.events[0].time_us == kT0);
}

TEST_CASE("bad JSON lines are counted with file, line and offset and reading goes on",
          "[log_events]") {
  TempDir dir;
  std::string good = Logrus("2025-11-04T13:37:01Z", "info", "Pin failed");
  std::string bad1 = "{\"level\":\"info\",\"msg\":\"cut short\n";
  std::string bad2 = "{\"level\":\"info\" \"msg\":\"no comma\"}\n";
  std::string path = dir.Write("bad.log", good + bad1 + good + bad2 + good);
  LogScanResult r = Scan({path});
  CHECK(r.events.size() == 3);
  CHECK(r.problem_count == 2);
  REQUIRE(r.problems.size() == 2);
  CHECK(r.problems[0].file == path);
  CHECK(r.problems[0].line == 2);
  CHECK(r.problems[0].offset == good.size());
  CHECK(r.problems[1].line == 4);
  CHECK(r.problems[1].offset == 2 * good.size() + bad1.size());
  CHECK(r.files[0].bad_lines == 2);
  CHECK(r.files[0].lines == 5);

  LogScanOptions options;
  options.max_issues = 1;
  LogScanResult capped = Scan({path}, options);
  CHECK(capped.problem_count == 2);
  CHECK(capped.problems.size() == 1);
}

// Flat objects take a fast path whose strings end at the next quote when the line is at most
// 1 KiB and has no backslash or control character, found 64 bytes at a time. Random objects of
// every length, with strings across those 64-byte edges, with escapes and tabs (which leave the
// fast path) and around the 1 KiB limit, must read back exactly the members written.
TEST_CASE("flat JSON lines of every length read back the members written", "[log_events]") {
  std::mt19937_64 rng(20261127);
  auto pick = [&](uint64_t n) { return static_cast<size_t>(rng() % n); };
  // Printable text without '"' or '\\': ASCII including JSON's structural characters, and UTF-8.
  auto text = [&](size_t n) {
    static const std::string kChars = "abcXYZ019 {}[]:,-_./#'";
    std::string s;
    while (s.size() < n) s += pick(12) == 0 ? std::string("\xC3\xA9") : std::string(1, kChars[pick(kChars.size())]);
    return s;
  };
  struct Member {
    std::string key, json, value;  // value: as the event should hold it
  };
  TempDir dir;
  std::string log;
  std::vector<std::vector<Member>> written;
  std::vector<size_t> lengths;
  for (int line = 0; line < 4000; ++line) {
    std::vector<Member> members;
    size_t count = pick(12);
    for (size_t i = 0; i < count; ++i) {
      Member m;
      m.key = "k" + std::to_string(i) + text(pick(line % 3 == 0 ? 140 : 20));
      switch (pick(8)) {
        case 0: {
          std::string n = (pick(2) ? "-" : "") + std::to_string(rng() % 1000000) +
                          (pick(2) ? "." + std::to_string(pick(1000)) : "") + (pick(4) ? "" : "e+7");
          m.json = m.value = n;
          break;
        }
        case 1: m.json = m.value = pick(2) ? "true" : "null"; break;
        case 2: {
          // An escape, a tab or a newline escape: the line leaves the fast path.
          std::string a = text(pick(40)), b = text(pick(40));
          static const char* kEscapes[][2] = {{"\\\"", "\""}, {"\\\\", "\\"}, {"\\t", "\t"}, {"\\u00e9", "\xC3\xA9"}};
          size_t e = pick(4);
          m.json = "\"" + a + kEscapes[e][0] + b + "\"";
          m.value = a + kEscapes[e][1] + b;
          break;
        }
        default: {
          // Lengths up to 1 KiB: some lines end just short of the limit, some just past it.
          size_t n = pick(5) == 0 ? 900 + pick(160) : pick(80);
          m.value = text(n);
          m.json = "\"" + m.value + "\"";
          break;
        }
      }
      members.push_back(std::move(m));
    }
    std::string object = "{\"level\":\"info\",\"msg\":\"random object\"";
    for (const Member& m : members) object += ",\"" + m.key + "\":" + m.json;
    object += ",\"time\":\"2025-11-04T13:37:01Z\"}";
    if (pick(10) == 0) {
      // A blank between two tokens, or a tab: the slower path, which must agree.
      size_t colon = object.find("\":");
      object.insert(colon + 2, pick(2) ? " " : "\t");
    }
    lengths.push_back(object.size());
    log += object + "\n";
    written.push_back(std::move(members));
  }
  std::string path = dir.Write("random.log", log);
  LogScanOptions options;
  options.parse_threads = 2;
  LogScanResult r = Scan({path}, options);
  CHECK(r.problem_count == 0);
  REQUIRE(r.events.size() == written.size());
  size_t near_limit = 0;
  for (size_t i = 0; i < written.size(); ++i) {
    const LogEvent& e = r.events[i];
    REQUIRE(e.line == i + 1);
    INFO("line " << e.line << ", " << lengths[i] << " bytes");
    CHECK(e.msg == "random object");
    CHECK(e.time_us == kT0);
    CHECK(e.fields.size() == written[i].size());
    for (const Member& m : written[i]) CHECK(e.Field(m.key) == std::optional<std::string_view>(m.value));
    near_limit += lengths[i] >= 960 && lengths[i] <= 1090;
  }
  CHECK(near_limit > 50);
}

TEST_CASE("compressed and truncated logs keep the events before the damage", "[log_events]") {
  TempDir dir;
  std::string first, second;
  for (int i = 0; i < 2000; ++i) {
    first += Logrus("2025-11-04T13:37:01Z", "info", "Block applied successfully",
                    "\"block_number\":" + std::to_string(i) + ",\"state_root\":\"00\"");
  }
  for (int i = 2000; i < 40000; ++i) {
    second += Logrus("2025-11-04T13:38:01Z", "info", "Block applied successfully",
                     "\"block_number\":" + std::to_string(i) + ",\"state_root\":\"00\"");
  }
  std::string f1 = ZstdFrame(first);
  std::string f2 = ZstdFrame(second, 1);
  std::string path = dir.Write("d.log.zst", f1 + f2.substr(0, f2.size() / 2));
  std::string gz = dir.Write("d.log.gz", GzipMember(first));
  LogScanResult r = Scan({path, gz});
  REQUIRE(r.read_issues.size() == 1);
  CHECK(r.read_issues[0].kind == ReadIssue::Kind::kTruncatedFrame);
  CHECK(r.read_issues[0].offset == f1.size());
  CHECK(r.read_issues[0].file == path);
  CHECK(r.files[0].events >= 2000);
  CHECK(r.files[0].events < 40000);
  CHECK(r.files[1].events == 2000);
  REQUIRE_FALSE(r.warnings.empty());
  CHECK(r.warnings[0].find("truncated") != std::string::npos);
  // A cut line at the end of the decoded data is at most one bad line.
  CHECK(r.problem_count <= 1);
}

TEST_CASE("ParseLogTime reads journalctl and ISO 8601 forms", "[log_events]") {
  CHECK(*ParseLogTime("2025-11-04 13:37:01") == kT0);
  CHECK(*ParseLogTime("2025-11-04T13:37:01Z") == kT0);
  CHECK(*ParseLogTime("2025-11-04T14:37:01+01:00") == kT0);
  CHECK(*ParseLogTime("2025-11-04T12:37:01-0100") == kT0);
  CHECK(*ParseLogTime("2025-11-04T13:37:01.5Z") == kT0 + 500000);
  CHECK(*ParseLogTime("2025-11-04 13:37") == kT0 - kSec);
  CHECK(*ParseLogTime("2025-11-04") == kT0 - (13 * 3600 + 37 * 60 + 1) * kSec);
  CHECK(*ParseLogTime("@1762263421") == kT0);
  CHECK(*ParseLogTime("  2025-11-04 13:37:01 ") == kT0);
  CHECK_FALSE(ParseLogTime("yesterday").has_value());
  CHECK_FALSE(ParseLogTime("2025-02-30").has_value());
  CHECK_FALSE(ParseLogTime("2025-11-04 25:00:00").has_value());
  CHECK(ParseLogTime("").error().code() == Status::Code::kInvalidArgument);
  CHECK(FormatLogTime(kT0 + 5) == "2025-11-04T13:37:01.000005Z");
  CHECK(FormatLogTime(-1) == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("since and until keep events inside the window, inclusive, like journalctl",
          "[log_events]") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += Logrus(FormatLogTime(kT0 + i * kSec), "info", "m" + std::to_string(i));
    text += "  continuation of m" + std::to_string(i) + "\n";
  }
  std::string path = dir.Write("d.log", text);
  LogScanOptions options;
  options.since_us = *ParseLogTime("2025-11-04 13:37:03");
  options.until_us = *ParseLogTime("2025-11-04T13:37:05Z");
  LogScanResult r = Scan({path}, options);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].msg == "m2");
  CHECK(r.events[2].msg == "m4");
  CHECK(r.events[0].continuation.size() == 1);
  CHECK(r.files[0].outside_window == 7);

  options.since_us = kT0 + 10 * kSec;
  options.until_us = kT0;
  LogScanResult bad;
  CHECK(ScanLogs({path}, options, &bad).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("events are ordered by time, then file, then line, the same on every run",
          "[log_events]") {
  TempDir dir;
  std::string a = dir.Write("a.log", Logrus("2025-11-04T13:37:02Z", "info", "a-2") +
                                         Logrus("2025-11-04T13:37:04Z", "info", "a-4") +
                                         "untimed text after a-4\n" +
                                         Logrus("2025-11-04T13:37:01Z", "info", "a-1-late"));
  std::string b = dir.Write("b.log", Logrus("2025-11-04T13:37:01Z", "info", "b-1") +
                                         Logrus("2025-11-04T13:37:02Z", "info", "b-2") +
                                         Logrus("2025-11-04T13:37:04Z", "info", "b-4"));
  LogScanResult r1 = Scan({a, b});
  LogScanResult r2 = Scan({a, b});
  std::vector<std::string> order;
  for (const LogEvent& e : r1.events) order.emplace_back(e.msg);
  CHECK(order == std::vector<std::string>{"a-1-late", "b-1", "a-2", "b-2", "a-4",
                                          "untimed text after a-4", "b-4"});
  REQUIRE(r2.events.size() == r1.events.size());
  for (size_t i = 0; i < r1.events.size(); ++i) {
    CHECK(r1.events[i].msg == r2.events[i].msg);
    CHECK(r1.events[i].line == r2.events[i].line);
  }
  CHECK(r1.files[0].events == 4);
  CHECK(r1.files[1].events == 3);
}

TEST_CASE("events stay valid after the scan result is gone", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write("d.log", Logrus("2025-11-04T13:37:01Z", "info", "Pin failed",
                                               "\"error\":\"a rather long error text here\""));
  LogEvent kept;
  {
    LogScanResult r = Scan({path});
    REQUIRE(r.events.size() == 1);
    kept = r.events[0];
  }
  CHECK(kept.msg == "Pin failed");
  CHECK(kept.Field("error") == std::optional<std::string_view>("a rather long error text here"));
  CHECK(kept.file == path);
}

TEST_CASE("keep_unclassified=false keeps only typed events", "[log_events]") {
  TempDir dir;
  std::string path = dir.Write("d.log", Logrus("2025-11-04T13:37:01Z", "debug", "Peer connected") +
                                            Logrus("2025-11-04T13:37:02Z", "info", "Pin failed"));
  LogScanOptions options;
  options.keep_unclassified = false;
  LogScanResult r = Scan({path}, options);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == EventKind::kPinFailed);
  CHECK(r.files[0].unclassified_dropped == 1);
}

TEST_CASE("a missing log file is an IoError", "[log_events]") {
  LogScanResult r;
  Status st = ScanLogs({"/nonexistent/forensics/node.log"}, {}, &r);
  CHECK(st.code() == Status::Code::kIoError);
}

TEST_CASE("hex prefixes compare on their common prefix, case-insensitively", "[log_events]") {
  CHECK(HexPrefixMatches("abcdef0123456789", "0xABCDEF0123456789" + std::string(48, '0')));
  CHECK(HexPrefixMatches("ABCD", "abcd"));
  CHECK_FALSE(HexPrefixMatches("abce", "abcd1234"));
  CHECK_FALSE(HexPrefixMatches("", "abcd"));
  CHECK_FALSE(HexPrefixMatches("0x", "abcd"));
}

// A small chain of daemon events around a bad block at height 103.
std::vector<LogEvent> TimelineEvents(TempDir* dir) {
  std::string text;
  int64_t t = kT0;
  auto add = [&](const std::string& level, const std::string& msg, const std::string& fields) {
    text += Logrus(FormatLogTime(t), level, msg, fields);
    t += kSec;
  };
  for (int h = 100; h <= 105; ++h) {
    std::string hs = std::to_string(h);
    add("info", "Applying block to state",
        "\"block_hash\":\"" + std::string(14, 'a') + hs.substr(1) + "\",\"block_number\":" + hs);
    add("info", "Block applied successfully",
        "\"block_number\":" + hs + ",\"state_root\":\"" + std::string(14, 'c') + hs.substr(1) + "\"");
    add("debug", "Peer connected", "\"peer\":\"p" + hs + "\"");
  }
  add("warning", "Chain reorganization triggered",
      "\"new_hash\":\"bbbb\",\"new_height\":106,\"old_hash\":\"aaaa\",\"old_height\":105");
  add("info", "Rolling back state", "\"target_height\":102");
  LogScanResult r;
  REQUIRE(ScanLogs({dir->Write("t.log", text)}, {}, &r).ok());
  return r.events;
}

TEST_CASE("timeline centres on the first event naming the bad block and checks claimed roots",
          "[log_events][timeline]") {
  TempDir dir;
  std::vector<LogEvent> events = TimelineEvents(&dir);
  std::map<uint64_t, std::string> replayed = {
      {102, std::string(14, 'c') + "02" + std::string(48, '9')},  // matches the claim
      {103, std::string(64, 'f')},                                // differs
  };
  TimelineOptions options;
  options.events_before = 3;
  options.events_after = 100;
  Timeline tl = SelectTimeline(events, TimelineAnchor{103, ""}, replayed, options);
  REQUIRE(tl.anchor_found);
  REQUIRE(tl.anchor_event.has_value());
  CHECK(events[*tl.anchor_event].kind == EventKind::kBlockApplying);
  CHECK(events[*tl.anchor_event].block_height == std::optional<uint64_t>(103));
  CHECK(tl.anchor_time_us == events[*tl.anchor_event].time_us);
  REQUIRE(tl.entries.size() == 3 + 1 + 10);
  CHECK(tl.entries[3].is_anchor);
  CHECK(tl.entries[3].event_index == *tl.anchor_event);
  CHECK(tl.claims_matching == 1);
  CHECK(tl.claims_mismatching == 1);
  size_t reorg = 0, rollback = 0, no_replay = 0;
  for (const TimelineEntry& e : tl.entries) {
    reorg += e.is_reorg;
    rollback += e.is_rollback;
    no_replay += e.root_check == TimelineEntry::RootCheck::kNoReplayedRoot;
    if (e.claims_state_root && events[e.event_index].block_height == std::optional<uint64_t>(103)) {
      CHECK(e.root_check == TimelineEntry::RootCheck::kMismatch);
      CHECK(e.claimed_state_root == std::string(14, 'c') + "03");
      CHECK(e.replayed_state_root == std::string(64, 'f'));
    }
  }
  CHECK(reorg == 1);
  CHECK(rollback == 1);
  CHECK(no_replay == 2);  // 104 and 105
}

TEST_CASE("timeline finds the anchor by hash prefix and can window by time",
          "[log_events][timeline]") {
  TempDir dir;
  std::vector<LogEvent> events = TimelineEvents(&dir);
  TimelineOptions options;
  options.seconds_before = 1;
  options.seconds_after = 2;
  options.include_unclassified = false;
  Timeline tl = SelectTimeline(events, TimelineAnchor{std::nullopt, "0xAAAAAAAAAAAAAA04"}, {},
                               options);
  REQUIRE(tl.anchor_found);
  CHECK(events[*tl.anchor_event].block_height == std::optional<uint64_t>(104));
  // [t-1s, t+2s] holds: 103 Peer connected (dropped: unclassified), anchor, 104 applied,
  // 104 Peer connected (dropped).
  REQUIRE(tl.entries.size() == 2);
  CHECK(tl.entries[0].is_anchor);
  CHECK(tl.entries[1].claims_state_root);
  CHECK(tl.entries[1].root_check == TimelineEntry::RootCheck::kNoReplayedRoot);
}

TEST_CASE("timeline without an event for the bad height centres on the next higher block",
          "[log_events][timeline]") {
  TempDir dir;
  std::vector<LogEvent> events = TimelineEvents(&dir);
  Timeline missing = SelectTimeline(events, TimelineAnchor{99, ""}, {});
  CHECK_FALSE(missing.anchor_found);
  REQUIRE(missing.anchor_event.has_value());
  CHECK(events[*missing.anchor_event].block_height == std::optional<uint64_t>(100));
  Timeline none = SelectTimeline({}, TimelineAnchor{99, ""}, {});
  CHECK_FALSE(none.anchor_event.has_value());
  CHECK(none.entries.empty());
}

}  // namespace
}  // namespace forensics
