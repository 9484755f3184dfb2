// The bundled samples: running the CLI on each (as samples/expected/manifest.tsv says) must give its
// documented exit status and reproduce the expected report.md and report.json byte for byte.
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <vector>

#include <catch2/catch.hpp>

#include "util/io_fixtures.h"

namespace {

struct SampleRun {
  std::string name;
  int exit_status = 0;
  std::string args;
};

std::string Root() { return std::string(FORENSICS_SAMPLES_DIR) + "/.."; }

std::string Slurp(const std::string& path) { return forensics::testing::ReadWholeFile(path); }

std::vector<SampleRun> Manifest() {
  std::vector<SampleRun> runs;
  std::stringstream ss(Slurp(std::string(FORENSICS_SAMPLES_DIR) + "/expected/manifest.tsv"));
  for (std::string line; std::getline(ss, line);) {
    if (line.empty() || line[0] == '#') continue;
    SampleRun r;
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    r.name = line.substr(0, a);
    r.exit_status = std::stoi(line.substr(a + 1, b - a - 1));
    r.args = line.substr(b + 1);
    runs.push_back(r);
  }
  return runs;
}

int Run(const std::string& command) {
  int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST_CASE("every bundled sample reproduces its expected report byte for byte", "[samples]") {
  std::vector<SampleRun> runs = Manifest();
  REQUIRE(runs.size() >= 7);
  for (const SampleRun& run : runs) {
    INFO("sample " << run.name << ": forensics " << run.args);
    forensics::testing::TempDir out;
    int status = Run("cd '" + Root() + "' && '" FORENSICS_BINARY "' " + run.args + " --out '" + out.File("r") +
                     "' > /dev/null");
    CHECK(status == run.exit_status);
    const std::string expected = std::string(FORENSICS_SAMPLES_DIR) + "/expected/" + run.name;
    CHECK(Slurp(out.File("r/report.md")) == Slurp(expected + "/report.md"));
    CHECK(Slurp(out.File("r/report.json")) == Slurp(expected + "/report.json"));
    CHECK(Slurp(out.File("r/report.md")).size() <= 65536);
  }
}
