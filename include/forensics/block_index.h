// BlockIndex: what a replay keeps of every block for the questions asked after it, the block a
// hash or hash prefix names (--block, the 16-hex prefixes daemon logs print) and the replayed
// state root at a height (the log timeline's root checks).
//
// Kept per block, and nothing else: its hash (32 bytes: a prefix of any length up to the whole
// hash must resolve, and the answer is the full hash) and, for a replayed block, the state root
// the replay computed (32 bytes: logs may claim a whole root). Heights are not stored per block:
// blocks arrive in increasing height order, so each array keeps one (first height, index) pair per
// run of consecutive heights, a few words per gap in the chain. Both arrays grow in chunks of
// kChunk entries, so N blocks take at most 64·N bytes plus a chunk each, without the copy and
// the spare half a growing vector holds.
#ifndef FORENSICS_BLOCK_INDEX_H_
#define FORENSICS_BLOCK_INDEX_H_

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "forensics/inputs.h"
#include "forensics/result.h"
#include "forensics/types.h"

namespace forensics {

// 32-byte values by strictly increasing height.
class HeightArray {
 public:
  static constexpr size_t kChunk = 16384;  // entries per chunk (512 KiB)

  // REQUIRES: height above every height added before.
  void Add(BlockHeight height, const Hash32& value);
  std::optional<Hash32> Find(BlockHeight height) const;
  size_t size() const { return size_; }
  // The i-th entry in height order (i < size()).
  std::pair<BlockHeight, Hash32> At(size_t i) const;
  const Hash32& Value(size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  // Heap bytes held (the chunks and the runs).
  size_t HeapBytes() const;

  friend bool operator==(const HeightArray& a, const HeightArray& b);

 private:
  struct Run {
    BlockHeight first;  // height of entry `index`; the entries up to the next run follow it
    size_t index;
  };
  std::vector<std::vector<Hash32>> chunks_;  // each reserved to kChunk entries
  std::vector<Run> runs_;
  size_t size_ = 0;
};

class BlockIndex {
 public:
  // A block in replay order: its stored (else computed) hash, and the root the replay computed
  // when it replayed the block.
  void Add(BlockHeight height, const Hash32& hash, const std::optional<Hash32>& replayed_root);

  size_t size() const { return hashes_.size(); }
  std::pair<BlockHeight, Hash32> At(size_t i) const { return hashes_.At(i); }
  std::optional<Hash32> ReplayedRoot(BlockHeight height) const { return roots_.Find(height); }
  size_t HeapBytes() const { return hashes_.HeapBytes() + roots_.HeapBytes(); }

  // The blocks whose hash starts with `prefix`, in height order.
  PrefixMatches Match(const HashPrefix& prefix) const;
  // The block whose hash is `query` or starts with it (inputs.h): InvalidArgument when the query is not
  // hex or several blocks match (listing them), NotFound when none does.
  Result<BlockRef> Resolve(std::string_view query) const;

  friend bool operator==(const BlockIndex& a, const BlockIndex& b) {
    return a.hashes_ == b.hashes_ && a.roots_ == b.roots_;
  }

 private:
  HeightArray hashes_;
  HeightArray roots_;
};

}  // namespace forensics

#endif  // FORENSICS_BLOCK_INDEX_H_
