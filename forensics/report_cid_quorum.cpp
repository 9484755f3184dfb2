// Rendering of the cid-quorum audit: text summary, JSON (docs/cid.md) and the GitHub issue body.
// CIDs, node names and error texts come from the inputs: escaped for each output.
#include <fmt/format.h>

#include <algorithm>

#include "forensics/cid_quorum.h"
#include "forensics/log_events.h"
#include "forensics/report.h"

namespace forensics {
namespace {

// One line of input-derived text for the text summary: control bytes and newlines made visible
// (the CLI's TerminalSafe keeps newlines, which could forge lines of the summary).
std::string OneLine(std::string_view s, size_t max = 200) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= max) {
      out += "…";
      break;
    }
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string Time(int64_t t) { return t == kCidNoTime ? "" : FormatLogTime(t); }

std::string Percent(double v) { return fmt::format("{:.2f}%", v * 100); }

size_t Count(const CidQuorumReport& r, CidStatus s) {
  return static_cast<size_t>(
      std::count_if(r.cids.begin(), r.cids.end(), [&](const CidEntry& e) { return e.status == s; }));
}

constexpr CidStatus kStatuses[] = {CidStatus::kInvalidCid,  CidStatus::kContentMismatch, CidStatus::kFailed,
                                   CidStatus::kBelowQuorum, CidStatus::kPseudoCid,       CidStatus::kUnverified,
                                   CidStatus::kOk};

std::string Counts(const CidQuorumReport& r) {
  std::string s;
  for (CidStatus st : kStatuses) {
    if (size_t n = Count(r, st); n > 0) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", n, CidStatusName(st));
  }
  return s.empty() ? "none" : s;
}

std::string RateLine(const CidQuorumReport& r) {
  if (!r.failure_rate) return "pin failure rate: unknown (no quorum outcome in the logs, no pin metrics)";
  return fmt::format(
      "pin failure rate {} (from the {}): alert PinQuorumFailure (> 5%) {}; soak criterion (success > 99%) {}",
      Percent(*r.failure_rate), r.failure_rate_source, r.alert_fires ? "FIRES" : "quiet",
      r.soak_passes ? "passes" : "FAILS");
}

}  // namespace

std::string CidQuorumTitle(const CidQuorumReport& r) {
  const size_t bad = Count(r, CidStatus::kBelowQuorum) + Count(r, CidStatus::kFailed);
  if (r.verdict == Verdict::kViolation)
    return fmt::format("CID quorum failure: {} CID(s) below quorum {}, {} invalid, {} mismatched", bad, r.quorum.Text(),
                       Count(r, CidStatus::kInvalidCid), Count(r, CidStatus::kContentMismatch));
  return fmt::format("CID audit: {} CID(s), quorum {}: {}", r.cids.size(), r.quorum.Text(), VerdictName(r.verdict));
}

std::string RenderCidQuorumText(const CidQuorumReport& r) {
  std::string s = fmt::format("cid-quorum: {} — {} CID(s): {}\n", VerdictName(r.verdict), r.cids.size(), Counts(r));
  s += fmt::format("quorum {} ({}); {} IPFS node(s) known\n", r.quorum.Text(), OneLine(r.quorum_source),
                   r.ipfs_node_count);
  s += RateLine(r) + "\n";
  if (r.cids.empty()) s += "nothing to audit: no log line, manifest or content file names a CID\n";
  bool header = false;
  for (const CidEntry& e : r.cids) {
    if (e.status == CidStatus::kOk) continue;
    if (!header) {
      s += "\nCIDs needing attention:\n";
      header = true;
    }
    s += fmt::format("  {:<16} {}  pins {}  {}\n", CidStatusName(e.status), OneLine(e.cid, 80), e.pins(),
                     OneLine(e.why));
  }
  if (!r.nodes.empty()) {
    s += "\nIPFS nodes:\n";
    for (const IpfsNodeStats& n : r.nodes) {
      s += fmt::format("  {}  attempts {}  failures {} ({}){}{}\n", OneLine(n.node, 80), n.attempts, n.failures,
                       Percent(n.failure_rate()), n.last_attempt_failed ? "  LAST ATTEMPT FAILED" : "",
                       n.last_error.empty() ? "" : "  last error: " + OneLine(n.last_error, 120));
    }
  }
  s += "\nRunbook decisions (printed, never run):\n";
  for (const CidAction& a : r.actions) {
    if (!a.command.empty())
      s += "  " + OneLine(a.command, 400) + "\n";
    else
      s += "  - " + OneLine(a.text, 400) + "\n";
  }
  for (const std::string& w : r.warnings) s += "warning: " + OneLine(w, 400) + "\n";
  return s;
}

std::string RenderCidQuorumJson(const CidQuorumReport& r, const ReportStamp& stamp) {
  JsonWriter w;
  w.BeginObject();
  WriteJsonHead(w, "cid-quorum", VerdictName(r.verdict), stamp, r.inputs, r.warnings);
  w.Key("quorum")
      .BeginObject()
      .Field("text", r.quorum.Text())
      .Field("required", uint64_t{r.quorum.required})
      .Field("total", uint64_t{r.quorum.total})
      .Field("source", r.quorum_source)
      .EndObject();
  w.Key("cids").BeginArray();
  for (const CidEntry& e : r.cids) {
    w.BeginObject().Field("cid", e.cid).Field("status", CidStatusName(e.status)).Field("why", e.why);
    w.Key("syntax_error");
    e.syntax_error ? w.String(*e.syntax_error) : w.Null();
    w.Field("pins", e.pins());
    w.Key("pinned_nodes").BeginArray();
    for (const std::string& n : e.pinned_nodes) w.String(n);
    w.EndArray();
    w.Key("failures").BeginArray();
    for (const CidFailure& f : e.failures) {
      w.BeginObject().Field("node", f.node).Field("error", f.error).Field("where", f.where);
      w.Key("time");
      f.time_us == kCidNoTime ? w.Null() : w.String(FormatLogTime(f.time_us));
      w.EndObject();
    }
    w.EndArray();
    w.Key("content").BeginObject();
    w.Key("match");
    e.content_match.empty() ? w.Null() : w.String(e.content_match);
    w.Key("bytes");
    e.content_bytes ? w.Uint(*e.content_bytes) : w.Null();
    w.Key("error");
    e.content_error ? w.String(*e.content_error) : w.Null();
    w.Key("manifest_content_hash");
    e.manifest_content_hash ? w.String(*e.manifest_content_hash) : w.Null();
    w.Key("content_hash_matches");
    e.content_hash_matches ? w.Bool(*e.content_hash_matches) : w.Null();
    w.EndObject();
    w.Key("pseudo_cid_of_block");
    e.pseudo_block ? w.Uint(*e.pseudo_block) : w.Null();
    w.Field("mentions", e.mentions);
    w.Key("seen_in").BeginArray();
    for (const std::string& p : e.seen_in) w.String(p);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("ipfs_nodes").BeginArray();
  for (const IpfsNodeStats& n : r.nodes) {
    w.BeginObject()
        .Field("node", n.node)
        .Field("host", n.host)
        .Field("attempts", n.attempts)
        .Field("failures", n.failures);
    w.Key("failure_rate").Double(n.failure_rate());
    w.Key("first_failure");
    n.first_failure_us == kCidNoTime ? w.Null() : w.String(Time(n.first_failure_us));
    w.Key("last_failure");
    n.last_failure_us == kCidNoTime ? w.Null() : w.String(Time(n.last_failure_us));
    w.Key("last_error");
    n.last_error.empty() ? w.Null() : w.String(n.last_error);
    w.Field("last_attempt_failed", n.last_attempt_failed);
    w.EndObject();
  }
  w.EndArray();
  w.Key("failure_rate");
  r.failure_rate ? w.Double(*r.failure_rate) : w.Null();
  w.Key("failure_rate_source");
  r.failure_rate ? w.String(r.failure_rate_source) : w.Null();
  w.Key("pin_outcomes")
      .BeginObject()
      .Field("logged_quorum_met", r.pins_ok_logged)
      .Field("logged_quorum_failed", r.pins_failed_logged);
  w.Key("metrics_success_total");
  r.metrics_success_total ? w.Double(*r.metrics_success_total) : w.Null();
  w.Key("metrics_failures_total");
  r.metrics_failures_total ? w.Double(*r.metrics_failures_total) : w.Null();
  w.EndObject();
  w.Field("alert_fires", r.alert_fires).Field("soak_passes", r.soak_passes);
  w.Field("lower_quorum_is_runbook_case", r.lower_quorum_is_runbook_case);
  w.Key("actions").BeginArray();
  for (const CidAction& a : r.actions) {
    w.BeginObject().Field("kind", a.kind).Field("text", a.text);
    if (!a.node.empty()) w.Field("node", a.node);
    if (!a.cid.empty()) w.Field("cid", a.cid);
    if (!a.command.empty()) w.Field("command", a.command);
    w.EndObject();
  }
  w.EndArray();
  w.Key("read")
      .BeginObject()
      .Field("log_events", r.log_events)
      .Field("manifests", r.manifests_read)
      .Field("content_files", r.content_files_checked)
      .Field("chain_blocks", r.chain_blocks)
      .Field("partial", r.partial)
      .EndObject();
  w.EndObject();
  return w.Finish();
}

std::string RenderCidQuorumMarkdown(const CidQuorumReport& r, const ReportStamp& stamp) {
  md::Document d;
  d.Text(fmt::format("## {}\n\nVerdict: **{}**. {} CID(s): {}. Quorum `{}` ({}); {} IPFS node(s) known.\n\n{}.\n",
                     md::Escape(CidQuorumTitle(r)), VerdictName(r.verdict), r.cids.size(), Counts(r), r.quorum.Text(),
                     md::Escape(r.quorum_source), r.ipfs_node_count, md::Escape(RateLine(r))));
  std::vector<std::vector<std::string>> rows;
  for (const CidEntry& e : r.cids) {
    std::string failed;
    for (const CidFailure& f : e.failures) {
      if (!failed.empty()) failed += "; ";
      failed += (f.node.empty() ? "" : f.node + ": ") + f.error;
      if (failed.size() > 300) break;
    }
    std::string joined;
    for (const std::string& n : e.pinned_nodes) joined += (joined.empty() ? "" : ", ") + n;
    rows.push_back({md::Code(e.cid), std::string(CidStatusName(e.status)), std::to_string(e.pins()), md::Cell(joined),
                    md::Cell(failed), md::Cell(e.content_match.empty() ? "-" : e.content_match), md::Cell(e.why)});
  }
  d.Text("\n### CIDs\n\n");
  d.Table({"CID", "status", "pins", "pinned on", "failed (error)", "content", "why"}, std::move(rows));
  if (!r.nodes.empty()) {
    std::vector<std::vector<std::string>> nodes;
    for (const IpfsNodeStats& n : r.nodes) {
      nodes.push_back({md::Cell(n.node), std::to_string(n.attempts), std::to_string(n.failures),
                       Percent(n.failure_rate()), Time(n.first_failure_us), Time(n.last_failure_us),
                       md::Cell(n.last_error), n.last_attempt_failed ? "**down?** last attempt failed" : ""});
    }
    d.Text("\n### IPFS nodes\n\n");
    d.Table({"node", "attempts", "failures", "failure rate", "first failure", "last failure", "last error", "state"},
            std::move(nodes));
  }
  std::string actions = "\n### Runbook decisions (worked out, never run)\n\n";
  std::string commands;
  for (const CidAction& a : r.actions) {
    if (!a.command.empty())
      commands += a.command + "\n";
    else
      actions += "- " + md::Escape(a.text, 1000) + "\n";
  }
  d.Text(actions);
  if (!commands.empty()) d.Text("\nRe-pin commands:\n\n```sh\n" + commands + "```\n");
  if (!r.warnings.empty()) {
    std::string w = "\n### Warnings\n\n";
    for (size_t i = 0; i < r.warnings.size() && i < 50; ++i) w += "- " + md::Escape(r.warnings[i]) + "\n";
    if (r.warnings.size() > 50) w += fmt::format("- … {} more in report.json\n", r.warnings.size() - 50);
    d.Text(w);
  }
  return RenderWithStamp(d, stamp, r.inputs);
}

}  // namespace forensics
