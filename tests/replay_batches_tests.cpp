// The replay's input pipeline on its own, without the replay: batches and the shared signature work.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>

#include "../forensics/replay_batches.h"
#include "forensics/generate.h"
#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::TempDir;

std::string Generated(TempDir& dir, uint64_t blocks, const std::vector<Fault>& faults) {
  GenerateOptions o;
  o.out_path = dir.File("c.ndjson");
  o.blocks = blocks;
  o.accounts = 12;
  o.txs_per_block = 20;
  o.seed = 3;
  o.faults = faults;
  REQUIRE(GenerateChain(o).has_value());
  return o.out_path;
}

TEST_CASE("a batch stops at its block or transaction cap and the signature work marks each transaction",
          "[replay_batches]") {
  TempDir dir;
  const std::string path = Generated(dir, 600, {Fault{FaultKind::kBadSignature, 7}});
  auto src = OpenChain(path);
  REQUIRE(src.has_value());
  StopCondition never;
  Batch first = ReadBatch(src->get());
  REQUIRE_FALSE(first.error);
  CHECK_FALSE(first.end);
  size_t blocks = 0, txs = 0;
  for (const ChainRecord& r : first.records)
    if (auto* b = std::get_if<Block>(&r)) ++blocks, txs += b->txs.size();
  CHECK((blocks == kBatchBlocks || txs >= kBatchTxs));
  SignatureWork work(&never);
  work.Publish(&first);
  VerifyBatch(&work, 1);
  size_t valid = 0, invalid = 0, unsigned_txs = 0;
  for (size_t r = 0; r < first.records.size(); ++r) {
    auto* b = std::get_if<Block>(&first.records[r]);
    if (b == nullptr) continue;
    REQUIRE(first.signature_ok[r].size() == b->txs.size());
    for (size_t i = 0; i < b->txs.size(); ++i) {
      const uint8_t ok = first.signature_ok[r][i];
      (ok == 1 ? valid : ok == 0 ? invalid : unsigned_txs) += 1;
      if (ok == 0) CHECK(b->header.height == 7);
    }
  }
  CHECK(invalid == 1);
  CHECK(valid + invalid == work.jobs());
  CHECK(valid > 1000);

  size_t total = blocks;
  for (Batch b = ReadBatch(src->get());; b = ReadBatch(src->get())) {
    REQUIRE_FALSE(b.error);
    for (const ChainRecord& r : b.records) total += std::holds_alternative<Block>(r);
    if (b.end) break;
  }
  CHECK(total == 600);
}

TEST_CASE("stopped signature work takes no more chunks and does not wait for them", "[replay_batches]") {
  TempDir dir;
  const std::string path = Generated(dir, 200, {});
  auto src = OpenChain(path);
  REQUIRE(src.has_value());
  std::atomic<bool> requested{true};
  StopCondition stop(0, &requested);
  Batch b = ReadBatch(src->get());
  SignatureWork work(&stop);
  work.Publish(&b);
  VerifyBatch(&work, 0);  // returns: every helper sees the stop before its first chunk
  size_t verified = 0;
  for (const auto& per_block : b.signature_ok)
    for (uint8_t ok : per_block) verified += ok != 2;
  CHECK(work.jobs() > 0);
  CHECK(verified == 0);
}

}  // namespace
}  // namespace forensics
