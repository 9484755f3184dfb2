// --issue cid-quorum.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/cid_quorum.h"
#include "forensics/report.h"
#include "output.h"

namespace forensics::cli {

int RunCidQuorum(const CidQuorumCommand& c) {
  CidQuorumOptions options = c.options;
  std::vector<std::string> inputs = options.log_files;
  inputs.insert(inputs.end(), options.manifest_paths.begin(), options.manifest_paths.end());
  for (const auto& p : {options.chain_path, options.metrics_path})
    if (p) inputs.push_back(*p);
  if (Status s = CheckOutDir(c.common, inputs); !s.ok()) return ReportError(s);
  options.stop_requested = InstallStopSignals();
  auto report = AnalyzeCidQuorum(options);
  if (!report) return ReportError(report.error());
  // The text summary lists the warnings (bad input, with file and line or field); with another format
  // stdout holds just the document, so they go to stderr.
  if (c.common.format != Format::kText)
    for (const std::string& w : report->warnings) PrintError("forensics: warning: " + w + "\n");
  ReportStamp stamp{FORENSICS_VERSION, c.common.command_line};
  RunMetrics metrics;
  metrics.partial = report->partial;
  const int status =
      EmitReport(c.common, {report->verdict, RenderCidQuorumText(*report), RenderCidQuorumJson(*report, stamp),
                            RenderCidQuorumMarkdown(*report, stamp), CidQuorumTitle(*report), "cid-quorum", metrics});
  if (report->partial) PrintError("forensics: analysis stopped early; the report is partial\n");
  return report->partial ? StopSignalStatus(status) : status;
}

}  // namespace forensics::cli
