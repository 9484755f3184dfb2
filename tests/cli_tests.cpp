// The command-line contract of docs/cli.md: exit statuses, stdout formats, usage errors.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include "util/cli_run.h"
#include "forensics/chain_source.h"
#include "util/io_fixtures.h"

namespace {

using Output = forensics::testing::CliRun;

Output Cli(const std::string& args) { return forensics::testing::RunCli(args); }

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

TEST_CASE("no arguments print the usage on stderr and exit 2 and -V prints the version", "[cli]") {
  Output none = Cli("");
  CHECK(none.status == 2);
  CHECK(none.out.empty());
  CHECK_THAT(none.err, Catch::Contains("no command given") && Catch::Contains("--issue state-violation"));
  Output v = Cli("-V");
  CHECK(v.status == 0);
  CHECK(v.out.rfind("forensics ", 0) == 0);
}

TEST_CASE("the help of each issue shows its own usage and example", "[cli]") {
  for (std::string kind : {"state-violation", "parity-drift", "network-fork", "cid-quorum"}) {
    Output h = Cli("--issue " + kind + " --help");
    INFO(kind);
    CHECK(h.status == 0);
    CHECK(h.out.rfind("Usage: forensics --issue " + kind, 0) == 0);
    CHECK_THAT(h.out, Catch::Contains("Example: forensics --issue " + kind));
  }
}

TEST_CASE("a mistyped option command or issue gets a did-you-mean", "[cli]") {
  CHECK_THAT(Cli("--issue state-violation --chian x").err, Catch::Contains("did you mean '--chain'?"));
  CHECK_THAT(Cli("fingerprnt --chain x").err, Catch::Contains("did you mean 'fingerprint'?"));
  CHECK_THAT(Cli("--issue paritydrift --log x").err, Catch::Contains("did you mean 'parity-drift'?"));
  Output far = Cli("--issue zzzzzzzz --chain x");
  CHECK(far.status == 2);
  CHECK(far.err.find("did you mean") == std::string::npos);
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
  const std::string a = forensics::testing::ReadWholeFile(dir.File("a.ndjson.zst"));
  CHECK(a == forensics::testing::ReadWholeFile(dir.File("b.ndjson.zst")));
  CHECK(a.size() > 1000);
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

TEST_CASE("the front end names its flags in the library's errors", "[cli][args]") {
  const std::string pd = "--issue parity-drift --log " + std::string(FORENSICS_SAMPLES_DIR) + "/parity/parity.log ";
  const std::string sv = "--issue state-violation --chain " + Sample("clean-120.ndjson") + " ";
  const std::pair<std::string, std::string> cases[] = {
      {"generate --out /tmp/x --fault frob@3", "--fault frob@3: unknown kind 'frob'"},
      {"generate --out /tmp/x --fault inflation", "--fault inflation: expected KIND@HEIGHT"},
      {sv + "--since 2025-01-02 --until 2025-01-01", "--since is after --until"},
      {pd + "--since 2025-01-02 --until 2025-01-01", "--since is after --until"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    Output o = Cli(args);
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains(message));
  }
}

TEST_CASE("every numeric option is range-checked: exit 2 naming the option and its range", "[cli][args]") {
  forensics::testing::TempDir dir;
  const std::string gen = "generate --out " + dir.File("g.ndjson") + " ";
  const std::string sv = "--issue state-violation --chain " + Sample("clean-120.ndjson") + " ";
  const std::string pd = "--issue parity-drift --log " + std::string(FORENSICS_SAMPLES_DIR) + "/parity/parity.log ";
  const std::pair<std::string, std::string> cases[] = {
      {gen + "--blocks -5", "--blocks -5: expected a whole number from 1 to 100000000"},
      {gen + "--blocks 0", "--blocks 0: expected a whole number from 1 to 100000000"},
      {gen + "--blocks 1.5", "--blocks 1.5: expected a whole number from 1"},
      {gen + "--blocks 12abc", "--blocks 12abc: expected a whole number from 1"},
      {gen + "--blocks 18446744073709551616", "--blocks 18446744073709551616: expected a whole number"},
      {gen + "--accounts -1", "--accounts -1: expected a whole number from 1 to 10000000"},
      {gen + "--txs-per-block -3", "--txs-per-block -3: expected a whole number from 0 to 1000"},
      {gen + "--txs-per-block 1001", "--txs-per-block 1001: expected a whole number from 0 to 1000"},
      {gen + "--seed -1", "--seed -1: expected a whole number from 0 to 18446744073709551615"},
      {gen + "--snapshot-every -2", "--snapshot-every -2: expected a whole number from 0"},
      {gen + "--new-account-share 2", "--new-account-share 2: expected a number from 0 to 1"},
      {gen + "--new-account-share -0.1", "--new-account-share -0.1: expected a number from 0 to 1"},
      {gen + "--new-account-share nan", "--new-account-share nan: expected a number from 0 to 1"},
      {sv + "--from -1", "--from -1: expected a whole number from 0 to 18446744073709551615"},
      {sv + "--to -2", "--to -2: expected a whole number from 0 to 18446744073709551615"},
      {sv + "--threads -1", "--threads -1: expected a whole number from 0 to 1024"},
      {sv + "--threads 5000", "--threads 5000: expected a whole number from 0 to 1024"},
      {sv + "--later-cap -1", "--later-cap -1: expected a whole number from 0"},
      {sv + "--timeline-events -1", "--timeline-events -1: expected a whole number from 0 to 100000"},
      {sv + "--year 12", "--year 12: expected a whole number from 1970 to 9999"},
      {pd + "--year -2025", "--year -2025: expected a whole number from 1970 to 9999"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    Output o = Cli(args);
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains(message));
    CHECK(o.out.empty());
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("g.ndjson")));
}

TEST_CASE("time budget: negative, nan, inf and 0 are usage errors", "[cli][args]") {
  for (std::string budget : {"-1", "nan", "inf", "-inf", "0", "1e999"}) {
    INFO(budget);
    Output o = Cli("--issue state-violation --chain " + Sample("clean-120.ndjson") + " --time-budget " + budget);
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains("--time-budget " + budget + ": expected a finite number of seconds above 0"));
  }
  CHECK(Cli("--issue state-violation --chain " + Sample("clean-120.ndjson") + " --time-budget 600").status == 0);
}

TEST_CASE("a stray positional argument is a usage error in every command", "[cli][args]") {
  forensics::testing::TempDir dir;
  const std::string parity = std::string(FORENSICS_SAMPLES_DIR) + "/parity/parity.log";
  for (std::string args : {"generate --out " + dir.File("g.ndjson") + " --blocks 5 stray",
                           "--issue state-violation --chain " + Sample("clean-120.ndjson") + " stray",
                           "--issue parity-drift stray --log " + parity,
                           "import --db " + dir.File("db") + " stray --from " + Sample("clean-120.ndjson"),
                           std::string("--version stray")}) {
    INFO(args);
    Output o = Cli(args);
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains("unexpected argument 'stray'"));
    CHECK(o.out.empty());
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("g.ndjson")));
  CHECK_FALSE(std::filesystem::exists(dir.File("db")));
}

TEST_CASE("one option, --log or --logs, wherever log files are taken", "[cli][args]") {
  const std::string chain = Sample("inflation-137.ndjson"), daemon = Sample("inflation-137.daemon.log");
  Output logs = Cli("--issue state-violation --chain " + chain + " --logs " + daemon);
  Output log = Cli("--issue state-violation --chain " + chain + " --log " + daemon);
  CHECK(logs.status == 1);
  CHECK(log.status == 1);
  CHECK(log.err == logs.err);
  CHECK(log.out == logs.out);

  const std::string parity = std::string(FORENSICS_SAMPLES_DIR) + "/parity/parity.log";
  Output p_log = Cli("--issue parity-drift --log " + parity);
  Output p_logs = Cli("--issue parity-drift --logs " + parity);
  CHECK(p_log.status == p_logs.status);
  CHECK(p_log.out == p_logs.out);
  CHECK(p_logs.err.empty());

  forensics::testing::TempDir dir;
  CHECK(Cli("generate --out " + dir.File("a.ndjson") + " --blocks 5 --logs " + dir.File("a.log")).status == 0);
  CHECK(Cli("generate --out " + dir.File("b.ndjson") + " --blocks 5 --log " + dir.File("b.log")).status == 0);
  CHECK(forensics::testing::ReadWholeFile(dir.File("a.log")) == forensics::testing::ReadWholeFile(dir.File("b.log")));
  CHECK(Cli("generate --out " + dir.File("c.ndjson") + " --log " + dir.File("c.log") + " --logs " + dir.File("d.log"))
            .status == 2);

  Output help = Cli("--help");
  CHECK_THAT(help.out, Catch::Contains("--log and --logs are one option"));
}

TEST_CASE("generate says how many transactions it made when blocks hold fewer than asked", "[cli][args]") {
  forensics::testing::TempDir dir;
  Output o = Cli("generate --out " + dir.File("g.ndjson") + " --blocks 100 --accounts 20 --txs-per-block 50");
  REQUIRE(o.status == 0);
  // What the export holds, block by block.
  auto src = forensics::OpenExport(dir.File("g.ndjson"));
  REQUIRE(src.has_value());
  uint64_t transactions = 0, short_blocks = 0;
  forensics::ChainRecord rec;
  while (true) {
    auto more = (*src)->Next(&rec);
    REQUIRE(more.has_value());
    if (!*more) break;
    if (const auto* b = std::get_if<forensics::Block>(&rec)) {
      transactions += b->txs.size();
      if (b->header.height > 0 && b->txs.size() < 50) ++short_blocks;
    }
  }
  REQUIRE(short_blocks > 0);
  CHECK_THAT(o.out, Catch::Contains(fmt::format("100 blocks, {} transactions", transactions)));
  CHECK_THAT(o.err, Catch::Contains(fmt::format("asked for 50 transactions per block, made {} in 99 blocks above "
                                                "genesis ({:.1f} per block, {} of them short of the ask)",
                                                transactions, static_cast<double>(transactions) / 99, short_blocks)));
  CHECK_THAT(o.err, Catch::Contains("transfers held less than 10 BEANS"));

  // A fault that acts on a transaction, at a height whose block holds none.
  Output none = Cli("generate --out " + dir.File("e.ndjson") + " --blocks 10 --txs-per-block 0 --fault inflation@5");
  CHECK(none.status == 0);
  CHECK_THAT(none.err, Catch::Contains("fault inflation@5 not injected: block 5 holds no transaction"));
  // As asked: nothing to say.
  Output full = Cli("generate --out " + dir.File("f.ndjson") + " --blocks 10 --txs-per-block 3 --new-account-share 0");
  CHECK(full.status == 0);
  CHECK(full.err.empty());
}
