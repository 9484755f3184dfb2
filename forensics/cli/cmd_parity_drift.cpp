// --issue parity-drift.
#include "commands.h"
#include "forensics/parity.h"
#include "forensics/report.h"

namespace forensics::cli {

int RunParityDrift(const ParityDriftCommand& c) {
  std::vector<std::string> inputs = c.options.log_files;
  for (const auto& p : {c.options.chain_path, c.options.metrics_path})
    if (p) inputs.push_back(*p);
  if (Status s = CheckOutDir(c.common, inputs); !s.ok()) return ReportError(s);
  auto report = AnalyzeParityDrift(c.options);
  if (!report) return ReportError(report.error());
  ReportStamp stamp{FORENSICS_VERSION, c.common.command_line};
  return EmitReport(c.common, {report->verdict, RenderParityDriftText(*report), RenderParityDriftJson(*report, stamp),
                               RenderParityDriftMarkdown(*report, stamp), ParityDriftTitle(*report), "parity-drift"});
}

}  // namespace forensics::cli
