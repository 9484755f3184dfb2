// The RocksDB chain store: import of NDJSON exports, and read-only (or secondary) opening of a
// store as a ChainSource. The layout is documented in chain/store/README.md.
#ifndef FORENSICS_CHAIN_STORE_H_
#define FORENSICS_CHAIN_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "forensics/chain_source.h"

namespace forensics {

// Opens the store at `dir` without ever writing to it (read-only, or as a secondary instance when
// another process holds it). IoError / Corruption / NotFound with a clear message otherwise.
Result<std::unique_ptr<ChainSource>> OpenChainStore(const std::string& dir, std::optional<Profile> profile);

}  // namespace forensics

#endif  // FORENSICS_CHAIN_STORE_H_
