// Huge-page memory: anonymous mappings in whole 2 MiB pages, 2 MiB-aligned and advised for
// transparent huge pages (Linux, where they are usually in "madvise" mode). Where the kernel grants
// them, a large buffer costs one page fault per 2 MiB instead of one per 4 KiB page, and walks over
// it miss the TLB far less. Used by the log arena, the chunk buffers of LineReader and the big
// arrays of the state root. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_IO_HUGE_PAGES_H_
#define FORENSICS_CHAIN_IO_HUGE_PAGES_H_

#include <cstddef>
#include <memory>
#include <vector>

namespace forensics::io {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` rounded up to whole huge pages.
constexpr size_t HugePageRound(size_t bytes) { return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }

// Maps HugePageRound(bytes) (bytes > 0) of zeroed read-write memory at a 2 MiB-aligned address and
// advises it as huge pages (a hint; refusal only costs speed). Throws std::bad_alloc on failure.
void* MapHugePages(size_t bytes);
// Unmaps what MapHugePages(bytes) returned, with the same `bytes`.
void UnmapHugePages(void* p, size_t bytes);

// Advises the kernel to back the 2 MiB-aligned part of [p, p+n) with huge pages. A hint only.
void AdviseHugePages(void* p, size_t n);

// A std allocator for big arrays: blocks of kThreshold and more come from MapHugePages, smaller
// ones from operator new as usual.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kThreshold = size_t{4} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    if (n * sizeof(T) < kThreshold) return std::allocator<T>().allocate(n);
    return static_cast<T*>(MapHugePages(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kThreshold) {
      std::allocator<T>().deallocate(p, n);
    } else {
      UnmapHugePages(p, n * sizeof(T));
    }
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace forensics::io

#endif  // FORENSICS_CHAIN_IO_HUGE_PAGES_H_
