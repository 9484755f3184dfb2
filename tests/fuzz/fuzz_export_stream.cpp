// libFuzzer target: a whole NDJSON export (chain line, then blocks and snapshots in any order,
// duplicated or damaged, plain or compressed) through OpenExport and Next(), then the --from path:
// SeekToSnapshotAtOrBelow(h) with h taken from the input. A record that does not decode is a
// Corruption naming file:line, and the source ends there; records come with strictly increasing
// line numbers and their file. When the whole export reads cleanly, a seek lands on the snapshot
// the export reader promises (the last one at or below h before the first one above it) and gives
// from there the same records, in the same order, as the full read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "forensics/chain_source.h"
#include "fuzz_input_file.h"

namespace {

using forensics::Block;
using forensics::ChainRecord;
using forensics::Snapshot;

struct Seen {
  bool snapshot = false;
  uint64_t height = 0;
  uint64_t line = 0;
  size_t items = 0;  // transactions or accounts
};

Seen Describe(const ChainRecord& r) {
  if (const auto* b = std::get_if<Block>(&r)) return {false, b->header.height, b->line, b->txs.size()};
  const auto& s = std::get<Snapshot>(r);
  return {true, s.height, s.line, s.accounts.size()};
}

// "PATH:LINE: ..." with LINE > 0.
void CheckError(const forensics::Status& s, const std::string& path) {
  if (s.ok()) std::abort();
  const std::string& m = s.message();
  if (m.compare(0, path.size() + 1, path + ":") != 0) std::abort();
  size_t i = path.size() + 1;
  uint64_t line = 0;
  while (i < m.size() && m[i] >= '0' && m[i] <= '9') line = line * 10 + (m[i++] - '0');
  if (line == 0 && m.compare(path.size() + 1, 13, " empty export") != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = forensics::fuzz::WriteInputFile(data, size);
  forensics::ExportReaderOptions options;
  options.max_line_bytes = 16384;
  auto source = forensics::OpenExport(path, options);
  if (!source) {
    if (source.error().code() == forensics::Status::Code::kCorruption) CheckError(source.error(), path);
    return 0;
  }
  std::vector<Seen> all;
  bool clean = true;
  ChainRecord record;
  for (;;) {
    auto more = (*source)->Next(&record);
    if (!more) {
      if (more.error().code() != forensics::Status::Code::kCorruption) std::abort();
      CheckError(more.error(), path);
      clean = false;
      break;
    }
    if (!*more) break;
    Seen s = Describe(record);
    const std::string& from = s.snapshot ? std::get<Snapshot>(record).source : std::get<Block>(record).source;
    if (from != path || s.line < 2 || (!all.empty() && s.line <= all.back().line)) std::abort();
    if (s.snapshot && std::get<Snapshot>(record).header) std::abort();  // only a seek attaches one
    all.push_back(s);
  }
  if (!clean || size < 2) return 0;

  // The seek: the last snapshot at or below h met before the first snapshot above it.
  const uint64_t h = all.empty() ? 0 : all[data[size - 1] % all.size()].height + data[size - 2] % 3 - 1;
  size_t expect = all.size();
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].snapshot) continue;
    if (all[i].height > h) break;
    expect = i;
  }
  auto seeking = forensics::OpenExport(path, options);
  if (!seeking) std::abort();
  forensics::Status s = (*seeking)->SeekToSnapshotAtOrBelow(h);
  if (expect == all.size()) {
    if (s.code() != forensics::Status::Code::kNotFound) std::abort();
    return 0;
  }
  if (!s.ok()) std::abort();
  for (size_t i = expect; i < all.size(); ++i) {
    auto more = (*seeking)->Next(&record);
    if (!more || !*more) std::abort();
    Seen got = Describe(record);
    if (got.snapshot != all[i].snapshot || got.height != all[i].height || got.line != all[i].line ||
        got.items != all[i].items) {
      std::abort();
    }
    // The snapshot carries its block's header exactly when that block is the line just before it.
    if (i == expect) {
      const auto& snap = std::get<Snapshot>(record);
      const bool block_before = expect > 0 && !all[expect - 1].snapshot &&
                                all[expect - 1].height == snap.height;
      if (snap.header.has_value() != block_before) std::abort();
    }
  }
  auto end = (*seeking)->Next(&record);
  if (!end || *end) std::abort();
  return 0;
}
