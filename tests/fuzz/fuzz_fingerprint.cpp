// libFuzzer target: FingerprintReader over arbitrary bytes (plain, zstd or gzip). Reading must end
// with the blocks or a Corruption naming file and line, never crash or hang. A file it accepts is
// canonical: writing its header and blocks back with FingerprintWriter gives the same checksum.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "forensics/fingerprint.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = forensics::fuzz::WriteInputFile(data, size);
  auto reader = forensics::FingerprintReader::Open(path);
  if (!reader) {
    if (reader.error().ok()) std::abort();
    return 0;
  }
  std::vector<forensics::FingerprintBlock> blocks;
  forensics::FingerprintBlock b;
  while (true) {
    auto more = (*reader)->Next(&b);
    if (!more) {
      if (more.error().code() != forensics::Status::Code::kCorruption) std::abort();
      return 0;
    }
    if (!*more) break;
    if (blocks.size() < 100000) blocks.push_back(b);
  }
  if (blocks.size() != (*reader)->end().blocks) return 0;  // too many to keep: not rewritten
  const std::string copy = path + ".rewritten";
  auto w = forensics::FingerprintWriter::Create(copy, (*reader)->header());
  if (!w) std::abort();
  for (const auto& x : blocks)
    if (!(*w)->Add(x).ok()) std::abort();
  auto sha = (*w)->Finish((*reader)->end());
  if (!sha || *sha != (*reader)->end().sha256) std::abort();
  std::remove(copy.c_str());
  return 0;
}
