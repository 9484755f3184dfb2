// RocksDB chain store (interim): stores are not supported yet; --chain takes exports.
#include "forensics/chain_store.h"

namespace forensics {

Result<std::unique_ptr<ChainSource>> OpenChainStore(const std::string& dir, std::optional<Profile>) {
  return Status::NotSupported(fmt::format("{}: is a directory; RocksDB chain stores are not supported yet, pass an NDJSON export", dir));
}

}  // namespace forensics
