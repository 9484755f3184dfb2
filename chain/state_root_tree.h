// StateRootTree::Impl, the incremental state root (state_root.h): its leaves, segments and levels.
// The queue, the searches and the segments are in state_root_tree.cpp; the hashing of leaves, spans
// and levels in state_root_tree_hash.cpp. Private to forensics_chain.
//
// Incremental (StateRootTree): the accounts sorted by address, the leaf hashes, the three lowest
// inner levels at every alignment (these four per leaf, in segments of at most 1024 leaves, so that
// an insert or removal moves the leaves on its shorter side within one segment, not the rest of the
// tree; each segment has a fixed slot of 1024 places in a few big pooled arrays, which cost far fewer
// page faults than a small allocation per segment, and sits in it with room on both sides), and the
// levels above them (in plain arrays: an eighth of the nodes). Set() only queues. Root():
//   1. Sorts the queue (the last Set() of an address wins) and classifies each entry against the
//      tree: update, insert, removal or no-op.
//   2. Updates only: rehash the changed leaves, the low spans over them (2 + 4 + 8 per leaf) and
//      their ancestors above level 3 a level at a time: about k·(11 + log2(n)) hashes, each level
//      one batch.
//   3. Inserts or removals: the leaves that are neither new nor changed form runs that kept their
//      order and moved by a constant offset δ.
//      Low levels (1..3): for every leaf position i the tree keeps the root of the 2^L leaves
//      [i, i + 2^L), not only at positions that are multiples of 2^L. A span lying inside one run is
//      the old one moved by δ, whatever δ is; only the spans over a new, changed or removed leaf are
//      rehashed. Level 3 of the tree is then read off the spans at multiples of 8. Without them, an
//      insert shifts every leaf to its right, every pair to its right is a new pair, and about 0.6·n
//      nodes are rehashed per block that inserts at random places; with them, from level 4 up only
//      (about n/8 in all).
//      Levels above: a node at level L whose leaf range lies inside one run is the old node moved by
//      δ/2^L, provided δ is a multiple of 2^L (for the last node of a level, also provided the run
//      ends the tree both before and after). Each level is rebuilt in place: first the reusable
//      nodes are moved (memmove: left-moving blocks in ascending order, then right-moving blocks in
//      descending order, so no block is overwritten before it has moved), then the gaps are hashed
//      from the level below, whose pairs are contiguous. Everything left of the first insertion or
//      removal has δ = 0 and is reused at every level.
//      The low spans cost 3·n hashes of memory (96 bytes per account) and 3·n hashes when a tree is
//      built from nothing.
//   Measured over 10,000 blocks each inserting 12 random accounts and updating 200 (up to 121,000
//   accounts): 38,400 node hashes per block and 16 s before the low spans; 10,000 and 8-10 s with
//   them (the move of everything right of the first insert then took 40% of it); 5.7-6.3 s with
//   segments. A tree built at once from 1M accounts takes about 0.65 s against 0.27 s before the
//   low spans (three times the hashes, and more memory to fault in); a block inserting 1,000
//   accounts into it 13 ms against 34 ms.
#ifndef FORENSICS_CHAIN_STATE_ROOT_TREE_H_
#define FORENSICS_CHAIN_STATE_ROOT_TREE_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "forensics/state_root.h"
#include "io/huge_pages.h"
#include "state_root_order.h"

namespace forensics {

class StateRootTree::Impl {
 public:
  explicit Impl(OddRule rule) : rule_(rule) {}

  void Set(const Address& a, Amount balance, uint64_t nonce);
  Hash32 Root();
  Stats stats() const { return stats_; }
  void measure_hash_time(bool on) { measure_hash_time_ = on; }

  // Times the SHA-256 batches of this thread into *seconds while it lives (null: no timing).
  class HashTimer {
   public:
    explicit HashTimer(double* seconds);
    ~HashTimer();
    HashTimer(const HashTimer&) = delete;
    HashTimer& operator=(const HashTimer&) = delete;

   private:
    double* previous_;
  };
  size_t size() const;

 private:
  // Levels 1..kLow are kept at every alignment (see the top of the file).
  static constexpr size_t kLow = 3;
  static constexpr size_t kLowWidth = size_t{1} << kLow;
  // Leaf segments: a new tree fills them to kSegFill of their kSegMax places; one that would grow
  // past kSegMax is cut into pieces of kSegMax / 2.
  static constexpr size_t kSegFill = 768;
  static_assert(kSegFill <= state_root::kChunk);
  static constexpr size_t kSegMax = 1024;

  // The big arrays (accounts, tree levels, sort order) take huge pages: a million-account tree then
  // takes a few dozen page faults instead of tens of thousands, and leaf-to-root walks through the
  // levels miss the TLB far less.
  template <typename T>
  using BigVector = io::HugePageVector<T>;
  using HashArray = BigVector<Hash32>;

  enum class Kind : uint8_t { kUpdate, kInsert, kRemove };
  struct Event {
    size_t old_pos;  // the account's position, or for an insert the position it goes before
    size_t seg;      // the same place as a segment and an index in it
    size_t local;
    Kind kind;
    const AccountEntry* entry;
  };
  // Leaves kept from the old tree: new positions [begin, end) were old positions [begin - δ, end - δ).
  struct Run {
    size_t begin, end;
    int64_t delta;
    bool ends_old_tree;  // end - δ == old leaf count
  };
  // A range [begin, end) of positions in one level.
  struct Range {
    size_t begin, end;
  };
  // A run of consecutive leaves in address order. Its leaves are at [base, base + size) of acc_ and
  // of each span_[L], base = slot·kSegMax + offset (the account, its hash, and per level the root of
  // the 2^L leaves from this one on; unused where those would run past the last leaf of the tree).
  // The offset leaves room on both sides, so an insert or a removal moves the shorter side.
  struct Segment {
    uint32_t slot;
    uint16_t offset;
    uint16_t size;
    size_t base() const { return size_t{slot} * kSegMax + offset; }
  };
  static_assert(kSegMax <= UINT16_MAX);
  // Where an address is or would go: segment, index in it, and whether it is there.
  struct Where {
    size_t seg, local;
    bool found;
  };

  // Sorts the queue by address and keeps the last Set() of each address: sorts the tail added since
  // the last call and merges it into the sorted head, the tail winning on equal addresses.
  void Consolidate() const;

  // The first leaf whose address is not less than a, searching from segment `from` on (probes come
  // in address order). Past every leaf: the end of the last segment. REQUIRES: at least one leaf.
  Where Locate(const Address& a, size_t from) const;

  // Locate() from its two halves: seg from SegmentFor(), the search in it started at `guess`.
  Where Search(size_t seg, const Address& a, size_t guess) const;

  // The first segment from `from` on whose last address is not less than a (segs_.size() if none):
  // galloping over seg_last_, then a binary search.
  size_t SegmentFor(const Address& a, size_t from) const;

  // Where in segment `seg` address a probably goes. Addresses are public keys, spread evenly, so the
  // place is interpolated on the top 8 bytes between the last address of the segment before and
  // this one's (both in seg_last_, so in cache, unlike the segment's own addresses).
  size_t Guess(size_t seg, const Address& a) const;

  // The first index of segment `seg` whose address is not less than a, searched from `guess` (<
  // size): a gallop and a binary search, at most about 2·log2(size) probes however the addresses
  // lie. From a good guess the probes stay within a few cache lines; a binary search from the middle
  // misses the cache at almost every probe.
  size_t LowerBoundIn(size_t seg, const Address& a, size_t guess) const;

  // The segment holding leaf g (< n_).
  size_t SegmentOf(size_t g) const {
    return static_cast<size_t>(std::upper_bound(seg_begin_.begin(), seg_begin_.end(), g) - seg_begin_.begin()) - 1;
  }

  // Leaf positions → (segment, index), cheap for positions visited in ascending order.
  class Cursor {
   public:
    explicit Cursor(const Impl& t) : t_(&t) {}
    void Seek(size_t g) {
      const std::vector<size_t>& b = t_->seg_begin_;
      if (g < b[seg_] || (g >= b[seg_ + 1] && seg_ + 2 < b.size() && g >= b[seg_ + 2])) {
        seg_ = t_->SegmentOf(g);
      } else if (g >= b[seg_ + 1]) {
        ++seg_;
      }
      local_ = g - b[seg_];
    }
    // The next position (REQUIRES: not the last leaf).
    void Next() {
      if (++local_ == t_->seg_begin_[seg_ + 1] - t_->seg_begin_[seg_]) {
        ++seg_;
        local_ = 0;
      }
    }
    size_t seg() const { return seg_; }
    size_t local() const { return local_; }

   private:
    const Impl* t_;
    size_t seg_ = 0, local_ = 0;
  };
  AccountEntry* Acc(size_t seg) { return &acc_[segs_[seg].base()]; }
  const AccountEntry* Acc(size_t seg) const { return &acc_[segs_[seg].base()]; }
  Hash32* Span(size_t level, size_t seg) { return &span_[level][segs_[seg].base()]; }
  Hash32& SpanAt(size_t level, const Cursor& c) { return Span(level, c.seg())[c.local()]; }

  // A free slot, the pools grown if need be (by half, so that growing stays cheap overall).
  uint32_t NewSlot();

  // seg_begin_ from the segment sizes.
  void RecomputeBegins();

  void Apply();

  // The leaves merged with the (consolidated) queue become the queue, and the tree is built anew.
  void RebuildWithPending();

  size_t Count() const { return n_; }
  // Entries of span_[level] over n leaves: one per start of 2^level consecutive leaves.
  static size_t SpanCount(size_t n, size_t level) {
    const size_t width = size_t{1} << level;
    return n >= width ? n - width + 1 : 0;
  }

  // From an empty tree: the queue, less its (0, 0) entries, becomes the accounts, kSegFill to a
  // segment; the leaves are hashed a segment at a time, then the spans level by level.
  void Build();

  // Hashes the leaves at the given positions (ascending), in full batches.
  void HashLeaves(const std::vector<size_t>& positions);

  // Recomputes the level-`level` span (1 <= level <= kLow) at every position in `ranges` (ascending,
  // disjoint) from the two half spans of the level below: they are not adjacent, so the messages are
  // gathered, and hashed in batches across ranges (a range is often only a few entries long).
  void HashSpans(size_t level, const std::vector<Range>& ranges);

  // The tree's node at `level` <= kLow over leaves [s, min(s + 2^level, n)), s a multiple of
  // 2^level below n: the span at s when the leaves are all there, else built from the level below
  // by the odd rule (the last node of a level whose count is odd has a left child only). Only for
  // levels at or below the root.
  Hash32 EdgeNode(size_t level, size_t s);

  // Level kLow of a tree taller than that (upper_[0]), nodes [from, end): a node over a whole group
  // of 2^kLow leaves is the span at its first leaf, a last short one is built.
  void GatherLow(size_t from);

  void SetRoot();

  // The spans of levels 1..kLow over any leaf at `changed` (new or changed, ascending) or across any
  // place in `cuts` (the position of the leaf after a removed one, ascending), rehashed.
  void RehashSpans(const std::vector<size_t>& changed, const std::vector<size_t>& cuts);

  // No account appears or disappears: rehash the changed leaves, the spans over them and their
  // ancestors.
  void ApplyUpdates(const std::vector<Event>& events);

  // Applies the events (ascending) to the segments they fall in. A segment that keeps room for its
  // inserts is edited in place, from its last event back so that the places of earlier ones stay
  // valid (inserts at one place go in in reverse address order, each before the one inserted after
  // it); one that would overflow is rebuilt into pieces of kSegMax / 2; one that empties goes.
  void EditSegments(const std::vector<Event>& events);

  // Accounts appear or disappear: edit the segments they fall in, rehash what covers a change, and
  // rebuild the levels above in place, reusing what only moved.
  void ApplyStructural(const std::vector<Event>& events);

  // Recomputes nodes [from, to) of upper_[u] from upper_[u - 1], whose pairs are contiguous.
  void HashUpper(size_t u, size_t from, size_t to);

  OddRule rule_;
  // The leaves in address order (none (0, 0)), cut into segments of at most kSegMax so that an
  // insert or a removal moves the shorter side of one segment, not the rest of the tree.
  std::vector<Segment> segs_;
  BigVector<AccountEntry> acc_;             // kSegMax per slot
  std::array<HashArray, kLow + 1> span_;  // the same
  std::vector<uint32_t> free_slots_;        // slots of segments that emptied
  uint32_t slots_ = 0;                      // slots handed out
  std::vector<size_t> seg_begin_{0};  // position of each segment's first leaf; back() = n_
  std::vector<Address> seg_last_;     // each segment's last address (searched without visiting them)
  size_t n_ = 0;
  // upper_[u]: level kLow + u of the tree when it has more than 2^kLow leaves (so upper_[0] has at
  // least two nodes); upper_.back() = {root}. Empty otherwise.
  std::vector<HashArray> upper_;
  Hash32 root_{};
  std::vector<uint8_t> msgs_;  // HashSpans scratch
  std::vector<Hash32> out_;
  std::vector<std::pair<size_t, size_t>> targets_;
  std::vector<std::pair<size_t, size_t>> probes_;  // Apply() scratch: segment and first probe per entry
  std::vector<AccountEntry> merge_acc_;  // EditSegments scratch
  std::array<std::vector<Hash32>, kLow + 1> merge_span_;
  // Set() calls since the last Root(); sorted and deduplicated lazily (also by size(), hence mutable).
  mutable BigVector<AccountEntry> pending_;
  mutable size_t sorted_len_ = 0;  // pending_[0, sorted_len_) is sorted, one entry per address
  Stats stats_;                    // of the last Root()
  bool measure_hash_time_ = false;
};

}  // namespace forensics

#endif  // FORENSICS_CHAIN_STATE_ROOT_TREE_H_
