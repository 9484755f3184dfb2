// generate, hash-backends, and the commands whose library parts are still to come.
#include <fmt/format.h>

#include "commands.h"
#include "forensics/sha256.h"
#include "output.h"

namespace forensics::cli {

int RunGenerate(const GenerateCommand& c) {
  auto stats = GenerateChain(c.options);
  if (!stats) return ReportError(stats.error());
  Print(fmt::format("wrote {}: {} blocks, {} transactions, {} accounts\n", c.options.out_path, stats->blocks,
                    stats->transactions, stats->accounts));
  for (const Fault& f : c.options.faults) {
    const Hash32& h = stats->hashes[f.height].second;
    Print(fmt::format("  fault {}@{} (block {})\n", FaultName(f.kind), f.height, h.Hex()));
  }
  if (c.options.logs_path) Print(fmt::format("wrote {}\n", *c.options.logs_path));
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
