// Rendering of analysis results: the text summary, the JSON document (schema
// coinjecture-forensics/1) and the GitHub issue body; writing them into a directory is report_dir.h.
#ifndef FORENSICS_REPORT_H_
#define FORENSICS_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "forensics/json_writer.h"
#include "forensics/markdown.h"
#include "forensics/report_dir.h"
#include "forensics/state_violation.h"
#include "forensics/status.h"

namespace forensics {

inline constexpr std::string_view kJsonSchema = "coinjecture-forensics/1";

// What makes a report reproducible; printed at the end of report.md and in the JSON.
struct ReportStamp {
  std::string tool_version;
  std::string command_line;  // argv joined, shell-quoted, without --out DIR (so reports do not depend on it)
};

// The fields every JSON document starts with (schema, tool_version, issue, verdict, command_line,
// inputs, warnings), after BeginObject(); the caller adds the issue's own fields and closes it.
void WriteJsonHead(JsonWriter& w, std::string_view issue, std::string_view verdict, const ReportStamp& stamp,
                   const std::vector<InputFile>& inputs, const std::vector<std::string>& warnings);
// report.md: the document cut to fit GitHub's limit together with the reproducibility stamp that
// closes it (tool version, command line, sha256 of every input).
std::string RenderWithStamp(const md::Document& doc, const ReportStamp& stamp, const std::vector<InputFile>& inputs);

std::string RenderStateViolationText(const StateViolationReport& r);
std::string RenderStateViolationJson(const StateViolationReport& r, const ReportStamp& stamp);
std::string RenderStateViolationMarkdown(const StateViolationReport& r, const ReportStamp& stamp);
// The issue title for gh issue create.
std::string StateViolationTitle(const StateViolationReport& r);

// `gh issue create --title '…' --label LABEL --body-file DIR/report.md`, shell-quoted.
std::string GhIssueCommand(const std::string& title, const std::string& label, const std::string& dir);
// `gh label create LABEL …`: what makes the label of GhIssueCommand exist on a repository that lacks it.
std::string GhLabelCommand(const std::string& label);
// POSIX shell single-quoting.
std::string ShellQuote(const std::string& s);

}  // namespace forensics

#endif  // FORENSICS_REPORT_H_
