// Arena blocks: huge-page mappings (io/huge_pages.h), freed all at once.
#include "logs/arena.h"

#include <algorithm>

#include "io/huge_pages.h"

namespace forensics::logs {
namespace {

constexpr size_t kBlockBytes = 8u << 20;
// Interning stops growing past this many distinct strings (values that never repeat).
constexpr size_t kMaxInterned = 1u << 14;
constexpr size_t kMaxInternedLength = 96;

}  // namespace

void AdviseHugePages(void* p, size_t n) { io::AdviseHugePages(p, n); }

Arena::~Arena() {
  for (const Block& b : blocks_) io::UnmapHugePages(b.base, b.size);
}

void* Arena::AllocateSlow(size_t bytes, size_t align) {
  size_t want = std::max(kBlockBytes, bytes + align);
  size_t map = io::HugePageRound(want);
  char* start = static_cast<char*>(io::MapHugePages(want));
  blocks_.push_back(Block{start, map});
  reserved_ += map;
  if (bytes + align > kBlockBytes / 2) {
    // A large request gets its block to itself; keep bumping in the current one.
    size_t pad = (align - (reinterpret_cast<uintptr_t>(start) & (align - 1))) & (align - 1);
    return start + pad;
  }
  cur_ = start;
  left_ = map;
  return Allocate(bytes, align);
}

std::string_view Arena::Intern(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > kMaxInternedLength) return Copy(s);
  auto it = interned_.find(s);
  if (it != interned_.end()) return it->second;
  std::string_view copy = Copy(s);
  if (interned_.size() < kMaxInterned) interned_.emplace(copy, copy);
  return copy;
}

}  // namespace forensics::logs
