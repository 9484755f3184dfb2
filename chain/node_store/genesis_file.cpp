// --genesis FILE (node_store.h): an export's chain record, or a JSON list of accounts.
#include <fmt/format.h>
#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "../export_field_decoder.h"
#include "forensics/node_store.h"

namespace forensics {

Result<ChainMeta> LoadGenesisFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  char c = 0;
  while (in.get(c) && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
  }
  if (c != '[') {  // an export (any container): its first line is the chain record
    auto src = OpenExport(path);
    if (!src) return src.error();
    return (*src)->meta();
  }
  in.seekg(0);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (256u << 20)) return Status::Corruption(fmt::format("{}: a genesis list larger than 256 MiB", path));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text).get(doc); err)
    return Status::Corruption(fmt::format("{}: not valid JSON ({})", path, simdjson::error_message(err)));
  ChainMeta meta;
  meta.format = "genesis-list";
  const export_json::FieldDecoder d(path);
  FORENSICS_RETURN_IF_ERROR(d.Accounts(doc, "accounts", &meta.genesis_accounts));
  return meta;
}

}  // namespace forensics
