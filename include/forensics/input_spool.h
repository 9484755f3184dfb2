// Inputs that can be read only once: a pipe (`<(zstdcat …)`, /dev/fd/N), a FIFO, a character
// device, or standard input, named "-". Every reader (the export reader, the log scan and its
// passes, the parity readers, the input digests of the reports) opens what ReadablePath returns
// instead of the path the user gave, so such an input is read exactly once, whatever reads it and
// however often, and every reader sees the same bytes as from a regular file.
//
// Outline:
//  1. A regular file, a directory or a block device is returned as it is (it can be read again);
//     so is a path that does not exist, for the opener to report.
//  2. Anything else is copied, the first time it is asked for, to a private temporary file
//     (mkstemp, mode 0600, in $TMPDIR or /tmp), unlinked as soon as it is created; its path is
//     then /proc/self/fd/N, which reopens it from the start. Where /proc is not mounted the name is
//     kept and removed at exit instead. The copy is bounded by the disk only.
//  3. The copies are keyed by device and inode, so "-", /dev/stdin and /dev/fd/0 read the same
//     copy, and a FIFO named twice is read once, as a regular file named twice reads the same bytes.
// The name in messages and reports stays the one the user gave; only the opening goes elsewhere.
#ifndef FORENSICS_INPUT_SPOOL_H_
#define FORENSICS_INPUT_SPOOL_H_

#include <string>
#include <string_view>

#include "forensics/result.h"

namespace forensics {

// The input name that means standard input.
inline constexpr std::string_view kStandardInput = "-";

// The path a reader should open for the input `path` names (see above). IoError naming the input
// when it cannot be copied: the temporary file cannot be created, a write fails (ENOSPC, a file
// size limit) or the input cannot be read. Blocks while a FIFO has no writer, as opening one does.
// Thread-safe.
Result<std::string> ReadablePath(const std::string& path);

}  // namespace forensics

#endif  // FORENSICS_INPUT_SPOOL_H_
