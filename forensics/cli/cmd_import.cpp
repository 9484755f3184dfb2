// forensics import: NDJSON export(s) → RocksDB chain store.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/chain_store.h"
#include "forensics/node_store.h"
#include "forensics/terminal_text.h"
#include "output.h"

namespace forensics::cli {

int RunImport(const ImportCommand& c) {
  ImportOptions o;
  o.exports = c.exports;
  o.db_dir = c.db_dir;
  if (c.genesis_path) {
    auto genesis = LoadGenesisFile(*c.genesis_path);
    if (!genesis) return ReportError(genesis.error());
    o.genesis = std::move(*genesis);
  }
  const bool progress = ShowProgress(c.progress);
  if (progress) {
    o.progress = [](const ImportProgress& p) {
      double rate = p.seconds > 0 ? static_cast<double>(p.blocks) / p.seconds : 0;
      PrintProgress(fmt::format(
          "\rimporting {} ({}/{}): {} blocks, {:.0f} blocks/s, {:.0f}%   ", TerminalSafe(p.file), p.file_index + 1,
                 p.files_total, p.blocks, rate,
                 p.file_bytes_total ? 100.0 * static_cast<double>(p.file_bytes_read) / static_cast<double>(p.file_bytes_total) : 0.0));
    };
  }
  auto stats = ImportExports(o);
  if (progress) PrintProgress("\r\033[K");
  if (!stats) return ReportError(stats.error());
  Print(fmt::format("imported {} file(s) into {}: {} blocks ({} already present, replaced), {} transactions, {} snapshots "
             "in {:.1f} s\n",
             stats->files, c.db_dir, stats->blocks, stats->blocks_replaced, stats->transactions, stats->snapshots,
             stats->seconds));
  if (stats->store_min_height)
    Print(fmt::format("the store holds {} blocks, heights {}..{}\n", stats->store_blocks, *stats->store_min_height,
                      *stats->store_max_height));
  return kExitClean;
}

}  // namespace forensics::cli
