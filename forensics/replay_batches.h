// The replay's input pipeline: batches of chain records, and the Ed25519 verification of a batch's
// signatures shared by whichever threads are free (forensics/state_violation.cpp, steps 2 and 3).
// Private to the forensics library.
#ifndef FORENSICS_REPLAY_BATCHES_H_
#define FORENSICS_REPLAY_BATCHES_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/state.h"
#include "forensics/stop.h"

namespace forensics {

constexpr size_t kBatchBlocks = 256;
constexpr size_t kBatchTxs = 8192;

struct Batch {
  std::vector<ChainRecord> records;
  std::vector<std::vector<uint8_t>> signature_ok;  // per record (blocks only)
  std::optional<Status> error;                      // a record could not be decoded
  bool end = false;
  double parse_seconds = 0, verify_seconds = 0;     // when the replay measures its phases
};

// The Ed25519 signatures of one batch, verified by whoever takes chunks of them: the thread that
// read the batch, extra threads when there are more than two cores, and the replay thread once it
// has replayed the batch before. So on two cores two threads verify while nothing else runs, and
// while the replay thread replays, one does: there are never more busy threads than cores, so no
// verifier is switched out for the replay (which costs the verifier its caches) and no core waits
// at the end of a batch.
class SignatureWork {
 public:
  // Helpers stop taking chunks once `stop` says so (the replay then stops before the batch).
  explicit SignatureWork(const StopCondition* stop) : stop_(stop) {}

  // Makes the jobs of `batch` (null: nothing to verify) available to every helper.
  void Publish(Batch* batch) {
    if (batch != nullptr) {
      batch->signature_ok.resize(batch->records.size());
      for (size_t r = 0; r < batch->records.size(); ++r) {
        auto* block = std::get_if<Block>(&batch->records[r]);
        if (block == nullptr) continue;
        auto& ok = batch->signature_ok[r];
        ok.assign(block->txs.size(), 2);
        for (size_t i = 0; i < block->txs.size(); ++i)
          if (block->txs[i].signature && block->txs[i].message_complete) jobs_.push_back({&block->txs[i], &ok[i]});
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      published_ = true;
    }
    cv_.notify_all();
  }

  // Waits until the jobs are published, then verifies chunks of them until none is left to take.
  void Help() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return published_; });
    }
    for (;;) {
      if (Cancelled()) {
        { std::lock_guard<std::mutex> lock(mu_); }
        cv_.notify_all();  // a WaitDone() waits for jobs that will not be done
        return;
      }
      const size_t begin = next_.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= jobs_.size()) return;
      const size_t end = std::min(jobs_.size(), begin + kChunk);
      for (size_t j = begin; j < end; ++j) *jobs_[j].out = VerifyTxSignature(*jobs_[j].tx) ? 1 : 0;
      if (done_.fetch_add(end - begin, std::memory_order_acq_rel) + (end - begin) == jobs_.size()) {
        { std::lock_guard<std::mutex> lock(mu_); }
        cv_.notify_all();
      }
    }
  }

  // Waits until every job is verified (by any helper), or returns once cancelled. REQUIRES: published,
  // and after Cancel() no helper but the caller's own threads (joined before) is still verifying.
  void WaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] {
      return Cancelled() || done_.load(std::memory_order_acquire) == jobs_.size();
    });
  }

  // The replay stopped: helpers take no more chunks, and the batch's verdicts are not needed.
  void Cancel() {
    cancelled_.store(true, std::memory_order_relaxed);
    { std::lock_guard<std::mutex> lock(mu_); }
    cv_.notify_all();
  }

  size_t jobs() const { return jobs_.size(); }

 private:
  bool Cancelled() {
    if (cancelled_.load(std::memory_order_relaxed)) return true;
    if (stop_->Check() == StopReason::kNone) return false;
    cancelled_.store(true, std::memory_order_relaxed);
    return true;
  }

  const StopCondition* stop_;
  static constexpr size_t kChunk = 16;
  struct Job {
    const Transaction* tx;
    uint8_t* out;
  };
  std::vector<Job> jobs_;  // written before published_, read only after
  std::atomic<size_t> next_{0}, done_{0};
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool published_ = false;
};

// Verifies the batch's signatures on this thread and `extra` more, with any other helper of `work`.
void VerifyBatch(SignatureWork* work, unsigned extra);

// Reads up to kBatchBlocks blocks or kBatchTxs transactions (and the snapshots among them).
Batch ReadBatch(ChainSource* src);

}  // namespace forensics

#endif  // FORENSICS_REPLAY_BATCHES_H_
