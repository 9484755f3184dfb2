// --issue parity-drift.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/parity.h"
#include "forensics/report.h"

namespace forensics::cli {

int RunParityDrift(const ParityDriftCommand& c) {
  ParityDriftOptions o;
  o.log_files = c.log_files;
  o.chain_path = c.chain_path;
  o.metrics_path = c.metrics_path;
  o.profile = c.profile;
  o.since_us = c.since_us;
  o.until_us = c.until_us;
  o.year = c.year;
  auto report = AnalyzeParityDrift(o);
  if (!report) return ReportError(report.error());
  ReportStamp stamp{FORENSICS_VERSION, c.common.command_line};
  if (c.common.out_dir) {
    Status s = WriteReportFiles(*c.common.out_dir, {{"report.md", RenderParityDriftMarkdown(*report, stamp)},
                                                    {"report.json", RenderParityDriftJson(*report, stamp)}});
    if (!s.ok()) return ReportError(s);
  }
  switch (c.common.format) {
    case Format::kJson: fmt::print("{}", RenderParityDriftJson(*report, stamp)); break;
    case Format::kMarkdown: fmt::print("{}", RenderParityDriftMarkdown(*report, stamp)); break;
    case Format::kText:
      fmt::print("{}", RenderParityDriftText(*report));
      if (c.common.out_dir)
        fmt::print("\nreport written to {0}/report.md and {0}/report.json; to file it:\n  {1}\n", *c.common.out_dir,
                   GhIssueCommand(ParityDriftTitle(*report), "parity-drift", *c.common.out_dir));
      break;
  }
  return ExitStatusForVerdict(report->verdict);
}

}  // namespace forensics::cli
