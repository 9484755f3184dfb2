// io/huge_pages: mappings in whole, 2 MiB-aligned huge pages, zeroed and writable end to end, and the
// std allocator that takes them for big blocks only.
#include "io/huge_pages.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>

using forensics::io::HugePageAllocator;
using forensics::io::HugePageRound;
using forensics::io::HugePageVector;
using forensics::io::kHugePageBytes;
using forensics::io::MapHugePages;
using forensics::io::UnmapHugePages;

namespace {

bool HugeAligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % kHugePageBytes == 0; }

}  // namespace

TEST_CASE("huge page sizes round up to whole 2 MiB pages", "[huge_pages]") {
  CHECK(kHugePageBytes == size_t{2} << 20);
  CHECK(HugePageRound(1) == kHugePageBytes);
  CHECK(HugePageRound(kHugePageBytes) == kHugePageBytes);
  CHECK(HugePageRound(kHugePageBytes + 1) == 2 * kHugePageBytes);
  CHECK(HugePageRound(5 * kHugePageBytes - 7) == 5 * kHugePageBytes);
}

TEST_CASE("huge page mappings are 2 MiB-aligned, zeroed and writable to their rounded end", "[huge_pages]") {
  for (size_t bytes : {size_t{1}, kHugePageBytes, 3 * kHugePageBytes + 12345}) {
    CAPTURE(bytes);
    auto* p = static_cast<unsigned char*>(MapHugePages(bytes));
    REQUIRE(p != nullptr);
    CHECK(HugeAligned(p));
    const size_t mapped = HugePageRound(bytes);
    CHECK(p[0] == 0);
    CHECK(p[mapped / 2] == 0);
    CHECK(p[mapped - 1] == 0);
    std::memset(p, 0xab, mapped);
    CHECK(p[mapped - 1] == 0xab);
    UnmapHugePages(p, bytes);
  }
}

TEST_CASE("huge page advice accepts ranges shorter than a huge page or unaligned", "[huge_pages]") {
  auto* p = static_cast<char*>(MapHugePages(2 * kHugePageBytes));
  forensics::io::AdviseHugePages(p + 1, 100);
  forensics::io::AdviseHugePages(p + 4096, 2 * kHugePageBytes - 4096);
  forensics::io::AdviseHugePages(p, 0);
  p[2 * kHugePageBytes - 1] = 1;
  CHECK(p[2 * kHugePageBytes - 1] == 1);
  UnmapHugePages(p, 2 * kHugePageBytes);
}

TEST_CASE("huge page allocator maps big blocks and keeps vector contents across growth", "[huge_pages]") {
  constexpr size_t kBig = HugePageAllocator<uint64_t>::kThreshold / sizeof(uint64_t);
  HugePageVector<uint64_t> v;
  for (uint64_t i = 0; i < 1000; ++i) v.push_back(i * 3);
  v.resize(kBig + 1);
  CHECK(HugeAligned(v.data()));
  for (uint64_t i = 0; i < 1000; ++i) REQUIRE(v[i] == i * 3);
  CHECK(v[kBig] == 0);
  v[kBig] = 7;
  HugePageVector<uint64_t> copy = v;
  CHECK(HugeAligned(copy.data()));
  CHECK(copy[kBig] == 7);
  CHECK(copy[999] == 999 * 3);
  HugePageAllocator<uint64_t> a;
  HugePageAllocator<char> b(a);
  CHECK(a == HugePageAllocator<uint64_t>(b));
}
