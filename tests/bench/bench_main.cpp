// forensics_bench: runs the benchmarks named on the command line, or all of them, in list order.
// To add a benchmark: write `int RunXxx()` in its own bench_xxx.cpp (printing its own table, returning
// non-zero only if something it measured computed a wrong answer; a missed speed target is printed, not
// an error), declare it below and add one line to kBenchmarks.
#include <cstdio>
#include <cstring>
#include <string_view>

namespace forensics::bench {
int RunSha256();     // bench_sha256.cpp
int RunEd25519();    // bench_ed25519.cpp
int RunEd25519Diff();  // bench_ed25519_diff.cpp
int RunStateRoot();  // bench_state_root.cpp
int RunLogs();       // bench_logs.cpp
int RunParity();     // bench_parity.cpp
int RunStore();      // bench_store.cpp
int RunReplay();     // bench_replay.cpp
int RunFleet();      // bench_fleet.cpp
int RunCid();        // bench_cid.cpp
}  // namespace forensics::bench

namespace {

struct Benchmark {
  std::string_view name;
  std::string_view what;
  int (*run)();
};

// THE list, in the order `forensics_bench` with no arguments runs them.
constexpr Benchmark kBenchmarks[] = {
    {"sha256", "64- and 48-byte hashes/s per backend vs OpenSSL", forensics::bench::RunSha256},
    {"state_root", "state root of 1M accounts: from scratch and incremental", forensics::bench::RunStateRoot},
    {"logs", "scanning a zstd daemon log for events vs zstd -d and zstdcat | grep", forensics::bench::RunLogs},
    {"parity", "AnalyzeParityDrift on a zstd parity log vs zstd -d", forensics::bench::RunParity},
    {"store", "RocksDB chain store vs NDJSON export: import, read, analysis", forensics::bench::RunStore},
    {"ed25519", "Ed25519 verifies/s: libsodium fast path vs the OpenSSL reference", forensics::bench::RunEd25519},
    {"ed25519_diff", "Ed25519 fast path vs the reference on 10M random signatures and every edge-case class", forensics::bench::RunEd25519Diff},
    {"replay", "state-violation replay of 1M transactions, with and without signatures", forensics::bench::RunReplay},
    {"fleet", "network-fork over 100 fingerprints of 100,000 blocks vs zstd -dc; a fingerprint vs its replay", forensics::bench::RunFleet},
    {"cid", "CIDv0 of a content directory vs SHA-256 of the same bytes", forensics::bench::RunCid},
};

const Benchmark* Find(std::string_view name) {
  for (const Benchmark& b : kBenchmarks) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

int Usage() {
  std::fprintf(stderr, "usage: forensics_bench [--list] [name ...]\nbenchmarks:\n");
  for (const Benchmark& b : kBenchmarks) {
    std::fprintf(stderr, "  %-12.*s %.*s\n", static_cast<int>(b.name.size()), b.name.data(),
                 static_cast<int>(b.what.size()), b.what.data());
  }
  return 2;
}

int Run(const Benchmark& b) {
  std::printf("== %.*s: %.*s\n", static_cast<int>(b.name.size()), b.name.data(), static_cast<int>(b.what.size()),
              b.what.data());
  const int rc = b.run();
  std::printf("\n");
  std::fflush(stdout);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--list") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    Usage();
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    if (Find(argv[i]) == nullptr) {
      std::fprintf(stderr, "forensics_bench: unknown benchmark '%s'\n", argv[i]);
      return Usage();
    }
  }
  int rc = 0;
  if (argc == 1) {
    for (const Benchmark& b : kBenchmarks) rc |= Run(b);
  } else {
    for (int i = 1; i < argc; ++i) rc |= Run(*Find(argv[i]));
  }
  return rc == 0 ? 0 : 1;
}
