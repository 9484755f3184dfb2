// forensics fingerprint, and --issue network-fork.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "commands.h"
#include "forensics/network_fork.h"
#include "forensics/report.h"
#include "forensics/terminal_text.h"
#include "output.h"

namespace forensics::cli {
namespace {

// This host's name as a node name: characters a node name may not hold become '_'.
std::string HostNodeName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "node";
  std::string s;
  for (const char* p = buf; *p && s.size() < 64; ++p)
    s += std::isalnum(static_cast<unsigned char>(*p)) || *p == '.' || *p == '_' || *p == '-' ? *p : '_';
  return s;
}

}  // namespace

int RunFingerprint(const FingerprintCommand& c) {
  FingerprintOptions options = c.options;
  if (options.node.empty()) options.node = HostNodeName();
  options.replay.stop_requested = InstallStopSignals();
  if (ShowProgress(c.progress)) {
    options.replay.progress = [](const Progress& p) {
      PrintProgress(fmt::format("\rfingerprinting: height {}, {} blocks   ", p.height, p.blocks));
    };
  }
  auto summary = MakeFingerprint(options);
  if (options.replay.progress) PrintProgress("\r\033[K");
  if (!summary) return ReportError(summary.error());
  const FingerprintEnd& e = summary->end;
  Print(fmt::format("fingerprint of node {} written to {}: {} block(s), tip {}; the replay's verdict: {}\n", options.node,
                    TerminalSafe(options.out_path), e.blocks,
                    e.tip_height ? fmt::format("block {} {}", *e.tip_height, e.tip_hash.Hex()) : "none", VerdictName(e.verdict)));
  Print(fmt::format("scope: {}\nsha256 of its lines: {}\n", TerminalSafe(e.scope), summary->sha256));
  for (const std::string& w : summary->warnings) PrintError(fmt::format("forensics: warning: {}\n", TerminalSafe(w)));
  if (e.partial) {
    PrintError(fmt::format("forensics: the replay stopped early ({}): the fingerprint ends there and says so\n",
                           TerminalSafe(e.stopped_reason)));
    return StopSignalStatus(kExitInconclusive);
  }
  return kExitClean;
}

int RunNetworkFork(const NetworkForkCommand& c) {
  NetworkForkOptions options = c.options;
  std::vector<std::string> inputs = options.log_files;
  for (const auto& n : options.nodes) inputs.push_back(n.path);
  if (Status s = CheckOutDir(c.common, inputs); !s.ok()) return ReportError(s);
  options.stop_requested = InstallStopSignals();
  auto report = AnalyzeNetworkFork(options);
  if (!report) return ReportError(report.error());
  ReportStamp stamp{FORENSICS_VERSION, c.common.command_line};
  RunMetrics metrics;
  for (const NetworkNode& n : report->nodes) metrics.state_violations += n.action == NodeAction::kReorg;
  for (const NetworkBranch& b : report->branches)
    if (b.first_bad_block && (!metrics.first_bad_height || b.first_bad_block->height < *metrics.first_bad_height))
      metrics.first_bad_height = b.first_bad_block->height;
  if (report->network_target && report->network_target->verified) metrics.verified_height = report->network_target->height;
  const int status =
      EmitReport(c.common, {report->verdict, RenderNetworkForkText(*report), RenderNetworkForkJson(*report, stamp),
                            RenderNetworkForkMarkdown(*report, stamp), NetworkForkTitle(*report), "network-fork", metrics});
  // No node could be used at all: nothing was analysed (the report says why).
  const bool none_used = std::all_of(report->nodes.begin(), report->nodes.end(),
                                     [](const NetworkNode& n) { return n.action == NodeAction::kInvestigate; });
  return StopSignalStatus(none_used && !report->errors.empty() ? kExitUnreadable : status);
}

}  // namespace forensics::cli
