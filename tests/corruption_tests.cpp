// Damaged and hostile input through the whole CLI (docs/cli.md exit statuses): truncated and bit-flipped
// zstd/gzip exports, empty files, NUL bytes, invalid UTF-8, a 100 MB line, duplicate JSON keys,
// numbers beyond u64 or negative, blocks out of order, duplicate heights, damaged chain stores, and
// the --time-budget stop. Each case checks the message (file and line or offset), the documented
// exit status, and that --out DIR never holds a partial or temporary file.
// The library-level behaviour of the same damage is in line_reader_tests.cpp, chain_store_tests.cpp
// and state_violation_tests.cpp; this file does not repeat it.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/generate.h"
#include "util/cli_run.h"
#include "util/io_fixtures.h"

namespace fs = std::filesystem;
using forensics::testing::TempDir;

namespace {

using Run = forensics::testing::CliRun;
using forensics::testing::RunCli;

std::string Slurp(const std::string& p) { return forensics::testing::ReadWholeFile(p); }

Run Cli(const std::string& args) { return RunCli(args); }

std::string Q(const std::string& path) { return "'" + path + "'"; }

// A generated chain (and its daemon log) in `dir`: 40 blocks, an inflation at 20 when asked.
std::string MakeChain(const TempDir& dir, const std::string& name, bool inflation = false,
                      uint64_t blocks = 40, uint64_t txs_per_block = 4) {
  forensics::GenerateOptions o;
  o.out_path = dir.File(name);
  o.logs_path = dir.File(name + ".log");
  o.blocks = blocks;
  o.accounts = 12;
  o.txs_per_block = txs_per_block;
  o.seed = 11;
  if (inflation) o.faults.push_back({forensics::FaultKind::kInflation, 20});
  auto st = forensics::GenerateChain(o);
  if (!st) FAIL(st.error().ToString());
  return o.out_path;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// Replaces the first `from` in `line` by `to`; the test fails if `from` is absent.
std::string ReplaceOnce(std::string line, const std::string& from, const std::string& to) {
  size_t at = line.find(from);
  REQUIRE(at != std::string::npos);
  return line.replace(at, from.size(), to);
}

// Every file name in `dir` (empty when the directory does not exist).
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The output contract of --out DIR: no temporary files ever; no report when the run failed (exit 2
// or 3); both reports when it ran (exit 0, 1 or 4).
void CheckOutDir(const std::string& dir, int status) {
  const auto names = Listing(dir);
  for (const auto& n : names) {
    INFO("left in --out: " << n);
    CHECK(n.find(".tmp") == std::string::npos);
  }
  const bool has_md = std::count(names.begin(), names.end(), "report.md") == 1;
  const bool has_json = std::count(names.begin(), names.end(), "report.json") == 1;
  if (status == 2 || status == 3) {
    CHECK_FALSE(has_md);
    CHECK_FALSE(has_json);
  } else {
    CHECK(has_md);
    CHECK(has_json);
  }
}

// Runs state-violation on `chain` with --out, checks the output contract and returns the run.
Run StateViolation(const TempDir& dir, const std::string& chain, const std::string& extra = "") {
  const std::string out = dir.File("out");
  fs::remove_all(out);
  Run r = Cli("--issue state-violation --chain " + Q(chain) + " --out " + Q(out) + " " + extra);
  INFO("stderr: " << r.err);
  CHECK(r.status >= 0);
  CheckOutDir(out, r.status);
  return r;
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x10);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

bool HasLineRef(const std::string& err, const std::string& file_name) {
  return std::regex_search(err, std::regex(file_name + ":[0-9]+"));
}

}  // namespace

TEST_CASE("empty exports, plain or compressed, exit 3 naming the file and write no report", "[corruption]") {
  TempDir dir;
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"empty.ndjson", ""},
           {"empty.ndjson.zst", forensics::testing::ZstdFrame("")},
           {"empty.ndjson.gz", forensics::testing::GzipMember("")},
           {"blank-lines.ndjson", "\n\n\r\n"}}) {
    INFO(name);
    Run r = StateViolation(dir, dir.Write(name, bytes));
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains(name));
  }
}

TEST_CASE("a truncated zstd or gzip export exits 3 or 4 naming the file, with whole reports or none", "[corruption]") {
  TempDir dir;
  const std::string text = Slurp(MakeChain(dir, "c.ndjson"));
  // Several frames, so that a cut in a later one leaves whole earlier lines.
  std::string zst, gz;
  const auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); i += 10) {
    std::vector<std::string> part(lines.begin() + static_cast<long>(i),
                                  lines.begin() + static_cast<long>(std::min(lines.size(), i + 10)));
    zst += forensics::testing::ZstdFrame(Join(part));
    gz += forensics::testing::GzipMember(Join(part));
  }
  for (const auto& [ext, whole] : std::vector<std::pair<std::string, std::string>>{{"zst", zst}, {"gz", gz}}) {
    for (double keep : {0.0005, 0.3, 0.7, 0.999}) {
      const std::string name = "cut-" + std::to_string(static_cast<int>(keep * 1000)) + ".ndjson." + ext;
      INFO(name);
      const size_t n = std::max<size_t>(1, static_cast<size_t>(static_cast<double>(whole.size()) * keep));
      Run r = StateViolation(dir, dir.Write(name, whole.substr(0, n)));
      CHECK((r.status == 3 || r.status == 4));
      // Exit 3 says why on stderr; exit 4 lists the damage (file and byte offset) in the report.
      CHECK_THAT(r.err + r.out, Catch::Contains(name));
      if (r.status == 4) {
        // The JSON says the input was cut short.
        Run j = Cli("--issue state-violation --chain " + Q(dir.File(name)) + " --format json");
        CHECK(j.status == 4);
        CHECK_THAT(j.out, Catch::Contains("\"partial\": true") || Catch::Contains("cut short") ||
                              Catch::Contains("truncated"));
      }
    }
  }
}

TEST_CASE("a bit flip inside a zstd or gzip export is reported naming the file, never a crash", "[corruption]") {
  TempDir dir;
  const std::string text = Slurp(MakeChain(dir, "c.ndjson"));
  for (const auto& [ext, whole] : std::vector<std::pair<std::string, std::string>>{
           {"zst", forensics::testing::ZstdFrame(text)}, {"gz", forensics::testing::GzipMember(text)}}) {
    for (double at : {0.01, 0.5, 0.99}) {
      const std::string name = "flip-" + std::to_string(static_cast<int>(at * 100)) + ".ndjson." + ext;
      INFO(name);
      const std::string path = dir.Write(name, whole);
      FlipByte(path, static_cast<uint64_t>(static_cast<double>(whole.size()) * at));
      Run r = StateViolation(dir, path);
      // A flip can still decode to a valid but different line (a violation, exit 1); otherwise the
      // damage is named.
      CHECK((r.status == 1 || r.status == 3 || r.status == 4));
      if (r.status != 1) CHECK_THAT(r.err + r.out, Catch::Contains(name));
    }
  }
}

TEST_CASE("NUL bytes in an export line stop the analysis naming file and line", "[corruption]") {
  TempDir dir;
  auto lines = Lines(Slurp(MakeChain(dir, "c.ndjson")));
  SECTION("a file of NUL bytes is unreadable") {
    Run r = StateViolation(dir, dir.Write("nul.ndjson", std::string(4096, '\0')));
    CHECK(r.status == 3);
    CHECK(HasLineRef(r.err, "nul.ndjson"));
  }
  SECTION("NUL bytes inside a block line") {
    lines[6] = ReplaceOnce(lines[6], "\"hash\"", std::string("\"ha\0\0sh\"", 8));
    Run r = StateViolation(dir, dir.Write("nul-block.ndjson", Join(lines)));
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains("nul-block.ndjson:7"));
  }
  SECTION("a NUL byte inside a log line leaves the analysis unchanged") {
    std::string log = Slurp(dir.File("c.ndjson.log"));
    Run clean = StateViolation(dir, dir.File("c.ndjson"), "--logs " + Q(dir.File("c.ndjson.log")));
    log.insert(log.find("\n") + 5, std::string("\0\0\0", 3));
    const std::string bad = dir.Write("nul.log", log);
    Run r = StateViolation(dir, dir.File("c.ndjson"), "--logs " + Q(bad));
    CHECK(r.status == clean.status);
  }
}

TEST_CASE("invalid UTF-8 in an export is an error naming file and line, in a log it is tolerated", "[corruption]") {
  TempDir dir;
  auto lines = Lines(Slurp(MakeChain(dir, "c.ndjson", /*inflation=*/true)));
  SECTION("inside a JSON key of a block line") {
    lines[4] = ReplaceOnce(lines[4], "\"nonce\"", "\"non\xff\xfe" "ce\"");
    Run r = StateViolation(dir, dir.Write("utf8.ndjson", Join(lines)));
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains("utf8.ndjson:5"));
  }
  SECTION("a lone continuation byte between records") {
    lines.insert(lines.begin() + 3, "\x80\xbf");
    Run r = StateViolation(dir, dir.Write("utf8-line.ndjson", Join(lines)));
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains("utf8-line.ndjson:4"));
  }
  SECTION("in daemon log messages the violation is still found") {
    std::string log = Slurp(dir.File("c.ndjson.log"));
    log += "{\"level\":\"error\",\"msg\":\"bad \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80\",\"block_number\":20}\n";
    log += "\xfe\xff garbage \xc0\xaf\n";
    Run r = StateViolation(dir, dir.File("c.ndjson"), "--logs " + Q(dir.Write("utf8.log", log)));
    CHECK(r.status == 1);
  }
}

namespace {

// A log of the chain's daemon log plus one 100 MB line and a line after it; returns its path.
std::string HugeLog(const TempDir& dir) {
  const std::string log = dir.File("huge.log");
  std::ofstream out(log, std::ios::binary);
  out << Slurp(dir.File("c.ndjson.log"));
  out << "{\"level\":\"error\",\"msg\":\"";
  std::string chunk(1 << 20, 'A');
  for (int i = 0; i < 100; ++i) out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  out << "\"}\n";
  out << "{\"level\":\"info\",\"msg\":\"after the long line\",\"block_number\":21}\n";
  return log;
}

}  // namespace

TEST_CASE("a 100 MB log line is skipped and reported with its byte offset, the analysis completes", "[corruption][slow]") {
  TempDir dir;
  const std::string chain = MakeChain(dir, "c.ndjson", /*inflation=*/true);
  const std::string log = HugeLog(dir);
  Run r = StateViolation(dir, chain, "--logs " + Q(log));
  CHECK(r.status == 1);
  Run j = Cli("--issue state-violation --chain " + Q(chain) + " --logs " + Q(log) + " --format json");
  CHECK(j.status == 1);
  CHECK(std::regex_search(j.out, std::regex("huge\\.log at byte [0-9]+: line of [0-9]+ bytes exceeds max_line_bytes")));
}

// The log reader gives up on a line at 4 MiB (LogScanOptions::reader), so the CLI's peak RSS stays
// near its 19 MB without the line (27 MB measured with it). The peak is the CLI's own (cli_run.h),
// the same whether this case runs alone or after every other one in this binary.
TEST_CASE("a 100 MB log line costs the CLI less memory than the line itself", "[corruption][slow]") {
  TempDir dir;
  const std::string chain = MakeChain(dir, "c.ndjson", /*inflation=*/true);
  const std::string log = HugeLog(dir);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's shadow memory and quarantine make RSS meaningless here, and LeakSanitizer
  // cannot stop a traced process to look for leaks.
  Run r = Cli("--issue state-violation --chain " + Q(chain) + " --logs " + Q(log));
  CHECK(r.status == 1);
  WARN("peak RSS not measured under AddressSanitizer");
#else
  Run r = RunCli("--issue state-violation --chain " + Q(chain) + " --logs " + Q(log), /*measure_peak=*/true);
  CHECK(r.status == 1);
  const long peak_mb = r.peak_rss_kb / 1024;
  INFO("peak RSS of the CLI: " << peak_mb << " MB");
  REQUIRE(r.peak_rss_kb > 0);
  CHECK(peak_mb < 40);
#endif
}

TEST_CASE("a 100 MB export line is an error naming file and line, the export reader keeps going or stops cleanly",
          "[corruption][slow]") {
  TempDir dir;
  auto lines = Lines(Slurp(MakeChain(dir, "c.ndjson")));
  const std::string path = dir.File("huge.ndjson");
  {
    std::ofstream out(path, std::ios::binary);
    for (size_t i = 0; i < 5; ++i) out << lines[i] << "\n";
    std::string chunk(1 << 20, ' ');
    out << "{\"record\":\"block\",";
    for (int i = 0; i < 100; ++i) out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    out << "}\n";
    for (size_t i = 5; i < lines.size(); ++i) out << lines[i] << "\n";
  }
  SECTION("through the CLI") {
    Run r = StateViolation(dir, path);
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains("huge.ndjson:6"));
  }
  SECTION("with a 1 MiB line limit the line is not buffered") {
    forensics::ExportReaderOptions options;
    options.max_line_bytes = 1u << 20;
    auto src = forensics::OpenExport(path, options);
    REQUIRE(src.has_value());
    forensics::ChainRecord rec;
    std::string error;
    for (int i = 0; i < 100; ++i) {
      auto more = (*src)->Next(&rec);
      if (!more) {
        error = more.error().ToString();
        break;
      }
      if (!*more) break;
    }
    bool named = error.find("huge.ndjson:6") != std::string::npos;
    for (const auto& issue : (*src)->read_issues()) {
      if (issue.kind == forensics::ReadIssue::Kind::kLineTooLong && issue.line == 6) named = true;
    }
    INFO("error: " << error);
    CHECK(named);
  }
}

TEST_CASE("duplicate JSON keys are errors naming file, line and field", "[corruption]") {
  TempDir dir;
  auto lines = Lines(Slurp(MakeChain(dir, "c.ndjson")));
  SECTION("in a block") {
    lines[5] = ReplaceOnce(lines[5], "\"height\":4,", "\"height\":4,\"height\":5,");
    Run r = StateViolation(dir, dir.Write("dup-height.ndjson", Join(lines)));
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains("dup-height.ndjson:6") && Catch::Contains("height"));
  }
  SECTION("in a transaction") {
    lines[5] = ReplaceOnce(lines[5], "\"amount\":", "\"amount\":1,\"amount\":");
    Run r = StateViolation(dir, dir.Write("dup-amount.ndjson", Join(lines)));
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains("dup-amount.ndjson:6") && Catch::Contains("amount"));
  }
  SECTION("in the chain line") {
    lines[0] = ReplaceOnce(lines[0], "\"profile\":\"neta\"", "\"profile\":\"neta\",\"profile\":\"core-v4\"");
    Run r = StateViolation(dir, dir.Write("dup-profile.ndjson", Join(lines)));
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("dup-profile.ndjson:1") && Catch::Contains("profile"));
  }
}

TEST_CASE("numbers beyond u64 or negative are errors naming file, line and field", "[corruption]") {
  TempDir dir;
  const auto lines = Lines(Slurp(MakeChain(dir, "c.ndjson")));
  struct Case {
    std::string from, to, field;
  };
  const std::vector<Case> cases = {
      {"\"gas_limit\":30000000", "\"gas_limit\":18446744073709551616", "gas_limit"},
      {"\"gas_limit\":30000000", "\"gas_limit\":-1", "gas_limit"},
      {"\"height\":4", "\"height\":-4", "height"},
      {"\"height\":4", "\"height\":99999999999999999999999999", "height"},
      {"\"amount\":", "\"amount\":-", "amount"},
      {"\"gas_price\":", "\"gas_price\":1e30,\"x\":", "gas_price"},
      {"\"timestamp\":", "\"timestamp\":9223372036854775808,\"y\":", "timestamp"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    INFO(c.to);
    auto bad = lines;
    bad[5] = ReplaceOnce(bad[5], c.from, c.to);
    const std::string name = "num-" + std::to_string(i) + ".ndjson";
    Run r = StateViolation(dir, dir.Write(name, Join(bad)));
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains(name + ":6") && Catch::Contains(c.field));
  }
}

TEST_CASE("blocks out of order and duplicate heights stop the analysis naming file and line", "[corruption]") {
  TempDir dir;
  const auto lines = Lines(Slurp(MakeChain(dir, "c.ndjson")));
  SECTION("two blocks swapped") {
    auto bad = lines;
    std::swap(bad[5], bad[6]);
    Run r = StateViolation(dir, dir.Write("swapped.ndjson", Join(bad)));
    // The block that came early breaks the parent link (a violation) before the order check stops.
    CHECK((r.status == 1 || r.status == 4));
    CHECK_THAT(r.err, Catch::Contains("swapped.ndjson:7") && Catch::Contains("height order"));
  }
  SECTION("a block repeated") {
    auto bad = lines;
    bad.insert(bad.begin() + 6, lines[5]);
    Run r = StateViolation(dir, dir.Write("repeated.ndjson", Join(bad)));
    CHECK(r.status == 4);
    CHECK_THAT(r.err, Catch::Contains("repeated.ndjson:7") && Catch::Contains("duplicates"));
  }
}

TEST_CASE("a damaged chain store exits 3 naming the store and writes no report", "[corruption]") {
  TempDir dir;
  const std::string chain = MakeChain(dir, "c.ndjson", false, 200);
  const std::string db = dir.File("db");
  Run imp = Cli("import --from " + Q(chain) + " --db " + Q(db));
  REQUIRE(imp.status == 0);
  auto files_ending = [&](const std::string& suffix) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(db)) {
      const std::string p = e.path().string();
      if (p.size() >= suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) out.push_back(p);
    }
    return out;
  };
  SECTION("CURRENT removed") {
    fs::remove(db + "/CURRENT");
    Run r = StateViolation(dir, db);
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains(db));
  }
  SECTION("every SST cut to half") {
    auto ssts = files_ending(".sst");
    REQUIRE_FALSE(ssts.empty());
    for (const auto& s : ssts) fs::resize_file(s, fs::file_size(s) / 2);
    Run r = StateViolation(dir, db);
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains(db));
  }
  SECTION("the MANIFEST overwritten with zeros") {
    for (const auto& e : fs::directory_iterator(db)) {
      if (e.path().filename().string().rfind("MANIFEST-", 0) != 0) continue;
      const auto size = fs::file_size(e.path());
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << std::string(size, '\0');
    }
    Run r = StateViolation(dir, db);
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains(db));
  }
}

TEST_CASE("a usage error or an unreadable input leaves an existing --out directory without reports", "[corruption]") {
  TempDir dir;
  const std::string out = dir.File("out");
  fs::create_directories(out);
  Run usage = Cli("--issue state-violation --chain " + Q(dir.File("missing.ndjson")) + " --format yaml --out " + Q(out));
  CHECK(usage.status == 2);
  CheckOutDir(out, 2);
  Run missing = Cli("--issue state-violation --chain " + Q(dir.File("missing.ndjson")) + " --out " + Q(out));
  CHECK(missing.status == 3);
  CHECK_THAT(missing.err, Catch::Contains("missing.ndjson"));
  CheckOutDir(out, 3);
  Run parity = Cli("--issue parity-drift --log " + Q(dir.File("missing.log")) + " --out " + Q(out));
  CHECK(parity.status == 3);
  CheckOutDir(out, 3);
}

TEST_CASE("a time budget stops a large chain cleanly with partial results and exit 4", "[corruption][time_budget]") {
  TempDir dir;
  // The budget is checked after each batch of 256 blocks. The first batch alone (2,560 signatures to
  // verify) takes far longer than 0.01 s on any machine, so the replay stops after it, 7 batches
  // short of the end, however fast the replay is (0.5 s used to be enough, until it was not).
  const std::string chain = MakeChain(dir, "big.ndjson", false, /*blocks=*/2000, /*txs_per_block=*/10);
  Run j = Cli("--issue state-violation --chain " + Q(chain) + " --time-budget 0.01 --format json");
  INFO(j.err);
  CHECK(j.status == 4);
  CHECK_THAT(j.out, Catch::Contains("\"partial\": true"));
  CHECK_THAT(j.out, Catch::Contains("time budget"));
  CHECK_THAT(j.err, Catch::Contains("time budget"));
  Run r = StateViolation(dir, chain, "--time-budget 0.01");
  CHECK(r.status == 4);
}

// Found by tests/fuzz/fuzz_msgpack_header: a non-minimal msgpack integer (cc 02 for 2) inside the
// extra_data array decoded, and re-encoding did not give the input bytes back (the header's hash is
// over the bytes). The strict decoder now rejects non-minimal forms.
TEST_CASE("a header with a non-minimal msgpack integer is rejected or re-encodes to the same bytes",
          "[corruption][codec]") {
  forensics::CoreV4Header h;
  h.block_index = 137;
  h.extra_data = "\x02";
  std::string bytes = forensics::EncodeCoreV4Header(h);
  REQUIRE(bytes.substr(bytes.size() - 2) == std::string("\x91\x02", 2));
  bytes.insert(bytes.size() - 1, "\xcc");  // extra_data: [cc 02] instead of [02]
  auto decoded = forensics::DecodeCoreV4Header(bytes);
  if (decoded.has_value()) CHECK(forensics::EncodeCoreV4Header(*decoded) == bytes);
  CHECK_FALSE(decoded.has_value());
}
