// Helpers shared by the commands.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "commands.h"
#include "forensics/report.h"

namespace forensics::cli {

int ReportError(const Status& s) {
  fmt::print(stderr, "forensics: {}\n", s.ToString());
  return s.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitUnreadable;
}

int EmitReport(const Common& common, const RenderedReport& r) {
  if (common.out_dir) {
    Status s = WriteReportFiles(*common.out_dir, {{"report.md", r.markdown}, {"report.json", r.json}});
    if (!s.ok()) return ReportError(s);
  }
  switch (common.format) {
    case Format::kJson: fmt::print("{}", r.json); break;
    case Format::kMarkdown: fmt::print("{}", r.markdown); break;
    case Format::kText:
      fmt::print("{}", r.text);
      if (common.out_dir)
        fmt::print("\nreport written to {0}/report.md and {0}/report.json; to file it:\n  {1}\n", *common.out_dir,
                   GhIssueCommand(r.title, r.label, *common.out_dir));
      break;
  }
  return ExitStatusForVerdict(r.verdict);
}

bool ShowProgress(bool forced) { return forced || ::isatty(STDERR_FILENO); }

}  // namespace forensics::cli
