// report.md is pasted into GitHub as an issue body: text taken from logs or chain data must not
// mention people, reference or close issues, inject HTML or break tables. Checked on md::Escape,
// md::Cell, md::Code and md::Document directly, and on real reports built from hostile logs.
// The check is GitHub's own reading: no '@' directly followed by [A-Za-z0-9], no '#' directly
// followed by a digit, no raw '<', no unescaped '|' inside a cell, no line break out of a cell.
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "forensics/generate.h"
#include "forensics/markdown.h"
#include "util/io_fixtures.h"

using forensics::testing::TempDir;
using forensics::testing::JsonString;
namespace md = forensics::md;

namespace {

// Hostile texts, each with a marker that GitHub would act on if it came through unescaped.
const std::vector<std::string>& Hostile() {
  static const std::vector<std::string> v = {
      "@octocat please look",
      "ping @org/team and @a1",
      "see #4242 and GH-4243 and org/repo#77",
      "fixes #1, closes #2, resolves: #3, Fixed #4",
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(2)>",
      "<details open><summary>x</summary>",
      "<!-- hidden --> &lt;already&gt; &#64;octocat",
      "a | b | c",
      "`code` ``double`` ```fence",
      "line one\nline two\r\n# Heading\n| x | y |\n---",
      "[link](javascript:alert(1)) ![img](http://x/y.png) <http://x>",
      "**bold** _em_ ~~strike~~ \\| escaped pipe",
      std::string("nul\0byte\x01\x1b[31m", 15),
      "\xff\xfe invalid utf-8 \xc3\x28",
      "@\xe2\x81\xa0octocat #\xe2\x81\xa0" "5 (already joined)",
  };
  return v;
}

bool HasMention(const std::string& s) { return std::regex_search(s, std::regex("@[A-Za-z0-9]")); }
bool HasIssueRef(const std::string& s) { return std::regex_search(s, std::regex("#[0-9]")); }

// Number of '|' not preceded by an odd run of backslashes.
size_t UnescapedPipes(const std::string& row) {
  size_t n = 0, backslashes = 0;
  for (char c : row) {
    if (c == '|' && backslashes % 2 == 0) ++n;
    backslashes = c == '\\' ? backslashes + 1 : 0;
  }
  return n;
}

// Safe as inline text (GitHub-compatible check on untrusted text after escaping).
void CheckInlineSafe(const std::string& escaped) {
  INFO("escaped: " << escaped);
  CHECK_FALSE(HasMention(escaped));
  CHECK_FALSE(HasIssueRef(escaped));
  CHECK(escaped.find('<') == std::string::npos);
  CHECK(escaped.find('\n') == std::string::npos);
  CHECK(escaped.find('\r') == std::string::npos);
  CHECK(escaped.find('\0') == std::string::npos);
}

// Every table in `markdown` keeps its header's column count in every row.
void CheckTables(const std::string& markdown) {
  std::stringstream ss(markdown);
  std::string line;
  size_t columns = 0;
  bool in_table = false;
  while (std::getline(ss, line)) {
    if (line.empty() || line[0] != '|') {
      in_table = false;
      continue;
    }
    if (!in_table) {
      columns = UnescapedPipes(line);
      in_table = true;
      continue;
    }
    INFO("row: " << line);
    CHECK(UnescapedPipes(line) == columns);
  }
}

// The lines of report.md that carry hostile text (they contain a marker word), checked as above;
// no hostile line break starts a heading, list or table of its own.
void CheckReport(const std::string& report, const std::vector<std::string>& markers) {
  REQUIRE_FALSE(report.empty());
  std::stringstream ss(report);
  std::string line;
  size_t hostile_lines = 0;
  while (std::getline(ss, line)) {
    bool hostile = false;
    for (const auto& m : markers) hostile = hostile || line.find(m) != std::string::npos;
    CHECK(line.rfind("# Heading", 0) == std::string::npos);
    CHECK(line.rfind("line two", 0) == std::string::npos);
    CHECK(line.rfind("| x | y |", 0) == std::string::npos);
    if (!hostile) continue;
    ++hostile_lines;
    INFO("line: " << line);
    CHECK_FALSE(HasMention(line));
    CHECK_FALSE(HasIssueRef(line));
    CHECK(line.find('<') == std::string::npos);
    CHECK(line.find("](javascript:") == std::string::npos);  // link syntax escaped: \]\(
  }
  CHECK(hostile_lines > 0);  // the hostile text did reach the report (escaped)
  CHECK(report.find("<script") == std::string::npos);
  CHECK(report.find("<img") == std::string::npos);
  CHECK(report.find("@octocat") == std::string::npos);
  CHECK(report.find("#4242") == std::string::npos);
  CHECK(report.find(std::string("\0", 1)) == std::string::npos);
  CheckTables(report);
}

std::string Slurp(const std::string& p) { return forensics::testing::ReadWholeFile(p); }

int Cli(const std::string& args) {
  int rc = std::system(("'" FORENSICS_BINARY "' " + args + " > /dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST_CASE("md::Escape and md::Cell leave no mention, issue reference, tag, line break or table break", "[report_safety]") {
  for (const std::string& h : Hostile()) {
    INFO("hostile: " << h);
    CheckInlineSafe(md::Escape(h));
    const std::string cell = md::Cell(h);
    CheckInlineSafe(cell);
    CHECK(UnescapedPipes(cell) == 0);
  }
}

TEST_CASE("md::Escape and md::Cell stay safe at every length cap", "[report_safety]") {
  const std::string h = "@a #1 <b> | `c` \\ & fixes #2 \n@octocat";
  for (size_t cap = 1; cap <= 60; ++cap) {
    INFO("cap " << cap);
    CheckInlineSafe(md::Escape(h, cap));
    const std::string cell = md::Cell(h, cap);
    CheckInlineSafe(cell);
    CHECK(UnescapedPipes(cell) == 0);
    // A trailing lone backslash would escape the table's own delimiter after the cell.
    size_t trailing = 0;
    while (trailing < cell.size() && cell[cell.size() - 1 - trailing] == '\\') ++trailing;
    CHECK(trailing % 2 == 0);
  }
}

// Found by tests/fuzz/fuzz_markdown: marks that reorder text or hide between two characters.
TEST_CASE("md::Escape replaces every bidirectional and zero-width control, keeping only its own word joiners",
          "[report_safety]") {
  const std::string fffd = "\xef\xbf\xbd";
  for (std::string c : {"\xd8\x9c",                                      // U+061C arabic letter mark
                                "\xe1\xa0\x8e",                                  // U+180E
                                "\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x80\x8d",  // U+200B..D
                                "\xe2\x80\x8e", "\xe2\x80\x8f",                 // LRM, RLM
                                "\xe2\x80\xaa", "\xe2\x80\xae",                 // LRE, RLO
                                "\xe2\x81\xa0", "\xe2\x81\xa4",                 // word joiner, invisible plus
                                "\xe2\x81\xa6", "\xe2\x81\xa9",                 // LRI, PDI
                                "\xef\xbb\xbf"}) {                                // zero-width no-break space
    INFO("control " << JsonString(c));
    CHECK(md::Escape("a" + c + "b") == "a" + fffd + "b");
  }
  // The escaper's own joiner after '@' stays; one given with the text does not.
  CHECK(md::Escape("@\xe2\x81\xa0x") == "@\xe2\x81\xa0" + fffd + "x");
  CHECK(md::Escape("caf\xc3\xa9 \xe2\x80\x94 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x80\x94 \xe2\x82\xac");  // é — € kept
}

// Found by tests/fuzz/fuzz_markdown under cmark-gfm: GitHub's autolinker takes "www." followed by
// a word joiner and a domain for a link; a joiner before the dot leaves no "www." to link.
TEST_CASE("md::Escape breaks a www. autolink before its dot", "[report_safety]") {
  const std::string wj = "\xe2\x81\xa0";
  CHECK(md::Escape("see www.example.com") == "see www" + wj + ".example.com");
  CHECK(md::Escape("WWW.x") == "WWW" + wj + ".x");
  CHECK(md::Escape("(www.x)") == "\\(www" + wj + ".x\\)");
  CHECK(md::Escape("awww.x") == "awww.x");  // not an autolink: no joiner
  CHECK(md::Escape("www.").find("www.") == std::string::npos);
}

// Found by tests/fuzz/fuzz_markdown: an overlong sequence passed through, and cmark-gfm then no
// longer took the line for a table row.
TEST_CASE("md::Escape lets through only well-formed UTF-8: no overlong form, surrogate or code point past U+10FFFF",
          "[report_safety]") {
  const std::string fffd = "\xef\xbf\xbd";
  CHECK(md::Escape("\xe0\x9c\xba") == fffd + fffd + fffd);      // U+073A in three bytes, overlong
  CHECK(md::Escape("\xf0\x80\x80\xa0") == fffd + fffd + fffd + fffd);  // overlong space
  CHECK(md::Escape("\xed\xa0\x80") == fffd + fffd + fffd);      // surrogate U+D800
  CHECK(md::Escape("\xf4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // U+110000
  CHECK(md::Escape("\xf5\x80\x80\x80") == fffd + fffd + fffd + fffd);
  // The largest of each length are kept.
  for (std::string ok : {"\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbd", "\xf0\x90\x80\x80",
                                "\xf4\x8f\xbf\xbf"})
    CHECK(md::Escape(ok) == ok);
}

TEST_CASE("md::Code keeps hostile text inside one code span", "[report_safety]") {
  for (const std::string& h : Hostile()) {
    INFO("hostile: " << h);
    const std::string code = md::Code(h);
    CHECK(code.find('\n') == std::string::npos);
    CHECK(code.find('<') == std::string::npos);
    CHECK_FALSE(HasMention(code));
    CHECK_FALSE(HasIssueRef(code));
  }
  CHECK(md::Code("3f2a9c0d11e4b7a2") == "`3f2a9c0d11e4b7a2`");
}

TEST_CASE("a document with hostile cells keeps every table row to its header's columns", "[report_safety]") {
  md::Document doc;
  doc.Text("# Report\n\n");
  std::vector<std::vector<std::string>> rows;
  for (const std::string& h : Hostile()) rows.push_back({md::Cell(h), md::Cell(h + h), md::Code(h)});
  doc.Table({"a", "b", "c"}, rows);
  const std::string out = doc.Render();
  CheckTables(out);
  CHECK(out.find("<script") == std::string::npos);
  CHECK(out.find("@octocat") == std::string::npos);
  // Also when the table is cut to fit the limit.
  const std::string small = doc.Render(600);
  CHECK(md::CharCount(small) <= 600);
  CheckTables(small);
}

TEST_CASE("hostile daemon log text reaches report.md escaped: no mention, reference, tag or table break", "[report_safety]") {
  TempDir dir;
  forensics::GenerateOptions o;
  o.out_path = dir.File("c.ndjson");
  o.logs_path = dir.File("c.log");
  o.blocks = 40;
  o.accounts = 12;
  o.txs_per_block = 3;
  o.faults.push_back({forensics::FaultKind::kInflation, 20});
  REQUIRE(forensics::GenerateChain(o).has_value());

  std::string log = Slurp(dir.File("c.log"));
  int second = 0;
  for (const std::string& h : Hostile()) {
    char time[64];
    std::snprintf(time, sizeof time, "2025-11-04T13:39:%02d.000Z", second++ % 60);
    // logrus JSON: hostile msg, error, hash, root, node and an unknown key.
    log += "{\"level\":\"error\",\"msg\":" + JsonString(h) + ",\"block_number\":20,\"block_hash\":" + JsonString(h) +
           ",\"state_root\":" + JsonString(h) + ",\"error\":" + JsonString(h) + ",\"node\":" + JsonString(h) +
           ",\"hostile_key\":" + JsonString(h) + ",\"time\":\"" + time + "\"}\n";
    log += "{\"level\":\"error\",\"msg\":\"State root mismatch\",\"block_number\":20,\"expected_root\":" + JsonString(h) +
           ",\"computed_root\":" + JsonString(h) + ",\"time\":\"" + time + "\"}\n";
  }
  // The text formats: journald short (hostile host and message) and Python (hostile logger).
  log += "Nov 04 13:39:30 @octocat<img> coinjectured[1]: fixes #4242 <script>x</script> | @octocat\n";
  log += "2025-11-04 13:39:31,000 - @octocat#4242<img> - ERROR - block 20 fixes #4242 `x` | <img src=x>\n";
  const std::string logs = dir.Write("hostile.log", log);

  const std::string out = dir.File("out");
  CHECK(Cli("--issue state-violation --chain '" + o.out_path + "' --logs '" + logs + "' --out '" + out + "'") == 1);
  CheckReport(Slurp(out + "/report.md"), {"octocat", "4242", "script", "img", "Heading", "line two", "code",
                                          "javascript", "alert"});
}

TEST_CASE("hostile parity log text reaches report.md escaped: function names, reprs and errors", "[report_safety]") {
  TempDir dir;
  std::string log;
  int second = 0;
  for (const std::string& h : Hostile()) {
    std::string one_line = h;
    for (char& c : one_line)
      if (c == '\n' || c == '\r' || c == '\0') c = ' ';
    char prefix[96];
    std::snprintf(prefix, sizeof prefix, "2025-11-04 13:40:%02d,000 - coinjecture.legacy_compat - ERROR - ",
                  second++ % 60);
    log += std::string(prefix) + "compute_header_hash: PARITY DRIFT \xe2\x9c\x97\n";
    log += "  Legacy:      " + std::string("'") + "@octocat #4242 <img src=x> | `x`" + "'\n";
    log += "  Refactored:  b'<script>@octocat #4242 |'\n";
    log += "  Legacy time: 0.50ms\n  Refactored time: 0.60ms\n";
    log += std::string(prefix) + "evil@octocat#4242<img>|fn: legacy failed: " + one_line + "\n";
    log += std::string(prefix) + "verify_signature: refactored failed (" + one_line + "), falling back to legacy\n";
    log += std::string(prefix) + "<script>@octocat: PARITY DRIFT \xe2\x9c\x97\n";
    log += "  Legacy:      True\n  Refactored:  False\n  Legacy time: 0.50ms\n  Refactored time: 0.60ms\n";
  }
  const std::string path = dir.Write("parity.log", log);
  const std::string metrics = dir.Write(
      "metrics.prom", "coinjecture_parity_drifts_total{function=\"@octocat #4242 <img> |\"} 3\n"
                      "coinjecture_parity_matches_total 10\n");
  const std::string out = dir.File("out");
  CHECK(Cli("--issue parity-drift --log '" + path + "' --metrics '" + metrics + "' --out '" + out + "'") == 1);
  CheckReport(Slurp(out + "/report.md"), {"octocat", "4242", "script", "img", "javascript", "alert"});
}
