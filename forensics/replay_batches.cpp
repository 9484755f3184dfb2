// The replay's input pipeline (replay_batches.h).
#include "replay_batches.h"

#include <system_error>
#include <thread>

namespace forensics {

void VerifyBatch(SignatureWork* work, unsigned extra) {
  extra = std::min<unsigned>(extra, static_cast<unsigned>(work->jobs() / 64));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < extra; ++t) {
    try {
      pool.emplace_back([work] { work->Help(); });
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running take every job
    }
  }
  work->Help();
  for (auto& th : pool) th.join();
  work->WaitDone();
}

Batch ReadBatch(ChainSource* src) {
  Batch b;
  size_t blocks = 0, txs = 0;
  while (blocks < kBatchBlocks && txs < kBatchTxs) {
    ChainRecord rec;
    auto got = src->Next(&rec);
    if (!got) {
      b.error = got.error();
      b.end = true;
      break;
    }
    if (!*got) {
      b.end = true;
      break;
    }
    if (auto* blk = std::get_if<Block>(&rec)) {
      ++blocks;
      txs += blk->txs.size();
    }
    b.records.push_back(std::move(rec));
  }
  return b;
}

}  // namespace forensics
