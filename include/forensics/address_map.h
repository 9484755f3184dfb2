// A hash map keyed by 32-byte addresses, for the replay's hot paths (the world state, a block's
// undo log): the entries live in one dense vector, in insertion order, and an open-addressing
// index (linear probing, a power-of-two number of slots, at most half full) maps a key to its
// entry. A slot holds 32 bits of the key's hash and the entry's position, so a probe reads the
// entry only when the hash bits match. Erasing moves the last entry into the gap and closes the
// probe chain behind the freed slot (backward shift), so there are no tombstones.
//
// Iteration visits the entries in the dense vector's order: insertion order, except that an erase
// moves the last entry into the erased one's place. That order depends only on the sequence of
// operations, so it is deterministic.
#ifndef FORENSICS_ADDRESS_MAP_H_
#define FORENSICS_ADDRESS_MAP_H_

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "forensics/types.h"

namespace forensics {

// Mixes all 32 bytes (addresses are usually hashes, but a crafted input must not make every key
// probe the same chain).
struct AddressHash {
  uint64_t operator()(const Bytes<32>& a) const {
    uint64_t w[4];
    std::memcpy(w, a.data(), sizeof(w));
    const uint64_t x = (w[0] ^ (w[2] * 0x9e3779b97f4a7c15ULL)) + (w[1] ^ (w[3] * 0xc2b2ae3d27d4eb4fULL));
    return (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ULL;
  }
};

template <typename V, typename Hasher = AddressHash>
class AddressMap {
 public:
  using value_type = std::pair<Bytes<32>, V>;
  using const_iterator = typename std::vector<value_type>::const_iterator;
  using iterator = typename std::vector<value_type>::iterator;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }

  void clear() {
    entries_.clear();
    slots_.clear();
    mask_ = 0;
  }

  void reserve(size_t n) {
    entries_.reserve(n);
    if (n * 2 > slots_.size()) Rehash(n * 2);
  }

  const V* find(const Bytes<32>& key) const {
    if (entries_.empty()) return nullptr;
    const uint64_t h = Hasher()(key);
    const uint32_t tag = Tag(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if (s == 0) return nullptr;
      if (static_cast<uint32_t>(s >> 32) == tag) {
        const value_type& e = entries_[static_cast<uint32_t>(s) - 1];
        if (SameBytes32(e.first, key)) return &e.second;
      }
    }
  }
  V* find(const Bytes<32>& key) {
    return const_cast<V*>(static_cast<const AddressMap*>(this)->find(key));
  }

  // Starts fetching the index slot `key` hashes to (a lookup soon after finds it in cache).
  void PrefetchSlot(const Bytes<32>& key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Hasher()(key) & mask_]);
  }
  // Starts fetching the entry of `key` if its home slot, already fetched, points to it.
  void PrefetchEntry(const Bytes<32>& key) const {
    if (slots_.empty()) return;
    const uint64_t h = Hasher()(key);
    const uint64_t s = slots_[h & mask_];
    if (s != 0 && static_cast<uint32_t>(s >> 32) == Tag(h)) __builtin_prefetch(&entries_[static_cast<uint32_t>(s) - 1]);
  }

  // The value for `key`, inserted as V() if absent. The reference is valid until the next insert or erase.
  V& operator[](const Bytes<32>& key) { return *TryEmplace(key, V()).first; }

  // Inserts (key, value) unless key is present; returns the value held and whether it was inserted.
  std::pair<V*, bool> TryEmplace(const Bytes<32>& key, V value) {
    if ((entries_.size() + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const uint64_t h = Hasher()(key);
    const uint32_t tag = Tag(h);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if (s == 0) break;
      if (static_cast<uint32_t>(s >> 32) == tag) {
        value_type& e = entries_[static_cast<uint32_t>(s) - 1];
        if (SameBytes32(e.first, key)) return {&e.second, false};
      }
    }
    entries_.emplace_back(key, std::move(value));
    slots_[i] = Slot(tag, entries_.size() - 1);
    return {&entries_.back().second, true};
  }

  // Removes `key` if present; returns whether it was.
  bool erase(const Bytes<32>& key) {
    if (entries_.empty()) return false;
    const uint64_t h = Hasher()(key);
    size_t i = h & mask_;
    uint32_t pos;
    for (;; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if (s == 0) return false;
      pos = static_cast<uint32_t>(s) - 1;
      if (static_cast<uint32_t>(s >> 32) == Tag(h) && SameBytes32(entries_[pos].first, key)) break;
    }
    // Close the gap at slot i: pull back every later slot of the chain that may live at or before it.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const uint64_t s = slots_[j];
      if (s == 0) break;
      const size_t home = Hasher()(entries_[static_cast<uint32_t>(s) - 1].first) & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {  // home is not in (i, j]: the entry may move to i
        slots_[i] = s;
        i = j;
      }
    }
    slots_[i] = 0;
    // Move the last entry into the erased one's place and point its slot there.
    const uint32_t last = static_cast<uint32_t>(entries_.size() - 1);
    if (pos != last) {
      const uint64_t lh = Hasher()(entries_[last].first);
      for (size_t k = lh & mask_;; k = (k + 1) & mask_) {
        if (static_cast<uint32_t>(slots_[k]) - 1 == last) {
          slots_[k] = Slot(Tag(lh), pos);
          break;
        }
      }
      entries_[pos] = std::move(entries_[last]);
    }
    entries_.pop_back();
    return true;
  }

 private:
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }
  static uint64_t Slot(uint32_t tag, size_t pos) { return (static_cast<uint64_t>(tag) << 32) | (pos + 1); }

  void Rehash(size_t want) {
    size_t n = 16;
    while (n < want) n *= 2;
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (size_t pos = 0; pos < entries_.size(); ++pos) {
      const uint64_t h = Hasher()(entries_[pos].first);
      size_t i = h & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = Slot(Tag(h), pos);
    }
  }

  std::vector<value_type> entries_;
  std::vector<uint64_t> slots_;  // 0 = empty; else hash tag << 32 | (entry position + 1)
  size_t mask_ = 0;
};

}  // namespace forensics

#endif  // FORENSICS_ADDRESS_MAP_H_
