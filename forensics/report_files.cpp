// Writing report directories atomically, and the gh command line.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "forensics/report.h"

namespace forensics {

Status WriteReportFiles(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError(fmt::format("{}: cannot create directory: {}", dir, ec.message()));
  for (const auto& [name, content] : files) {
    const fs::path final_path = fs::path(dir) / name;
    const fs::path tmp = fs::path(dir) / fmt::format(".{}.tmp-{}", name, ::getpid());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(content.data(), static_cast<std::streamsize>(content.size()));
      out.flush();
      if (!out) {
        fs::remove(tmp, ec);
        return Status::IoError(fmt::format("{}: cannot write", final_path.string()));
      }
    }
    fs::rename(tmp, final_path, ec);
    if (ec) {
      fs::remove(tmp, ec);
      return Status::IoError(fmt::format("{}: cannot rename into place", final_path.string()));
    }
  }
  return Status::Ok();
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

}  // namespace forensics
