// The command-line contract of cli.md: exit statuses, stdout formats, usage errors.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "io_fixtures.h"

namespace {

struct Output {
  int status = -1;
  std::string out, err;
};

Output Cli(const std::string& args) {
  forensics::testing::TempDir dir;
  std::string cmd = "'" FORENSICS_BINARY "' " + args + " > '" + dir.File("out") + "' 2> '" + dir.File("err") + "'";
  int rc = std::system(cmd.c_str());
  Output o;
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  o.out = slurp(dir.File("out"));
  o.err = slurp(dir.File("err"));
  return o;
}

std::string Sample(const std::string& name) { return std::string(FORENSICS_SAMPLES_DIR) + "/chains/" + name; }

}  // namespace

TEST_CASE("version and help options exit 0", "[cli]") {
  Output v = Cli("--version");
  CHECK(v.status == 0);
  CHECK(v.out.rfind("forensics ", 0) == 0);
  Output h = Cli("--help");
  CHECK(h.status == 0);
  CHECK(h.out.find("--issue state-violation") != std::string::npos);
  for (std::string cmd : {"import --help", "generate --help", "hash-backends --help"}) {
    Output c = Cli(cmd);
    CHECK(c.status == 0);
    CHECK(c.out.find("Example") + c.out.find("Usage") != 2 * std::string::npos);
  }
}

TEST_CASE("usage errors exit 2 with a message", "[cli]") {
  for (std::string args : {"--issue state-violation", "--issue nonsense --chain x", "--bogus-flag",
                           "--issue state-violation --chain x --format yaml", "generate --out /tmp/x --fault frob@3",
                           "--issue state-violation --chain x --from 9 --to 3"}) {
    Output o = Cli(args);
    INFO(args);
    CHECK(o.status == 2);
    CHECK_FALSE(o.err.empty());
    CHECK(o.out.empty());
  }
}

TEST_CASE("exit status: clean 0, violation 1, unreadable 3, inconclusive 4", "[cli]") {
  CHECK(Cli("--issue state-violation --chain " + Sample("clean-120.ndjson")).status == 0);
  CHECK(Cli("--issue state-violation --chain " + Sample("inflation-137.ndjson")).status == 1);
  CHECK(Cli("--issue state-violation --chain " + Sample("uncommitted-90.ndjson")).status == 4);
  Output missing = Cli("--issue state-violation --chain /nonexistent/chain.ndjson");
  CHECK(missing.status == 3);
  CHECK(missing.err.find("/nonexistent/chain.ndjson") != std::string::npos);
  forensics::testing::TempDir dir;
  Output garbage = Cli("--issue state-violation --chain " + dir.Write("g.ndjson", "not json\n"));
  CHECK(garbage.status == 3);
  CHECK(garbage.err.find("g.ndjson:1") != std::string::npos);
}

TEST_CASE("format json prints exactly one JSON document with the schema fields", "[cli]") {
  Output o = Cli("--issue state-violation --chain " + Sample("missing-reward-60.ndjson.zst") + " --format json");
  CHECK(o.status == 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(o.out).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["schema"]) == "coinjecture-forensics/1");
  CHECK(std::string_view(doc["verdict"]) == "violation");
  CHECK(uint64_t(doc["first_bad_block"]["height"]) == 60);
  CHECK(std::string_view(doc["first_bad_block"]["hash"]).size() == 64);
  CHECK(uint64_t(doc["reorg_target"]["height"]) == 59);
  CHECK(std::string_view(doc["reorg_target"]["command"]).rfind("coinjectured reorg --to-block ", 0) == 0);
  CHECK(doc["inputs"].get_array().size() == 1);
  CHECK(std::string_view(doc["inputs"].at(0)["sha256"]).size() == 64);
}

TEST_CASE("out DIR writes report.md and report.json and prints the gh command", "[cli]") {
  forensics::testing::TempDir dir;
  Output o = Cli("--issue state-violation --chain " + Sample("bad-signature-45.ndjson.gz") + " --out " + dir.File("r"));
  CHECK(o.status == 1);
  CHECK(o.out.find("gh issue create --title") != std::string::npos);
  CHECK(o.out.find("--label state-violation --body-file " + dir.File("r") + "/report.md") != std::string::npos);
  std::ifstream md(dir.File("r/report.md")), js(dir.File("r/report.json"));
  CHECK(md.good());
  CHECK(js.good());
}

TEST_CASE("generate writes the same bytes for the same seed and rejects bad fault heights", "[cli]") {
  forensics::testing::TempDir dir;
  CHECK(Cli("generate --out " + dir.File("a.ndjson.zst") + " --blocks 30 --seed 4 --fault inflation@9").status == 0);
  CHECK(Cli("generate --out " + dir.File("b.ndjson.zst") + " --blocks 30 --seed 4 --fault inflation@9").status == 0);
  std::ifstream a(dir.File("a.ndjson.zst"), std::ios::binary), b(dir.File("b.ndjson.zst"), std::ios::binary);
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  CHECK(sa.str() == sb.str());
  CHECK(sa.str().size() > 1000);
  CHECK(Cli("generate --out " + dir.File("c.ndjson") + " --blocks 30 --fault inflation@30").status == 2);
}

TEST_CASE("hash-backends lists the scalar backend and marks one active", "[cli]") {
  Output o = Cli("hash-backends");
  CHECK(o.status == 0);
  CHECK(o.out.find("scalar") != std::string::npos);
  CHECK(o.out.find("active") != std::string::npos);
  CHECK(Cli("--hash-backend scalar --issue state-violation --chain " + Sample("clean-120.ndjson")).status == 0);
  CHECK(Cli("--hash-backend nosuch --version").status == 2);
}
