// The replay's per-block record (block_index.h): hashes and replayed roots by height, in chunks.
#include "forensics/block_index.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace forensics {

void HeightArray::Add(BlockHeight height, const Hash32& value) {
  if (runs_.empty() || height != runs_.back().first + (size_ - runs_.back().index)) runs_.push_back(Run{height, size_});
  if (size_ % kChunk == 0) chunks_.emplace_back().reserve(kChunk);
  chunks_.back().push_back(value);
  ++size_;
}

std::optional<Hash32> HeightArray::Find(BlockHeight height) const {
  // The last run starting at or below the height.
  auto it = std::upper_bound(runs_.begin(), runs_.end(), height, [](BlockHeight h, const Run& r) { return h < r.first; });
  if (it == runs_.begin()) return std::nullopt;
  --it;
  const size_t end = it + 1 == runs_.end() ? size_ : (it + 1)->index;
  const size_t i = it->index + static_cast<size_t>(height - it->first);
  if (i >= end) return std::nullopt;
  return Value(i);
}

std::pair<BlockHeight, Hash32> HeightArray::At(size_t i) const {
  auto it = std::upper_bound(runs_.begin(), runs_.end(), i, [](size_t i, const Run& r) { return i < r.index; });
  --it;
  return {it->first + (i - it->index), Value(i)};
}

size_t HeightArray::HeapBytes() const {
  size_t bytes = chunks_.capacity() * sizeof(chunks_[0]) + runs_.capacity() * sizeof(Run);
  for (const auto& chunk : chunks_) bytes += chunk.capacity() * sizeof(Hash32);
  return bytes;
}

bool operator==(const HeightArray& a, const HeightArray& b) {
  if (a.size_ != b.size_) return false;
  for (size_t i = 0; i < a.size_; ++i)
    if (a.At(i) != b.At(i)) return false;
  return true;
}

void BlockIndex::Add(BlockHeight height, const Hash32& hash, const std::optional<Hash32>& replayed_root) {
  hashes_.Add(height, hash);
  if (replayed_root) roots_.Add(height, *replayed_root);
}

PrefixMatches BlockIndex::Match(const HashPrefix& prefix) const {
  PrefixMatches m;
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (!prefix.Matches(hashes_.Value(i))) continue;
    if (++m.count <= PrefixMatches::kListed) {
      const auto [height, hash] = hashes_.At(i);
      m.listed.push_back({height, hash});
    }
  }
  return m;
}

Result<BlockRef> BlockIndex::Resolve(std::string_view query) const {
  auto prefix = HashPrefix::Parse(query);
  if (!prefix) return prefix.error();
  return Match(*prefix).One(*prefix, "the input");
}

}  // namespace forensics
