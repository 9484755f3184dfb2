// The long differential run of Ed25519 (tests/util/ed25519_cases.h): the replay's fast path
// (VerifyEd25519, libsodium first) against the reference rule (VerifyEd25519Reference, OpenSSL 3.0) on
// FORENSICS_BENCH_ED25519_DIFF random signatures (default 10,000,000: half valid, half with one bit of A,
// R, S or the message flipped, or S + L, or S >= 2^253) plus FORENSICS_BENCH_ED25519_DIFF_EDGE cases of each
// edge-case class (default 20,000: small-order, identity and non-canonical R, small-order, mixed-order and
// non-canonical A, the RFC 8032 vectors), on every core. Libsodium alone is run on each edge case too: it
// must never accept what the reference rejects (on the random part the fast path's own libsodium call is
// the one that decides, so a third call would only add time). Any disagreement fails the benchmark
// (exit 1). Progress is printed every 5% so a run cut short still says how far it got.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "../util/ed25519_cases.h"
#include "bench.h"

namespace forensics::bench {
namespace {

using testing::Ed25519CaseClass;

uint64_t EnvCount(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

// The random mix: case i is valid when even, else one of the six kinds of invalid.
Ed25519CaseClass RandomClass(uint64_t i) {
  constexpr Ed25519CaseClass kInvalid[] = {Ed25519CaseClass::kFlipA,       Ed25519CaseClass::kFlipR,
                                           Ed25519CaseClass::kFlipS,       Ed25519CaseClass::kFlipMessage,
                                           Ed25519CaseClass::kSPlusL,      Ed25519CaseClass::kSHighBits};
  return i % 2 == 0 ? Ed25519CaseClass::kValid : kInvalid[(i / 2) % std::size(kInvalid)];
}

constexpr Ed25519CaseClass kEdgeClasses[] = {
    Ed25519CaseClass::kSmallOrderA,   Ed25519CaseClass::kIdentityR,     Ed25519CaseClass::kSmallOrderR,
    Ed25519CaseClass::kMixedOrderA,   Ed25519CaseClass::kNonCanonicalA, Ed25519CaseClass::kNonCanonicalR,
    Ed25519CaseClass::kRfc8032};

}  // namespace

int RunEd25519Diff() {
  const uint64_t random_n = EnvCount("FORENSICS_BENCH_ED25519_DIFF", 10'000'000);
  const uint64_t edge_n = EnvCount("FORENSICS_BENCH_ED25519_DIFF_EDGE", 20'000);
  const uint64_t total = random_n + edge_n * std::size(kEdgeClasses);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf("Ed25519 differential: %llu random + %llu x %zu edge-case classes = %llu signatures, %u threads\n",
              static_cast<unsigned long long>(random_n), static_cast<unsigned long long>(edge_n),
              std::size(kEdgeClasses), static_cast<unsigned long long>(total), cores);
  std::fflush(stdout);
  std::atomic<uint64_t> next{0}, done{0};
  std::mutex mu;
  testing::Ed25519Tally tally{};
  const auto start = std::chrono::steady_clock::now();
  uint64_t next_report = total / 20;
  auto worker = [&](unsigned id) {
    testing::Ed25519CaseGenerator gen(0x25519000ULL + id);
    testing::Ed25519Tally local{};
    constexpr uint64_t kChunk = 256;
    for (;;) {
      const uint64_t begin = next.fetch_add(kChunk);
      if (begin >= total) break;
      const uint64_t end = std::min(total, begin + kChunk);
      for (uint64_t i = begin; i < end; ++i) {
        const Ed25519CaseClass c =
            i < random_n ? RandomClass(i) : kEdgeClasses[(i - random_n) % std::size(kEdgeClasses)];
        testing::Record(local, c, testing::VerifyEd25519Case(gen.Make(c), /*with_sodium=*/i >= random_n));
      }
      const uint64_t d = done.fetch_add(end - begin) + (end - begin);
      std::lock_guard<std::mutex> lock(mu);
      if (d >= next_report) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("  %llu of %llu (%.0f%%) after %.0f s, %.0f/s\n", static_cast<unsigned long long>(d),
                    static_cast<unsigned long long>(total), 100.0 * static_cast<double>(d) / static_cast<double>(total), s,
                    static_cast<double>(d) / s);
        std::fflush(stdout);
        next_report = d + total / 20;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    for (size_t c = 0; c < tally.size(); ++c) tally[c] += local[c];
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < cores; ++t) pool.emplace_back(worker, t);
  for (auto& t : pool) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Table t({"class", "cases", "reference accepts", "libsodium accepts", "fast != reference", "libsodium only"});
  uint64_t cases = 0, bad = 0;
  for (size_t c = 0; c < tally.size(); ++c) {
    const auto& x = tally[c];
    if (x.cases == 0) continue;
    cases += x.cases;
    bad += x.fast_disagrees + x.sodium_only;
    t.Add({std::string(testing::Ed25519CaseClassName(static_cast<Ed25519CaseClass>(c))), std::to_string(x.cases),
           std::to_string(x.reference_accepted), x.sodium_checked ? std::to_string(x.sodium_accepted) : std::string("not asked"),
           std::to_string(x.fast_disagrees), std::to_string(x.sodium_only)});
  }
  t.Print();
  std::printf("  %llu signatures in %.0f s (%.0f/s on %u threads): %s\n", static_cast<unsigned long long>(cases), s,
              static_cast<double>(cases) / s, cores,
              bad == 0 ? "the fast path's verdict is the reference's on every one" : "DISAGREEMENTS (see the table)");
  return bad == 0 ? 0 : 1;
}

}  // namespace forensics::bench
