// Inputs that are not regular files (docs/cli.md: "-" for standard input; every input may be a pipe or
// FIFO, read once, with the same answer as for the regular file): ReadablePath itself, then the CLI
// with the same chain, logs and parity inputs given as a regular file, as "-" on standard input,
// through a FIFO and through /dev/fd (a pipe), comparing the JSON reports but for the input names.
// Every CLI run is under `timeout 60`, so a hang fails the test instead of stopping the suite.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "forensics/input_spool.h"
#include "forensics/line_reader.h"
#include "util/cli_run.h"
#include "util/io_fixtures.h"

using forensics::testing::TempDir;

namespace {

using Run = forensics::testing::CliRun;  // status 124: `timeout` had to stop the CLI

std::string Slurp(const std::string& p) { return forensics::testing::ReadWholeFile(p); }

std::string Q(const std::string& s) { return "'" + s + "'"; }

// Runs `script` with bash (for <(…)); its stdout and stderr are the run's.
Run Bash(const std::string& script) { return forensics::testing::RunScript("/bin/bash", script); }

const std::string kCli = "timeout 60 " + Q(FORENSICS_BINARY);

std::string Sample(const std::string& name) { return std::string(FORENSICS_SAMPLES_DIR) + "/" + name; }

std::string BaseName(const std::string& p) {
  size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size()))
    s->replace(at, from.size(), to);
}

// The JSON report with the input names as typed (`names`, in the order the command line gives them)
// replaced by <input0>, <input1>…: in paths, in "file:line" and "store block N" sources and as log
// node names (a log's base name). The command line of the stamp is left out.
std::string Normalized(const std::string& json, const std::vector<std::string>& names) {
  std::string s;
  std::stringstream in(json);
  for (std::string line; std::getline(in, line);)
    if (line.find("\"command_line\":") == std::string::npos) s += line + "\n";
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string to = "<input" + std::to_string(i) + ">";
    ReplaceAll(&s, "\"" + names[i] + "\"", "\"" + to + "\"");
    ReplaceAll(&s, "\"" + names[i] + ":", "\"" + to + ":");
    ReplaceAll(&s, "\"" + names[i] + " ", "\"" + to + " ");
    ReplaceAll(&s, "\"node\": \"" + BaseName(names[i]) + "\"", "\"node\": \"" + to + "\"");
  }
  return s;
}

// A FIFO in `dir` named like `like`, fed with the bytes of `like` by a background writer (stopped
// after 60 s if nothing opens the FIFO); `head` limits what it writes before it closes.
struct Fifo {
  std::string path, feed;
};
Fifo MakeFifo(const TempDir& dir, const std::string& like, const std::string& head = "") {
  Fifo f;
  f.path = dir.File(BaseName(like));
  REQUIRE(::mkfifo(f.path.c_str(), 0600) == 0);
  const std::string source = head.empty() ? "cat " + Q(like) : "head -c " + head + " " + Q(like);
  f.feed = "(timeout 60 " + source + " > " + Q(f.path) + " &)";
  return f;
}

struct Same {
  std::string what;
  Run run;
  std::vector<std::string> names;
};

// Checks that every run exited like `regular` and printed the same JSON but for the input names.
void CheckSameAnswer(const Run& regular, const std::vector<std::string>& regular_names, const std::vector<Same>& runs) {
  REQUIRE(regular.status != 124);
  REQUIRE(regular.out.find("\"schema\"") != std::string::npos);
  const std::string expected = Normalized(regular.out, regular_names);
  for (const Same& s : runs) {
    INFO(s.what << "\nstderr: " << s.run.err);
    CHECK(s.run.status == regular.status);
    CHECK(Normalized(s.run.out, s.names) == expected);
  }
}

// Every 60 s, unblocks a reader stuck opening `fifo` (by opening it for writing and closing it, which
// fails at once when nobody is reading), so that a reader that would wait for a second writer fails
// the test instead of hanging it.
class FifoWatchdog {
 public:
  explicit FifoWatchdog(std::string fifo)
      : thread_([this, fifo = std::move(fifo)] {
          std::unique_lock<std::mutex> lock(mu_);
          while (!cv_.wait_for(lock, std::chrono::seconds(60), [this] { return done_; })) {
            int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd >= 0) ::close(fd);
          }
        }) {}
  ~FifoWatchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

TEST_CASE("ReadablePath returns regular files and directories as they are", "[input_spool]") {
  TempDir dir;
  const std::string file = dir.Write("a.txt", "x\n");
  CHECK(*forensics::ReadablePath(file) == file);
  CHECK(*forensics::ReadablePath(dir.File("")) == dir.File(""));
  CHECK(*forensics::ReadablePath(dir.File("missing")) == dir.File("missing"));
}

TEST_CASE("a FIFO is read once and its copy opened as often as needed", "[input_spool]") {
  TempDir dir;
  const std::string fifo = dir.File("log");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "line " + std::to_string(i) + "\n";  // several pipe buffers
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    out << text;
  });
  FifoWatchdog watchdog(fifo);
  // Two readers, one after the other, as the log passes are: both see every line, and the FIFO
  // (which has no second writer) is opened only once.
  for (int pass = 0; pass < 2; ++pass) {
    auto reader = forensics::LineReader::Open(fifo);
    REQUIRE(reader);
    forensics::Line line;
    uint64_t lines = 0;
    std::string last;
    while ((*reader)->Next(&line)) {
      ++lines;
      last = std::string(line.text);
    }
    CHECK(lines == 50000);
    CHECK(last == "line 49999");
    CHECK((*reader)->path() == fifo);
    CHECK((*reader)->file_size() == text.size());
  }
  writer.join();
  auto copy = forensics::ReadablePath(fifo);
  REQUIRE(copy);
  CHECK(*copy != fifo);
  CHECK(Slurp(*copy) == text);
  CHECK(*forensics::ReadablePath(fifo) == *copy);
}

TEST_CASE("a pipe named by /dev/fd is copied once and the copy leaves no file behind", "[input_spool]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string text(3u << 20, 'p');
  std::thread writer([&] {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  TempDir tmp;
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", tmp.File("").c_str(), 1);
  auto copy = forensics::ReadablePath("/dev/fd/" + std::to_string(fds[0]));
  if (old) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
  writer.join();
  ::close(fds[0]);
  REQUIRE(copy);
  CHECK(Slurp(*copy) == text);
  // Unlinked as soon as it was made: the temporary directory is empty.
  CHECK(std::filesystem::is_empty(tmp.File("")));
}

TEST_CASE("state-violation gives the same JSON for a chain and its log as files or on stdin or FIFOs or pipes",
          "[input_spool][cli]") {
  const std::string chain = Sample("chains/inflation-137.ndjson");
  const std::string log = Sample("chains/inflation-137.daemon.log");
  const std::string opts = " --timeline-events 8 --format json";
  const std::string sv = kCli + " --issue state-violation";
  Run regular = Bash(sv + " --chain " + Q(chain) + " --logs " + Q(log) + opts);
  CHECK(regular.status == 1);
  CHECK(regular.out.find("\"claimed_roots_matching\": 3,") != std::string::npos);  // the logs' roots are compared

  TempDir dir;
  Fifo fc = MakeFifo(dir, chain), fl = MakeFifo(dir, log);
  std::vector<Same> runs;
  runs.push_back({"--chain - (stdin)", Bash("cat " + Q(chain) + " | " + sv + " --chain - --logs " + Q(log) + opts),
                  {"-", log}});
  runs.push_back({"--chain /dev/stdin", Bash(sv + " --chain /dev/stdin --logs " + Q(log) + opts + " < <(cat " + Q(chain) + ")"),
                  {"/dev/stdin", log}});
  runs.push_back({"--logs - (stdin)", Bash("cat " + Q(log) + " | " + sv + " --chain " + Q(chain) + " --logs -" + opts),
                  {chain, "-"}});
  runs.push_back({"FIFOs", Bash(fc.feed + "; " + fl.feed + "; " + sv + " --chain " + Q(fc.path) + " --logs " + Q(fl.path) + opts),
                  {fc.path, fl.path}});
  // bash names each <(…) /dev/fd/N; the names are taken from what the report says of itself.
  Run piped = Bash(sv + " --chain <(cat " + Q(chain) + ") --logs <(cat " + Q(log) + ")" + opts);
  std::vector<std::string> piped_names;
  for (const char* key : {"\"path\": \"/dev/fd/", "\"file\": \"/dev/fd/"}) {
    size_t at = piped.out.find(key);
    REQUIRE(at != std::string::npos);
    at += std::strlen(key) - std::strlen("/dev/fd/");
    piped_names.push_back(piped.out.substr(at, piped.out.find('"', at) - at));
  }
  runs.push_back({"<(cat …) pipes", piped, piped_names});
  CheckSameAnswer(regular, {chain, log}, runs);
}

TEST_CASE("state-violation reads a zstd export the same from stdin or a FIFO or a pipe", "[input_spool][cli]") {
  const std::string chain = Sample("chains/missing-reward-60.ndjson.zst");
  const std::string sv = kCli + " --issue state-violation --format json --chain ";
  Run regular = Bash(sv + Q(chain));
  CHECK(regular.status == 1);
  TempDir dir;
  Fifo fc = MakeFifo(dir, chain);
  CheckSameAnswer(regular, {chain},
                  {{"stdin", Bash("cat " + Q(chain) + " | " + sv + "-"), {"-"}},
                   {"FIFO", Bash(fc.feed + "; " + sv + Q(fc.path)), {fc.path}},
                   {"/dev/fd/3", Bash("cat " + Q(chain) + " | " + sv + "/dev/fd/3 3<&0 </dev/null"), {"/dev/fd/3"}}});
}

TEST_CASE("parity-drift gives the same JSON for its logs and metrics and chain through FIFOs or pipes or stdin",
          "[input_spool][cli]") {
  const std::string log = Sample("parity/parity.log"), grep = Sample("parity/parity-grep.log.zst");
  const std::string chain = Sample("parity/chain.ndjson"), metrics = Sample("parity/metrics.prom");
  const std::string pd = kCli + " --issue parity-drift --format json";
  Run regular = Bash(pd + " --log " + Q(log) + " " + Q(grep) + " --chain " + Q(chain) + " --metrics " + Q(metrics));
  CHECK(regular.status == 1);
  TempDir dir;
  Fifo fl = MakeFifo(dir, log), fg = MakeFifo(dir, grep), fc = MakeFifo(dir, chain), fm = MakeFifo(dir, metrics);
  CheckSameAnswer(
      regular, {log, grep, chain, metrics},
      {{"FIFOs",
        Bash(fl.feed + "; " + fg.feed + "; " + fc.feed + "; " + fm.feed + "; " + pd + " --log " + Q(fl.path) + " " +
             Q(fg.path) + " --chain " + Q(fc.path) + " --metrics " + Q(fm.path)),
        {fl.path, fg.path, fc.path, fm.path}},
       {"pipes and stdin",
        // fd 6: the metrics, then standard input; 5: the chain; 4: the grep excerpt; 3: the log.
        Bash("cat " + Q(metrics) + " | { cat " + Q(chain) + " | { cat " + Q(grep) + " | { cat " + Q(log) + " | " + pd +
             " --log /dev/fd/3 /dev/fd/4 --chain /dev/fd/5 --metrics - 3<&0 0<&6; } 4<&0; } 5<&0; } 6<&0"),
        {"/dev/fd/3", "/dev/fd/4", "/dev/fd/5", "-"}}});
}

TEST_CASE("import reads an export from stdin as from the file", "[input_spool][cli]") {
  const std::string chain = Sample("chains/missing-reward-60.ndjson.zst");
  TempDir dir;
  Run file = Bash(kCli + " import --from " + Q(chain) + " --db " + Q(dir.File("a")));
  Run in = Bash("cat " + Q(chain) + " | " + kCli + " import --from - --db " + Q(dir.File("b")));
  REQUIRE(file.status == 0);
  CHECK(in.status == 0);
  auto counts = [](std::string s, const std::string& db) {
    ReplaceAll(&s, db, "<db>");
    return s.substr(0, s.find(" in ")) + s.substr(s.find('\n'));  // without the seconds
  };
  CHECK(counts(in.out, dir.File("b")) == counts(file.out, dir.File("a")));
  // The same report from both stores, but for the digest of the store's files, which differs between
  // any two imports (RocksDB writes its own identity and times into them).
  auto report = [&](const std::string& db) {
    std::string s, line;
    std::stringstream in(Normalized(Bash(kCli + " --issue state-violation --format json --chain " + Q(db)).out, {db}));
    while (std::getline(in, line))
      if (line.find("\"sha256\":") == std::string::npos && line.find("\"bytes\":") == std::string::npos) s += line + "\n";
    return s;
  };
  CHECK(report(dir.File("b")) == report(dir.File("a")));
  CHECK(report(dir.File("a")).find("\"verdict\": \"violation\"") != std::string::npos);
}

TEST_CASE("standard input as two inputs is a usage error", "[input_spool][cli]") {
  Run r = Bash(kCli + " --issue state-violation --chain - --logs - < /dev/null");
  CHECK(r.status == 2);
  CHECK(r.err.find("standard input") != std::string::npos);
  Run p = Bash(kCli + " --issue parity-drift --log - --metrics - < /dev/null");
  CHECK(p.status == 2);
}

TEST_CASE("a FIFO whose writer closes early ends the run with what was read and never hangs", "[input_spool][cli]") {
  const std::string chain = Sample("chains/inflation-137.ndjson");
  const std::string log = Sample("chains/inflation-137.daemon.log");
  TempDir dir;
  // The chain cut in the middle of a line: the export is damaged there, and the run says so.
  Fifo fc = MakeFifo(dir, chain, "20000");
  Run cut = Bash(fc.feed + "; " + kCli + " --issue state-violation --chain " + Q(fc.path));
  CHECK(cut.status != 124);
  CHECK((cut.status == 3 || cut.status == 4));
  CHECK(cut.err.find(fc.path) != std::string::npos);
  // A log FIFO closed at once: the timeline is empty, the analysis of the chain stands.
  Fifo fl = MakeFifo(dir, log, "0");
  Run empty_log = Bash(fl.feed + "; " + kCli + " --issue state-violation --chain " + Q(chain) + " --logs " + Q(fl.path));
  CHECK(empty_log.status == 1);
  // An empty standard input is an empty export.
  Run empty = Bash(kCli + " --issue state-violation --chain - < /dev/null");
  CHECK(empty.status == 3);
  CHECK(empty.err.find("empty export") != std::string::npos);
}

TEST_CASE("an input that cannot be copied is an error naming it", "[input_spool][cli]") {
  const std::string chain = Sample("chains/inflation-137.ndjson");
  // No temporary directory.
  Run no_dir = Bash("cat " + Q(chain) + " | TMPDIR=/nonexistent/tmp " + kCli + " --issue state-violation --chain -");
  CHECK(no_dir.status == 3);
  CHECK(no_dir.err.find("standard input (-)") != std::string::npos);
  CHECK(no_dir.err.find("/nonexistent/tmp") != std::string::npos);
  // A write error (here the file size limit; ENOSPC takes the same path) stops the copy.
  Run full = Bash("trap '' XFSZ; ulimit -f 16; cat " + Q(chain) + " | " + kCli +
                  " --issue state-violation --chain /dev/fd/3 3<&0 </dev/null");
  CHECK(full.status == 3);
  CHECK(full.err.find("/dev/fd/3") != std::string::npos);
  CHECK(full.err.find("File too large") != std::string::npos);
}
