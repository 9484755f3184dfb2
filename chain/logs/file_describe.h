// How a log file is described in its LogFileStats: the node its lines belong to when they name
// none, and its first line as it can be shown. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_FILE_DESCRIBE_H_
#define FORENSICS_CHAIN_LOGS_FILE_DESCRIBE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace forensics::logs {

// The node a file's lines belong to when they name none: its base name without a compression
// suffix or a rotation number, so that node-03.log.1.zst and node-03.log are one node.
std::string NodeOfPath(const std::string& path);

// The first bytes of a line as they can be shown: printable ASCII and valid UTF-8 as they are,
// tab, CR, backslash and every other byte as an escape.
std::string LineExcerpt(std::string_view line, size_t max_bytes);

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_FILE_DESCRIBE_H_
