// --issue parity-drift.
#include "commands.h"
#include "forensics/parity.h"
#include "forensics/report.h"

namespace forensics::cli {

int RunParityDrift(const ParityDriftCommand& c) {
  auto report = AnalyzeParityDrift(c.options);
  if (!report) return ReportError(report.error());
  ReportStamp stamp{FORENSICS_VERSION, c.common.command_line};
  return EmitReport(c.common, {report->verdict, RenderParityDriftText(*report), RenderParityDriftJson(*report, stamp),
                               RenderParityDriftMarkdown(*report, stamp), ParityDriftTitle(*report), "parity-drift"});
}

}  // namespace forensics::cli
