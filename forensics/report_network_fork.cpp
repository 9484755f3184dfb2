// Rendering of the network-fork report: text, JSON (docs/fleet.md) and report.md with a Mermaid
// diagram of the branches. Node names are checked (CheckNodeName) and hashes are hex; paths, errors
// and warnings are untrusted text and go through TerminalSafe / md::Escape / md::Cell.
#include <fmt/format.h>

#include "forensics/markdown.h"
#include "forensics/network_fork.h"
#include "forensics/report.h"
#include "forensics/terminal_text.h"

namespace forensics {
namespace {

std::string OptHeight(const std::optional<BlockHeight>& h) { return h ? fmt::format("{}", *h) : "—"; }

std::string Short(std::string_view hex) { return std::string(hex.substr(0, 16)); }

std::string Names(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& n : v) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "—" : s;
}

std::string Codes(const std::vector<FindingCode>& codes) {
  std::string s;
  for (FindingCode c : codes) s += (s.empty() ? "" : ", ") + std::string(FindingCodeName(c));
  return s;
}

std::string BranchState(const NetworkBranch& b) {
  if (b.valid) return "valid";
  const NetworkBlock& bad = *b.first_bad_block;
  return fmt::format("BAD from block {} ({})", bad.height, Codes(bad.codes));
}

std::string Headline(const NetworkForkReport& r) {
  size_t reorg = 0, placed = 0;
  for (const NetworkNode& n : r.nodes) {
    reorg += n.action == NodeAction::kReorg;
    placed += n.branch.has_value();
  }
  std::string s = fmt::format("{} node(s), {} branch(es)", r.nodes.size(), r.branches.size());
  if (reorg) s += fmt::format(", {} node(s) must reorg", reorg);
  if (!r.errors.empty()) s += fmt::format(", {} input(s) could not be used", r.errors.size());
  return s;
}

void BlockJson(JsonWriter& w, std::string_view key, const std::optional<NetworkBlock>& b) {
  w.Key(key);
  if (!b) {
    w.Null();
    return;
  }
  w.BeginObject().Field("height", b->height).Field("hash", b->hash.Hex()).Key("codes").BeginArray();
  for (FindingCode c : b->codes) w.String(FindingCodeName(c));
  w.EndArray().EndObject();
}

}  // namespace

std::string NetworkForkTitle(const NetworkForkReport& r) {
  if (r.fork_choice && r.fork_choice->bad)
    return fmt::format("Network fork: the network would converge on a bad branch (tip {})", r.fork_choice->tip_height);
  if (r.verdict == Verdict::kViolation) return fmt::format("Network fork: {}", Headline(r));
  if (r.verdict == Verdict::kClean) return fmt::format("Network fork check: every node on one valid chain ({} nodes)", r.nodes.size());
  return fmt::format("Network fork check: inconclusive ({})", Headline(r));
}

std::string RenderNetworkForkText(const NetworkForkReport& r) {
  std::string o = fmt::format("network-fork: {} — {}\n", VerdictName(r.verdict), Headline(r));
  if (r.fork_choice) {
    const auto& fc = *r.fork_choice;
    o += fmt::format("fork choice: branch {} (tip block {}, {}): {}\n", fc.branch, fc.tip_height, Short(fc.tip_hash.Hex()),
                     fc.bad ? "FAILS the replay — the network would converge on a bad branch" : "valid");
  }
  if (r.chosen_branch) o += fmt::format("chosen branch (valid, upstream's rule): {}\n", *r.chosen_branch);
  else if (!r.branches.empty()) o += "chosen branch: none — no branch passes the replay\n";
  if (r.common_ancestor)
    o += fmt::format("common ancestor: block {} {}\n", r.common_ancestor->height, r.common_ancestor->hash.Hex());
  if (r.network_target) {
    const auto& t = *r.network_target;
    o += fmt::format("network target: block {} {} ({}{})\n  {}\n", t.height, t.hash.Hex(), t.verified ? "verified: " : "NOT verified: ",
                     t.verified_by, t.command);
  } else if (!r.branches.empty()) {
    o += "network target: none — no block every node holds passed the replay\n";
  }
  o += "\nnodes:\n";
  o += fmt::format("  {:<16} {:<11} {:>10} {:>6} {:>8} {:<12} {:<11}\n", "NAME", "SOURCE", "TIP", "BRANCH", "FORK", "VERDICT", "ACTION");
  for (const NetworkNode& n : r.nodes)
    o += fmt::format("  {:<16} {:<11} {:>10} {:>6} {:>8} {:<12} {:<11}\n", n.name, NodeSourceName(n.source), OptHeight(n.tip_height),
                     n.branch ? fmt::format("{}", *n.branch) : "—", OptHeight(n.fork_height), VerdictName(n.verdict),
                     NodeActionName(n.action));
  o += "\nbranches:\n";
  for (const NetworkBranch& b : r.branches)
    o += fmt::format("  {}: blocks {}..{}{}, tip {}, nodes {}: {}\n", b.id, b.from_height, b.tip_height,
                     b.parent ? fmt::format(" (leaves branch {} at block {})", *b.parent, b.from_height) : "",
                     Short(b.tip_hash.Hex()), Names(b.nodes), BranchState(b));
  bool any = false;
  for (const NetworkNode& n : r.nodes) {
    if (n.action != NodeAction::kReorg && n.action != NodeAction::kInvestigate) continue;
    if (!any) o += "\nper operator:\n";
    any = true;
    o += fmt::format("  {}: {}{}\n", n.name, n.command.empty() ? "" : n.command + "   # ", TerminalSafe(n.note));
  }
  if (!r.errors.empty()) {
    o += "\ninputs not used:\n";
    for (const auto& e : r.errors) o += fmt::format("  {}: {}\n", e.node.empty() ? "logs" : e.node, TerminalSafe(e.message));
  }
  if (!r.warnings.empty()) {
    o += "\nwarnings:\n";
    for (const auto& w : r.warnings) o += "  " + TerminalSafe(w) + "\n";
  }
  o += fmt::format("\n{} distinct block(s) compared; {} replay(s) of chain data\n", r.distinct_blocks, r.replays);
  return o;
}

std::string RenderNetworkForkJson(const NetworkForkReport& r, const ReportStamp& stamp) {
  JsonWriter w;
  w.BeginObject();
  WriteJsonHead(w, "network-fork", VerdictName(r.verdict), stamp, r.inputs, r.warnings);
  w.Key("nodes").BeginArray();
  for (const NetworkNode& n : r.nodes) {
    w.BeginObject().Field("name", n.name).Field("source", NodeSourceName(n.source)).Field("path", n.path);
    w.Key("tip_height");
    if (n.tip_height) w.Uint(*n.tip_height); else w.Null();
    w.Field("tip_hash", n.tip_hash);
    w.Key("branch");
    if (n.branch) w.Uint(static_cast<uint64_t>(*n.branch)); else w.Null();
    w.Key("fork_height");
    if (n.fork_height) w.Uint(*n.fork_height); else w.Null();
    w.Field("verdict", VerdictName(n.verdict));
    BlockJson(w, "first_bad_block", n.first_bad_block);
    w.Field("action", NodeActionName(n.action)).Field("command", n.command).Field("note", n.note);
    w.EndObject();
  }
  w.EndArray();
  w.Key("branches").BeginArray();
  for (const NetworkBranch& b : r.branches) {
    w.BeginObject().Key("id").Uint(static_cast<uint64_t>(b.id));
    w.Key("parent");
    if (b.parent) w.Uint(static_cast<uint64_t>(*b.parent)); else w.Null();
    w.Key("nodes").BeginArray();
    for (const auto& n : b.nodes) w.String(n);
    w.EndArray();
    w.Field("from_height", b.from_height).Field("tip_height", b.tip_height).Field("tip_hash", b.tip_hash.Hex());
    w.Field("valid", b.valid);
    BlockJson(w, "first_bad_block", b.first_bad_block);
    w.EndObject();
  }
  w.EndArray();
  w.Key("common_ancestor");
  if (r.common_ancestor) w.BeginObject().Field("height", r.common_ancestor->height).Field("hash", r.common_ancestor->hash.Hex()).EndObject();
  else w.Null();
  w.Key("network_target");
  if (r.network_target) {
    const auto& t = *r.network_target;
    w.BeginObject().Field("height", t.height).Field("hash", t.hash.Hex()).Field("command", t.command);
    w.Field("verified", t.verified).Field("verified_by", t.verified_by).EndObject();
  } else {
    w.Null();
  }
  w.Key("chosen_branch");
  if (r.chosen_branch) w.Uint(static_cast<uint64_t>(*r.chosen_branch)); else w.Null();
  w.Key("fork_choice");
  if (r.fork_choice) {
    w.BeginObject().Key("branch").Uint(static_cast<uint64_t>(r.fork_choice->branch));
    w.Field("tip_height", r.fork_choice->tip_height).Field("tip_hash", r.fork_choice->tip_hash.Hex());
    w.Field("bad", r.fork_choice->bad).EndObject();
  } else {
    w.Null();
  }
  w.Key("errors").BeginArray();
  for (const auto& e : r.errors) w.BeginObject().Field("node", e.node).Field("path", e.path).Field("message", e.message).EndObject();
  w.EndArray();
  w.Field("distinct_blocks", r.distinct_blocks).Field("replays", r.replays).Field("verdict_conflicts", r.verdict_conflicts);
  w.EndObject();
  return w.Finish();
}

std::string RenderNetworkForkMarkdown(const NetworkForkReport& r, const ReportStamp& stamp) {
  using md::Cell;
  using md::Escape;
  md::Document doc;
  std::string head = "## Network fork analysis\n\n";
  head += fmt::format("**Verdict: {}** — {}\n\n", VerdictName(r.verdict), Escape(Headline(r)));
  if (r.fork_choice && r.fork_choice->bad)
    head += fmt::format("> [!CAUTION]\n> **Upstream's fork choice (longest chain, then the lower hash) picks branch {}, "
                        "which fails the replay: the network would converge on a bad branch.**\n\n",
                        r.fork_choice->branch);
  head += "| What | Value |\n| --- | --- |\n";
  if (r.common_ancestor)
    head += fmt::format("| Common ancestor | block {} `{}` |\n", r.common_ancestor->height, r.common_ancestor->hash.Hex());
  if (r.network_target)
    head += fmt::format("| Network target | block {} `{}` ({}{}) |\n", r.network_target->height, r.network_target->hash.Hex(),
                        r.network_target->verified ? "verified: " : "**not verified**: ", Escape(r.network_target->verified_by));
  else
    head += "| Network target | none: no block every node holds passed the replay |\n";
  if (r.chosen_branch) head += fmt::format("| Chosen branch | {} (valid; upstream's rule among the valid branches) |\n", *r.chosen_branch);
  if (r.fork_choice)
    head += fmt::format("| Fork choice | branch {}, tip block {} `{}` |\n", r.fork_choice->branch, r.fork_choice->tip_height,
                        Short(r.fork_choice->tip_hash.Hex()));
  head += fmt::format("| Compared | {} distinct block(s), {} replay(s) of chain data |\n", r.distinct_blocks, r.replays);
  doc.Text(head + "\n### Nodes\n\n");
  std::vector<std::vector<std::string>> rows;
  for (const NetworkNode& n : r.nodes)
    rows.push_back({Cell(n.name), std::string(NodeSourceName(n.source)), OptHeight(n.tip_height),
                    n.tip_hash.empty() ? "—" : md::Code(Short(n.tip_hash)), n.branch ? fmt::format("{}", *n.branch) : "—",
                    OptHeight(n.fork_height), std::string(VerdictName(n.verdict)), std::string(NodeActionName(n.action)),
                    n.command.empty() ? "" : md::Code(n.command)});
  doc.Table({"Node", "Source", "Tip", "Tip hash", "Branch", "Fork height", "Verdict", "Action", "Command"}, std::move(rows));

  // The branches: one box each, an arrow from the branch it leaves labelled with the fork height,
  // bad branches in red, the chosen one in green, and the network target.
  std::string m = "\n### Branches\n\n```mermaid\nflowchart LR\n";
  for (const NetworkBranch& b : r.branches) {
    std::string label = fmt::format("branch {}<br/>blocks {}..{}<br/>tip {}<br/>nodes: {}", b.id, b.from_height, b.tip_height,
                                    Short(b.tip_hash.Hex()), Names(b.nodes));
    if (!b.valid) label += fmt::format("<br/>BAD from block {}", b.first_bad_block->height);
    m += fmt::format("  b{}[\"{}\"]\n", b.id, label);
  }
  for (const NetworkBranch& b : r.branches)
    if (b.parent) m += fmt::format("  b{} -->|\"fork at {}\"| b{}\n", *b.parent, b.from_height, b.id);
  if (r.network_target) {
    m += fmt::format("  target([\"network target<br/>block {}<br/>{}\"])\n", r.network_target->height, Short(r.network_target->hash.Hex()));
    // The target lies on the first branch holding its height on every node's chain.
    for (const NetworkBranch& b : r.branches)
      if (!b.parent) m += fmt::format("  target -.- b{}\n", b.id);
  }
  m += "  classDef bad fill:#fdd,stroke:#c00,color:#600\n  classDef chosen fill:#dfd,stroke:#080\n";
  for (const NetworkBranch& b : r.branches) {
    if (!b.valid) m += fmt::format("  class b{} bad\n", b.id);
    else if (r.chosen_branch && b.id == *r.chosen_branch) m += fmt::format("  class b{} chosen\n", b.id);
  }
  m += "```\n";
  std::string cmds;
  for (const NetworkNode& n : r.nodes) {
    if (n.action == NodeAction::kNone) continue;
    cmds += fmt::format("- **{}** ({}): {}{}\n", Cell(n.name), NodeActionName(n.action),
                        n.command.empty() ? "" : md::Code(n.command) + " — ", Escape(n.note));
  }
  if (!cmds.empty()) m += "\n### Per operator\n\nRun nothing before every operator agrees; the tool never runs these.\n\n" + cmds;
  if (!r.errors.empty()) {
    m += "\n### Inputs not used\n\n";
    for (const auto& e : r.errors) m += fmt::format("- {}: {}\n", e.node.empty() ? "logs" : Cell(e.node), Escape(e.message));
  }
  if (!r.warnings.empty()) {
    m += "\n### Warnings\n\n";
    for (const auto& w : r.warnings) m += "- " + Escape(w) + "\n";
  }
  doc.Text(m);
  return RenderWithStamp(doc, stamp, r.inputs);
}

}  // namespace forensics
