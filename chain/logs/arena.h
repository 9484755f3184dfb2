// A bump allocator for the strings and small arrays of log events: large blocks, advised to use
// transparent huge pages, freed all at once. Page faults on fresh 4 KiB pages dominate the cost of
// storing millions of small strings, so this matters for ScanLogs throughput.
// Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_ARENA_H_
#define FORENSICS_CHAIN_LOGS_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace forensics::logs {

// Advises the kernel to back the 2 MiB-aligned part of [p, p+n) with huge pages. A hint only.
void AdviseHugePages(void* p, size_t n);

class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Copies `s` into the arena. The view stays valid for the arena's lifetime.
  std::string_view Copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(Allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }
  // Copies `s` once per distinct value (for keys and messages that repeat on every line).
  std::string_view Intern(std::string_view s);

  template <typename T>
  std::span<const T> CopyArray(std::span<const T> items) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (items.empty()) return {};
    T* p = static_cast<T*>(Allocate(items.size_bytes(), alignof(T)));
    std::memcpy(static_cast<void*>(p), items.data(), items.size_bytes());
    return {p, items.size()};
  }

  void* Allocate(size_t bytes, size_t align) {
    size_t pad = (align - (reinterpret_cast<uintptr_t>(cur_) & (align - 1))) & (align - 1);
    if (pad + bytes > left_) return AllocateSlow(bytes, align);
    char* p = cur_ + pad;
    cur_ = p + bytes;
    left_ -= pad + bytes;
    return p;
  }

  size_t bytes_reserved() const { return reserved_; }

 private:
  void* AllocateSlow(size_t bytes, size_t align);

  struct Block {
    void* base;
    size_t size;
  };
  std::vector<Block> blocks_;
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t reserved_ = 0;
  std::unordered_map<std::string_view, std::string_view> interned_;
};

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_ARENA_H_
