// Shared helpers of the benchmark executable: timing and table output. Benchmarks print; the library
// they measure does not.
#ifndef FORENSICS_TESTS_BENCH_BENCH_H_
#define FORENSICS_TESTS_BENCH_BENCH_H_

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace forensics::bench {

// The process's peak resident set since the last ResetPeakRss, in kB (-1 when unknown).
inline long PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Returns freed memory to the system and starts the peak over from the current resident set
// (Linux: "5" to /proc/self/clear_refs).
inline void ResetPeakRss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}


// CPU time of the calling thread: unlike wall time it does not grow while the scheduler runs other
// processes, which on a shared build machine is most of the noise.
inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs fn() (one "batch") repeatedly for at least min_seconds of wall time and at least three times,
// after one warm-up call, timing each call in thread CPU time, and returns the fastest: the estimate
// least disturbed by other processes.
template <typename Fn>
double SecondsPerBatch(Fn&& fn, double min_seconds = 0.25) {
  using Clock = std::chrono::steady_clock;
  fn();
  double best = 1e30;
  const auto start = Clock::now();
  for (int calls = 0; calls < 3 || std::chrono::duration<double>(Clock::now() - start).count() < min_seconds;
       ++calls) {
    const double t0 = ThreadCpuSeconds();
    fn();
    best = std::min(best, ThreadCpuSeconds() - t0);
  }
  return best;
}

// A plain text table: a header row, then rows of the same width.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print() const {
    std::vector<size_t> width(rows_[0].size(), 0);
    for (const auto& r : rows_) {
      for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    for (size_t k = 0; k < rows_.size(); ++k) {
      for (size_t i = 0; i < rows_[k].size(); ++i) {
        std::printf(i == 0 ? "  %-*s" : "  %*s", static_cast<int>(width[i]), rows_[k][i].c_str());
      }
      std::printf("\n");
      if (k == 0) {
        size_t total = 0;
        for (size_t w : width) total += w + 2;
        std::printf("  %s\n", std::string(total - 2, '-').c_str());
      }
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

inline std::string Fmt(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

}  // namespace forensics::bench

#endif  // FORENSICS_TESTS_BENCH_BENCH_H_
