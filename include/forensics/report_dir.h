// The report directory (--out DIR): checked before the analysis, written so that a reader, a full
// disk or a killed run never leaves report.md and report.json disagreeing.
//
// Layout: DIR/report.md -> .report/report.md and DIR/report.json -> .report/report.json are
// symbolic links that never change once made; DIR/.report is a symbolic link to the private
// directory DIR/.report-XXXXXX holding the current pair. A run writes both files into a fresh
// directory (exclusive creation, no link followed), syncs them and the directory, and switches the
// pair with a single rename of a new .report link over the old one; the previous directory is then
// removed. A crash at any point leaves .report naming the previous pair, whole; what a crash leaves
// behind (a .report-XXXXXX nobody names, a .report.tmp-XXXXXX link) is removed by the next run,
// under an exclusive lock on DIR so that two runs cannot remove each other's work.
#ifndef FORENSICS_REPORT_DIR_H_
#define FORENSICS_REPORT_DIR_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "forensics/status.h"

namespace forensics {

// Checks, before any work, that `dir` can be used: it is a writable directory, or it can be created
// (its nearest existing ancestor is a writable directory); and it is not one of `inputs` that is a
// directory (a chain store) nor inside one. InvalidArgument, naming the directory and why, if not.
Status CheckReportDir(const std::string& dir, const std::vector<std::string>& inputs);

// Fault injection for the tests: `inject` is called before each step of WriteReportFiles that
// changes the file system (numbered from 1: making directories, opening, writing, syncing, linking,
// renaming, removing); a non-zero errno makes that step fail with it. With `crash`, the failed step
// ends the write at once, leaving everything as a killed process would.
struct ReportWriteFaults {
  std::function<int(int step)> inject;
  bool crash = false;
};

// Writes each (name, content) into `dir` (created if needed) as described above, replacing the
// previous set together. IoError with the path and the system's error text on failure; the
// previous set is then still in place.
Status WriteReportFiles(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files,
                        const ReportWriteFaults& faults = {});

}  // namespace forensics

#endif  // FORENSICS_REPORT_DIR_H_
