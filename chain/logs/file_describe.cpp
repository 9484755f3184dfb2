// NodeOfPath and LineExcerpt (logs/file_describe.h).
#include "logs/file_describe.h"

#include <algorithm>
#include <cstdio>

#include "io/decoders.h"

namespace forensics::logs {
namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

// The node a file's lines belong to when they name none: its base name without a compression
// suffix or a rotation number, so that node-03.log.1.zst and node-03.log are one node.
std::string NodeOfPath(const std::string& path) {
  std::string name = BaseName(path);
  for (std::string_view suffix : {".zst", ".gz", ".xz", ".bz2", ".lz4"}) {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < name.size() &&
      name.find_first_not_of("0123456789", dot + 1) == std::string::npos) {
    name.resize(dot);
  }
  return name.empty() ? BaseName(path) : name;
}

// The first bytes of a line as they can be shown: printable ASCII and valid UTF-8 as they are,
// tab, CR, backslash and every other byte as an escape.
std::string LineExcerpt(std::string_view line, size_t max_bytes) {
  size_t cut = std::min(line.size(), max_bytes);
  while (cut > 0 && cut < line.size() && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  const bool utf8 = io::IsValidUtf8(line.data(), cut);
  std::string out;
  for (size_t i = 0; i < cut; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut < line.size()) out += "...";
  return out;
}

}  // namespace forensics::logs
