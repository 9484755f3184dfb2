// The daemon's logs as journald stores them and journalctl renders them, from the real captures in
// tests/data/real-journald/ (systemd 252's journalctl output of one journal of three nodes, logrus
// stdout of two, the chain they logged, and truth.json saying what is in each): every rendering must
// give the journal's entries with their times, hosts, boots, heights and claimed roots, say what it
// cannot give, and the state-violation report must read the fault at block 19 out of them.
#include <zstd.h>

#include <simdjson.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "forensics/log_events.h"
#include "forensics/report.h"
#include "forensics/state_violation.h"
#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
using testing::ZstdFrame;

std::string Data(const std::string& name) { return std::string(FORENSICS_TEST_DATA) + "/real-journald/" + name; }

// A one-frame zstd file, decoded.
std::string Unzstd(const std::string& path) {
  std::string in = ReadWholeFile(path);
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  REQUIRE(size != ZSTD_CONTENTSIZE_ERROR);
  REQUIRE(size != ZSTD_CONTENTSIZE_UNKNOWN);
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// One central-journal entry of truth.json.
struct Entry {
  std::string host, kind, claimed_root;
  int64_t pid = 0;
  size_t boot = 0;
  int64_t realtime_us = 0;
  std::optional<uint64_t> height;
  bool systemd() const { return kind.rfind("systemd: ", 0) == 0; }
  std::string msg() const { return systemd() ? kind.substr(9) : kind; }
};

struct Truth {
  std::vector<Entry> entries;
  std::map<std::string, std::vector<std::string>> boot_ids;  // by host
  std::map<std::string, std::vector<uint64_t>> first_lines;  // by rendering file (plain name)
  std::map<std::string, std::map<std::string, uint64_t>> kind_counts;  // host → logrus msg → count (stdout)
};

const Truth& LoadTruth() {
  static const Truth truth = [] {
    Truth t;
    static std::string json = Unzstd(Data("truth.json.zst"));
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(json);
    for (simdjson::dom::array e : doc["central_entries"].get_array()) {
      Entry x;
      x.host = std::string(std::string_view(e.at(0)));
      x.pid = int64_t(e.at(1));
      x.boot = size_t(uint64_t(e.at(2)));
      x.realtime_us = int64_t(e.at(3));
      x.kind = std::string(std::string_view(e.at(4)));
      if (!e.at(5).is_null()) x.height = uint64_t(e.at(5));
      if (!e.at(6).is_null()) x.claimed_root = std::string(std::string_view(e.at(6)));
      t.entries.push_back(std::move(x));
    }
    for (auto [host, node] : doc["nodes"].get_object()) {
      for (std::string_view b : node["boot_ids"].get_array()) t.boot_ids[std::string(host)].emplace_back(b);
      for (auto [msg, v] : node["events_by_kind"].get_object())
        t.kind_counts[std::string(host)][std::string(msg)] = uint64_t(v["count"]);
    }
    for (auto [file, r] : doc["renderings"].get_object()) {
      std::vector<uint64_t>& lines = t.first_lines[std::string(file)];
      for (uint64_t l : r["entry_first_line"].get_array()) lines.push_back(l);
    }
    return t;
  }();
  return truth;
}

LogScanResult Scan(const std::vector<std::string>& files, LogScanOptions options = {}) {
  LogScanResult r;
  Status st = ScanLogs(files, options, &r);
  REQUIRE(st.ok());
  return r;
}

enum class TimeKind { kSeconds, kMicros, kNone };

struct Rendering {
  std::string file;  // in tests/data/real-journald/ (plain name + ".zst")
  TimeKind time;     // of the lines whose message has no time of its own (systemd's)
  bool hosts;        // names host and PID
  bool boots;        // every entry's boot (verbose, export, JSON); short ones: after a "-- Boot" line
};

std::string PlainName(const std::string& file) { return file.substr(0, file.size() - 4); }

bool Contains(const std::vector<std::string>& warnings, const std::string& a, const std::string& b) {
  return std::any_of(warnings.begin(), warnings.end(), [&](const std::string& w) {
    return w.find(a) != std::string::npos && w.find(b) != std::string::npos;
  });
}

TEST_CASE("every journalctl rendering of the real journal gives its entries as the truth has them", "[journald]") {
  const Rendering r = GENERATE(values<Rendering>({
      {"central.short.log.zst", TimeKind::kSeconds, true, false},
      {"central.short-full.log.zst", TimeKind::kSeconds, true, false},
      {"central.short-iso.log.zst", TimeKind::kSeconds, true, false},
      {"central.short-iso-precise.log.zst", TimeKind::kMicros, true, false},
      {"central.short-precise.log.zst", TimeKind::kMicros, true, false},
      {"central.short-unix.log.zst", TimeKind::kMicros, true, false},
      {"central.with-unit.log.zst", TimeKind::kSeconds, true, false},
      {"central.short-monotonic.log.zst", TimeKind::kNone, true, false},
      {"central.short-delta.log.zst", TimeKind::kNone, true, false},
      {"central.cat.log.zst", TimeKind::kNone, false, false},
      {"central.verbose.log.zst", TimeKind::kMicros, true, true},
      {"central.export.log.zst", TimeKind::kMicros, true, true},
      {"central.json.log.zst", TimeKind::kMicros, true, true},
      {"central.json-pretty.log.zst", TimeKind::kMicros, true, true},
      {"central.json-seq.log.zst", TimeKind::kMicros, true, true},
  }));
  INFO(r.file);
  const Truth& truth = LoadTruth();
  // truth.json names the renderings stored compressed as they are, the others by their plain name.
  const std::vector<uint64_t>& first_lines =
      truth.first_lines.count(r.file) ? truth.first_lines.at(r.file) : truth.first_lines.at(PlainName(r.file));
  REQUIRE(first_lines.size() == truth.entries.size());
  LogScanResult scan = Scan({Data(r.file)});
  CHECK(scan.problem_count == 0);
  CHECK(scan.read_issue_count == 0);
  REQUIRE(scan.files.size() == 1);
  const LogFileStats& stats = scan.files[0];
  CHECK_FALSE(stats.nothing_recognised);
  REQUIRE(scan.event_count == truth.entries.size());
  REQUIRE(scan.events.size() == truth.entries.size());

  std::map<uint64_t, size_t> entry_at;  // first line → entry index
  for (size_t k = 0; k < first_lines.size(); ++k) entry_at[first_lines[k]] = k;
  std::set<size_t> seen;
  std::map<std::string, std::map<EventKind, uint64_t>> kinds, want_kinds;  // host → kind → count
  std::map<std::string, std::set<std::string>> boots;            // host → boot IDs
  size_t mismatch_at_19 = 0, reorgs = 0;
  for (const LogEvent& e : scan.events) {
    auto at = entry_at.find(e.line);
    REQUIRE(at != entry_at.end());
    const Entry& x = truth.entries[at->second];
    INFO("line " << e.line << ": " << x.kind);
    CHECK(seen.insert(at->second).second);
    CHECK(e.msg == x.msg());
    CHECK(e.block_height == x.height);
    if (!x.claimed_root.empty()) {
      CHECK(e.state_root_prefix == x.claimed_root);
      CHECK((e.kind == EventKind::kBlockApplied || e.kind == EventKind::kBlockProduced));
    }
    if (r.hosts) {
      CHECK(e.node == x.host);
      CHECK(e.Field("pid") == std::optional<std::string_view>(std::to_string(x.pid)));
      ++kinds[std::string(e.node)][e.kind];
    } else {
      CHECK(e.node == "central.cat.log");
    }
    // Daemon lines carry logrus' own time (ms, written 40 µs to 1.8 ms before journald got them).
    if (!x.systemd()) {
      REQUIRE(e.has_time());
      CHECK(e.time_us <= x.realtime_us);
      CHECK(e.time_us >= x.realtime_us - 3000);
    } else if (r.time == TimeKind::kMicros) {
      CHECK(e.time_us == x.realtime_us);
    } else if (r.time == TimeKind::kSeconds) {
      CHECK(e.time_us == x.realtime_us / 1000000 * 1000000);
    } else {
      CHECK_FALSE(e.has_time());
    }
    const std::string& boot = truth.boot_ids.at(x.host).at(x.boot);
    if (r.boots) {
      CHECK(e.boot == boot);
    } else if (r.hosts && at->second != 0) {
      CHECK(e.boot == boot);  // from the "-- Boot" line before it (none before the first entry)
    } else {
      CHECK(e.boot.empty());
    }
    if (!e.boot.empty()) boots[std::string(e.node)].insert(std::string(e.boot));
    if (e.kind == EventKind::kStateRootMismatch) {
      ++mismatch_at_19;
      CHECK(e.node == (r.hosts ? "node-03" : "central.cat.log"));
      CHECK(e.block_height == std::optional<uint64_t>(19));
      CHECK(e.Field("tx_hash") == std::optional<std::string_view>("87f4016c0e95020b"));
      CHECK(e.Field("expected_root") ==
            std::optional<std::string_view>("6ad263c337ba7ed98804b3172fc2267a57acb17aa56efeccc79db82ad0921010"));
      CHECK(e.Field("computed_root") ==
            std::optional<std::string_view>("5e0c0f994efbcbd9224c970dcc9e2b146be7f5d3ae3761ad794c5b448d195352"));
    }
    if (e.kind == EventKind::kReorgTriggered) {
      ++reorgs;
      CHECK(e.block_height == std::optional<uint64_t>(21));
      CHECK(e.Field("old_height") == std::optional<std::string_view>("18"));
    }
  }
  CHECK(mismatch_at_19 == 1);
  CHECK(reorgs == 1);
  if (r.hosts) {
    // The kinds the journal's messages have, host by host ("New block produced, broadcasting to
    // network" is none of them).
    const std::map<std::string, EventKind> kind_of = {
        {"Applying block to state", EventKind::kBlockApplying},
        {"Block applied successfully", EventKind::kBlockApplied},
        {"New block produced", EventKind::kBlockProduced},
        {"Failed to apply transaction", EventKind::kStateRootMismatch},
        {"Distributing block rewards", EventKind::kRewardDistributing},
        {"Chain reorganization triggered", EventKind::kReorgTriggered},
        {"Found common ancestor for reorg", EventKind::kReorgAncestor},
        {"Chain reorganization complete", EventKind::kReorgComplete},
        {"Rolling back state", EventKind::kRollback},
        {"State rollback complete", EventKind::kRollbackComplete},
        {"Starting COINjecture daemon", EventKind::kDaemonStart},
        {"Configuration loaded", EventKind::kConfigLoaded},
    };
    for (const Entry& x : truth.entries) {
      auto k = kind_of.find(x.msg());
      ++want_kinds[x.host][k == kind_of.end() ? EventKind::kOther : k->second];
    }
    CHECK(kinds == want_kinds);
    CHECK(kinds["node-03"][EventKind::kBlockProduced] == truth.kind_counts.at("node-03").at("New block produced"));
    CHECK(stats.names_node);
  }
  if (r.hosts) {
    for (const auto& [host, ids] : truth.boot_ids) {
      INFO(host);
      CHECK(boots[host] == std::set<std::string>(ids.begin(), ids.end()));
    }
  }
  // What a rendering cannot give is said, naming the file.
  const std::string file = Data(r.file);
  if (r.time == TimeKind::kNone) {
    CHECK(stats.untimed_events == 8);  // systemd's lines: no time in the message either
    CHECK(Contains(scan.warnings, file, "carry no time of their own"));
  } else {
    CHECK(stats.untimed_events == 0);
  }
  if (r.file.find("monotonic") != std::string::npos || r.file.find("delta") != std::string::npos) {
    CHECK(stats.lines_by_format.at(LogFormat::kJournalMonotonic) == truth.entries.size());
    CHECK(Contains(scan.warnings, file, "monotonic time"));
  }
  if (!r.hosts) {
    CHECK_FALSE(stats.names_node);
    CHECK(Contains(scan.warnings, file, "no line names its host"));
  }
}

TEST_CASE("journalctl --since/--until output of the real journal gives its window's entries", "[journald]") {
  const Truth& truth = LoadTruth();
  LogScanResult scan = Scan({Data("central.since-until.log.zst")});
  CHECK(scan.problem_count == 0);
  // Entries 279 to 386 (1-based) of the central journal.
  REQUIRE(scan.event_count == 108);
  std::set<uint64_t> heights;
  for (const LogEvent& e : scan.events)
    if (e.kind == EventKind::kStateRootMismatch) heights.insert(e.block_height.value_or(0));
  CHECK(heights == std::set<uint64_t>{19});
  (void)truth;
}

TEST_CASE("New block produced, broadcasting to network is its own message", "[journald]") {
  const Truth& truth = LoadTruth();
  LogScanResult scan = Scan({Data("node-03.stdout.log.zst")});
  uint64_t produced = 0, broadcasting = 0;
  for (const LogEvent& e : scan.events) {
    if (e.msg == "New block produced, broadcasting to network") {
      ++broadcasting;
      CHECK(e.kind == EventKind::kOther);
    }
    if (e.kind == EventKind::kBlockProduced) ++produced;
  }
  CHECK(produced == truth.kind_counts.at("node-03").at("New block produced"));
  CHECK(broadcasting == truth.kind_counts.at("node-03").at("New block produced, broadcasting to network"));
}

TEST_CASE("rotated files of one node are one node, and a failed transaction takes the height across them",
          "[journald]") {
  TempDir dir;
  std::string text = Unzstd(Data("node-03.stdout.log.zst"));
  // Cut just before "Failed to apply transaction" (line 93): its "Applying block to state" is in
  // the older, rotated file.
  size_t cut = 0;
  for (int i = 0; i < 92; ++i) cut = text.find('\n', cut) + 1;
  REQUIRE(text.find("Failed to apply transaction", cut) < text.find('\n', cut));
  std::string older = dir.Write("node-03.log.1.zst", ZstdFrame(text.substr(0, cut)));
  std::string newer = dir.Write("node-03.log", text.substr(cut));
  LogScanResult scan = Scan({older, newer});
  REQUIRE(scan.files.size() == 2);
  CHECK(scan.files[0].node == "node-03.log");
  CHECK(scan.files[1].node == "node-03.log");
  std::set<std::string_view> nodes;
  for (const LogEvent& e : scan.events) nodes.insert(e.node);
  CHECK(nodes == std::set<std::string_view>{"node-03.log"});
  size_t failed = 0;
  for (const LogEvent& e : scan.events) {
    if (e.msg != "Failed to apply transaction") continue;
    ++failed;
    CHECK(e.file == newer);
    CHECK(e.line == 1);
    CHECK(e.block_height == std::optional<uint64_t>(19));
  }
  CHECK(failed == 1);
}

StateViolationReport Analyze(const std::vector<std::string>& logs) {
  StateViolationOptions o;
  o.chain_path = Data("chain.ndjson.zst");
  o.log_files = logs;
  auto r = AnalyzeStateViolation(o);
  if (!r) FAIL(r.error().ToString());
  return std::move(*r);
}

TEST_CASE("the state-violation report reads block 19's rejection, its transaction and the reorg out of the journal",
          "[journald]") {
  const std::string export_file = GENERATE(std::string("central.export.log.zst"), std::string("central.verbose.log.zst"),
                                           std::string("central.json-pretty.log.zst"), std::string("central.short-full.log.zst"));
  INFO(export_file);
  StateViolationReport r = Analyze({Data(export_file)});
  REQUIRE(r.first_bad.has_value());
  CHECK(r.first_bad->height == 19);
  REQUIRE(r.timeline_summary.has_value());
  CHECK(r.timeline_summary->anchor_found);
  CHECK(r.timeline_summary->claims_mismatching >= 1);
  CHECK(r.timeline_summary->claims_not_committed == 0);
  CHECK(r.timeline_summary->events == 503);
  size_t rejections = 0;
  for (const TimelineRow& row : r.timeline) {
    if (row.kind != "state-root-mismatch") continue;
    ++rejections;
    CHECK(row.node == "node-03");
    CHECK(row.block_height == std::optional<uint64_t>(19));
    CHECK(row.tx_hash == "87f4016c0e95020b5faced05db594c50fb0a9f528485ce845113f7ea6a875068");
    CHECK(row.tx_hash_note.empty());
    CHECK(row.incident);
  }
  CHECK(rejections == 1);
  std::string json = RenderStateViolationJson(r, ReportStamp{});
  CHECK(json.find("\"tx_hash\": \"87f4016c0e95020b5faced05db594c50fb0a9f528485ce845113f7ea6a875068\"") !=
        std::string::npos);
}

TEST_CASE("all-zero claimed roots of upstream's ApplyBlock are not committed, neither match nor mismatch",
          "[journald]") {
  StateViolationReport r = Analyze({Data("node-02.zero-roots.stdout.log.zst")});
  REQUIRE(r.timeline_summary.has_value());
  const TimelineSummary& t = *r.timeline_summary;
  CHECK(t.claims_mismatching == 0);
  CHECK(t.claims_matching == 0);
  CHECK(t.claims_not_committed > 0);
  size_t zero_rows = 0;
  for (const TimelineRow& row : r.timeline) {
    if (row.claimed_root.empty()) continue;
    CHECK(row.claimed_root == "0000000000000000");
    CHECK(row.root_check == "not committed");
    ++zero_rows;
  }
  CHECK(zero_rows == t.claims_not_committed);
  CHECK(std::any_of(r.warnings.begin(), r.warnings.end(),
                    [](const std::string& w) { return w.find("all zeros") != std::string::npos; }));
  CHECK(RenderStateViolationJson(r, ReportStamp{}).find("\"claimed_roots_not_committed\": " + std::to_string(t.claims_not_committed)) !=
        std::string::npos);
  CHECK(RenderStateViolationText(r).find(std::to_string(t.claims_not_committed) + " not committed (all zeros)") != std::string::npos);
  CHECK(RenderStateViolationMarkdown(r, ReportStamp{}).find("are all zeros (not committed)") != std::string::npos);

  // The same in SelectTimeline: a 64-hex zero root too.
  LogEvent applied;
  applied.kind = EventKind::kBlockApplied;
  applied.block_height = 7;
  applied.state_root_prefix = "0000000000000000000000000000000000000000000000000000000000000000";
  applied.time_us = 1;
  Timeline tl = SelectTimeline(std::span<const LogEvent>(&applied, 1), TimelineAnchor{7, ""}, {{7, "ab12"}});
  CHECK(tl.claims_not_committed == 1);
  CHECK(tl.claims_mismatching == 0);
  REQUIRE(tl.entries.size() == 1);
  CHECK(tl.entries[0].root_check == TimelineEntry::RootCheck::kNotCommitted);
  CHECK_FALSE(IsUncommittedRoot("000000"));
  CHECK(IsUncommittedRoot("0x0000000000000000"));
}

TEST_CASE("a truncated zstd log is warned about once in the report", "[journald]") {
  TempDir dir;
  std::string frame = ZstdFrame(Unzstd(Data("node-03.stdout.log.zst")));
  std::string cut = dir.Write("node-03.log.zst", frame.substr(0, frame.size() * 2 / 3));
  StateViolationReport r = Analyze({cut});
  // Once as container damage, not again as a read issue of the file.
  size_t mentions = 0;
  for (const std::string& w : r.warnings)
    if (w.find(cut) != std::string::npos) ++mentions;
  CHECK(mentions == 1);
  CHECK(Contains(r.warnings, cut, "truncated data at byte 0: zstd frame cut short"));
}

TEST_CASE("an input in which no line is recognised is reported with what its first line looks like", "[journald]") {
  TempDir dir;
  std::string text = dir.Write("notes.txt", "\n  \nhello\tworld \x1b[2J and more\nsecond line\n");
  std::string good = dir.Write("good.log", "{\"level\":\"info\",\"msg\":\"Configuration loaded\",\"time\":\"2025-11-22T14:00:00Z\"}\n");
  LogScanResult scan = Scan({text, good});
  REQUIRE(scan.files.size() == 2);
  CHECK(scan.files[0].nothing_recognised);
  CHECK(scan.files[0].first_line == "hello\\tworld \\x1b[2J and more");
  CHECK_FALSE(scan.files[1].nothing_recognised);
  CHECK(Contains(scan.warnings, text, "no line was recognised as any log format (4 line(s); the first reads \"hello\\tworld \\x1b[2J and more\")"));
  CHECK_FALSE(Contains(scan.warnings, good, "no line was recognised"));
}

// An export entry "__CURSOR=…" with `fields` after it, and the blank line.
std::string ExportEntry(int i, const std::string& fields) {
  return "__CURSOR=s=1;i=" + std::to_string(i) + "\n__REALTIME_TIMESTAMP=" + std::to_string(1763820000000000 + i) +
         "\n_HOSTNAME=node-0" + std::to_string(i) + "\n" + fields + "\n";
}

std::string BinaryField(const std::string& key, const std::string& value) {
  std::string s = key + "\n";
  uint64_t n = value.size();
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return s + value + "\n";
}

TEST_CASE("journalctl -o export binary fields are read by their length, newlines and blank lines inside", "[journald]") {
  TempDir dir;
  // A value of 10 bytes: its length's first byte is a newline.
  std::string ten = "ab\n\ncd\r\nef";
  REQUIRE(ten.size() == 10);
  std::string logrus = "{\"block_number\":19,\"level\":\"info\",\"msg\":\"Applying block to state\",\"time\":\"2025-11-22T14:03:10.330Z\"}";
  std::string text = ExportEntry(1, BinaryField("MESSAGE", ten) + "PRIORITY=6\n") +
                     ExportEntry(2, "MESSAGE=" + logrus + "\n" + BinaryField("EXTRA", std::string("\0\n\n\xff", 4))) +
                     ExportEntry(3, "MESSAGE=third\n");
  std::string path = dir.Write("x.export", text);
  LogScanResult scan = Scan({path});
  CHECK(scan.problem_count == 0);
  REQUIRE(scan.events.size() == 3);
  std::sort(scan.events.begin(), scan.events.end(), [](const LogEvent& a, const LogEvent& b) { return a.line < b.line; });
  CHECK(scan.events[0].msg == std::string_view("ab\n\ncd\r\nef"));
  CHECK(scan.events[0].node == "node-01");
  CHECK(scan.events[0].time_us == 1763820000000001);
  CHECK(scan.events[0].level == LogLevel::kInfo);
  CHECK(scan.events[0].line == 1);
  CHECK(scan.events[1].kind == EventKind::kBlockApplying);
  CHECK(scan.events[1].block_height == std::optional<uint64_t>(19));
  CHECK(scan.events[1].node == "node-02");
  CHECK(scan.events[2].msg == "third");
  CHECK(scan.events[2].format == LogFormat::kJournalExport);
  CHECK(scan.files[0].invalid_utf8_lines == 0);

  // A length beyond the data is a bad entry, reported with its line; reading goes on.
  std::string bad = ExportEntry(1, "MESSAGE\n@" + std::string(7, '\0') + "short\n");  // claims 64 bytes
  std::string bad_path = dir.Write("bad.export", bad);
  LogScanResult b = Scan({bad_path});
  CHECK(b.events.empty());
  CHECK(b.problem_count == 1);
}

}  // namespace
}  // namespace forensics
