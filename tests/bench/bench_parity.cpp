// AnalyzeParityDrift on generated shadow-mode parity logs compressed with zstd, against the zstd CLI
// in the same run: `zstd -d -c FILE > /dev/null`, then the full analysis with --chain (wall and CPU
// time, best of 2 each; on a shared machine compare the CPU column).
//
// Two cases:
//   - match-heavy: DEBUG logging, 0.5% of comparisons drift. FORENSICS_BENCH_PARITY_MB sets the
//     uncompressed size (default 300), FORENSICS_BENCH_PARITY_RUNS the number of analysis runs
//     (default 2; raise it to profile the analysis).
//   - drift-heavy, as shadow mode really is: every header drifts (legacy packs extra_data as bin),
//     1% of the drifts are subset-sum drifts, half the comparisons are verify_subset_sum matches, and
//     log_parity_report() writes its block before the first drift and its traceback after (every
//     50,000 records). Run at FORENSICS_BENCH_PARITY_DRIFTS drifts (default 636,510, the volume of
//     a 300 MB real log) and at a tenth of that, with the peak RSS of each analysis: the targets are
//     wall <= 1.5x zstd -d and a peak <= 64 MB at both sizes. FORENSICS_BENCH_PARITY_KEEP keeps
//     each log and its chain in the bench's directory, to profile the CLI on them.
#include <malloc.h>
#include <zstd.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>

#include "bench.h"
#include "forensics/line_reader.h"
#include "forensics/parity.h"
#include "forensics/parity_gen.h"

namespace forensics::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
  double wall = 1e30;  // best wall seconds
  double cpu = 1e30;   // best CPU seconds (user + system) of the process, or of the child for a command
};

double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Best of `runs`. CPU time is what to compare on a loaded machine: wall time there depends on
// how the scheduler shares the cores.
Timing Measure(const std::function<void()>& fn, int runs, bool child) {
  Timing best;
  for (int i = 0; i < runs; ++i) {
    const int who = child ? RUSAGE_CHILDREN : RUSAGE_SELF;
    double cpu0 = CpuSeconds(who);
    auto start = Clock::now();
    fn();
    best.wall = std::min(best.wall, std::chrono::duration<double>(Clock::now() - start).count());
    best.cpu = std::min(best.cpu, CpuSeconds(who) - cpu0);
  }
  return best;
}

// The zstd row, then each timing with its ratios to it.
void PrintTimings(double raw_mb, const Timing& zstd, std::initializer_list<std::pair<const char*, Timing>> rows) {
  Table table({"what", "wall s", "CPU s", "MB/s (wall)", "× zstd -d (wall)", "× zstd -d (CPU)"});
  auto row = [&](const char* what, const Timing& t) {
    table.Add({what, Fmt("%.3f", t.wall), Fmt("%.3f", t.cpu), Fmt("%.0f", raw_mb / t.wall), Fmt("%.2f", t.wall / zstd.wall),
               Fmt("%.2f", t.cpu / zstd.cpu)});
  };
  row("zstd -d -c FILE > /dev/null", zstd);
  for (const auto& [what, t] : rows) row(what, t);
  table.Print();
}

// Writes the generated log as zstd frames of ~8 MB (a rotated, appended log). False on failure.
bool WriteZstdLog(const std::string& path, std::span<const CoreV4Header> headers, const ParityGenOptions& g,
                  ParityGenSummary* sum) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string pending, out;
  auto compress = [&] {
    out.resize(ZSTD_compressBound(pending.size()));
    size_t n = ZSTD_compress2(cctx, out.data(), out.size(), pending.data(), pending.size());
    if (!ZSTD_isError(n)) std::fwrite(out.data(), 1, n, f);
    pending.clear();
  };
  Status st = GenerateParityLog(headers, g, [&](std::string_view s) {
    pending.append(s);
    if (pending.size() >= (8u << 20)) compress();
  }, sum);
  if (!pending.empty()) compress();
  ZSTD_freeCCtx(cctx);
  std::fclose(f);
  return st.ok();
}

// One drift-heavy run at `drifts` drifts. Returns false when the analysis is wrong.
bool DriftHeavy(const std::filesystem::path& dir, std::span<const CoreV4Header> headers, const std::string& chain,
                uint64_t drifts) {
  const std::string log = (dir / "shadow.log.zst").string();
  ParityGenOptions g;
  g.styles = {ParityPrefix::kPythonAsctime};
  g.other_drifts = drifts / 100;
  g.header_drifts = drifts - g.other_drifts;
  g.unexplained_drifts = 0;
  g.matches = drifts;
  g.warmup_matches = 3;
  g.fallbacks = 100;
  g.legacy_failures = 0;
  g.report_every = 50000;
  g.step_us = 5000;
  g.seed = 13;
  ParityGenSummary sum;
  auto gen_start = Clock::now();
  if (!WriteZstdLog(log, headers, g, &sum)) return false;
  double gen_s = std::chrono::duration<double>(Clock::now() - gen_start).count();
  const double raw_mb = static_cast<double>(sum.bytes) / 1048576.0;
  std::printf("  drift-heavy log: %.0f MB uncompressed, %.1f MB zstd, %llu lines, %llu drifts in %llu comparisons, "
              "%llu report block(s), %llu traceback(s) (generated in %.1f s)\n",
              raw_mb, static_cast<double>(std::filesystem::file_size(log)) / 1048576.0,
              static_cast<unsigned long long>(sum.lines), static_cast<unsigned long long>(sum.drifts),
              static_cast<unsigned long long>(sum.drifts + sum.matches), static_cast<unsigned long long>(sum.report_blocks),
              static_cast<unsigned long long>(sum.failed_reports), gen_s);
  const std::string zstd_cmd = "zstd -q -d -c '" + log + "' > /dev/null";
  int rc = std::system(zstd_cmd.c_str());  // warms the page cache
  Timing t_zstd = Measure([&] { rc |= std::system(zstd_cmd.c_str()); }, 2, true);
  ParityDriftOptions o;
  o.log_files = {log};
  o.chain_path = chain;
  bool correct = true;
  long peak_kb = 0;
  Timing t_analyze = Measure([&] {
    ResetPeakRss();
    auto r = AnalyzeParityDrift(o);
    peak_kb = std::max(peak_kb, PeakRssKb());
    correct = r.has_value() && r->drifts == sum.drifts && r->explained == sum.explained &&
              r->unexplained == sum.other && r->matches == sum.matches && r->problem_count == 0 &&
              r->report_blocks.size() == sum.report_blocks + sum.failed_reports;
  }, 2, false);
  if (rc != 0) std::printf("  (zstd CLI not available: its row is meaningless)\n");
  PrintTimings(raw_mb, t_zstd, {{"AnalyzeParityDrift (+ --chain)", t_analyze}});
  const double ratio = t_analyze.wall / t_zstd.wall;
  std::printf("  ratio AnalyzeParityDrift / zstd -d: %.2f wall (target <= 1.5: %s), %.2f CPU; peak RSS %.1f MB "
              "(target <= 64: %s)\n",
              ratio, ratio <= 1.5 ? "met" : "MISSED", t_analyze.cpu / t_zstd.cpu, static_cast<double>(peak_kb) / 1024.0,
              peak_kb > 0 && peak_kb <= 64 * 1024 ? "met" : "MISSED");
  if (std::getenv("FORENSICS_BENCH_PARITY_KEEP") != nullptr) {
    const std::string kept = (dir / ("shadow-" + std::to_string(drifts) + ".log.zst")).string();
    std::filesystem::rename(log, kept);
    std::printf("  kept %s (FORENSICS_BENCH_PARITY_KEEP)\n", kept.c_str());
  } else {
    std::filesystem::remove(log);
  }
  if (!correct) std::printf("  WRONG: the analysis did not reproduce the generated counts\n");
  return correct;
}

}  // namespace

int RunParity() {
  uint64_t mb = 300;
  if (const char* env = std::getenv("FORENSICS_BENCH_PARITY_MB")) mb = std::strtoull(env, nullptr, 10);
  int runs = 2;  // of the analysis; more make it dominate a profile
  if (const char* env = std::getenv("FORENSICS_BENCH_PARITY_RUNS")) runs = std::max(1, std::atoi(env));
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "forensics-bench-parity";
  std::filesystem::create_directories(dir);
  const std::string log = (dir / "parity.log.zst").string();
  const std::string chain = (dir / "chain.ndjson").string();

  // About 130 bytes per `parity ✓` line with the asctime prefix; 0.5% of comparisons drift.
  auto headers = SyntheticCoreV4Headers(2000, 7);
  {
    std::FILE* f = std::fopen(chain.c_str(), "wb");
    if (f == nullptr) return 1;
    std::string text = CoreV4ExportNdjson(headers);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  ParityGenOptions g;
  g.matches = (mb << 20) / 128;
  g.header_drifts = g.matches / 200;
  g.unexplained_drifts = 3;
  g.other_drifts = 10;
  g.fallbacks = 50;
  g.legacy_failures = 5;
  g.step_us = 20000;
  g.seed = 11;
  auto gen_start = Clock::now();
  ParityGenSummary sum;
  if (!WriteZstdLog(log, headers, g, &sum)) return 1;
  double gen_s = std::chrono::duration<double>(Clock::now() - gen_start).count();
  const double raw_mb = static_cast<double>(sum.bytes) / 1048576.0;
  std::printf("  log: %.0f MB uncompressed, %.1f MB zstd, %llu lines, %llu drifts (generated in %.1f s)\n", raw_mb,
              static_cast<double>(std::filesystem::file_size(log)) / 1048576.0,
              static_cast<unsigned long long>(sum.lines), static_cast<unsigned long long>(sum.drifts), gen_s);

  const std::string zstd_cmd = "zstd -q -d -c '" + log + "' > /dev/null";
  int rc = std::system(zstd_cmd.c_str());  // warms the page cache
  Timing t_zstd = Measure([&] { rc |= std::system(zstd_cmd.c_str()); }, 2, true);
  uint64_t read_lines = 0;
  Timing t_read = Measure([&] {
    auto reader = LineReader::Open(log, LineReaderOptions{.decode_in_background = true});
    Line line;
    read_lines = 0;
    if (reader)
      while ((*reader)->Next(&line)) ++read_lines;
  }, 2, false);
  ParityDriftOptions o;
  o.log_files = {log};
  o.chain_path = chain;
  bool correct = true;
  Timing t_analyze = Measure([&] {
    auto r = AnalyzeParityDrift(o);
    correct = r.has_value() && r->drifts == sum.drifts && r->explained == sum.explained &&
              r->unexplained == sum.unexplained + sum.other && r->matches == sum.matches && r->problem_count == 0;
  }, runs, false);
  if (rc != 0) std::printf("  (zstd CLI not available: its row is meaningless)\n");
  PrintTimings(raw_mb, t_zstd, {{"LineReader alone (lines only)", t_read}, {"AnalyzeParityDrift (+ --chain)", t_analyze}});
  std::printf("  ratio AnalyzeParityDrift / zstd -d: %.2f wall, %.2f CPU (the analysis decodes on a second thread)\n",
              t_analyze.wall / t_zstd.wall, t_analyze.cpu / t_zstd.cpu);
  std::filesystem::remove(log);
  if (read_lines != sum.lines) correct = false;
  if (!correct) std::printf("  WRONG: the analysis did not reproduce the generated counts\n");

  uint64_t drifts = 636510;
  if (const char* env = std::getenv("FORENSICS_BENCH_PARITY_DRIFTS")) drifts = std::strtoull(env, nullptr, 10);
  for (uint64_t n : {drifts / 10, drifts}) correct = DriftHeavy(dir, headers, chain, n) && correct;
  if (std::getenv("FORENSICS_BENCH_PARITY_KEEP") == nullptr) std::filesystem::remove_all(dir);
  return correct ? 0 : 1;
}

}  // namespace forensics::bench
