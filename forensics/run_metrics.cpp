// --metrics-out: the run's verdict in the Prometheus text format (run_metrics.h).
#include "forensics/run_metrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace forensics {

std::string RenderRunMetrics(const RunMetrics& m) {
  const std::string l = fmt::format("issue=\"{}\"", m.issue);
  std::string o;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help) {
    o += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  metric("coinjecture_forensics_verdict", "gauge", "1 for the verdict of the last forensics run, 0 for the others.");
  for (Verdict v : {Verdict::kClean, Verdict::kViolation, Verdict::kInconclusive})
    o += fmt::format("coinjecture_forensics_verdict{{{},verdict=\"{}\"}} {}\n", l, VerdictName(v), v == m.verdict ? 1 : 0);
  metric("coinjecture_forensics_partial", "gauge", "1 when the last run stopped before the end of its input.");
  o += fmt::format("coinjecture_forensics_partial{{{}}} {}\n", l, m.partial ? 1 : 0);
  metric("coinjecture_state_violations_total", "counter",
         "Blocks with a fault of their own found by the last run (network-fork: nodes that must reorg).");
  o += fmt::format("coinjecture_state_violations_total{{{}}} {}\n", l, m.state_violations);
  if (m.first_bad_height) {
    metric("coinjecture_forensics_first_bad_height", "gauge", "Height of the first bad block the last run found.");
    o += fmt::format("coinjecture_forensics_first_bad_height{{{}}} {}\n", l, *m.first_bad_height);
  }
  if (m.verified_height) {
    metric("coinjecture_forensics_verified_height", "gauge",
           "Height of the reorg target (network-fork: the network target) of the last run.");
    o += fmt::format("coinjecture_forensics_verified_height{{{}}} {}\n", l, *m.verified_height);
  }
  if (m.issue == "parity-drift") {
    metric("coinjecture_forensics_parity_drifts", "gauge", "PARITY DRIFT records the last run counted.");
    o += fmt::format("coinjecture_forensics_parity_drifts{{{}}} {}\n", l, m.drifts);
    if (m.drift_rate) {
      metric("coinjecture_forensics_parity_drift_rate", "gauge", "Drifts per comparison in the last run (0 to 1).");
      o += fmt::format("coinjecture_forensics_parity_drift_rate{{{}}} {}\n", l, *m.drift_rate);
    }
  }
  metric("coinjecture_forensics_last_run_timestamp_seconds", "gauge", "When the last run ended (Unix time).");
  o += fmt::format("coinjecture_forensics_last_run_timestamp_seconds{{{}}} {}\n", l, m.timestamp_seconds);
  return o;
}

Status WriteMetricsFile(const std::string& path, std::string_view text) {
  const std::filesystem::path target(path);
  const std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
  std::string name = tmp;
  const int fd = mkstemp(name.data());
  if (fd < 0) return Status::IoError(fmt::format("{}: cannot create a temporary file beside it: {}", path, std::strerror(errno)));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      close(fd);
      unlink(name.c_str());
      return Status::IoError(fmt::format("{}: {}", path, std::strerror(e)));
    }
    done += static_cast<size_t>(n);
  }
  // The collector reads it as any user may: 0644, like a file written under the usual umask.
  if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0 || std::rename(name.c_str(), path.c_str()) != 0) {
    const int e = errno;
    unlink(name.c_str());
    return Status::IoError(fmt::format("{}: {}", path, std::strerror(e)));
  }
  return Status::Ok();
}

}  // namespace forensics
