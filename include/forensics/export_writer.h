// Export records as NDJSON lines (docs/chain.md §5), the inverse of the export reader.
#ifndef FORENSICS_EXPORT_WRITER_H_
#define FORENSICS_EXPORT_WRITER_H_

#include <string>

#include "forensics/chain.h"

namespace forensics {

// Each returns one line including its trailing "\n". Hashes are written as hex, absent optional
// fields are left out.
std::string ChainRecordLine(const ChainMeta& meta);
std::string BlockRecordLine(const Block& block, Profile profile);
std::string SnapshotRecordLine(const Snapshot& snapshot);

}  // namespace forensics

#endif  // FORENSICS_EXPORT_WRITER_H_
