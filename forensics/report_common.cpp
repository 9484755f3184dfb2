// What every report shares: the JSON head, the reproducibility stamp and the gh command line.
#include <algorithm>
#include <filesystem>

#include "forensics/report.h"

namespace forensics {

void WriteJsonHead(JsonWriter& w, std::string_view issue, std::string_view verdict, const ReportStamp& stamp,
                   const std::vector<InputFile>& inputs, const std::vector<std::string>& warnings) {
  w.Field("schema", kJsonSchema);
  w.Field("tool_version", stamp.tool_version);
  w.Field("issue", issue);
  w.Field("verdict", verdict);
  w.Field("command_line", stamp.command_line);
  w.Key("inputs").BeginArray();
  for (const InputFile& in : inputs) {
    w.BeginObject().Field("path", in.path).Key("sha256");
    if (in.hashed) w.String(in.sha256);
    else w.Null();  // stopped before the end: the bytes field counts what was hashed
    w.Field("bytes", in.bytes).EndObject();
  }
  w.EndArray();
  w.Key("warnings").BeginArray();
  for (const auto& s : warnings) w.String(s);
  w.EndArray();
}

std::string RenderWithStamp(const md::Document& doc, const ReportStamp& stamp, const std::vector<InputFile>& inputs) {
  // A fence longer than any run of backticks in the command line cannot be closed by it.
  size_t run = 0, longest = 0;
  for (char c : stamp.command_line) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<size_t>(3, longest + 1), '`');
  std::string stamp_text = "\n---\n\n<details><summary>Reproduce</summary>\n\n";
  stamp_text += fmt::format("forensics {}\n\n", md::Escape(stamp.tool_version));
  stamp_text += fence + "sh\n" + stamp.command_line + "\n" + fence + "\n\n";
  for (const InputFile& in : inputs) {
    if (in.hashed)
      stamp_text += fmt::format("- {}: sha256 `{}`, {} bytes\n", md::Escape(in.path), in.sha256, in.bytes);
    else
      stamp_text += fmt::format("- {}: not hashed whole (stopped after {} bytes)\n", md::Escape(in.path), in.bytes);
  }
  stamp_text += "\n</details>\n";
  return doc.Render(md::kGitHubBodyLimit - md::CharCount(stamp_text)) + stamp_text;
}

std::string ShellQuote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@,+") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

std::string GhIssueCommand(const std::string& title, const std::string& label, const std::string& dir) {
  return fmt::format("gh issue create --title {} --label {} --body-file {}", ShellQuote(title), ShellQuote(label),
                     ShellQuote((std::filesystem::path(dir) / "report.md").string()));
}

std::string GhLabelCommand(const std::string& label) {
  return fmt::format("gh label create {} --description {} --color B60205", ShellQuote(label),
                     ShellQuote("forensics: " + label + " reports"));
}

}  // namespace forensics
