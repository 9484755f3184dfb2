// --issue parity-drift.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/parity.h"
#include "forensics/report.h"
#include "output.h"

namespace forensics::cli {

int RunParityDrift(const ParityDriftCommand& c) {
  ParityDriftOptions options = c.options;
  std::vector<std::string> inputs = options.log_files;
  for (const auto& p : {options.chain_path, options.metrics_path})
    if (p) inputs.push_back(*p);
  if (Status s = CheckOutDir(c.common, inputs); !s.ok()) return ReportError(s);
  options.stop_requested = InstallStopSignals();
  auto report = AnalyzeParityDrift(options);
  if (!report) return ReportError(report.error());
  ReportStamp stamp{FORENSICS_VERSION, c.common.command_line};
  RunMetrics metrics;
  metrics.partial = report->partial;
  metrics.drifts = report->drifts;
  metrics.drift_rate = report->drift_rate;
  const int status =
      EmitReport(c.common, {report->verdict, RenderParityDriftText(*report), RenderParityDriftJson(*report, stamp),
                            RenderParityDriftMarkdown(*report, stamp), ParityDriftTitle(*report), "parity-drift", metrics});
  if (report->partial) PrintError(fmt::format("forensics: analysis stopped early: {}\n", report->stopped_reason));
  return report->partial ? StopSignalStatus(status) : status;
}

}  // namespace forensics::cli
