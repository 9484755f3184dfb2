// The state-violation replay.
//
// 1. Open the chain (export or store); start at genesis, or at the latest snapshot ≤ --from.
// 2. Read records in batches; while the main thread replays batch k, another thread reads batch k+1
//    and verifies its Ed25519 signatures, and the main thread joins that verification when it is
//    done with batch k (SignatureWork).
// 3. Per block: check height order (out of order or duplicate stops the analysis: the input is
//    wrong, not the chain), compute the profile's block hash, apply the block to the replayed state
//    when the state is known, compute the replayed state root, and run every analyzer.
// 4. The lowest height with a finding is the first bad block. Replay continues from the replayed
//    state; each later finding is labelled a consequence when a checkable link ties it to an earlier
//    fault (it names an account whose value still differs from the node's, or it depends on the whole
//    state, which has not matched the node's since), else independent. The state has re-converged once a
//    committed root, the recorded state or a snapshot matches the replay again.
// 5. The reorg target is the highest block below the first bad one whose state was verified.
#include "forensics/state_violation.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/input_spool.h"
#include "forensics/node_store.h"
#include "forensics/state_root.h"
#include "finding_ledger.h"
#include "replay_batches.h"

namespace forensics {

Status AttachTimeline(const StateViolationOptions& options, const StopCondition& stop, StateViolationReport* report);

namespace {

using Clock = std::chrono::steady_clock;


std::string BlockWhere(const Block& b) { return b.line ? fmt::format("{}:{}", b.source, b.line) : b.source; }

class Replay {
 public:
  Replay(const StateViolationOptions& options, const StopCondition& stop, ChainSource* src, StateViolationReport* report)
      : options_(options),
        stop_condition_(stop),
        src_(src),
        report_(report),
        meta_(src->meta()),
        profile_(meta_.profile),
        state_(ProfileOddRule(profile_)),
        analyzers_(MakeAllAnalyzers({profile_})),
        ledger_(report) {}

  void Run() {
    report_->profile = profile_;
    report_->signatures_checked = options_.verify_signatures;
    report_->markdown_later_cap = options_.later_cap;
    const unsigned threads = options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    start_ = Clock::now();
    last_progress_ = start_;

    if (options_.phase_times) {
      *options_.phase_times = {};
      phases_ = options_.phase_times;
      state_.MeasureRootHashTime(true);
    }
    // The next batch is read and its signatures verified on another thread while this one replays;
    // then this thread helps verify them (SignatureWork) before it takes the batch.
    std::shared_ptr<SignatureWork> work;
    auto read_async = [&]() {
      work = std::make_shared<SignatureWork>(&stop_condition_);
      return std::async(std::launch::async, [threads, this, work]() {
        auto t = Now();
        Batch b;
        try {
          b = ReadBatch(src_);
        } catch (...) {
          work->Publish(nullptr);  // a helper must not wait for jobs that will not come
          throw;
        }
        if (phases_) b.parse_seconds = Lap(&t);
        if (options_.verify_signatures) {
          work->Publish(&b);
          VerifyBatch(work.get(), threads > 2 ? threads - 2 : 0);
        } else {
          work->Publish(nullptr);
        }
        if (phases_) b.verify_seconds = Lap(&t);
        return b;
      });
    };
    std::future<Batch> next = read_async();
    while (true) {
      if (options_.verify_signatures) work->Help();
      auto waited = Now();
      Batch batch = next.get();
      if (phases_) {
        phases_->wait += Lap(&waited);
        phases_->parse += batch.parse_seconds;
        phases_->verify += batch.verify_seconds;
      }
      const bool last = batch.end;
      if (!last) next = read_async();
      for (size_t r = 0; r < batch.records.size() && !stop_; ++r) {
        if (const StopReason why = stop_condition_.Check(); why != StopReason::kNone) {
          Stop(StopWhere(why));
          report_->stopped_by = why;
          break;
        }
        if (auto* block = std::get_if<Block>(&batch.records[r])) {
          ProcessBlock(*block, options_.verify_signatures ? &batch.signature_ok[r] : nullptr);
        } else {
          ProcessSnapshot(std::get<Snapshot>(batch.records[r]));
        }
      }
      if (batch.error && !stop_) Stop(batch.error->message());
      if (last || stop_) break;
      MaybeProgress();
    }
    if (next.valid()) {
      // The batch in flight must finish before the source goes away; its signatures are not needed.
      if (stop_) work->Cancel();
      (void)next.get();
    }
    if (phases_) {
      phases_->replay = std::chrono::duration<double>(Clock::now() - start_).count();
      state_.MeasureRootHashTime(false);
    }
    Finish();
  }

 private:
  // Phase timing (options.phase_times): the clock is read only when measuring.
  Clock::time_point Now() const { return phases_ ? Clock::now() : Clock::time_point{}; }
  // Seconds since *t; moves *t to now.
  static double Lap(Clock::time_point* t) {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - *t).count();
    *t = now;
    return s;
  }

  std::string StopWhere(StopReason why) const {
    return previous_ ? fmt::format("{} after block {}", stop_condition_.Describe(why), previous_->height)
                     : fmt::format("{} before the first block", stop_condition_.Describe(why));
  }

  void Stop(std::string why) {
    stop_ = true;
    report_->partial = true;
    report_->stopped_reason = std::move(why);
  }

  void MaybeProgress() {
    if (!options_.progress) return;
    auto now = Clock::now();
    if (now - last_progress_ < std::chrono::seconds(1)) return;
    last_progress_ = now;
    Progress p;
    p.height = previous_ ? previous_->height : 0;
    p.blocks = report_->blocks_checked;
    p.seconds = std::chrono::duration<double>(now - start_).count();
    p.bytes_read = src_->bytes_read();
    p.bytes_total = src_->bytes_total();
    options_.progress(p);
  }


  static void Extend(std::vector<HeightRange>* ranges, BlockHeight h) {
    if (!ranges->empty() && ranges->back().last + 1 == h) {
      ranges->back().last = h;
    } else {
      ranges->push_back({h, h});
    }
  }

  // Makes the snapshot the replayed state (the replay's start, or a restart after a gap), after
  // checking its root against the header of its block when that header commits to one.
  void StartFromSnapshot(const Snapshot& s) {
    state_.Reset(s.accounts);
    state_known_ = true;
    const bool first_start = !started_;
    started_ = true;
    report_->replay_start_snapshot = s.height;
    // The analyzers adopt the snapshot as the node's view too; what they say of the store itself (a
    // value it lost, its ledger against its own accounts) is kept.
    BlockVerdict start;
    for (auto& a : analyzers_) a->OnSnapshot(s, state_, &start);
    start.state_verified = false;
    // The replayed state is the node's now: whatever differed before has matched again.
    ledger_.StateReplaced();
    std::optional<Hash32> claimed;
    if (previous_ && previous_->height == s.height) {
      claimed = previous_->state_root;
    } else if (s.header) {
      // A source positioned at the snapshot gives its block's header: the next block links to it.
      std::string missing;
      claimed = s.header->state_root;
      previous_ = PreviousBlock{s.height, s.header->hash, ComputeBlockHash(profile_, *s.header, &missing), claimed};
    }
    if (!start.findings.empty() || !start.unverifiable.empty())
      ledger_.Record(s.height, s.header && s.header->hash ? *s.header->hash : Hash32{}, SnapshotWhere(s), std::move(start),
                     /*from_snapshot=*/true);
    if (!s.lost.empty())
      report_->warnings.push_back(fmt::format(
          "the replay starts from the snapshot of block {} ({}), in which {} account(s) hold a value the store lost: "
          "they start at zero, so their later checks are not exact",
          s.height, SnapshotWhere(s), s.lost.size()));
    const Hash32 root = state_.Root();
    using StartRoot = ReplayScope::StartRoot;
    const StartRoot check = !claimed || claimed->IsZero() ? StartRoot::kNotCommitted
                            : *claimed == root            ? StartRoot::kMatches
                                                          : StartRoot::kDiffers;
    if (first_start) {
      report_->scope.start = ReplayScope::Start::kSnapshot;
      report_->scope.start_height = s.height;
      report_->scope.start_root = check;
      report_->scope.start_state_root = root;
      report_->scope.start_accounts = s.accounts.size();
    }
    if (check == StartRoot::kNotCommitted) {
      report_->warnings.push_back(fmt::format(
          "the replay starts from the snapshot of block {} ({}), whose root could not be checked: the block's header "
          "commits to no state root",
          s.height, SnapshotWhere(s)));
    } else if (*claimed != root) {
      report_->warnings.push_back(fmt::format(
          "the snapshot of block {} ({}) has root {}, but the block's header commits to {}: findings after it may "
          "come from the snapshot",
          s.height, SnapshotWhere(s), root.Hex(), claimed->Hex()));
    }
  }

  static std::string SnapshotWhere(const Snapshot& s) {
    return s.line ? fmt::format("{}:{}", s.source, s.line) : s.source;
  }

  void ProcessSnapshot(const Snapshot& s) {
    if (!state_known_) {
      StartFromSnapshot(s);
      return;
    }
    if (!previous_ || previous_->height != s.height) {
      report_->warnings.push_back(fmt::format("{}: snapshot of block {} does not follow that block; not compared",
                                              SnapshotWhere(s), s.height));
      return;
    }
    BlockVerdict v;
    for (auto& a : analyzers_) a->OnSnapshot(s, state_, &v);
    if (options_.on_block)
      Tell(s.height, previous_->stored_hash ? *previous_->stored_hash : previous_->computed_hash.value_or(Hash32{}),
           previous_->state_root, true, v, true);
    ledger_.Record(s.height, previous_->stored_hash ? *previous_->stored_hash : previous_->computed_hash.value_or(Hash32{}),
           fmt::format("{}:{}", s.source, s.line), std::move(v), /*from_snapshot=*/true);
  }

  void ProcessBlock(const Block& b, const std::vector<uint8_t>* sig_ok) {
    const BlockHeader& h = b.header;
    if (previous_ && h.height <= previous_->height) {
      Stop(fmt::format("{}: field height: block {} {} block {} (blocks must be in increasing height order)",
                       BlockWhere(b), h.height, h.height == previous_->height ? "duplicates" : "follows", previous_->height));
      return;
    }
    if (options_.to && h.height > *options_.to) {
      stop_ = true;
      return;
    }
    BlockContext ctx;
    ctx.profile = profile_;
    ctx.meta = &meta_;
    ctx.block = &b;
    ctx.previous = previous_;
    ctx.signatures_checked = options_.verify_signatures;
    auto t = Now();
    ctx.computed_hash = ComputeBlockHash(profile_, h, &ctx.hash_missing_field);
    if (phases_) phases_->block_hash += Lap(&t);

    if (!started_) {
      started_ = true;
      if (h.height == 0) {
        state_.Reset(meta_.genesis_accounts);
        state_known_ = true;
        report_->scope.start = ReplayScope::Start::kGenesis;
      } else {
        report_->warnings.push_back(fmt::format(
            "the input starts at block {} without a snapshot: balances before it are unknown, so state checks "
            "start at the first snapshot",
            h.height));
      }
    }
    if (previous_ && h.height != previous_->height + 1 && state_known_) {
      state_known_ = false;
      report_->warnings.push_back(fmt::format(
          "blocks {}..{} are missing: state checks stop until a snapshot gives the state again",
          previous_->height + 1, h.height - 1));
    }
    // The rewards go to the header's validator: without one the block cannot be applied either.
    const bool no_validator = h.height >= 1 && !h.validator;
    BlockExecution ex;
    std::optional<Hash32> root;
    if (state_known_ && b.state_fields_missing.empty() && !no_validator) {
      BlockExecutionOptions eo;
      eo.profile = profile_;
      eo.verify_signatures = options_.verify_signatures;
      eo.signature_ok = sig_ok;
      if (phases_) t = Now();
      ex = ExecuteBlock(b, meta_, eo, &state_);
      if (phases_) phases_->execute += Lap(&t);
      root = state_.Root();
      if (phases_) {
        phases_->state_root += Lap(&t);
        phases_->state_root_hashing += state_.last_root_stats().hash_seconds;
      }
      ctx.state = &state_;
      ctx.execution = &ex;
      ctx.replayed_root = root;
      report_->txs_checked += b.txs.size();
    } else if (state_known_) {
      state_known_ = false;
      report_->warnings.push_back(fmt::format(
          "{}: block {} lacks {}: it cannot be replayed, so state checks stop until a snapshot gives the state again",
          BlockWhere(b), h.height, no_validator ? "validator" : b.state_fields_missing.front()));
    }
    if (options_.verify_signatures && sig_ok) {
      for (size_t i = 0; i < b.txs.size(); ++i)
        if ((*sig_ok)[i] == 2) {
          ledger_.Unverifiable({UncheckedKind::kSignatureMissing, {}}, h.height);
          break;
        }
    }

    BlockVerdict v;
    if (phases_) {
      t = Now();
      for (auto& a : analyzers_) {
        a->OnBlock(ctx, &v);
        (a->name() == "tx_root" ? phases_->tx_root : phases_->checks) += Lap(&t);
      }
    } else {
      for (auto& a : analyzers_) a->OnBlock(ctx, &v);
    }

    const Hash32 id = h.hash ? *h.hash : ctx.computed_hash.value_or(Hash32{});
    Extend(root ? &report_->scope.replayed : &report_->scope.read_only, h.height);
    report_->blocks.Add(h.height, id, root);
    if (!report_->first_height) report_->first_height = h.height;
    report_->last_height = h.height;
    ++report_->blocks_checked;

    previous_ = PreviousBlock{h.height, h.hash, ctx.computed_hash, h.state_root};
    if (options_.on_block) Tell(h.height, id, h.state_root, root.has_value(), v, false);
    ledger_.Record(h.height, id, BlockWhere(b), std::move(v), false);
  }

  // options_.on_block: what this block's verdict says.
  void Tell(BlockHeight height, const Hash32& id, const std::optional<Hash32>& claimed, bool replayed,
            const BlockVerdict& v, bool from_snapshot) const {
    BlockOutcome o;
    o.height = height;
    o.hash = id;
    o.claimed_root = claimed;
    o.replayed = replayed;
    o.state_verified = v.state_verified;
    o.from_snapshot = from_snapshot;
    for (const Finding& f : v.findings)
      if (std::find(o.codes.begin(), o.codes.end(), f.code) == o.codes.end()) o.codes.push_back(f.code);
    options_.on_block(o);
  }

  void Finish() {
    ledger_.Finish(options_.block, report_->partial);
  }

 public:

 private:
  const StateViolationOptions& options_;
  const StopCondition& stop_condition_;
  ChainSource* src_;
  StateViolationReport* report_;
  ChainMeta meta_;
  Profile profile_;
  AccountState state_;
  std::vector<std::unique_ptr<Analyzer>> analyzers_;
  ReplayPhaseTimes* phases_ = nullptr;  // options_.phase_times when measuring

  bool started_ = false;
  bool state_known_ = false;
  std::optional<PreviousBlock> previous_;
  bool stop_ = false;
  Clock::time_point start_, last_progress_;

  FindingLedger ledger_;
};

}  // namespace

std::string ScopeSentence(const StateViolationReport& r) {
  const ReplayScope& sc = r.scope;
  auto ranges = [](const std::vector<HeightRange>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 8; ++i)
      s += (i ? ", " : "") + (v[i].first == v[i].last ? fmt::format("{}", v[i].first) : fmt::format("{}..{}", v[i].first, v[i].last));
    if (v.size() > 8) s += fmt::format(" and {} more ranges", v.size() - 8);
    return s;
  };
  std::string o;
  if (sc.replayed.empty()) {
    o = "no block was replayed";
  } else {
    o = fmt::format("block(s) {} replayed", ranges(sc.replayed));
    switch (sc.start) {
      case ReplayScope::Start::kGenesis: o += " from genesis"; break;
      case ReplayScope::Start::kSnapshot:
        o += fmt::format(" from the node's snapshot of block {}, taken on trust ", sc.start_height);
        switch (sc.start_root) {
          case ReplayScope::StartRoot::kMatches: o += "(its root matches the root that block's header commits to)"; break;
          case ReplayScope::StartRoot::kDiffers: o += "(its root DIFFERS from the root that block's header commits to)"; break;
          default: o += "(that block's header commits to no state root, so it could not be checked)"; break;
        }
        if (sc.start_height > 0) o += fmt::format("; blocks below {} were not read", sc.start_height);
        break;
      case ReplayScope::Start::kNone: break;
    }
  }
  if (!sc.read_only.empty())
    o += fmt::format("; block(s) {} read and checked without their state (hashes, links, tx roots, signatures, fees)",
                     ranges(sc.read_only));
  return o;
}

Result<StateViolationReport> AnalyzeStateViolation(const StateViolationOptions& options) {
  const StopCondition stop(options.time_budget_seconds, options.stop_requested);
  ChainOpenOptions open;
  open.profile = options.profile;
  if (options.genesis_path) {
    auto genesis = LoadGenesisFile(*options.genesis_path);
    if (!genesis) return genesis.error();
    open.genesis = std::move(*genesis);
  }
  auto src = OpenChain(options.chain_path, open);
  if (!src) return src.error();
  StateViolationReport report;

  auto in = DescribeInput(options.chain_path, stop);
  if (!in) return in.error();
  if (!in->hashed)
    report.warnings.push_back(fmt::format("{} was not hashed whole: stopped after {} bytes ({})", in->path,
                                          in->bytes, stop.Describe(stop.Check())));
  report.inputs.push_back(*in);
  // The logs are inputs of the report too: their digests go into its stamp.
  for (const std::string& log : options.log_files) {
    auto l = DescribeInput(log, stop);
    if (!l) return l.error();
    report.inputs.push_back(*l);
  }
  report.scope.requested_from = options.from;
  if (options.from) {
    // The replay starts at the snapshot at or below `from`; without one, at the input's start.
    Status seek = (*src)->SeekToSnapshotAtOrBelow(*options.from);
    if (seek.code() == Status::Code::kNotFound || seek.code() == Status::Code::kNotSupported) {
      report.warnings.push_back(fmt::format("{} {}: {}; the replay starts where the input does",
                                            options.option_names(OptionName::kFrom), *options.from, seek.message()));
    } else if (!seek.ok()) {
      return seek;
    }
  }
  Replay replay(options, stop, src->get(), &report);
  replay.Run();
  const bool sqlite = IsSqliteFile(options.chain_path);
  if (sqlite && report.scope.start == ReplayScope::Start::kGenesis)
    report.warnings.push_back(
        options.genesis_path
            ? fmt::format("the replay starts from the genesis of {} (the SQLite store records none)", *options.genesis_path)
            : fmt::format("the replay starts from an empty genesis: the SQLite store records no genesis allocations "
                          "({} FILE gives them)",
                          options.option_names(OptionName::kGenesis)));
  if (sqlite && report.blocks_checked == 0 && !report.partial && !options.from)
    report.warnings.push_back(fmt::format(
        "{} holds no blocks (the published daemon never saves them): the chain itself could not be replayed; what "
        "was checked is the node's accounts after block {} ({} account(s), state root {}) and its supply_metrics row "
        "of that block against them",
        options.chain_path, report.scope.start_height, report.scope.start_accounts,
        report.scope.start_state_root ? report.scope.start_state_root->Hex() : "(none)"));
  for (const ReadIssue& issue : (*src)->read_issues())
    report.warnings.push_back(issue.line ? fmt::format("{}:{} at byte {}: {}", issue.file, issue.line, issue.offset, issue.what)
                                         : fmt::format("{} at byte {}: {}", issue.file, issue.offset, issue.what));
  if (!(*src)->read_issues().empty() && report.verdict == Verdict::kClean) report.verdict = Verdict::kInconclusive;
  if (report.blocks_checked == 0 && report.partial && report.stopped_by == StopReason::kNone)
    return Status::Corruption(report.stopped_reason);
  if (!options.verify_signatures)
    report.warnings.push_back(
        fmt::format("signatures were not checked ({})", options.option_names(OptionName::kSkipSignatures)));
  FORENSICS_RETURN_IF_ERROR(AttachTimeline(options, stop, &report));
  return report;
}

}  // namespace forensics
