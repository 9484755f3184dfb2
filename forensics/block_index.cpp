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

Result<std::pair<BlockHeight, Hash32>> BlockIndex::Resolve(std::string_view query) const {
  std::string q(query);
  if (q.size() >= 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) q = q.substr(2);
  for (char& c : q) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (q.empty() || q.size() > 64 || q.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Status::InvalidArgument(fmt::format("--block '{}' is not a hex block hash or prefix", query));
  // The whole bytes of the prefix, and its last nibble when its length is odd.
  uint8_t bytes[32] = {};
  auto nibble = [](char c) { return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  for (size_t i = 0; i + 1 < q.size(); i += 2) bytes[i / 2] = static_cast<uint8_t>(nibble(q[i]) << 4 | nibble(q[i + 1]));
  const size_t whole = q.size() / 2;
  const bool odd = q.size() % 2 == 1;
  const uint8_t last = odd ? nibble(q.back()) : 0;
  std::vector<size_t> matches;  // the first 20 of them
  size_t count = 0;
  for (size_t i = 0; i < hashes_.size(); ++i) {
    const Hash32& h = hashes_.Value(i);
    if (std::memcmp(h.data(), bytes, whole) != 0) continue;
    if (odd && (h[whole] >> 4) != last) continue;
    if (++count <= 20) matches.push_back(i);
  }
  if (count == 0)
    return Status::InvalidArgument(fmt::format("--block {}: no block in the input has a hash starting with it", query));
  if (count > 1) {
    std::string list;
    for (size_t i = 0; i < matches.size(); ++i) {
      const auto [height, hash] = hashes_.At(matches[i]);
      list += fmt::format("\n  height {} {}", height, hash.Hex());
    }
    return Status::InvalidArgument(fmt::format("--block {} is ambiguous: {} blocks match:{}", query, count, list));
  }
  return hashes_.At(matches.front());
}

}  // namespace forensics
