// generate, hash-backends, and the commands whose library parts are still to come.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/sha256.h"
#include "output.h"

namespace forensics::cli {

int RunGenerate(const GenerateCommand& c) {
  const GenerateOptions& o = c.options;
  auto stats = GenerateChain(o);
  if (!stats) return ReportError(stats.error());
  Print(fmt::format("wrote {}: {} blocks, {} transactions, {} accounts{}\n", o.out_path, stats->blocks, stats->transactions,
                   stats->accounts, o.snapshot_every ? fmt::format(", {} snapshots", stats->snapshots) : ""));
  for (const Fault& f : o.faults) {
    const Hash32& h = stats->hashes[f.height].second;
    Print(fmt::format("  fault {}@{} (block {})\n", FaultName(f.kind), f.height, h.Hex()));
  }
  if (o.logs_path) Print(fmt::format("wrote {}\n", *o.logs_path));
  // What the chain holds where it differs from what was asked.
  if (stats->short_blocks > 0) {
    const uint64_t above_genesis = stats->blocks - 1;
    PrintError(fmt::format(
               "forensics: warning: asked for {} transactions per block, made {} in {} blocks above genesis ({:.1f} "
               "per block, {} of them short of the ask): the sender drawn for {} transfers held less than {} BEANS, "
               "the funds being spread over {} accounts (more --accounts or a smaller --new-account-share keep "
               "blocks fuller)\n",
               o.txs_per_block, stats->transactions, above_genesis,
               static_cast<double>(stats->transactions) / static_cast<double>(above_genesis), stats->short_blocks,
               stats->skipped_transfers, kMinSenderBalance / kWeiPerBeans, stats->accounts));
  }
  for (const Fault& f : stats->faults_not_injected)
    PrintError(fmt::format("forensics: warning: fault {}@{} not injected: block {} holds no transaction for it to act on\n",
                           FaultName(f.kind), f.height, f.height));
  return kExitClean;
}

int RunHashBackends() {
  const sha256::Backend& active = sha256::Active();
  Print(fmt::format("{:<12} {:>5}  {:<10} {}\n", "backend", "lanes", "supported", ""));
  for (const sha256::Backend* b : sha256::AllBackends()) {
    bool supported = sha256::Supported(*b);
    Print(fmt::format("{:<12} {:>5}  {:<10} {}\n", b->name, b->lanes, supported ? "yes" : "no",
                      b == &active ? "active" : ""));
  }
  return kExitClean;
}

}  // namespace forensics::cli
