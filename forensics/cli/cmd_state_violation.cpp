// --issue state-violation.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/report.h"
#include "output.h"

namespace forensics::cli {

int RunStateViolation(const StateViolationCommand& c) {
  StateViolationOptions options = c.options;
  std::vector<std::string> inputs = options.log_files;
  inputs.push_back(options.chain_path);
  if (Status s = CheckOutDir(c.common, inputs); !s.ok()) return ReportError(s);
  options.stop_requested = InstallStopSignals();
  if (ShowProgress(c.common.progress)) {
    options.progress = [](const Progress& p) {
      double rate = p.seconds > 0 ? static_cast<double>(p.blocks) / p.seconds : 0;
      std::string eta;
      if (p.bytes_total > 0 && p.bytes_read > 0 && p.bytes_read < p.bytes_total)
        eta = fmt::format(", ETA {:.0f} s", p.seconds * static_cast<double>(p.bytes_total - p.bytes_read) /
                                                static_cast<double>(p.bytes_read));
      PrintProgress(fmt::format("\rreplaying: height {}, {} blocks, {:.0f} blocks/s{}   ", p.height, p.blocks, rate, eta));
    };
  }
  auto report = AnalyzeStateViolation(options);
  if (options.progress) PrintProgress("\r\033[K");
  if (!report) return ReportError(report.error());
  // A --block the chain does not resolve is a usage error, whether no block or several match.
  if (report->focus_error)
    return ReportError(Status::InvalidArgument(fmt::format("--block {}", report->focus_error->message())));

  ReportStamp stamp{FORENSICS_VERSION, c.common.command_line};
  RunMetrics metrics;
  metrics.partial = report->partial;
  metrics.state_violations = report->faults.size();
  if (report->first_bad) metrics.first_bad_height = report->first_bad->height;
  if (report->reorg && report->reorg->verified) metrics.verified_height = report->reorg->height;
  const int status = EmitReport(
      c.common, {report->verdict, RenderStateViolationText(*report), RenderStateViolationJson(*report, stamp),
                 RenderStateViolationMarkdown(*report, stamp), StateViolationTitle(*report), "state-violation", metrics});
  if (report->partial) PrintError(fmt::format("forensics: analysis stopped early: {}\n", report->stopped_reason));
  return report->stopped_by == StopReason::kRequested ? StopSignalStatus(status) : status;
}

}  // namespace forensics::cli
