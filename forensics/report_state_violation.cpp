// Rendering of the state-violation report as text, JSON and a GitHub issue body.
#include <algorithm>
#include <map>
#include <tuple>

#include "forensics/wide_int.h"
#include "forensics/json_writer.h"
#include "forensics/markdown.h"
#include "forensics/report.h"

namespace forensics {
namespace {

__int128 Delta(uint64_t recorded, uint64_t replayed) {
  return static_cast<__int128>(recorded) - static_cast<__int128>(replayed);
}

std::string SignedDelta(uint64_t recorded, uint64_t replayed) { return I128ToString(Delta(recorded, replayed)); }

std::string TxList(const std::vector<size_t>& txs) {
  if (txs.empty()) return "—";
  std::string s;
  for (size_t i = 0; i < txs.size() && i < 8; ++i) s += (i ? ", " : "") + fmt::format("#{}", txs[i]);
  if (txs.size() > 8) s += fmt::format(" (+{})", txs.size() - 8);
  return s;
}

void WriteFinding(JsonWriter& w, const Finding& f) {
  w.BeginObject();
  w.Field("code", FindingCodeName(f.code));
  w.Key("upstream_error");
  const std::string_view upstream = UpstreamName(f.code);
  if (upstream.empty()) w.Null(); else w.String(upstream);
  w.Key("height").Uint(f.height);
  w.Field("expected", f.expected);
  w.Field("actual", f.actual);
  w.Key("values").BeginArray();
  for (const FindingValue& v : f.values) {
    w.BeginObject().Field("name", v.name).Field("unit", ValueUnitName(v.unit)).Field("relation", ValueRelationName(v.relation));
    w.Field("expected", v.expected).Field("actual", v.actual).EndObject();
  }
  w.EndArray();
  w.Field("detail", f.detail);
  w.Key("tx_index");
  if (f.tx_index) w.Uint(*f.tx_index); else w.Null();
  w.Key("tx_hash");
  if (f.tx_hash) w.String(f.tx_hash->Hex()); else w.Null();
  w.Key("accounts").BeginArray();
  for (const Address& a : f.accounts) w.String(a.Hex());
  w.EndArray();
  w.EndObject();
}

void WriteAccount(JsonWriter& w, const Account& a) {
  w.BeginObject().Key("balance").Amount(a.balance).Key("nonce").Amount(a.nonce).EndObject();
}

void WriteSupplyRow(JsonWriter& w, const SupplyRow& s) {
  w.BeginObject();
  w.Key("height").Uint(s.height);
  w.Key("supply_before").Amount(s.supply_before);
  w.Key("supply_after").Amount(s.supply_after);
  w.Key("reward").Amount(s.reward);
  w.Key("fees").Amount(s.fees);
  w.Key("dust").Amount(s.dust);
  w.Key("surplus").SignedAmount(s.surplus);
  w.Field("source", s.recorded ? "recorded" : "replayed");
  w.EndObject();
}

std::string FindingLine(const Finding& f) {
  std::string s(FindingCodeName(f.code));
  if (const std::string_view upstream = UpstreamName(f.code); !upstream.empty())
    s += fmt::format(" ({})", upstream);
  if (f.tx_index) s += fmt::format(" tx #{}", *f.tx_index);
  s += fmt::format(": expected {}, actual {}", f.expected, f.actual);
  if (!f.detail.empty()) s += " — " + f.detail;
  return s;
}

std::string_view LinkName(CauseLink l) {
  switch (l) {
    case CauseLink::kAccount: return "account";
    case CauseLink::kState: return "state";
    case CauseLink::kNone: break;
  }
  return "none";
}

std::string_view StartName(ReplayScope::Start s) {
  switch (s) {
    case ReplayScope::Start::kGenesis: return "genesis";
    case ReplayScope::Start::kSnapshot: return "snapshot";
    case ReplayScope::Start::kNone: break;
  }
  return "none";
}

std::string_view StartRootName(ReplayScope::StartRoot r) {
  switch (r) {
    case ReplayScope::StartRoot::kMatches: return "matches";
    case ReplayScope::StartRoot::kDiffers: return "differs";
    case ReplayScope::StartRoot::kNotCommitted: return "not-committed";
    case ReplayScope::StartRoot::kNotApplicable: break;
  }
  return "not-applicable";
}

void WriteRanges(JsonWriter& w, const std::vector<HeightRange>& ranges) {
  w.BeginArray();
  for (const HeightRange& r : ranges) w.BeginObject().Key("first").Uint(r.first).Key("last").Uint(r.last).EndObject();
  w.EndArray();
}

std::string Codes(const std::vector<FindingCode>& codes) {
  std::string s;
  for (FindingCode c : codes) s += (s.empty() ? "" : ", ") + std::string(FindingCodeName(c));
  return s;
}

// The faults after the first one (the first bad block is faults[0]).
size_t LaterFaults(const StateViolationReport& r) { return r.faults.empty() ? 0 : r.faults.size() - 1; }

}  // namespace

std::string StateViolationTitle(const StateViolationReport& r) {
  if (r.first_bad) {
    std::vector<FindingCode> codes;
    for (const Finding& f : r.first_bad->findings)
      if (std::find(codes.begin(), codes.end(), f.code) == codes.end()) codes.push_back(f.code);
    std::string list;
    for (size_t i = 0; i < codes.size() && i < 3; ++i) list += (i ? ", " : "") + std::string(FindingCodeName(codes[i]));
    if (codes.size() > 3) list += ", …";
    std::string title = fmt::format("State violation at block {} ({}): {}", r.first_bad->height, r.first_bad->hash.ShortHex(), list);
    if (const size_t more = LaterFaults(r); more > 0) {
      title += fmt::format("; independent fault{} at", more > 1 ? "s" : "");
      for (size_t i = 1; i < r.faults.size() && i <= 3; ++i)
        title += fmt::format("{} {} ({})", i > 1 ? "," : "", r.faults[i].height, Codes(r.faults[i].codes));
      if (more > 3 || r.faults_truncated) title += fmt::format(" and {} more", r.faults_truncated ? "many" : std::to_string(more - 3));
    }
    return title;
  }
  return fmt::format("State-violation analysis: {}", VerdictName(r.verdict));
}

std::string RenderStateViolationText(const StateViolationReport& r) {
  std::string o;
  std::string verdict(VerdictName(r.verdict));
  std::transform(verdict.begin(), verdict.end(), verdict.begin(), ::toupper);
  o += fmt::format("forensics state-violation: {}", verdict);
  if (r.scope.start == ReplayScope::Start::kSnapshot && !r.scope.replayed.empty())
    o += fmt::format(" from block {} on, starting state trusted (the node's snapshot of block {})", r.scope.replayed.front().first,
                     r.scope.start_height);
  o += "\n";
  // inputs: the chain, then the logs.
  for (size_t i = 0; i < r.inputs.size(); ++i)
    o += i == 0 ? fmt::format("chain: {} ({})\n", r.inputs[i].path, ProfileName(r.profile))
                : fmt::format("log: {}\n", r.inputs[i].path);
  o += fmt::format("checked: {} block(s)", r.blocks_checked);
  if (r.first_height) o += fmt::format(", heights {}..{}", *r.first_height, *r.last_height);
  o += fmt::format(", {} transaction(s), signatures {}\n", r.txs_checked, r.signatures_checked ? "checked" : "NOT checked");
  o += "scope: " + ScopeSentence(r) + "\n";
  if (r.partial) o += fmt::format("PARTIAL: analysis stopped early: {}\n", r.stopped_reason);
  if (r.first_bad) {
    const BadBlock& b = *r.first_bad;
    o += fmt::format("\nfirst bad block: {} {}\n", b.height, b.hash.Hex());
    for (const Finding& f : b.findings) o += "  " + FindingLine(f) + "\n";
    for (const std::string& n : b.notes) o += "  note: " + n + "\n";
    if (const size_t more = LaterFaults(r); more > 0) {
      o += fmt::format("\nindependent faults after it: {} block(s){}\n", more, r.faults_truncated ? " (and more, not listed)" : "");
      for (size_t i = 1; i < r.faults.size(); ++i)
        o += fmt::format("  block {} {}: {}\n", r.faults[i].height, r.faults[i].hash.Hex(), Codes(r.faults[i].codes));
    }
  }
  if (r.reorg) {
    o += fmt::format("\nreorg target: block {} {} ({})\n", r.reorg->height, r.reorg->hash.Hex(),
                     r.reorg->verified ? "verified: " + r.reorg->verified_by : r.reorg->verified_by);
    o += fmt::format("  run: {}\n", r.reorg->command);
  }
  if (r.later_total)
    o += fmt::format("\nlater findings: {} ({} consequence(s) of an earlier fault, {} independent)\n", r.later_total,
                     r.later_consequences, r.later_independent);
  if (r.focus) {
    o += fmt::format("\nblock {} (height {} {}) {}\n", r.focus->query, r.focus->height, r.focus->hash.Hex(), r.focus->relation);
  }
  if (r.timeline_summary) {
    const TimelineSummary& t = *r.timeline_summary;
    o += fmt::format("\nlogs: {} event(s); claimed state roots: {} match the replay, {} do not{}; {} reorg and {} rollback "
                     "event(s)\n",
                     t.events, t.claims_matching, t.claims_mismatching,
                     t.claims_not_committed ? fmt::format(", {} not committed (all zeros)", t.claims_not_committed) : "",
                     t.reorg_events, t.rollback_events);
    for (const TimelineRow& e : r.timeline) {
      if (!e.anchor && !e.reorg && !e.rollback && !e.incident && e.root_check != "mismatch") continue;
      o += fmt::format("  {} {} {} {}{}\n", e.time.empty() ? "?" : e.time, e.node, e.kind,
                       e.block_height ? fmt::format("block {} ", *e.block_height) : "",
                       e.root_check == "mismatch" ? fmt::format("claimed root {} vs replayed {}", e.claimed_root, e.replayed_root) : e.msg);
    }
  }
  if (!r.unverifiable.empty()) {
    o += "\nnot verifiable:\n";
    for (const auto& u : r.unverifiable)
      o += fmt::format("  {}: {} block(s), first at height {}\n", u.check, u.blocks, u.first_height);
  }
  if (!r.warnings.empty()) {
    o += "\nwarnings:\n";
    for (const auto& w : r.warnings) o += "  " + w + "\n";
  }
  return o;
}

// Integers (docs/cli.md): balances, nonces, supplies, rewards, fees, dust, gas and their differences can
// pass 2^53 and are written as strings of decimal digits (JsonWriter::Amount / SignedAmount, and
// the `values` of findings); heights, transaction indices and counts of blocks, transactions,
// findings, events and lines stay numbers.
std::string RenderStateViolationJson(const StateViolationReport& r, const ReportStamp& stamp) {
  JsonWriter w;
  w.BeginObject();
  WriteJsonHead(w, "state-violation", VerdictName(r.verdict), stamp, r.inputs, r.warnings);
  w.Key("unverifiable").BeginArray();
  for (const auto& u : r.unverifiable)
    w.BeginObject().Field("check", u.check).Field("blocks", u.blocks).Field("first_height", u.first_height).EndObject();
  w.EndArray();
  w.Field("profile", ProfileName(r.profile));
  w.Field("signatures_checked", r.signatures_checked);
  w.Key("blocks_checked").Uint(r.blocks_checked);
  w.Key("transactions_checked").Uint(r.txs_checked);
  w.Key("range");
  if (r.first_height) {
    w.BeginObject().Key("first_height").Uint(*r.first_height).Key("last_height").Uint(*r.last_height).EndObject();
  } else {
    w.Null();
  }
  w.Key("replay_start_snapshot");
  if (r.replay_start_snapshot) w.Uint(*r.replay_start_snapshot); else w.Null();
  w.Key("scope").BeginObject();
  w.Field("summary", ScopeSentence(r));
  w.Key("start").BeginObject().Field("kind", StartName(r.scope.start));
  w.Key("height");
  if (r.scope.start == ReplayScope::Start::kSnapshot) w.Uint(r.scope.start_height); else w.Null();
  w.Field("trusted", r.scope.start == ReplayScope::Start::kSnapshot);
  w.Field("root_check", StartRootName(r.scope.start_root)).EndObject();
  w.Key("requested_from");
  if (r.scope.requested_from) w.Uint(*r.scope.requested_from); else w.Null();
  w.Key("replayed");
  WriteRanges(w, r.scope.replayed);
  w.Key("read_only");
  WriteRanges(w, r.scope.read_only);
  w.EndObject();
  w.Field("partial", r.partial);
  w.Key("stopped_reason");
  if (r.partial) w.String(r.stopped_reason); else w.Null();

  w.Key("first_bad_block");
  if (r.first_bad) {
    const BadBlock& b = *r.first_bad;
    w.BeginObject();
    w.Key("height").Uint(b.height);
    w.Field("hash", b.hash.Hex());
    w.Field("source", b.source);
    w.Key("findings").BeginArray();
    for (const Finding& f : b.findings) WriteFinding(w, f);
    w.EndArray();
    w.Key("account_diffs").BeginArray();
    for (const AccountDiff& d : b.diffs) {
      w.BeginObject();
      w.Field("address", d.address.Hex());
      w.Key("replayed");
      WriteAccount(w, d.replayed);
      w.Key("recorded");
      if (d.recorded) WriteAccount(w, *d.recorded); else w.Null();
      w.Key("node_holds");
      WriteAccount(w, d.recorded_or_previous);
      w.Key("balance_delta").SignedAmount(ToSignedWei128(Delta(d.recorded_or_previous.balance, d.replayed.balance)));
      w.Key("nonce_delta").SignedAmount(ToSignedWei128(Delta(d.recorded_or_previous.nonce, d.replayed.nonce)));
      w.Key("touched_by_txs").BeginArray();
      for (size_t t : d.touched_by) w.Uint(t);
      w.EndArray();
      w.Field("source", d.source);
      w.EndObject();
    }
    w.EndArray();
    w.Key("supply");
    if (b.supply) WriteSupplyRow(w, *b.supply); else w.Null();
    w.Key("notes").BeginArray();
    for (const auto& n : b.notes) w.String(n);
    w.EndArray();
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("faults").BeginArray();
  for (const FaultBlock& f : r.faults) {
    w.BeginObject().Key("height").Uint(f.height).Field("hash", f.hash.Hex()).Key("codes").BeginArray();
    for (FindingCode c : f.codes) w.String(FindingCodeName(c));
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Field("faults_truncated", r.faults_truncated);
  w.Key("reorg_target");
  if (r.reorg) {
    w.BeginObject();
    w.Key("height").Uint(r.reorg->height);
    w.Field("hash", r.reorg->hash.Hex());
    w.Field("command", r.reorg->command);
    w.Field("verified", r.reorg->verified);
    w.Field("verified_by", r.reorg->verified_by);
    w.EndObject();
  } else {
    w.Null();
  }
  // Every later finding the replay kept (never cut to report.md's --later-cap); beyond
  // kMaxLaterFindings they are only counted, and `not_listed` says how many are missing.
  w.Key("later_findings").BeginArray();
  for (const LaterFinding& lf : r.later) {
    w.BeginObject();
    w.Field("label", lf.consequence ? "consequence" : "independent");
    w.Field("why", lf.why);
    w.Field("link", LinkName(lf.link));
    w.Key("cause_height");
    if (lf.consequence) w.Uint(lf.cause_height); else w.Null();
    w.Key("account");
    if (lf.account) w.String(lf.account->Hex()); else w.Null();
    w.Key("finding");
    WriteFinding(w, lf.finding);
    w.EndObject();
  }
  w.EndArray();
  w.Key("later_findings_summary").BeginObject();
  w.Key("total").Uint(r.later_total).Key("consequences").Uint(r.later_consequences);
  w.Key("independent").Uint(r.later_independent).Key("listed").Uint(r.later.size());
  w.Key("not_listed").Uint(r.later_total - r.later.size());
  w.Key("not_listed_reason");
  if (r.later.size() < r.later_total)
    w.String(fmt::format("the replay keeps at most {} later findings in memory; the counts include every one", kMaxLaterFindings));
  else
    w.Null();
  w.EndObject();
  w.Key("supply").BeginArray();
  for (const SupplyRow& s : r.supply) WriteSupplyRow(w, s);
  w.EndArray();
  w.Key("timeline_summary");
  if (r.timeline_summary) {
    const TimelineSummary& t = *r.timeline_summary;
    w.BeginObject();
    w.Key("files").BeginArray();
    for (const auto& f : t.files) w.String(f);
    w.EndArray();
    w.Key("events").Uint(t.events).Key("unparsable_lines").Uint(t.problems).Key("read_issues").Uint(t.read_issues);
    w.Field("anchor", t.anchor).Field("anchor_found", t.anchor_found);
    w.Key("claimed_roots_matching").Uint(t.claims_matching).Key("claimed_roots_mismatching").Uint(t.claims_mismatching);
    w.Key("claimed_roots_not_committed").Uint(t.claims_not_committed);
    w.Key("reorg_events").Uint(t.reorg_events).Key("rollback_events").Uint(t.rollback_events);
    w.Key("incident_events").Uint(t.incident_events);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("timeline").BeginArray();
  for (const TimelineRow& e : r.timeline) {
    w.BeginObject();
    w.Key("time");
    if (e.time.empty()) w.Null(); else w.String(e.time);
    w.Field("node", e.node).Field("file", e.file).Key("line").Uint(e.line);
    w.Field("level", e.level).Field("kind", e.kind).Field("msg", e.msg);
    w.Key("block_height");
    if (e.block_height) w.Uint(*e.block_height); else w.Null();
    w.Key("block_hash");
    if (e.block_hash.empty()) w.Null(); else w.String(e.block_hash);
    if (!e.hash_note.empty()) w.Field("block_hash_note", e.hash_note);
    if (!e.tx_hash.empty()) w.Field("tx_hash", e.tx_hash);
    if (!e.tx_hash_note.empty()) w.Field("tx_hash_note", e.tx_hash_note);
    if (!e.claimed_root.empty()) {
      w.Field("claimed_state_root", e.claimed_root);
      w.Key("replayed_state_root");
      if (e.replayed_root.empty()) w.Null(); else w.String(e.replayed_root);
      w.Field("root_check", e.root_check);
    }
    w.Field("anchor", e.anchor).Field("reorg", e.reorg).Field("rollback", e.rollback).Field("incident", e.incident);
    w.EndObject();
  }
  w.EndArray();
  w.Key("focus_block");
  if (r.focus) {
    w.BeginObject();
    w.Field("query", r.focus->query);
    w.Key("height").Uint(r.focus->height);
    w.Field("hash", r.focus->hash.Hex());
    w.Field("relation", r.focus->relation);
    w.Key("findings").BeginArray();
    for (const Finding& f : r.focus->findings) WriteFinding(w, f);
    w.EndArray();
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
  return w.Finish();
}

std::string RenderStateViolationMarkdown(const StateViolationReport& r, const ReportStamp& stamp) {
  using md::Cell;
  using md::Escape;
  md::Document doc;
  std::string head;
  head += "## State-violation analysis\n\n";
  head += fmt::format("**Verdict: {}**", VerdictName(r.verdict));
  if (r.first_bad) head += fmt::format(" — first bad block **{}** (`{}`)", r.first_bad->height, r.first_bad->hash.Hex());
  head += "\n\n";
  head += "| What | Value |\n| --- | --- |\n";
  for (size_t i = 0; i < r.inputs.size(); ++i) head += fmt::format("| {} | {} |\n", i == 0 ? "Chain" : "Log", Cell(r.inputs[i].path));
  head += fmt::format("| Profile | `{}` |\n", ProfileName(r.profile));
  head += fmt::format("| Blocks checked | {}{} |\n", r.blocks_checked,
                      r.first_height ? fmt::format(" (heights {}..{})", *r.first_height, *r.last_height) : "");
  head += fmt::format("| Transactions replayed | {} |\n", r.txs_checked);
  head += fmt::format("| Signatures | {} |\n", r.signatures_checked ? "checked" : "**not checked** (see warnings)");
  head += fmt::format("| Scope | {} |\n", Cell(ScopeSentence(r)));
  if (r.partial) head += fmt::format("| **Partial** | {} |\n", Cell(r.stopped_reason));
  head += "\n";
  doc.Text(head);

  if (r.first_bad) {
    const BadBlock& b = *r.first_bad;
    doc.Text(fmt::format("### First bad block: {}\n\nHash `{}`, from {}.\n\n", b.height, b.hash.Hex(), Escape(b.source)));
    std::vector<std::vector<std::string>> rows;
    for (const Finding& f : b.findings)
      rows.push_back({fmt::format("`{}`", FindingCodeName(f.code)), UpstreamName(f.code).empty() ? "—" : Cell(UpstreamName(f.code)),
                      f.tx_index ? fmt::format("#{}", *f.tx_index) : "—", Cell(f.expected), Cell(f.actual), Cell(f.detail)});
    doc.Table({"Finding", "Upstream error", "Tx", "Expected (replay)", "Actual (chain data)", "Detail"}, std::move(rows));
    for (const auto& n : b.notes) doc.Text(fmt::format("\n_{}_\n", Escape(n)));
    if (const size_t more = LaterFaults(r); more > 0) {
      doc.Text(fmt::format("\n#### Independent faults after it\n\n{} later block(s) have a fault of their own (no link to an "
                           "earlier one){}.\n\n",
                           more, r.faults_truncated ? "; more were found than are listed" : ""));
      std::vector<std::vector<std::string>> frows;
      for (size_t i = 1; i < r.faults.size(); ++i) {
        std::string codes;
        for (FindingCode c : r.faults[i].codes) codes += (codes.empty() ? "" : ", ") + fmt::format("`{}`", FindingCodeName(c));
        frows.push_back({fmt::format("{}", r.faults[i].height), fmt::format("`{}`", r.faults[i].hash.Hex()), codes});
      }
      doc.Table({"Height", "Hash", "Findings"}, std::move(frows));
    }
    if (!b.diffs.empty()) {
      doc.Text("\n#### Per-account diff\n\n");
      std::vector<std::vector<std::string>> drows;
      for (const AccountDiff& d : b.diffs)
        drows.push_back({fmt::format("`{}`", d.address.Hex()), fmt::format("{}", d.replayed.balance),
                         d.recorded ? fmt::format("{}", d.recorded->balance) : fmt::format("{} (not recorded)", d.recorded_or_previous.balance),
                         SignedDelta(d.recorded_or_previous.balance, d.replayed.balance),
                         fmt::format("{} / {}", d.replayed.nonce, d.recorded_or_previous.nonce), TxList(d.touched_by), d.source});
      doc.Table({"Account", "Replayed balance", "Recorded balance", "Delta", "Nonce (replayed / recorded)", "Touched by txs", "Source"},
                std::move(drows));
    }
    if (b.supply && b.supply->recorded) {
      const SupplyRow& s = *b.supply;
      doc.Text(fmt::format(
          "\n#### Supply at block {}\n\nMinted by the node: {} wei; expected by the rules: reward {} − dust {} = {} wei; "
          "{} **{}** wei.\n",
          s.height, I128ToString(static_cast<__int128>(Wide(s.supply_after)) - static_cast<__int128>(Wide(s.supply_before))), s.reward,
          s.dust, static_cast<int64_t>(s.reward) - static_cast<int64_t>(s.dust), !s.surplus.negative() ? "surplus" : "deficit",
          I128ToString(Wide(s.surplus) >= 0 ? Wide(s.surplus) : -Wide(s.surplus))));
    }
  } else {
    doc.Text(r.verdict == Verdict::kClean ? "No block breaks a rule that could be checked.\n\n"
                                  : "No violation was found, but the analysis could not check enough to call the chain clean.\n\n");
  }

  if (r.reorg) {
    doc.Text(fmt::format("\n### Reorg target\n\nBlock **{}** `{}` — {}.\n\nAfter halting block production, run:\n\n```sh\n{}\n```\n\n",
                         r.reorg->height, r.reorg->hash.Hex(),
                         r.reorg->verified ? "state verified by " + Escape(r.reorg->verified_by) : Escape(r.reorg->verified_by),
                         r.reorg->command));
  }
  if (r.later_total) {
    doc.Text(fmt::format("\n### Later findings\n\n{} finding(s) after block {}: {} consequence(s) of an earlier fault, {} "
                         "independent. The replay went on from the replayed state; a consequence names its link (an "
                         "account that still differs from the node's, or a state that has not matched it since).\n\n",
                         r.later_total, r.first_bad ? r.first_bad->height : 0, r.later_consequences, r.later_independent));
    // A run of the same finding (code, label, link and detail) at consecutive heights is one row,
    // "138–199", "`state-root-mismatch` ×62", whatever other findings come between; rows in the
    // order their runs start, at most later_cap of them.
    struct Run {
      const LaterFinding* first;
      BlockHeight last;
      size_t count;
    };
    std::vector<Run> runs;
    std::map<std::tuple<FindingCode, bool, std::string_view, std::string_view>, size_t> open;  // → index in runs
    for (const LaterFinding& lf : r.later) {
      const auto key = std::tuple(lf.finding.code, lf.consequence, std::string_view(lf.why), std::string_view(lf.finding.detail));
      auto it = open.find(key);
      if (it != open.end() && runs[it->second].last + 1 == lf.finding.height) {
        Run& run = runs[it->second];
        run.last = lf.finding.height;
        ++run.count;
        continue;
      }
      open[key] = runs.size();
      runs.push_back({&lf, lf.finding.height, 1});
    }
    size_t listed = 0;
    std::vector<std::vector<std::string>> rows;
    for (size_t k = 0; k < runs.size() && k < r.markdown_later_cap; ++k) {
      const Run& run = runs[k];
      const LaterFinding& lf = *run.first;
      rows.push_back({run.count > 1 ? fmt::format("{}–{}", lf.finding.height, run.last) : fmt::format("{}", lf.finding.height),
                      fmt::format("`{}`{}", FindingCodeName(lf.finding.code), run.count > 1 ? fmt::format(" ×{}", run.count) : ""),
                      lf.consequence ? "consequence" : "**independent**", Cell(lf.why), Cell(lf.finding.detail)});
      listed += run.count;
    }
    const size_t row_count = rows.size();
    doc.Table({"Height", "Finding", "Label", "Why", "Detail"}, std::move(rows));
    if (listed < r.later_total)
      doc.Text(fmt::format("\n_{} of {} later findings are listed here, in the first {} runs; report.json lists {}._\n", listed,
                           r.later_total, row_count,
                           r.later.size() == r.later_total ? "every one"
                                                           : fmt::format("the first {} (the replay keeps no more)", r.later.size())));
  }
  if (!r.supply.empty() && r.first_bad) {
    doc.Text("\n### Supply near the break\n\n");
    std::vector<std::vector<std::string>> rows;
    for (const SupplyRow& s : r.supply)
      rows.push_back({fmt::format("{}", s.height), ToDecimal(s.supply_before), ToDecimal(s.supply_after),
                      fmt::format("{}", s.reward), fmt::format("{}", s.fees), fmt::format("{}", s.dust),
                      ToDecimal(s.surplus), s.recorded ? "recorded" : "replayed"});
    doc.Table({"Height", "Supply before", "Supply after", "Reward", "Fees", "Dust", "Surplus", "Source"}, std::move(rows));
  }
  if (r.timeline_summary) {
    const TimelineSummary& t = *r.timeline_summary;
    doc.Text(fmt::format(
        "\n### Timeline from the logs\n\n{} event(s) in {} file(s); centred on {}{}. Claimed state roots: {} match the "
        "replay, **{}** do not{}. Reorg events: {}, rollback events: {}, incident markers: {}.{}\n\n",
        t.events, t.files.size(), Escape(t.anchor), t.anchor_found ? "" : " (no log line names it)", t.claims_matching,
        t.claims_mismatching,
        t.claims_not_committed ? fmt::format(", {} are all zeros (not committed)", t.claims_not_committed) : "",
        t.reorg_events, t.rollback_events, t.incident_events,
        t.problems || t.read_issues ? fmt::format(" {} unparsable line(s) and {} damaged region(s) were skipped (see warnings).",
                                                  t.problems, t.read_issues)
                                    : ""));
    std::vector<std::vector<std::string>> rows;
    for (const TimelineRow& e : r.timeline) {
      std::string flag = e.anchor ? "**▶**" : e.reorg ? "reorg" : e.rollback ? "rollback" : e.incident ? "**incident**" : "";
      std::string root;
      if (!e.claimed_root.empty())
        root = fmt::format("{} vs replay {}: {}", md::Code(e.claimed_root),
                           e.replayed_root.empty() ? "—" : md::Code(e.replayed_root),
                           e.root_check == "mismatch" ? "**mismatch**" : Cell(e.root_check));
      std::string hash = e.block_hash.empty() ? "" : md::Code(e.block_hash.substr(0, 16));
      if (!e.hash_note.empty()) hash += " (" + Cell(e.hash_note) + ")";
      rows.push_back({flag, Cell(e.time.empty() ? "?" : e.time), Cell(e.node, 40), Cell(e.level), Cell(e.kind),
                      e.block_height ? fmt::format("{}", *e.block_height) : "", hash, root, Cell(e.msg, 160)});
    }
    // The table folds away under its summary (the paragraph above stays in view).
    doc.Text("<details><summary>The events</summary>\n\n");
    doc.Table({"", "Time (UTC)", "Node", "Level", "Event", "Height", "Block", "State root", "Message"}, std::move(rows));
    doc.Text("\n</details>\n");
  }
  if (r.focus) {
    doc.Text(fmt::format("\n### Block {}\n\nHeight {}, hash `{}`: {}.\n", Escape(r.focus->query), r.focus->height,
                         r.focus->hash.Hex(), Escape(r.focus->relation)));
  }
  if (!r.unverifiable.empty()) {
    doc.Text("\n### What could not be checked\n\n");
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : r.unverifiable) rows.push_back({Cell(u.check), fmt::format("{}", u.blocks), fmt::format("{}", u.first_height)});
    doc.Table({"Check", "Blocks", "First height"}, std::move(rows));
  }
  if (!r.warnings.empty()) {
    doc.Text("\n### Warnings\n\n");
    std::string w;
    for (const auto& s : r.warnings) w += "- " + Escape(s) + "\n";
    doc.Text(w);
  }
  return RenderWithStamp(doc, stamp, r.inputs);
}

}  // namespace forensics
