// Stopping early: a time budget or a stop request (SIGINT, SIGTERM) ends the replay at the next block
// and the log scan at the next batch, with the partial result said as such; a second signal ends the
// process at once.
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "forensics/generate.h"
#include "forensics/log_events.h"
#include "forensics/report.h"
#include "forensics/state_violation.h"
#include "util/io_fixtures.h"

using namespace forensics;
using forensics::testing::TempDir;

namespace {

std::string Slurp(const std::string& p) { return forensics::testing::ReadWholeFile(p); }

// A chain whose replay with signatures takes seconds (tens of thousands of signatures).
std::string LongChain(const TempDir& dir) {
  GenerateOptions g;
  g.out_path = dir.File("long.ndjson");
  g.blocks = 4000;
  g.accounts = 200;
  g.txs_per_block = 20;
  g.seed = 3;
  REQUIRE(GenerateChain(g).has_value());
  return g.out_path;
}

struct Outcome {
  bool exited = false;
  int status = -1;   // exit status when exited
  int signal = 0;    // the signal that ended it otherwise
  std::string out, err;
};

// Starts the CLI, sends `signals` (one after another, `gap` apart) once it has run for `after`, waits.
Outcome RunAndSignal(const std::string& args, const TempDir& dir, std::vector<int> signals,
                     std::chrono::milliseconds after, std::chrono::milliseconds gap = std::chrono::milliseconds(0)) {
  const std::string cmd =
      "exec '" FORENSICS_BINARY "' " + args + " > '" + dir.File("stdout") + "' 2> '" + dir.File("stderr") + "'";
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  Outcome o;
  if (pid < 0) return o;
  std::this_thread::sleep_for(after);
  for (size_t i = 0; i < signals.size(); ++i) {
    if (i) std::this_thread::sleep_for(gap);
    kill(pid, signals[i]);
  }
  // Never hang the suite: a run that does not stop within a minute is killed and fails the test.
  int rc = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (waitpid(pid, &rc, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &rc, 0);
      FAIL("the CLI did not stop within 60 s of the signal");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  o.exited = WIFEXITED(rc);
  o.status = o.exited ? WEXITSTATUS(rc) : -1;
  o.signal = WIFSIGNALED(rc) ? WTERMSIG(rc) : 0;
  o.out = Slurp(dir.File("stdout"));
  o.err = Slurp(dir.File("stderr"));
  return o;
}

}  // namespace

TEST_CASE("a time budget stops the replay at a block and marks the result partial", "[stop]") {
  TempDir dir;
  const std::string chain = LongChain(dir);
  StateViolationOptions o;
  o.chain_path = chain;
  o.time_budget_seconds = 0.3;
  auto r = AnalyzeStateViolation(o);
  REQUIRE(r.has_value());
  CHECK(r->partial);
  CHECK(r->stopped_by == StopReason::kTimeBudget);
  CHECK(r->verdict == Verdict::kInconclusive);
  CHECK(r->blocks_checked < 4000);
  CHECK_THAT(r->stopped_reason, Catch::Contains("time budget of 0.3 s reached"));
}

TEST_CASE("a stop request before the first block is a partial result, not unreadable input", "[stop]") {
  TempDir dir;
  const std::string chain = LongChain(dir);
  std::atomic<bool> stop{true};
  StateViolationOptions o;
  o.chain_path = chain;
  o.stop_requested = &stop;
  auto r = AnalyzeStateViolation(o);
  REQUIRE(r.has_value());
  CHECK(r->partial);
  CHECK(r->stopped_by == StopReason::kRequested);
  CHECK(r->blocks_checked == 0);
}

TEST_CASE("a time budget stops the log scan at a batch and says where", "[stop]") {
  TempDir dir;
  // 64 MiB of log lines: far more than a scan reads in no time.
  {
    std::ofstream out(dir.File("big.log"), std::ios::binary);
    const std::string line = "time=\"2026-11-02T10:00:00Z\" level=info msg=\"Block applied\" height=5\n";
    for (size_t written = 0; written < (64u << 20); written += line.size()) out << line;
  }
  LogScanOptions so;
  so.stop = StopCondition(1e-6, nullptr);
  LogScanResult res;
  REQUIRE(ScanLogs({dir.File("big.log")}, so, &res).ok());
  REQUIRE(res.stopped.has_value());
  CHECK_THAT(*res.stopped, Catch::Contains("time budget"));
  CHECK_THAT(*res.stopped, Catch::Contains("big.log near line"));
  CHECK(res.event_count < 64u * 1024 * 1024 / 60);
}

TEST_CASE("SIGINT and SIGTERM write the partial report and exit 130 and 143", "[stop]") {
  TempDir dir;
  const std::string chain = LongChain(dir);
  for (auto [sig, want] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    INFO("signal " << sig);
    const std::string out = dir.File("out" + std::to_string(sig));
    Outcome o = RunAndSignal("--issue state-violation --chain '" + chain + "' --out '" + out + "'", dir, {sig},
                             std::chrono::milliseconds(700));
    REQUIRE(o.exited);
    CHECK(o.status == want);
    CHECK_THAT(o.out, Catch::Contains("PARTIAL: analysis stopped early: stopped on request"));
    CHECK_THAT(Slurp(out + "/report.json"), Catch::Contains("\"partial\": true"));
    CHECK_THAT(Slurp(out + "/report.md"), Catch::Contains("stopped on request"));
  }
}

TEST_CASE("SIGINT stops a parity-drift analysis too with the partial report and exit 130", "[stop]") {
  TempDir dir;
  const std::string fifo = dir.File("parity.fifo");
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  // The log's writer keeps the pipe open past the signal: the CLI is still reading when it arrives.
  const std::string writer = "(head -n 40 '" FORENSICS_SAMPLES_DIR "/parity/parity.log'; sleep 2) > '" + fifo + "' &";
  REQUIRE(std::system(writer.c_str()) == 0);
  const std::string out = dir.File("out");
  Outcome o = RunAndSignal("--issue parity-drift --log '" + fifo + "' --out '" + out + "'", dir, {SIGINT},
                           std::chrono::milliseconds(700));
  REQUIRE(o.exited);
  CHECK(o.status == 130);
  CHECK_THAT(o.out, Catch::Contains("PARTIAL: analysis stopped early: stopped on request"));
  CHECK_THAT(Slurp(out + "/report.json"), Catch::Contains("\"partial\": true"));
  CHECK_THAT(Slurp(out + "/report.md"), Catch::Contains("| **Partial** |"));
}

TEST_CASE("a second SIGINT ends the run at once", "[stop]") {
  TempDir dir;
  const std::string chain = LongChain(dir);
  // A budget-free replay of a long chain; the first signal asks to stop, the second one ends it.
  Outcome o = RunAndSignal("--issue state-violation --chain '" + chain + "'", dir, {SIGINT, SIGINT},
                           std::chrono::milliseconds(500), std::chrono::milliseconds(0));
  // Both signals arrive before the replay reaches its next block, or the first one already ended it.
  if (o.exited) {
    CHECK(o.status == 130);
  } else {
    CHECK(o.signal == SIGINT);
  }
}

TEST_CASE("a time budget stops the hashing of the input too, and the report says it was not hashed whole",
          "[stop]") {
  TempDir dir;
  const std::string chain = LongChain(dir);
  const uint64_t size = std::filesystem::file_size(chain);
  REQUIRE(size > (4u << 20));

  auto whole = DescribeInput(chain);
  REQUIRE(whole.has_value());
  CHECK(whole->hashed);
  CHECK(whole->bytes == size);

  auto cut = DescribeInput(chain, StopCondition(1e-9, nullptr));
  REQUIRE(cut.has_value());
  CHECK_FALSE(cut->hashed);
  CHECK(cut->sha256.empty());
  CHECK(cut->bytes < size);

  StateViolationOptions o;
  o.chain_path = chain;
  o.time_budget_seconds = 1e-9;
  auto r = AnalyzeStateViolation(o);
  REQUIRE(r.has_value());
  CHECK(r->partial);
  REQUIRE(r->inputs.size() == 1);
  CHECK_FALSE(r->inputs[0].hashed);
  bool warned = false;
  for (const std::string& w : r->warnings) warned = warned || w.find("was not hashed whole") != std::string::npos;
  CHECK(warned);
  const std::string json = RenderStateViolationJson(*r, ReportStamp{});
  CHECK_THAT(json, Catch::Contains("\"sha256\": null"));
}
