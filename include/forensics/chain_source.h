// ChainSource: a stream of chain records (blocks and snapshots) in height order, from an NDJSON
// export, a RocksDB chain store or the daemon's SQLite store, plus the chain's metadata.
#ifndef FORENSICS_CHAIN_SOURCE_H_
#define FORENSICS_CHAIN_SOURCE_H_

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "forensics/chain.h"
#include "forensics/line_reader.h"
#include "forensics/result.h"

namespace forensics {

using ChainRecord = std::variant<Block, Snapshot>;

class ChainSource {
 public:
  virtual ~ChainSource() = default;
  virtual const ChainMeta& meta() const = 0;
  // Sets *record to the next record and returns true; false at the end. A record that cannot be
  // decoded is a Corruption status naming file, line and field; the source is then finished.
  virtual Result<bool> Next(ChainRecord* record) = 0;
  // Positions the source so that the next record is the snapshot of the highest height ≤ h (then the
  // blocks after it). Sources that cannot seek return NotSupported.
  virtual Status SeekToSnapshotAtOrBelow(BlockHeight h) {
    (void)h;
    return Status::NotSupported("this chain source cannot seek");
  }
  // Damage the underlying reader skipped past (truncated frames, overlong lines).
  virtual std::vector<ReadIssue> read_issues() const { return {}; }
  virtual std::string description() const = 0;
  // Progress: input bytes consumed and in total (0 when unknown).
  virtual uint64_t bytes_read() const { return 0; }
  virtual uint64_t bytes_total() const { return 0; }
};

struct ExportReaderOptions {
  std::optional<Profile> profile;  // overrides the export's own profile (--profile)
  size_t max_line_bytes = 512u << 20;  // 1,000 txs of 1 MiB data as hex fit
};

// Opens an NDJSON export (plain, .zst or .gz, detected by content). Reads and checks the first
// (chain) line. Corruption naming file:line:field if it is not a valid chain record.
Result<std::unique_ptr<ChainSource>> OpenExport(const std::string& path,
                                                const ExportReaderOptions& options = {});

// Opens --chain PATH by what it is: a directory is a RocksDB chain store (chain_store.h), a file with
// SQLite's header the daemon's coinjecture.db (node_store.h), any other file an NDJSON export.
// `profile` overrides the chain's own profile.
Result<std::unique_ptr<ChainSource>> OpenChain(const std::string& path, std::optional<Profile> profile = std::nullopt);

struct ChainOpenOptions {
  std::optional<Profile> profile;
  // The genesis of a source that holds none (coinjecture.db: --genesis); refused for the others.
  std::optional<ChainMeta> genesis;
};
Result<std::unique_ptr<ChainSource>> OpenChain(const std::string& path, const ChainOpenOptions& options);

// Decodes one export line (used by the reader and by `import`). `where` is "file:line" for messages.
Result<ChainRecord> ParseRecordLine(std::string_view line, Profile profile, std::string_view where);
Result<ChainMeta> ParseChainLine(std::string_view line, std::string_view where);

}  // namespace forensics

#endif  // FORENSICS_CHAIN_SOURCE_H_
