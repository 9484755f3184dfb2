// Helpers shared by the commands.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "commands.h"
#include "forensics/input_spool.h"
#include "forensics/report.h"
#include "forensics/terminal_text.h"
#include "output.h"

namespace forensics::cli {

int ReportError(const Status& s) {
  PrintError(fmt::format("forensics: {}\n", s.ToString()));
  return s.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitUnreadable;
}

Status CheckOutDir(const Common& common, const std::vector<std::string>& inputs) {
  if (!common.out_dir) return Status::Ok();
  return CheckReportDir(*common.out_dir, inputs);
}

int EmitReport(const Common& common, const RenderedReport& r) {
  Status written = Status::Ok();
  if (common.out_dir)
    written = WriteReportFiles(*common.out_dir, {{"report.md", r.markdown}, {"report.json", TerminalSafeJson(r.json)}});
  switch (common.format) {
    case Format::kJson: PrintJson(r.json); break;
    case Format::kMarkdown: Print(r.markdown); break;
    case Format::kText:
      Print(r.text);
      if (common.out_dir && written.ok())
        Print(fmt::format("\nreport written to {0}/report.md and {0}/report.json; to file it:\n  {1}\n"
                          "(on a repository without the label '{2}', first: {3})\n",
                          *common.out_dir, GhIssueCommand(r.title, r.label, *common.out_dir), r.label,
                          GhLabelCommand(r.label)));
      break;
  }
  // The verdict is out either way; what could not be kept is said, and the status stays the verdict's.
  if (!written.ok()) PrintError(fmt::format("forensics: the report was not written: {}\n", written.message()));
  if (common.metrics_out) {
    RunMetrics m = r.metrics;
    m.issue = r.label;
    m.verdict = r.verdict;
    m.timestamp_seconds = static_cast<int64_t>(std::time(nullptr));
    if (Status s = WriteMetricsFile(*common.metrics_out, RenderRunMetrics(m)); !s.ok())
      PrintError(fmt::format("forensics: the metrics were not written: {}\n", TerminalSafe(s.message())));
  }
  return ExitStatusForVerdict(r.verdict);
}

bool ShowProgress(bool forced) { return forced || ::isatty(STDERR_FILENO); }

Status CheckStandardInputOnce(const Parsed& parsed) {
  std::vector<std::string> inputs;
  auto add = [&](const std::vector<std::string>& paths) { inputs.insert(inputs.end(), paths.begin(), paths.end()); };
  switch (parsed.kind) {
    case Parsed::Kind::kStateViolation:
      inputs.push_back(parsed.state_violation.options.chain_path);
      add(parsed.state_violation.options.log_files);
      break;
    case Parsed::Kind::kParityDrift:
      add(parsed.parity_drift.options.log_files);
      if (parsed.parity_drift.options.chain_path) inputs.push_back(*parsed.parity_drift.options.chain_path);
      if (parsed.parity_drift.options.metrics_path) inputs.push_back(*parsed.parity_drift.options.metrics_path);
      break;
    case Parsed::Kind::kImport: add(parsed.import.exports); break;
    case Parsed::Kind::kFingerprint: inputs.push_back(parsed.fingerprint.options.replay.chain_path); break;
    case Parsed::Kind::kNetworkFork:
      for (const auto& n : parsed.network_fork.options.nodes) inputs.push_back(n.path);
      add(parsed.network_fork.options.log_files);
      break;
    default: break;
  }
  if (std::count(inputs.begin(), inputs.end(), kStandardInput) > 1)
    return Status::InvalidArgument("\"-\" (standard input) is given as more than one input; it can be read once");
  return Status::Ok();
}

}  // namespace forensics::cli
