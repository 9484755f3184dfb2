// Opens --chain PATH by what the path is: a directory is a RocksDB chain store, a file with SQLite's
// header the daemon's coinjecture.db, any other file an export ("-", a pipe or a FIFO too: read from
// its copy, input_spool.h).
#include <filesystem>

#include "forensics/chain_source.h"
#include "forensics/chain_store.h"
#include "forensics/input_spool.h"
#include "forensics/node_store.h"

namespace forensics {

Result<std::unique_ptr<ChainSource>> OpenChain(const std::string& path, const ChainOpenOptions& options) {
  auto readable = ReadablePath(path);
  if (!readable) return readable.error();
  std::error_code ec;
  auto st = std::filesystem::status(*readable, ec);
  if (ec || !std::filesystem::exists(st)) return Status::IoError(fmt::format("{}: no such file or directory", path));
  const bool sqlite = !std::filesystem::is_directory(st) && *readable == path && IsSqliteFile(path);
  if (options.genesis && !sqlite)
    return Status::InvalidArgument(fmt::format("{}: a genesis file applies to a SQLite coinjecture.db only (an export "
                                               "or a chain store carries its own)", path));
  if (std::filesystem::is_directory(st)) return OpenChainStore(path, options.profile);
  if (sqlite) return OpenNodeStore(path, NodeStoreOptions{options.profile, options.genesis});
  if (*readable != path && IsSqliteFile(*readable))
    return Status::InvalidArgument(fmt::format(
        "{}: a SQLite database cannot be read from a pipe or standard input (its -wal and -shm lie beside the file): "
        "give its path", path));
  ExportReaderOptions o;
  o.profile = options.profile;
  return OpenExport(path, o);
}

Result<std::unique_ptr<ChainSource>> OpenChain(const std::string& path, std::optional<Profile> profile) {
  return OpenChain(path, ChainOpenOptions{profile, std::nullopt});
}

}  // namespace forensics
