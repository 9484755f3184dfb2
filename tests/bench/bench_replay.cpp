// Replay throughput on a generated chain of ≥ 1M transactions and ≥ 100k accounts (new accounts in
// many blocks): without signatures (blocks/s, tx/s, and the time of parsing alone beside it), and
// with signatures against the floor of verifying them all on every core with OpenSSL.
// FORENSICS_BENCH_REPLAY_TXS overrides the transaction count (default 1,000,000).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "bench.h"
#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/generate.h"
#include "forensics/state_violation.h"

namespace forensics::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Wall(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int RunReplay() {
  uint64_t txs = 1'000'000;
  if (const char* env = std::getenv("FORENSICS_BENCH_REPLAY_TXS")) txs = std::strtoull(env, nullptr, 10);
  const std::string dir = (std::filesystem::temp_directory_path() / "forensics-bench-replay").string();
  std::filesystem::create_directories(dir);
  GenerateOptions g;
  g.out_path = dir + "/chain.ndjson.zst";
  g.txs_per_block = 100;
  g.blocks = txs / 55 + 1;  // many picks are skipped (sender too poor), so aim well above the count
  g.accounts = 2000;
  g.new_account_share = 0.12;  // > 100k new accounts over > 1M transfers
  g.seed = 77;
  auto t0 = Clock::now();
  auto stats = GenerateChain(g);
  if (!stats) {
    std::printf("  generate failed: %s\n", stats.error().ToString().c_str());
    return 1;
  }
  std::printf("  chain: %llu blocks, %llu transactions, %llu accounts (generated in %.1f s)\n",
              static_cast<unsigned long long>(stats->blocks), static_cast<unsigned long long>(stats->transactions),
              static_cast<unsigned long long>(stats->accounts), Wall(t0));

  // Parsing alone: every record decoded, nothing replayed.
  t0 = Clock::now();
  {
    auto src = OpenChain(g.out_path);
    if (!src) return 1;
    ChainRecord rec;
    while (true) {
      auto got = (*src)->Next(&rec);
      if (!got || !*got) break;
    }
  }
  const double parse_s = Wall(t0);

  StateViolationOptions o;
  o.chain_path = g.out_path;
  o.verify_signatures = false;
  t0 = Clock::now();
  auto nosig = AnalyzeStateViolation(o);
  const double nosig_s = Wall(t0);
  if (!nosig || nosig->verdict != "clean") {
    std::printf("  replay without signatures: unexpected result\n");
    return 1;
  }

  // The signature floor: OpenSSL Ed25519 verify on every core, over a sample of the chain's transactions.
  std::vector<Transaction> sample;
  {
    auto src = OpenChain(g.out_path);
    ChainRecord rec;
    while (sample.size() < 20000) {
      auto got = (*src)->Next(&rec);
      if (!got || !*got) break;
      if (auto* b = std::get_if<Block>(&rec))
        for (auto& tx : b->txs) sample.push_back(tx);
    }
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  t0 = Clock::now();
  {
    std::vector<std::thread> pool;
    for (unsigned c = 0; c < cores; ++c)
      pool.emplace_back([&, c] {
        for (size_t i = c; i < sample.size(); i += cores)
          if (!VerifyTxSignature(sample[i])) std::abort();
      });
    for (auto& t : pool) t.join();
  }
  const double verify_rate = static_cast<double>(sample.size()) / Wall(t0);  // all cores
  const double floor_s = static_cast<double>(stats->transactions) / verify_rate;

  o.verify_signatures = true;
  t0 = Clock::now();
  auto sig = AnalyzeStateViolation(o);
  const double sig_s = Wall(t0);
  if (!sig || sig->verdict != "clean") {
    std::printf("  replay with signatures: unexpected result\n");
    return 1;
  }
  std::filesystem::remove_all(dir);

  const double tx = static_cast<double>(stats->transactions), blocks = static_cast<double>(stats->blocks);
  Table t({"run", "wall s", "blocks/s", "tx/s", "ratio"});
  auto row = [&](const char* name, double s, std::string ratio) {
    t.Add({name, fmt::format("{:.2f}", s), fmt::format("{:.0f}", blocks / s), fmt::format("{:.0f}", tx / s), ratio});
  };
  row("parse only (export reader)", parse_s, fmt::format("{:.2f} of replay", parse_s / nosig_s));
  row("replay --skip-signatures", nosig_s, "1.00");
  row(fmt::format("signature floor ({} cores)", cores).c_str(), floor_s, "baseline");
  row("replay with signatures", sig_s, fmt::format("{:.2f}x floor (target <= 1.15)", sig_s / floor_s));
  t.Print();
  return 0;
}

}  // namespace forensics::bench
