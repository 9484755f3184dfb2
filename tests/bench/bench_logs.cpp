// Scanning a synthetic coinjectured logrus log compressed with zstd, against the zstd CLI in the
// same run: `zstd -d -c FILE > /dev/null`, `zstdcat FILE | grep -c PATTERN`, then StreamLogs (every
// line parsed into a typed event, counted), a one-hour --since/--until window, ScanLogsAround (the
// timeline --logs puts in a report) and ScanLogs keeping every event (wall time, best of 3 except
// the last). Target (issue "Logs: read every container…"): the scan within 1.25× of `zstd -d -c`,
// using both cores. FORENSICS_BENCH_LOG_MB sets the uncompressed size (default 300).
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench.h"
#include "forensics/log_events.h"

namespace forensics::bench {
namespace {

using Clock = std::chrono::steady_clock;

double WallSeconds(const std::function<void()>& fn, int runs = 3) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

class LogGenerator {
 public:
  explicit LogGenerator(uint64_t seed) : rng_(seed) {}

  // Appends the lines of one block (5-8 lines) to *out.
  void Block(uint64_t height, std::string* out) {
    std::string hash = Hex16();
    std::string root = Hex16();
    int txs = static_cast<int>(rng_() % 40);
    Line(out, "info", "Applying block to state",
         "\"block_number\":" + std::to_string(height) + ",\"block_hash\":\"" + hash +
             "\",\"tx_count\":" + std::to_string(txs));
    if (rng_() % 8 == 0) {
      Line(out, "warning", "Failed to apply transaction",
           "\"error\":\"insufficient balance: have 10, need 25\",\"tx_hash\":\"" + Hex16() +
               "\",\"tx_index\":" + std::to_string(rng_() % 40));
    }
    Line(out, "info", "Distributing block rewards",
         "\"block_height\":" + std::to_string(height) + ",\"validator\":\"0x" + Hex16() + Hex16() +
             "\",\"validator_reward\":\"4500000000\",\"burn_amount\":\"250000000\","
             "\"treasury_amount\":\"250000000\"");
    Line(out, "info", "Block reward distributed",
         "\"block_height\":" + std::to_string(height) + ",\"validator\":\"0x" + Hex16() + Hex16() +
             "\",\"base_reward\":\"5000000000\",\"validator_reward\":\"4500000000\","
             "\"fees_collected\":" + std::to_string(rng_() % 100000) +
             ",\"burned\":\"250000000\",\"treasury\":\"250000000\",\"current_supply\":\"" +
             std::to_string(1000000000000ULL + height * 5000000000ULL) + "\"");
    Line(out, "info", "Block applied successfully",
         "\"block_number\":" + std::to_string(height) + ",\"state_root\":\"" + root + "\"");
    if (rng_() % 4 == 0) {
      Line(out, "debug", "Peer message received",
           "\"peer\":\"12D3KooW" + Hex16() + "\",\"type\":\"block_announce\",\"size\":" +
               std::to_string(rng_() % 5000));
    }
    if (height % 3 == 0) {
      Line(out, "info", "New block produced",
           "\"block_number\":" + std::to_string(height) + ",\"block_hash\":\"" + hash +
               "\",\"tx_count\":" + std::to_string(txs) + ",\"gas_used\":" +
               std::to_string(txs * 21000) + ",\"fees\":" + std::to_string(txs * 1000) +
               ",\"state_root\":\"" + root + "\"");
    }
    time_ms_ += 2000 + rng_() % 1000;
  }

 private:
  std::string Hex16() {
    static const char kHex[] = "0123456789abcdef";
    uint64_t v = rng_();
    std::string s(16, '0');
    for (int i = 0; i < 16; ++i) s[i] = kHex[(v >> (4 * i)) & 15];
    return s;
  }
  void Line(std::string* out, const char* level, const char* msg, const std::string& fields) {
    time_ms_ += rng_() % 7;
    int64_t secs = static_cast<int64_t>(time_ms_ / 1000);
    char ts[40];
    // 2025-11-04 00:00:00 UTC + secs (under 26 days), the logrus layout with milliseconds.
    int64_t days = secs / 86400, rem = secs % 86400;  // from 2025-11-04T00:00:00Z
    std::snprintf(ts, sizeof(ts), "2025-11-%02d", static_cast<int>(4 + days % 26));
    char full[64];
    std::snprintf(full, sizeof(full), "%sT%02d:%02d:%02d.%03dZ", ts, static_cast<int>(rem / 3600),
                  static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60),
                  static_cast<int>(time_ms_ % 1000));
    out->append("{\"level\":\"").append(level).append("\",\"msg\":\"").append(msg).append("\",");
    out->append(fields).append(",\"time\":\"").append(full).append("\"}\n");
  }

  std::mt19937_64 rng_;
  uint64_t time_ms_ = 0;
};

// Writes about `bytes` of log, compressed as zstd frames of ~8 MB (a rotated, appended log).
// Returns the uncompressed size and sets *lines.
uint64_t WriteLog(const std::string& path, uint64_t bytes, uint64_t* lines) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 2);  // ignored if libzstd lacks threads
  LogGenerator gen(42);
  std::string text, out(ZSTD_compressBound(9u << 20), '\0');
  uint64_t total = 0, height = 1;
  *lines = 0;
  while (total < bytes) {
    text.clear();
    while (text.size() < (8u << 20)) gen.Block(height++, &text);
    for (char c : text) *lines += c == '\n';
    size_t n = ZSTD_compress2(cctx, out.data(), out.size(), text.data(), text.size());
    if (ZSTD_isError(n)) break;
    std::fwrite(out.data(), 1, n, f);
    total += text.size();
  }
  ZSTD_freeCCtx(cctx);
  std::fclose(f);
  return total;
}

}  // namespace

int RunLogs() {
  uint64_t mb = 300;
  if (const char* env = std::getenv("FORENSICS_BENCH_LOG_MB")) mb = std::strtoull(env, nullptr, 10);
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "forensics-bench-logs";
  std::filesystem::create_directories(dir);
  std::string path = (dir / "coinjectured.log.zst").string();
  uint64_t lines = 0;
  auto gen_start = Clock::now();
  uint64_t raw = WriteLog(path, mb << 20, &lines);
  double gen_s = std::chrono::duration<double>(Clock::now() - gen_start).count();
  uint64_t compressed = std::filesystem::file_size(path);
  std::printf("  log: %.0f MB uncompressed, %.1f MB zstd, %llu lines (generated in %.1f s)\n",
              raw / 1048576.0, compressed / 1048576.0, static_cast<unsigned long long>(lines), gen_s);

  std::string zstd_cmd = "zstd -q -d -c '" + path + "' > /dev/null";
  std::string grep_cmd = "zstdcat '" + path + "' | grep -c 'Block applied successfully' > /dev/null";
  int rc = 0;
  (void)std::system(zstd_cmd.c_str());  // warm the page cache
  double t_zstd = WallSeconds([&] { rc |= std::system(zstd_cmd.c_str()); });
  double t_grep = WallSeconds([&] { rc |= std::system(grep_cmd.c_str()); });

  // The scan: every line parsed into a typed event and handed to a sink that counts them by kind.
  struct CountSink final : LogEventSink {
    uint64_t events = 0, applied = 0;
    bool OnEvent(const LogEvent& e, int64_t) override {
      ++events;
      applied += e.kind == EventKind::kBlockApplied;
      return true;
    }
  };
  Status status;
  uint64_t stream_events = 0, stream_applied = 0;
  double t_stream = WallSeconds([&] {
    CountSink sink;
    LogScanResult r;
    status = StreamLogs({path}, LogScanOptions{}, &sink, &r);
    stream_events = sink.events;
    stream_applied = sink.applied;
  });
  // What --logs costs a state-violation report: the timeline of a block half way through the log
  // (pass 1 over the whole file, pass 2 up to the window).
  TimelineAnchor anchor;
  anchor.height = lines / 12;  // the generator writes 5-7 lines per block
  size_t around_events = 0;
  double t_around = WallSeconds([&] {
    LogScanResult r;
    Status s = ScanLogsAround({path}, LogScanOptions{}, anchor, TimelineOptions{}, &r);
    if (!s.ok()) status = s;
    around_events = r.events.size();
  });
  // A responder's usual query: one hour in the middle of the log.
  LogScanOptions window;
  window.since_us = *ParseLogTime("2025-11-05 12:00:00");
  window.until_us = *ParseLogTime("2025-11-05 13:00:00");
  uint64_t window_events = 0;
  double t_window = WallSeconds([&] {
    CountSink sink;
    LogScanResult r;
    Status s = StreamLogs({path}, window, &sink, &r);
    if (!s.ok()) status = s;
    window_events = sink.events;
  });
  // For reference: ScanLogs, which keeps a copy of every event in memory (tests and small inputs).
  size_t kept_events = 0;
  double t_keep = WallSeconds([&] {
    LogScanResult r;
    Status s = ScanLogs({path}, LogScanOptions{}, &r);
    if (!s.ok()) status = s;
    kept_events = r.events.size();
  }, 1);
  if (rc != 0) std::printf("  (zstd CLI not available: its rows are meaningless)\n");
  Table table({"what", "seconds", "MB/s (uncompressed)", "× zstd -d"});
  auto row = [&](const char* what, double s) {
    table.Add({what, Fmt("%.3f", s), Fmt("%.0f", raw / 1048576.0 / s), Fmt("%.2f", s / t_zstd)});
  };
  row("zstd -d -c FILE > /dev/null", t_zstd);
  row("zstdcat FILE | grep -c PATTERN", t_grep);
  row("StreamLogs: every line a typed event", t_stream);
  row("StreamLogs --since/--until one hour", t_window);
  row("ScanLogsAround: timeline of one block", t_around);
  row("ScanLogs: keeps every event (1 run)", t_keep);
  table.Print();
  std::printf("  %u cores; StreamLogs: %llu events (%llu block-applied); target <= 1.25x zstd -d: %s\n",
              std::thread::hardware_concurrency(), static_cast<unsigned long long>(stream_events),
              static_cast<unsigned long long>(stream_applied), t_stream <= 1.25 * t_zstd ? "met" : "MISSED");
  std::printf("  one-hour window: %llu events; timeline: %zu events\n",
              static_cast<unsigned long long>(window_events), around_events);
  std::filesystem::remove_all(dir);
  bool correct = status.ok() && stream_events == lines && kept_events == lines && stream_applied > 0 &&
                 window_events > 0 && window_events < lines && around_events == 51;
  if (!correct) std::printf("  WRONG: expected %llu events\n", static_cast<unsigned long long>(lines));
  return correct ? 0 : 1;
}

}  // namespace forensics::bench
