// libFuzzer target: `import` of a fuzzed export into a fresh store (one temporary directory per
// process, the store removed before each input), then the store read back with OpenChainStore.
// What the store holds is what the export reader gives: the same chain metadata, and the blocks
// and snapshots in the same order with the same contents (compared in the store's own encoding).
// A successful import holds every record; one stopped at file:LINE holds exactly the records
// before that line, and one stopped by damage somewhere else holds a leading part of them.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "forensics/chain_source.h"
#include "forensics/chain_store.h"
#include "store/store_format.h"
#include "fuzz_input_file.h"

namespace {

using namespace forensics;

// A record in the store's encoding, its export line aside (the store has none).
struct Encoded {
  bool snapshot = false;
  uint64_t line = 0;
  std::string bytes;
};

Encoded Encode(const ChainRecord& r) {
  Encoded e;
  if (const auto* b = std::get_if<Block>(&r)) {
    e.line = b->line;
    e.bytes = store::U64Key(b->header.height) + store::EncodeBlock(*b);
    for (const Transaction& tx : b->txs) e.bytes += store::EncodeTx(tx);
    if (b->state_changes) e.bytes += "+" + store::EncodeAccounts(b->state_changes->data(), b->state_changes->size());
  } else {
    const auto& s = std::get<Snapshot>(r);
    e.snapshot = true;
    e.line = s.line;
    e.bytes = store::U64Key(s.height) + store::EncodeAccounts(s.accounts.data(), s.accounts.size());
  }
  return e;
}

const std::string& StoreDir() {
  static const std::string dir = [] {
    std::string templ = std::string(access("/dev/shm", W_OK) == 0 ? "/dev/shm/" : "/tmp/") + "forensics-fuzz-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    return templ + "/store";
  }();
  return dir;
}

// The LINE of "PATH:LINE: ...", 0 when the message does not start so.
uint64_t LineOf(const std::string& message, const std::string& path) {
  if (message.compare(0, path.size() + 1, path + ":") != 0) return 0;
  uint64_t line = 0;
  for (size_t i = path.size() + 1; i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i)
    line = line * 10 + (message[i] - '0');
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::WriteInputFile(data, size);
  const std::string& dir = StoreDir();
  std::filesystem::remove_all(dir);

  ImportOptions options;
  options.exports = {path};
  options.db_dir = dir;
  options.batch_bytes = 1 + (size > 0 ? data[0] : 0) * 64;  // several batches per input
  auto imported = ImportExports(options);
  if (!imported && imported.error().code() != Status::Code::kCorruption) std::abort();

  // What the export reader gives, up to its first error.
  auto source = OpenExport(path);
  if (!source) {
    if (imported) std::abort();
    return 0;
  }
  std::vector<Encoded> blocks, snapshots;
  bool clean = true;
  ChainRecord record;
  for (;;) {
    auto more = (*source)->Next(&record);
    if (!more) {
      clean = false;
      break;
    }
    if (!*more) break;
    Encoded e = Encode(record);
    (e.snapshot ? snapshots : blocks).push_back(std::move(e));
  }
  if (imported && (!clean || !(*source)->read_issues().empty())) std::abort();

  auto stored = OpenChainStore(dir, std::nullopt);
  if (!stored) {
    // Nothing was committed: only when the import stopped before its first record.
    if (imported || stored.error().code() != Status::Code::kNotFound) std::abort();
    return 0;
  }
  if (store::EncodeMeta((*stored)->meta()) != store::EncodeMeta((*source)->meta())) std::abort();
  size_t nb = 0, ns = 0;
  for (;;) {
    auto more = (*stored)->Next(&record);
    if (!more) std::abort();  // the store reads back whole
    if (!*more) break;
    Encoded e = Encode(record);
    std::vector<Encoded>& from = e.snapshot ? snapshots : blocks;
    size_t& n = e.snapshot ? ns : nb;
    if (n >= from.size() || from[n].bytes != e.bytes) std::abort();
    ++n;
  }
  if (imported) {
    if (nb != blocks.size() || ns != snapshots.size()) std::abort();
    if (imported->blocks != nb || imported->snapshots != ns) std::abort();
    return 0;
  }
  // Stopped at a line: everything before it is stored, nothing from it on.
  if (const uint64_t line = LineOf(imported.error().message(), path); line > 0) {
    for (size_t i = 0; i < blocks.size(); ++i)
      if ((blocks[i].line < line) != (i < nb)) std::abort();
    for (size_t i = 0; i < snapshots.size(); ++i)
      if ((snapshots[i].line < line) != (i < ns)) std::abort();
  }
  return 0;
}
