// Arena blocks: anonymous mappings, 2 MiB-aligned, advised for transparent huge pages.
#include "logs/arena.h"

#include <sys/mman.h>

#include <algorithm>

namespace forensics::logs {
namespace {

constexpr size_t kHugePage = 2u << 20;
constexpr size_t kBlockBytes = 8u << 20;
// Interning stops growing past this many distinct strings (values that never repeat).
constexpr size_t kMaxInterned = 1u << 14;
constexpr size_t kMaxInternedLength = 96;

}  // namespace

void AdviseHugePages(void* p, size_t n) {
#ifdef MADV_HUGEPAGE
  uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~(kHugePage - 1);
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

Arena::~Arena() {
  for (const Block& b : blocks_) munmap(b.base, b.size);
}

void* Arena::AllocateSlow(size_t bytes, size_t align) {
  size_t want = std::max(kBlockBytes, bytes + align);
  size_t map = want + kHugePage;
  void* base = mmap(nullptr, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  blocks_.push_back(Block{base, map});
  reserved_ += map;
  uintptr_t aligned = (reinterpret_cast<uintptr_t>(base) + kHugePage - 1) & ~(kHugePage - 1);
  AdviseHugePages(base, map);
  char* start = reinterpret_cast<char*>(aligned);
  size_t usable = map - (aligned - reinterpret_cast<uintptr_t>(base));
  if (bytes + align > kBlockBytes / 2) {
    // A large request gets its block to itself; keep bumping in the current one.
    size_t pad = (align - (aligned & (align - 1))) & (align - 1);
    return start + pad;
  }
  cur_ = start;
  left_ = usable;
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
