// Huge-page mappings: over-map by one huge page, trim to a 2 MiB-aligned run, advise. See huge_pages.h.
#include "io/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace forensics::io {

void* MapHugePages(size_t bytes) {
  const size_t mapped = HugePageRound(bytes);
  const size_t span = mapped + kHugePageBytes;
  void* p = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePageBytes - 1) & ~uintptr_t{kHugePageBytes - 1};
  if (aligned > start) ::munmap(p, aligned - start);
  if (aligned + mapped < start + span) {
    ::munmap(reinterpret_cast<void*>(aligned + mapped), start + span - (aligned + mapped));
  }
  void* data = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  (void)::madvise(data, mapped, MADV_HUGEPAGE);
#endif
  return data;
}

void UnmapHugePages(void* p, size_t bytes) { ::munmap(p, HugePageRound(bytes)); }

void AdviseHugePages(void* p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHugePageBytes - 1) & ~uintptr_t{kHugePageBytes - 1};
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~uintptr_t{kHugePageBytes - 1};
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

}  // namespace forensics::io
