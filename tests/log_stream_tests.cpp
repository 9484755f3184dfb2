// StreamLogs and ScanLogsAround against ScanLogs + SelectTimeline, on random multi-file logs:
// every format with and without times, continuation lines, journald years, time windows, random
// anchors and window options. The streaming paths must give exactly the same events.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "forensics/log_events.h"
#include "util/io_fixtures.h"

namespace {

using forensics::EventKind;
using forensics::LogEvent;
using forensics::LogEventSink;
using forensics::LogScanOptions;
using forensics::LogScanResult;
using forensics::testing::TempDir;

// One random log file: mostly logrus JSON lines with times that mostly increase, plus the other
// formats, lines without a time, continuation lines and blank lines.
std::string RandomLog(std::mt19937_64& rng, int lines, bool journald_short, int64_t base_s) {
  static const char* kMsgs[] = {"Applying block to state", "Block applied successfully",
                                "New block produced", "Peer message received",
                                "Chain reorganization triggered", "Rolling back state",
                                "Failed to apply transaction", "something else entirely"};
  std::string out;
  int64_t t = base_s;
  auto iso = [](int64_t s) {
    int64_t day = s / 86400, rem = s % 86400;
    char buf[64];
    std::snprintf(buf, sizeof(buf), "2025-12-%02dT%02d:%02d:%02dZ", static_cast<int>(1 + day % 28),
                  static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
    return std::string(buf);
  };
  for (int i = 0; i < lines; ++i) {
    t += static_cast<int64_t>(rng() % 5);
    if (rng() % 20 == 0) t -= static_cast<int64_t>(rng() % 30);  // a clock step back
    uint64_t height = static_cast<uint64_t>(t - base_s) / 3;
    const char* msg = kMsgs[rng() % 8];
    switch (rng() % 10) {
      case 0:  // Python text with a continuation line
        out += "ERROR:coinjecture.legacy_compat:" + std::string(msg) + "\n";
        if (rng() % 2) out += "Traceback line " + std::to_string(i) + "\n";
        break;
      case 1:  // a plain line without a time
        out += "plain text line " + std::to_string(i) + "\n";
        break;
      case 2:  // an indented continuation
        out += "    continued " + std::to_string(i) + "\n";
        break;
      case 3:
        if (journald_short) {
          char buf[128];
          int64_t rem = t % 86400;
          std::snprintf(buf, sizeof(buf), "Dec %02d %02d:%02d:%02d node%d coinjectured[42]: ",
                        static_cast<int>(1 + (t / 86400) % 28), static_cast<int>(rem / 3600),
                        static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), static_cast<int>(rng() % 3));
          out += std::string(buf) + msg + " block_number=" + std::to_string(height) + "\n";
          break;
        }
        [[fallthrough]];
      case 4:
        out += "\n";
        break;
      default: {
        out += "{\"block_number\":" + std::to_string(height) + ",\"level\":\"info\",\"msg\":\"" + msg +
               "\",\"state_root\":\"" + std::to_string(1000 + height) + "abc\",\"time\":\"" + iso(t) + "\"}\n";
      }
    }
  }
  return out;
}

std::vector<std::tuple<uint32_t, uint64_t>> Keys(const std::vector<LogEvent>& events) {
  std::vector<std::tuple<uint32_t, uint64_t>> k;
  for (const LogEvent& e : events) k.emplace_back(e.file_index, e.line);
  return k;
}

struct CountingSink : LogEventSink {
  std::vector<std::tuple<uint32_t, uint64_t, int64_t>> seen;
  bool OnEvent(const LogEvent& e, int64_t order) override {
    seen.emplace_back(e.file_index, e.line, order);
    return true;
  }
};

}  // namespace

TEST_CASE("StreamLogs and ScanLogsAround give exactly what ScanLogs and SelectTimeline give",
          "[log_events][log_stream]") {
  std::mt19937_64 rng(20261127);
  for (int round = 0; round < 40; ++round) {
    TempDir dir;
    const bool journald_short = round % 4 == 1;
    const int nfiles = 1 + static_cast<int>(rng() % 3);
    std::vector<std::string> files;
    for (int f = 0; f < nfiles; ++f) {
      std::string text = RandomLog(rng, 200 + static_cast<int>(rng() % 3000), journald_short,
                                   static_cast<int64_t>(rng() % 600));
      std::string name = "node" + std::to_string(f) + (f == 1 ? ".log.zst" : ".log");
      files.push_back(dir.Write(name, f == 1 ? forensics::testing::ZstdFrame(text) : text));
    }
    LogScanOptions options;
    if (round % 3 == 2) {
      options.since_us = (1764547200 + static_cast<int64_t>(rng() % 600)) * 1000000;  // 2025-12-01
      options.until_us = *options.since_us + static_cast<int64_t>(rng() % 4000) * 1000000;
    }
    if (journald_short && round % 8 == 1) options.year = 2025;
    options.keep_unclassified = round % 5 != 3;
    options.parse_threads = 1 + rng() % 3;
    INFO("round " << round << ", " << nfiles << " files, threads " << options.parse_threads);

    LogScanResult all;
    REQUIRE(forensics::ScanLogs(files, options, &all).ok());
    REQUIRE(all.event_count == all.events.size());
    uint64_t by_kind = 0;
    for (const auto& [kind, n] : all.events_by_kind) by_kind += n;
    CHECK(by_kind == all.events.size());

    // The same events, counts and order keys with another number of parse threads.
    LogScanOptions other = options;
    other.parse_threads = options.parse_threads == 1 ? 4 : 1;
    CountingSink sink;
    LogScanResult streamed;
    REQUIRE(forensics::StreamLogs(files, other, &sink, &streamed).ok());
    CHECK(streamed.events.empty());
    CHECK(streamed.event_count == all.event_count);
    CHECK(streamed.events_by_kind == all.events_by_kind);
    CHECK(streamed.problem_count == all.problem_count);
    CHECK(streamed.warnings == all.warnings);
    REQUIRE(streamed.files.size() == all.files.size());
    for (size_t f = 0; f < all.files.size(); ++f) {
      CHECK(streamed.files[f].events == all.files[f].events);
      CHECK(streamed.files[f].lines == all.files[f].lines);
      CHECK(streamed.files[f].continuation_lines == all.files[f].continuation_lines);
      CHECK(streamed.files[f].outside_window == all.files[f].outside_window);
    }
    std::set<std::tuple<uint32_t, uint64_t>> streamed_keys;
    for (const auto& [file, line, order] : sink.seen) streamed_keys.emplace(file, line);
    auto all_keys = Keys(all.events);
    CHECK(streamed_keys == std::set<std::tuple<uint32_t, uint64_t>>(all_keys.begin(), all_keys.end()));

    for (int probe = 0; probe < 6; ++probe) {
      forensics::TimelineAnchor anchor;
      uint64_t h = rng() % 1500;
      if (probe % 3 != 2) anchor.height = h;
      if (probe % 3 != 0) anchor.hash_prefix = probe == 4 ? "deadbeef" : std::to_string(1000 + h);
      forensics::TimelineOptions to;
      to.events_before = probe == 3 ? 0 : rng() % 30;  // none before: only the after side is kept
      to.events_after = rng() % 30;
      to.include_unclassified = probe % 2 == 0;
      if (probe == 5) {
        to.seconds_before = static_cast<int64_t>(rng() % 40);
        to.seconds_after = static_cast<int64_t>(rng() % 40);
      }
      INFO("probe " << probe << " height " << h);
      std::map<uint64_t, std::string> roots;
      for (uint64_t x = 0; x < 1500; x += 2) roots[x] = std::to_string(1000 + x) + "abc";
      forensics::Timeline full = forensics::SelectTimeline(all.events, anchor, roots, to);
      std::vector<LogEvent> full_chosen;
      for (const auto& entry : full.entries) full_chosen.push_back(all.events[entry.event_index]);

      LogScanResult around;
      REQUIRE(forensics::ScanLogsAround(files, options, anchor, to, &around).ok());
      CHECK(around.event_count == all.event_count);
      CHECK(Keys(around.events) == Keys(full_chosen));
      forensics::Timeline cut = forensics::SelectTimeline(around.events, anchor, roots, to);
      CHECK(cut.anchor_found == full.anchor_found);
      CHECK(cut.claims_matching == full.claims_matching);
      CHECK(cut.claims_mismatching == full.claims_mismatching);
      REQUIRE(cut.entries.size() == full.entries.size());
      for (size_t i = 0; i < cut.entries.size(); ++i) {
        const LogEvent& a = around.events[cut.entries[i].event_index];
        const LogEvent& b = all.events[full.entries[i].event_index];
        CHECK(a.time_us == b.time_us);
        CHECK(a.msg == b.msg);
        CHECK(a.node == b.node);
        CHECK(a.continuation.size() == b.continuation.size());
        CHECK(cut.entries[i].is_anchor == full.entries[i].is_anchor);
        CHECK(cut.entries[i].root_check == full.entries[i].root_check);
      }
    }
  }
}

// Every member of each event the sink sees, as text (but the node, which can be the file's name).
struct DumpSink : LogEventSink {
  std::vector<std::string> seen;
  bool OnEvent(const LogEvent& e, int64_t order) override {
    std::string s = std::to_string(e.file_index) + "|" + std::to_string(e.line) + "|" +
                    std::to_string(e.offset) + "|" + std::to_string(order) + "|" +
                    std::to_string(e.time_us) + "|" + std::to_string(static_cast<int>(e.kind)) + "|" +
                    std::to_string(static_cast<int>(e.level)) + "|" +
                    std::to_string(static_cast<int>(e.format)) + "|" +
                    (e.block_height ? std::to_string(*e.block_height) : "-") + "|" + std::string(e.msg) + "|" + std::string(e.block_hash_prefix) + "|" +
                    std::string(e.state_root_prefix);
    for (const auto& f : e.fields) s += "|" + std::string(f.key) + "=" + std::string(f.value);
    for (std::string_view c : e.continuation) s += "|+" + std::string(c);
    seen.push_back(std::move(s));
    return true;
  }
};

TEST_CASE("batches parsed by the calling thread give the same events as those of parse threads",
          "[log_events][log_stream]") {
  // Many batches per file: the calling thread, waiting for the oldest, parses those no parse
  // thread has started (the more often, the fewer parse threads), and so does the decoding thread
  // while it is as far ahead as it may go. Every event must be the same
  // whichever thread parsed its line, and the same as read in files small enough for one batch.
  std::mt19937_64 rng(77);
  TempDir dir;
  std::string text = RandomLog(rng, 40000, /*journald_short=*/false, 0);
  std::string big = dir.Write("big.log", text);
  std::string big_zst = dir.Write("big.log.zst", forensics::testing::ZstdFrame(text));
  // The same lines cut into small files, at line ends away from continuation lines, before an
  // "Applying block to state" (whose height a later "Failed to apply transaction" takes).
  std::vector<std::string> parts;
  size_t start = 0, part_lines = 0;
  auto applying_next = [&](size_t pos) {
    size_t end = text.find('\n', pos + 1);
    return text[pos + 1] == '{' &&
           text.substr(pos + 1, end - pos - 1).find("\"msg\":\"Applying block to state\"") != std::string::npos;
  };
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (text[pos] != '\n') continue;
    if (++part_lines >= 500 && pos + 1 < text.size() && applying_next(pos)) {
      parts.push_back(text.substr(start, pos + 1 - start));
      start = pos + 1;
      part_lines = 0;
    }
  }
  parts.push_back(text.substr(start));
  REQUIRE(parts.size() > 20);
  std::vector<std::string> part_files;
  for (size_t i = 0; i < parts.size(); ++i) {
    part_files.push_back(dir.Write("part" + std::to_string(i) + ".log", parts[i]));
  }
  auto run = [&](const std::vector<std::string>& files, size_t threads, size_t chunk_bytes = 0) {
    LogScanOptions options;
    options.parse_threads = threads;
    options.reader.background_chunk_bytes = chunk_bytes;
    DumpSink sink;
    LogScanResult out;
    REQUIRE(forensics::StreamLogs(files, options, &sink, &out).ok());
    return sink.seen;
  };
  std::vector<std::string> want = run({big}, 4);
  REQUIRE(want.size() > 20000);
  // (Compared as bools: Catch would print both vectors.)
  CHECK((run({big}, 1) == want));
  CHECK((run({big_zst}, 1) == want));
  CHECK((run({big_zst}, 2) == want));
  // Small chunks: the decoding thread is often ahead, and then parses batches too.
  CHECK((run({big_zst}, 1, 16u << 10) == want));
  CHECK((run({big}, 2, 4u << 10) == want));
  // Per part: the lines of one part are those of the big file from the part's first line on.
  std::vector<std::string> by_parts = run(part_files, 1);
  REQUIRE(by_parts.size() == want.size());
  // file index, line, offset and order differ; the rest must not.
  auto tail = [](const std::string& s) {
    size_t cut = 0;
    for (int i = 0; i < 4; ++i) cut = s.find('|', cut) + 1;
    return s.substr(s.find('|', cut) + 1);  // after the time too: the order key may equal it
  };
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("event " << i);
    REQUIRE(tail(by_parts[i]) == tail(want[i]));
  }
}

TEST_CASE("a sink that stops a file early ends only that file", "[log_events][log_stream]") {
  TempDir dir;
  std::string a, b;
  for (int i = 0; i < 5000; ++i) {
    a += "{\"level\":\"info\",\"msg\":\"Applying block to state\",\"block_number\":" + std::to_string(i) +
         ",\"time\":\"2025-12-01T00:00:00Z\"}\n";
    b += "plain " + std::to_string(i) + "\n";
  }
  std::vector<std::string> files = {dir.Write("a.log", a), dir.Write("b.log", b)};
  struct StopAt : LogEventSink {
    uint64_t a_last = 0, b_count = 0;
    bool OnEvent(const LogEvent& e, int64_t) override {
      if (e.file_index == 0) {
        a_last = e.line;
        return e.line < 10;
      }
      ++b_count;
      return true;
    }
  } sink;
  LogScanResult out;
  REQUIRE(forensics::StreamLogs(files, {}, &sink, &out).ok());
  CHECK(sink.a_last == 10);
  CHECK(sink.b_count == 5000);
  CHECK(out.files[0].events == 10);
}

TEST_CASE("log lines that are not UTF-8 are counted and reported with line and offset, and read",
          "[log_events][log_stream]") {
  TempDir dir;
  std::string first = "{\"level\":\"info\",\"msg\":\"Applying block to state\",\"block_number\":7}\n";
  std::string bad = "{\"level\":\"error\",\"msg\":\"bad \xC3\x28 byte\",\"block_number\":8}\n";
  std::string path = dir.Write("n.log", first + bad + "plain \xFF\n" + first);
  LogScanResult out;
  REQUIRE(forensics::ScanLogs({path}, {}, &out).ok());
  CHECK(out.events.size() == 4);
  CHECK(out.files[0].invalid_utf8_lines == 2);
  REQUIRE(out.read_issues.size() == 2);
  CHECK(out.read_issue_count == 2);
  CHECK(out.read_issues[0].kind == forensics::ReadIssue::Kind::kInvalidUtf8);
  CHECK(out.read_issues[0].line == 2);
  CHECK(out.read_issues[0].offset == first.size());
  CHECK(out.read_issues[1].line == 3);
  CHECK(out.read_issues[0].file == path);
  CHECK(out.events[1].block_height == 8u);
}
