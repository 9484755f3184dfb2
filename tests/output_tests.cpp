// What the tool writes: standard output and error safe for a terminal whatever the inputs hold,
// the --out directory checked before the work and replaced as one pair, and failed writes said and
// given a documented exit status.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "forensics/generate.h"
#include "forensics/markdown.h"
#include "forensics/report_dir.h"
#include "forensics/terminal_text.h"
#include "util/io_fixtures.h"

using forensics::testing::TempDir;
using forensics::testing::JsonString;
namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string out, err;
};

std::string Slurp(const std::string& p) { return forensics::testing::ReadWholeFile(p); }

// Runs the CLI with `args`; `redirect` replaces the capture of stdout (e.g. "> /dev/full").
Run Cli(const std::string& args, const std::string& redirect = "") {
  TempDir dir;
  const std::string out = redirect.empty() ? "> '" + dir.File("out") + "'" : redirect;
  int rc = std::system(("'" FORENSICS_BINARY "' " + args + " " + out + " 2> '" + dir.File("err") + "'").c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Slurp(dir.File("out")), Slurp(dir.File("err"))};
}

// Every terminal control a hostile log carried in #17.
constexpr char kHostileText[] = "title\x1b]0;forensics: CLEAN\x07 clear\x1b[2J clip\x1b]52;c;ZWNobw==\x07 "
                                "link\x1b]8;;http://x\x07 hide\x1b[8m c1\xc2\x9b" "31m raw\x9b" "32m "
                                "rlo\xe2\x80\xae lri\xe2\x81\xa6 nul";
const std::string kHostile = std::string(kHostileText, sizeof kHostileText - 1) + std::string("\0", 1) + " del\x7f end";

void CheckTerminalSafe(const std::string& s) {
  INFO("text: " << forensics::TerminalSafe(s));
  CHECK(s.find('\x1b') == std::string::npos);
  CHECK(s.find('\x07') == std::string::npos);
  CHECK(s.find('\0') == std::string::npos);
  CHECK(s.find('\x7f') == std::string::npos);
  CHECK(s.find("\xc2\x9b") == std::string::npos);
  CHECK(s.find('\x9b') == std::string::npos);
  CHECK(s.find("\xe2\x80\xae") == std::string::npos);
  CHECK(s.find("\xe2\x81\xa6") == std::string::npos);
}

// A chain with a violation at 20 and its daemon log.
struct Incident {
  TempDir dir;
  std::string chain, log;
  Incident() {
    forensics::GenerateOptions o;
    o.out_path = chain = dir.File("c.ndjson");
    o.logs_path = log = dir.File("c.log");
    o.blocks = 40;
    o.accounts = 12;
    o.txs_per_block = 3;
    o.faults.push_back({forensics::FaultKind::kInflation, 20});
    REQUIRE(forensics::GenerateChain(o).has_value());
  }
  std::string Args() const { return "--issue state-violation --chain '" + chain + "'"; }
};

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("TerminalSafe shows every control, C1, bidi and invalid byte as a visible escape", "[output]") {
  const std::string safe = forensics::TerminalSafe(kHostile);
  CheckTerminalSafe(safe);
  CHECK(safe.find("\\x1b]0;forensics: CLEAN\\x07") != std::string::npos);
  CHECK(safe.find("c1\\u009b31m raw\\x9b32m") != std::string::npos);
  CHECK(safe.find("rlo\\u202e lri\\u2066") != std::string::npos);
  CHECK(safe.find("\\x00 del\\x7f end") != std::string::npos);
  CHECK(forensics::TerminalSafe("tab\tnewline\n é ✓ \xe2\x81\xa0") == "tab\tnewline\n é ✓ \xe2\x81\xa0");
  CHECK(forensics::TerminalSafe("overlong \xc0\xaf surrogate \xed\xa0\x80") ==
        "overlong \\xc0\\xaf surrogate \\xed\\xa0\\x80");
  const std::string json = forensics::TerminalSafeJson("{\"a\":\"x\xc2\x9b\xe2\x80\xae\xe2\x80\xa8\x7f\xc3\xa9\"}");
  CHECK(json == "{\"a\":\"x\\u009b\\u202e\\u2028\\u007f\xc3\xa9\"}");
}

TEST_CASE("a hostile daemon log reaches stdout and stderr with no terminal control, and JSON stays valid", "[output]") {
  Incident inc;
  std::string log = Slurp(inc.log);
  log += "{\"level\":\"error\",\"msg\":" + JsonString(kHostile) + ",\"block_number\":20,\"error\":" +
         JsonString(kHostile) + ",\"time\":\"2025-11-04T13:39:01.000Z\"}\n";
  log += "Nov 04 13:39:02 node coinjectured[1]: block 20 " + kHostile + "\n";
  log += "not a log line " + kHostile + "\n";
  const std::string logs = inc.dir.Write("hostile" + std::string("\x1b[2J\xe2\x80\xae") + ".log", log);
  const std::string args = inc.Args() + " --logs '" + logs + "' --timeline-events 200";

  Run text = Cli(args + " --out '" + inc.dir.File("out") + "'");
  CHECK(text.status == 1);
  CHECK(text.out.find("title") != std::string::npos);  // the hostile line is in the timeline
  CheckTerminalSafe(text.out);
  CheckTerminalSafe(text.err);

  Run md = Cli(args + " --format markdown");
  CHECK(md.status == 1);
  CheckTerminalSafe(md.out);

  // A missing file named with controls: the error message quotes the path.
  Run missing = Cli(inc.Args() + " --logs '" + inc.dir.File("gone\x1b]0;x\x07\xe2\x80\xae.log") + "'");
  CHECK(missing.err.find("gone") != std::string::npos);
  CheckTerminalSafe(missing.err);

  Run json = Cli(args + " --format json");
  CHECK(json.status == 1);
  CheckTerminalSafe(json.out);
  CHECK(json.out.find("\xe2\x80\xa8") == std::string::npos);
  CHECK(json.out.find("\\u202e") != std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  CHECK(parser.parse(json.out).get(doc) == simdjson::SUCCESS);
  CheckTerminalSafe(Slurp(inc.dir.File("out/report.json")));
}

TEST_CASE("md::Escape leaves no www autolink, bidi control, zero-width space or line separator", "[output]") {
  const std::string e = forensics::md::Escape(
      "see www.evil.example/phish or WWW.x.y, rlo\xe2\x80\xae" "x lri\xe2\x81\xa6 zw\xe2\x80\x8b ls\xe2\x80\xa8 "
      "ps\xe2\x80\xa9 c1\xc2\x9b a.www.b");
  INFO(e);
  CHECK(e.find("www.e") == std::string::npos);
  CHECK(e.find("WWW.x") == std::string::npos);
  for (const char* bad : {"\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8b", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xc2\x9b"})
    CHECK(e.find(bad) == std::string::npos);
}

TEST_CASE("out DIR is checked before the work: inside the store, under a file, or not writable is exit 2", "[output]") {
  Incident inc;
  const std::string store = inc.dir.File("store");
  REQUIRE(Cli("import --from '" + inc.chain + "' --db '" + store + "'").status == 0);
  for (const std::string& out : {store, store + "/", store + "/reports", store + "/../store/x/y"}) {
    INFO("--out " << out);
    Run r = Cli("--issue state-violation --chain '" + store + "' --out '" + out + "'");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("the input") != std::string::npos);
    CHECK_FALSE(fs::exists(store + "/reports"));
    CHECK_FALSE(fs::exists(store + "/report.md"));
  }
  const std::string file = inc.dir.Write("a-file", "x");
  Run r = Cli(inc.Args() + " --out '" + file + "/out'");
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("not a directory") != std::string::npos);
  // A sibling of the store is fine.
  CHECK(Cli("--issue state-violation --chain '" + store + "' --out '" + store + "-reports'").status == 1);
}

TEST_CASE("symlinks planted at old and guessable temporary names are never followed", "[output]") {
  Incident inc;
  const std::string out = inc.dir.File("out");
  fs::create_directories(out);
  const std::string target = inc.dir.Write("precious", "precious bytes");
  const int pid = static_cast<int>(::getpid());
  for (int p = pid; p < pid + 2000; ++p)
    for (const char* n : {".report.md.tmp-", ".report.json.tmp-"})
      fs::create_symlink(target, out + "/" + n + std::to_string(p));
  for (const char* n : {".report.tmp-aaaaaa", ".report-aaaaaa", ".report-XXXXXX", ".report.md", ".report.json"})
    fs::create_symlink(target, out + "/" + n);
  for (int i = 0; i < 3; ++i) {
    Run r = Cli(inc.Args() + " --out '" + out + "'");
    CHECK(r.status == 1);
    INFO(r.err);
    CHECK(Slurp(target) == "precious bytes");
    CHECK(Slurp(out + "/report.md").find("violation") != std::string::npos);
  }
  // Our own stale names were removed; the planted links other than those are left alone.
  for (const auto& n : Listing(out)) {
    INFO(n);
    CHECK(n.find(".tmp") == std::string::npos);
  }
}

TEST_CASE("WriteReportFiles: a failure or a crash at any step leaves the previous pair whole and matching", "[output]") {
  for (bool crash : {false, true}) {
    for (bool first : {false, true}) {
      for (int step = 1; step <= 40; ++step) {
        INFO("crash " << crash << ", first run " << first << ", failing step " << step);
        TempDir dir;
        const std::string out = dir.File("out");
        if (!first) REQUIRE(forensics::WriteReportFiles(out, {{"report.md", "md A"}, {"report.json", "json A"}}).ok());
        forensics::ReportWriteFaults faults;
        faults.crash = crash;
        faults.inject = [step](int n) { return n == step ? ENOSPC : 0; };
        forensics::Status s =
            forensics::WriteReportFiles(out, {{"report.md", "md B"}, {"report.json", "json B"}}, faults);
        const std::string md = Slurp(out + "/report.md"), json = Slurp(out + "/report.json");
        if (s.ok()) {
          CHECK(md == "md B");
          CHECK(json == "json B");
        } else {
          CHECK(s.message().find("No space left on device") != std::string::npos);
          // Failing after the switch (syncing DIR) leaves the new pair; before it, the previous one.
          const bool previous = md == (first ? "" : "md A") && json == (first ? "" : "json A");
          const bool next = md == "md B" && json == "json B";
          CHECK((previous || next));
        }
        // The next run cleans what was left, whatever it was.
        REQUIRE(forensics::WriteReportFiles(out, {{"report.md", "md C"}, {"report.json", "json C"}}).ok());
        CHECK(Slurp(out + "/report.md") == "md C");
        CHECK(Slurp(out + "/report.json") == "json C");
        const auto names = Listing(out);
        CHECK(names.size() == 4);  // .report, .report-XXXXXX, report.json, report.md
        for (const auto& n : names) CHECK(n.find(".tmp") == std::string::npos);
      }
    }
  }
}

TEST_CASE("a report that cannot be written still prints the verdict, says why, and exits with the verdict", "[output]") {
  Incident inc;
  const std::string out = inc.dir.File("out");
  fs::create_directories(out + "/.report/occupied");  // not ours: the switch cannot rename over it
  Run r = Cli(inc.Args() + " --out '" + out + "'");
  CHECK(r.status == 1);
  CHECK(r.out.find("VIOLATION") != std::string::npos);
  CHECK(r.out.find("report written") == std::string::npos);
  CHECK(r.err.find("the report was not written") != std::string::npos);
  CHECK(r.err.find("Is a directory") != std::string::npos);
  CHECK(fs::exists(out + "/.report/occupied"));
  CHECK_FALSE(fs::exists(out + "/report.md"));
}

TEST_CASE("standard output that cannot be written: a message on stderr and exit 3, never an abort", "[output]") {
  Incident inc;
  for (const char* format : {"json", "text", "markdown"}) {
    INFO("--format " << format);
    Run full = Cli(inc.Args() + " --format " + std::string(format), "> /dev/full");
    CHECK(full.status == 3);
    CHECK(full.err.find("forensics: cannot write to standard output: No space left on device") != std::string::npos);
    Run closed = Cli(inc.Args() + " --format " + std::string(format), ">&-");
    CHECK(closed.status == 3);
    CHECK(closed.err.find("forensics: cannot write to standard output: Bad file descriptor") != std::string::npos);
  }
  // A reader that stops early: no signal death, no message, exit 3.
  TempDir dir;
  const std::string cmd = "set -o pipefail 2>/dev/null; '" FORENSICS_BINARY "' " + inc.Args() +
                          " --timeline-events 100000 --logs '" + inc.log + "' --format json 2> '" + dir.File("err") +
                          "' | head -c 1 > /dev/null; echo $? > '" + dir.File("rc") + "'";
  REQUIRE(std::system(("bash -c \"" + cmd + "\"").c_str()) == 0);
  CHECK(Slurp(dir.File("rc")) != "141\n");
  CHECK(Slurp(dir.File("rc")) != "134\n");
  CHECK(Slurp(dir.File("err")).find("terminate") == std::string::npos);
}
