// The log timeline of a state-violation report: scan the daemon logs, centre on the first bad block
// (or the --block focus, or the last block), compare the roots nodes claimed with the replayed ones.
#include <algorithm>
#include <set>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/log_events.h"
#include "forensics/state_violation.h"

namespace forensics {
namespace {

// The transactions "Failed to apply transaction" rows name by their 16-hex prefix, resolved to full
// hashes: the chain is read again, up to the highest block such a row names.
void ResolveTxHashes(const StateViolationOptions& options, const StopCondition& stop, StateViolationReport* report) {
  std::set<BlockHeight> heights;
  for (const TimelineRow& row : report->timeline)
    if (!row.tx_hash.empty() && row.block_height) heights.insert(*row.block_height);
  if (heights.empty()) return;
  auto src = OpenChain(options.chain_path, report->profile);
  if (!src) {  // read once already; now the prefixes stay as logged, and say why
    for (TimelineRow& row : report->timeline)
      if (!row.tx_hash.empty()) row.tx_hash_note = "not resolved: " + src.error().message();
    return;
  }
  ChainRecord record;
  uint64_t n = 0;
  std::map<BlockHeight, std::vector<Hash32>> hashes;
  for (;;) {
    if (++n % 1024 == 0 && stop.Check() != StopReason::kNone) return;
    auto more = (*src)->Next(&record);
    if (!more || !*more) break;
    const Block* b = std::get_if<Block>(&record);
    if (b == nullptr || !heights.count(b->header.height)) continue;
    std::vector<Hash32>& list = hashes[b->header.height];
    for (const Transaction& tx : b->txs) {
      if (tx.hash) {
        list.push_back(*tx.hash);
      } else if (report->profile == Profile::kNeta && tx.message_complete) {
        list.push_back(NetaTxHash(tx));
      }
    }
    if (b->header.height >= *heights.rbegin() && hashes.size() == heights.size()) break;
  }
  for (TimelineRow& row : report->timeline) {
    if (row.tx_hash.empty() || !row.block_height) continue;
    auto it = hashes.find(*row.block_height);
    std::vector<const Hash32*> found;
    if (it != hashes.end())
      for (const Hash32& h : it->second)
        if (HexPrefixMatches(row.tx_hash, h.Hex())) found.push_back(&h);
    if (found.size() == 1) {
      row.tx_hash = found.front()->Hex();
    } else {
      row.tx_hash_note = found.empty() ? fmt::format("not among the transactions of block {}", *row.block_height)
                                       : fmt::format("ambiguous prefix ({} transactions)", found.size());
    }
  }
}

}  // namespace

Status AttachTimeline(const StateViolationOptions& options, const StopCondition& stop, StateViolationReport* report) {
  if (options.log_files.empty()) return Status::Ok();
  LogScanOptions so;
  so.stop = stop;
  so.since_us = options.since_us;
  so.until_us = options.until_us;
  so.year = options.year;
  // Which block the window is centred on.
  std::string anchor_label;
  TimelineAnchor anchor;
  if (report->first_bad) {
    anchor.height = report->first_bad->height;
    anchor.hash_prefix = report->first_bad->hash.Hex();
    anchor_label = fmt::format("first bad block {}", report->first_bad->height);
  } else if (report->focus) {
    anchor.height = report->focus->height;
    anchor.hash_prefix = report->focus->hash.Hex();
    anchor_label = fmt::format("block {}", report->focus->height);
  } else if (report->last_height) {
    anchor.height = *report->last_height;
    anchor_label = fmt::format("the last block checked ({})", *report->last_height);
  }

  TimelineOptions to;
  to.events_before = options.timeline_events;
  to.events_after = options.timeline_events;
  // Only the window's events are kept; the counts cover every event.
  LogScanResult scan;
  FORENSICS_RETURN_IF_ERROR(ScanLogsAround(options.log_files, so, anchor, to, &scan));
  if (scan.stopped) {
    report->partial = true;
    if (report->stopped_by == StopReason::kNone) report->stopped_by = so.stop.Check();
    report->stopped_reason += (report->stopped_reason.empty() ? "" : "; ") + ("logs: " + *scan.stopped);
    if (report->verdict == Verdict::kClean) report->verdict = Verdict::kInconclusive;
  }

  TimelineSummary sum;
  sum.anchor = anchor_label;
  sum.files = options.log_files;
  sum.events = scan.event_count;
  sum.problems = scan.problem_count;
  sum.read_issues = scan.read_issue_count;
  for (const std::string& w : scan.warnings) report->warnings.push_back("logs: " + w);
  for (const ReadIssue& i : scan.read_issues) {
    // Container damage is among scan.warnings already.
    if (i.kind == ReadIssue::Kind::kTruncatedFrame || i.kind == ReadIssue::Kind::kCorruptFrame ||
        i.kind == ReadIssue::Kind::kIoError)
      continue;
    report->warnings.push_back(fmt::format("logs: {} at byte {}: {}", i.file, i.offset, i.what));
  }
  for (const LogParseProblem& p : scan.problems)
    report->warnings.push_back(fmt::format("logs: {}:{} (byte {}): {}", p.file, p.line, p.offset, p.what));
  auto count = [&](EventKind k) {
    auto it = scan.events_by_kind.find(k);
    return it == scan.events_by_kind.end() ? uint64_t{0} : it->second;
  };
  sum.reorg_events = count(EventKind::kReorgTriggered) + count(EventKind::kReorgAncestor) +
                     count(EventKind::kReorgComplete);
  sum.rollback_events = count(EventKind::kRollback) + count(EventKind::kRollbackComplete);
  sum.incident_events = count(EventKind::kStateRootMismatch) + count(EventKind::kInflationDetected) +
                        count(EventKind::kPinQuorumFailed);

  // Replayed roots only for the heights the logs mention.
  std::map<uint64_t, std::string> roots;
  for (const LogEvent& e : scan.events) {
    if (!e.block_height || e.state_root_prefix.empty()) continue;
    if (auto root = report->blocks.ReplayedRoot(*e.block_height)) roots[*e.block_height] = root->Hex();
  }
  Timeline t = SelectTimeline(scan.events, anchor, roots, to);
  sum.anchor_found = t.anchor_found;
  sum.claims_matching = t.claims_matching;
  sum.claims_mismatching = t.claims_mismatching;
  sum.claims_not_committed = t.claims_not_committed;
  if (t.claims_not_committed != 0)
    report->warnings.push_back(fmt::format(
        "logs: {} claimed state root(s) in the timeline are all zeros (\"0000000000000000\"): the daemon committed "
        "to no root (upstream's ApplyBlock computes none), so they are counted as not committed, neither matching "
        "nor mismatching the replay",
        t.claims_not_committed));

  for (const TimelineEntry& te : t.entries) {
    const LogEvent& e = scan.events[te.event_index];
    TimelineRow row;
    row.time = e.has_time() ? FormatLogTime(e.time_us) : "";
    row.node = std::string(e.node);
    row.file = std::string(e.file);
    row.line = e.line;
    row.level = std::string(LogLevelName(e.level));
    row.kind = std::string(EventKindName(e.kind));
    row.msg = std::string(e.msg);
    if (auto err = e.Field("error")) row.msg += " — " + std::string(*err);
    row.block_height = e.block_height;
    if (!e.block_hash_prefix.empty()) {
      auto prefix = HashPrefix::Parse(e.block_hash_prefix);
      PrefixMatches m;
      if (prefix) m = report->blocks.Match(*prefix);
      if (m.match() == PrefixMatch::kUnique) {
        row.block_hash = m.listed.front().hash.Hex();
      } else {
        row.block_hash = std::string(e.block_hash_prefix);
        row.hash_note = m.match() == PrefixMatch::kAmbiguous ? "ambiguous prefix" : "not in the chain data";
      }
    }
    row.claimed_root = te.claimed_state_root;
    switch (te.root_check) {
      case TimelineEntry::RootCheck::kMatch: row.root_check = "match"; break;
      case TimelineEntry::RootCheck::kMismatch: row.root_check = "mismatch"; break;
      case TimelineEntry::RootCheck::kNoReplayedRoot: row.root_check = "no replayed root"; break;
      case TimelineEntry::RootCheck::kNotCommitted: row.root_check = "not committed"; break;
      case TimelineEntry::RootCheck::kNotApplicable: break;
    }
    if (!te.replayed_state_root.empty())
      row.replayed_root = te.replayed_state_root.substr(0, std::max<size_t>(te.claimed_state_root.size(), 16));
    if (auto tx = e.Field("tx_hash")) row.tx_hash = std::string(*tx);
    row.anchor = te.is_anchor;
    row.reorg = te.is_reorg;
    row.rollback = te.is_rollback;
    row.incident = te.is_incident;
    report->timeline.push_back(std::move(row));
  }
  report->timeline_summary = std::move(sum);
  ResolveTxHashes(options, stop, report);
  return Status::Ok();
}

}  // namespace forensics
