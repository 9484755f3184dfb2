// Opens --chain PATH by what the path is: a directory is a RocksDB chain store, a file an export
// ("-", a pipe or a FIFO too: read from its copy, input_spool.h).
#include <filesystem>

#include "forensics/chain_source.h"
#include "forensics/chain_store.h"
#include "forensics/input_spool.h"

namespace forensics {

Result<std::unique_ptr<ChainSource>> OpenChain(const std::string& path, std::optional<Profile> profile) {
  auto readable = ReadablePath(path);
  if (!readable) return readable.error();
  std::error_code ec;
  auto st = std::filesystem::status(*readable, ec);
  if (ec || !std::filesystem::exists(st)) return Status::IoError(fmt::format("{}: no such file or directory", path));
  if (std::filesystem::is_directory(st)) return OpenChainStore(path, profile);
  ExportReaderOptions o;
  o.profile = profile;
  return OpenExport(path, o);
}

}  // namespace forensics
