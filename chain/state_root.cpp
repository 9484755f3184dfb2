// State root (chain.md §4): from scratch, and an incremental tree that keeps its hashes across blocks.
//
// From scratch (ComputeStateRoot):
//   1. One pass checks whether the input is already in address order (it stops at the first pair
//      that is not).
//   2. If it is not, RootOfUnordered() spreads the accounts over buckets of their top address bits,
//      sorts each bucket in cache and hashes its leaves (see there); fetching the input in a sorted
//      order instead would cost one random memory access per account, more than its hashes. From 64k
//      accounts up a second thread sorts and hashes buckets while the calling thread builds the tree
//      over the leaf hashes of the buckets already done.
//   3. OrderedRoot takes the accounts in address order, skips (0, 0) accounts and all but the last
//      entry of an address, and works in chunks of 4096 leaves: encode, Hash48Many, and reduce the
//      chunk to its subtree root at level 12 while it is still in cache. The tree above level 12 is
//      the merkle tree over the chunk roots.
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
#include "forensics/state_root.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <system_error>
#include <thread>
#include <type_traits>
#include <memory>
#include <utility>
#include <vector>

#include "forensics/sha256.h"
#include "merkle_level.h"

namespace forensics {
namespace {

constexpr size_t kChunkLog = 12;
constexpr size_t kChunk = size_t{1} << kChunkLog;
// StateRootTree keeps levels 1..kLow at every alignment (see the top of the file).
constexpr size_t kLow = 3;
constexpr size_t kLowWidth = size_t{1} << kLow;
// StateRootTree's leaf segments: a new tree fills them to kSegFill of their kSegMax places; one that
// would grow past kSegMax is cut into pieces of kSegMax / 2.
constexpr size_t kSegFill = 768;
static_assert(kSegFill <= kChunk);
constexpr size_t kSegMax = 1024;

// Allocator for the big arrays (accounts, tree levels, sort order). Blocks of 4 MiB and more are
// 2 MiB-aligned and advised as huge pages (Linux, where transparent huge pages are usually in
// "madvise" mode): a million-account tree then takes a few dozen page faults instead of tens of
// thousands, and leaf-to-root walks through the levels miss the TLB far less. Smaller blocks come
// from operator new as usual.
template <typename T>
struct BigArrayAllocator {
  using value_type = T;
  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kThreshold = size_t{4} << 20;

  BigArrayAllocator() = default;
  template <typename U>
  BigArrayAllocator(const BigArrayAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kThreshold) return std::allocator<T>().allocate(n);
    const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    madvise(p, rounded, MADV_HUGEPAGE);  // a hint; failure only costs speed
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kThreshold) {
      std::allocator<T>().deallocate(p, n);
    } else {
      std::free(p);
    }
  }
  friend bool operator==(const BigArrayAllocator&, const BigArrayAllocator&) { return true; }
};

template <typename T>
using BigVector = std::vector<T, BigArrayAllocator<T>>;
using HashArray = BigVector<Hash32>;

bool IsZero(const AccountEntry& a) { return a.balance == 0 && a.nonce == 0; }

// Big-endian 8-byte word: comparing four of these orders addresses like memcmp, without the call
// (GCC does not inline an ordering memcmp; this comparison is the inner loop of every search here).
uint64_t Word(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

bool Less(const Address& x, const Address& y) {
  for (int i = 0; i < 32; i += 8) {
    const uint64_t a = Word(x.data() + i), b = Word(y.data() + i);
    if (a != b) return a < b;
  }
  return false;
}

void StoreLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// SHA-256 batches of StateRootTree, timed when SetStateRootHashTiming(true) on this thread.
thread_local bool tree_hash_timing = false;
thread_local double tree_hash_seconds = 0;

template <typename Fn>
void TimedHash(Fn&& fn) {
  if (!tree_hash_timing) {
    fn();
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  tree_hash_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void TreeHash48(const uint8_t* msgs, uint8_t* out, size_t n) {
  TimedHash([&] { sha256::Hash48Many(msgs, out, n); });
}
void TreeHash64(const uint8_t* msgs, uint8_t* out, size_t n) {
  TimedHash([&] { sha256::Hash64Many(msgs, out, n); });
}

// Positions of `accounts` in ascending address order; equal addresses keep their input order.
// Each account becomes one 64-bit word, (first 4 address bytes << 32) | position, so a plain integer
// sort orders by prefix and then by position; runs of equal prefix are then re-sorted by the full
// address. The words are first spread over 65536 buckets by their top 16 bits (addresses are public
// keys, so in practice uniform) and each bucket sorted alone; an adversarial input that fills one
// bucket only degrades to one O(n log n) sort.
// REQUIRES: accounts.size() < 2^32.
BigVector<uint64_t> SortedOrder(std::span<const AccountEntry> accounts) {
  const size_t n = accounts.size();
  assert(n < (uint64_t{1} << 32));
  auto word = [&](size_t i) {
    const Address& a = accounts[i].address;
    return (uint64_t{a[0]} << 56) | (uint64_t{a[1]} << 48) | (uint64_t{a[2]} << 40) | (uint64_t{a[3]} << 32) | i;
  };
  BigVector<uint64_t> order(n);
  if (n < (size_t{1} << 16)) {
    for (size_t i = 0; i < n; ++i) order[i] = word(i);
    std::sort(order.begin(), order.end());
  } else {
    std::vector<size_t> fill(size_t{1} << 16, 0);
    for (size_t i = 0; i < n; ++i) ++fill[accounts[i].address[0] << 8 | accounts[i].address[1]];
    size_t sum = 0;
    for (size_t& f : fill) sum += std::exchange(f, sum);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t w = word(i);
      order[fill[w >> 48]++] = w;
    }
    // fill[b] is now the end of bucket b.
    for (size_t b = 0, begin = 0; b < fill.size(); begin = fill[b++]) {
      if (fill[b] - begin > 1) std::sort(order.begin() + static_cast<ptrdiff_t>(begin),
                                         order.begin() + static_cast<ptrdiff_t>(fill[b]));
    }
  }
  auto full_less = [&](uint64_t x, uint64_t y) {
    const Address& ax = accounts[x & 0xffffffff].address;
    const Address& ay = accounts[y & 0xffffffff].address;
    if (Less(ax, ay)) return true;
    if (Less(ay, ax)) return false;
    return (x & 0xffffffff) < (y & 0xffffffff);
  };
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && (order[j] >> 32) == (order[i] >> 32)) ++j;
    if (j - i > 1) std::sort(order.begin() + static_cast<ptrdiff_t>(i), order.begin() + static_cast<ptrdiff_t>(j), full_less);
    i = j;
  }
  for (uint64_t& w : order) w &= 0xffffffff;
  return order;
}

// Root over accounts fed in ascending address order (step 3 at the top): Add() encodes leaves into
// chunks of 4096; each full chunk is hashed and reduced to its subtree root at level 12 while it is
// still in cache. Skips (0, 0) accounts and, of adjacent equal addresses, all but the last.
class OrderedRoot {
 public:
  explicit OrderedRoot(OddRule rule)
      : rule_(rule), msgs_(new uint8_t[48 * kChunk]), buf_a_(new Hash32[kChunk + 1]), buf_b_(new Hash32[kChunk + 1]) {}

  // `a` must stay valid until the next Add() or Root(). may_repeat: a's address may equal the previous
  // one's (false only when the caller knows it differs).
  void Add(const AccountEntry* a, bool may_repeat = true) {
    if (pending_ != nullptr && !(may_repeat && SameBytes32(pending_->address, a->address))) Emit(*pending_);
    pending_ = a;
  }

  // Leaf hashes of accounts in ascending address order, already without (0, 0) accounts and repeated
  // addresses (instead of Add(); the two do not mix).
  void AddLeafHashes(const Hash32* h, size_t count) {
    hashed_leaves_ = true;
    while (count > 0) {
      const size_t take = std::min(count, kChunk - take_);
      std::memcpy(buf_a_[take_].data(), h[0].data(), take * sizeof(Hash32));
      take_ += take;
      h += take;
      count -= take;
      if (take_ == kChunk) chunk_roots_.push_back(Reduce(false));
    }
  }

  Hash32 Root() {
    if (pending_ != nullptr) Emit(*pending_);
    pending_ = nullptr;
    if (take_ == 0) return MerkleRoot(chunk_roots_, rule_);  // no chunk → zero; one full chunk → its root
    // A short chunk is the last one. If it is also the first, it is the whole tree; otherwise it goes
    // up to level 12 like every chunk, applying the odd rule on the way as the tree's right edge does.
    if (chunk_roots_.empty()) return Reduce(/*whole_tree=*/true);
    chunk_roots_.push_back(Reduce(false));
    return MerkleRoot(chunk_roots_, rule_);
  }

 private:
  void Emit(const AccountEntry& a) {
    if (IsZero(a)) return;
    EncodeStateLeaf(a.address, a.balance, a.nonce, &msgs_[48 * take_]);
    if (++take_ == kChunk) chunk_roots_.push_back(Reduce(false));
  }

  // Hashes the take_ leaves of the current chunk and reduces them to level 12 (or, for the whole tree,
  // to one node). (For a full chunk, 12 levels and "up to one node" are the same.)
  Hash32 Reduce(bool whole_tree) {
    if (!hashed_leaves_) sha256::Hash48Many(msgs_.get(), buf_a_[0].data(), take_);
    Hash32* cur = buf_a_.get();
    Hash32* next = buf_b_.get();
    size_t size = take_;
    take_ = 0;
    for (size_t level = 0; whole_tree ? size > 1 : level < kChunkLog; ++level) {
      size = HashLevel(cur, size, next, rule_);
      std::swap(cur, next);
    }
    return cur[0];
  }

  OddRule rule_;
  std::unique_ptr<uint8_t[]> msgs_;
  std::unique_ptr<Hash32[]> buf_a_, buf_b_;
  size_t take_ = 0;
  std::vector<Hash32> chunk_roots_;
  const AccountEntry* pending_ = nullptr;
  bool hashed_leaves_ = false;  // AddLeafHashes() put the leaves of the chunk in buf_a_
};

constexpr size_t kThreadedMin = size_t{1} << 16;  // accounts from which a second thread sorts buckets
constexpr size_t kBucketWordsMax = 0xffff;           // larger buckets take the fallback sort
constexpr uint32_t kFresh = uint32_t{1} << 31;       // order flag: the address differs from the previous

// Step 2 of RootOfUnordered for one bucket: writes the bucket's positions e[0, m) in address order
// (equal addresses in input order) to out[0, m), with kFresh where the address is not the previous
// one's; for a bucket of more than kBucketWordsMax accounts, plain positions without flags.
// words, sorted and sub are scratch.
void SortBucket(const AccountEntry* e, size_t m, size_t bits, uint32_t* out, std::vector<uint64_t>& words,
                std::vector<uint64_t>& sorted, std::array<uint32_t, 257>& sub) {
  constexpr uint64_t kPosBits = 16, kPosMask = (uint64_t{1} << kPosBits) - 1;
  static_assert(kPosMask == kBucketWordsMax);
  if (m > kPosMask) {
    // Far more than a uniform spread puts here (crafted addresses): a plain stable sort of positions.
    for (size_t i = 0; i < m; ++i) out[i] = static_cast<uint32_t>(i);
    std::stable_sort(out, out + m, [e](uint32_t x, uint32_t y) { return Less(e[x].address, e[y].address); });
    return;
  }
  // Address bits after the bucket's, then the position.
  words.resize(m);
  sorted.resize(m);
  sub.fill(0);
  for (size_t i = 0; i < m; ++i) {
    const uint64_t w = ((Word(e[i].address.data()) << bits) & ~kPosMask) | i;
    words[i] = w;
    ++sub[(w >> 56) + 1];
  }
  for (size_t d = 0; d < 256; ++d) sub[d + 1] += sub[d];
  {
    std::array<uint32_t, 256> at;
    std::copy(sub.begin(), sub.end() - 1, at.begin());
    for (uint64_t w : words) sorted[at[w >> 56]++] = w;
  }
  for (size_t d = 0; d < 256; ++d) {
    if (sub[d + 1] - sub[d] > 16) std::sort(sorted.data() + sub[d], sorted.data() + sub[d + 1]);
  }
  // Sub-buckets are in order and now none holds more than 16 unsorted words: one insertion-sort
  // pass over the bucket finishes it, moving no word past its sub-bucket (about one per sub-bucket).
  for (size_t i = 1; i < m; ++i) {
    const uint64_t w = sorted[i];
    size_t q = i;
    for (; q > 0 && sorted[q - 1] > w; --q) sorted[q] = sorted[q - 1];
    sorted[q] = w;
  }
  // Runs of equal address bits: order by the full address, then position.
  for (size_t i = 0; i + 1 < m;) {
    size_t j = i + 1;
    while (j < m && (sorted[j] >> kPosBits) == (sorted[i] >> kPosBits)) ++j;
    if (j - i > 1) {
      std::sort(sorted.begin() + static_cast<ptrdiff_t>(i), sorted.begin() + static_cast<ptrdiff_t>(j),
                [e](uint64_t x, uint64_t y) {
                  const Address& ax = e[x & kPosMask].address;
                  const Address& ay = e[y & kPosMask].address;
                  if (Less(ax, ay)) return true;
                  if (Less(ay, ax)) return false;
                  return (x & kPosMask) < (y & kPosMask);
                });
    }
    i = j;
  }
  for (size_t i = 0; i < m; ++i) {
    // Different address bits mean different addresses; only equal ones need the full comparison.
    const bool fresh = i > 0 && (sorted[i] >> kPosBits) != (sorted[i - 1] >> kPosBits);
    out[i] = static_cast<uint32_t>(sorted[i] & kPosMask) | (fresh ? kFresh : 0);
  }
}

// From scratch over input in any order, without fetching the input in sorted order (n random reads
// of a large array cost more than hashing it):
//   1. Copy the accounts into buckets of their top `bits` address bits (about 512 per bucket): one
//      sequential read, 2^bits sequential write streams; input order is kept within a bucket. The
//      buckets first get room for a uniform spread with a wide margin (addresses are public keys);
//      only if one overflows are the accounts counted per bucket and copied again.
//   2. Per bucket, now in cache: sort 64-bit words (the next address bits, then the 16-bit position
//      in the bucket) with one counting pass on their top 8 bits, std::sort of any sub-bucket of
//      more than 16 words and one insertion-sort pass over the whole bucket; words with equal
//      address bits are re-sorted by the full address (then position) (SortBucket).
//   3. Per bucket, still in cache: the last entry of each address, unless (0, 0), is encoded and the
//      bucket's leaves are hashed in one batch.
//   4. Feed the leaf hashes, in bucket order, to OrderedRoot. From 64k accounts up, a second thread
//      does steps 2 and 3 ahead of this one (below).
// Equal addresses end up adjacent in input order, so the last entry of an address counts.
Hash32 RootOfUnordered(std::span<const AccountEntry> accounts, OddRule rule) {
  const size_t n = accounts.size();
  size_t bits = 0;
  while (bits < 11 && (n >> (bits + 9)) > 0) ++bits;
  const size_t buckets = size_t{1} << bits;
  auto bucket_of = [bits](const AccountEntry& a) { return bits == 0 ? 0 : Word(a.address.data()) >> (64 - bits); };
  // Room per bucket for a uniform spread: the mean plus 6 standard deviations and then some (with
  // uniform addresses a bucket overflows in fewer than 1 input in 10^5, and then costs a second pass).
  const size_t mean = (n + buckets - 1) / buckets;
  const size_t room = bits == 0 ? n : mean + 6 * static_cast<size_t>(std::sqrt(static_cast<double>(mean))) + 16;
  const size_t capacity = std::max(n, room * buckets);
  // Every element is written below before it is read: no value-initialization (a memset of the
  // whole array would cost as much as the copy).
  static_assert(std::is_trivially_copyable_v<AccountEntry> && std::is_trivially_destructible_v<AccountEntry>);
  BigArrayAllocator<AccountEntry> alloc;
  std::unique_ptr<AccountEntry[], std::function<void(AccountEntry*)>> spread(
      alloc.allocate(capacity), [capacity, alloc](AccountEntry* p) mutable { alloc.deallocate(p, capacity); });
  std::vector<size_t> begin(buckets + 1), end(buckets);
  for (size_t b = 0; b <= buckets; ++b) begin[b] = b * room;
  bool fits = true;
  std::copy(begin.begin(), begin.end() - 1, end.begin());
  for (const AccountEntry& a : accounts) {
    const size_t b = bucket_of(a);
    if (end[b] == begin[b + 1]) {
      fits = false;
      break;
    }
    std::memcpy(&spread[end[b]++], &a, sizeof(AccountEntry));
  }
  if (!fits) {  // not a uniform spread: exact bucket sizes
    std::fill(begin.begin(), begin.end(), 0);
    for (const AccountEntry& a : accounts) ++begin[bucket_of(a) + 1];
    for (size_t b = 0; b < buckets; ++b) begin[b + 1] += begin[b];
    std::copy(begin.begin(), begin.end() - 1, end.begin());
    for (const AccountEntry& a : accounts) std::memcpy(&spread[end[bucket_of(a)]++], &a, sizeof(AccountEntry));
  }

  // Step 2 writes each bucket's order into `order` at the bucket's own range: the position in the
  // bucket, with kFresh set where the address differs from the previous one (known from the sort
  // words; buckets sorted by the fallback carry no flags); step 3 writes its leaf hashes into
  // `leaves` at the same range. From 64k accounts up a second thread does both while this one builds
  // the tree: both claim the next bucket from `next`; a finished bucket is published by its `done`
  // flag (release; the tree side reads it with acquire). This thread never waits for a bucket nobody
  // has claimed: it does it itself. Measured over 1M random-order accounts with the second core
  // mostly free: 0.87x the time of its hashes alone on one thread, in wall-clock time (1.47x in CPU
  // of both threads). When this thread fed sorted accounts to OrderedRoot and hashed every leaf
  // itself, it was 1.28x (and 1.41x with one thread).
  BigVector<uint32_t> order(capacity);
  BigVector<Hash32> leaves(capacity);  // per bucket at its own range: the hashes of its kept leaves
  std::vector<size_t> kept(buckets);   // how many
  std::unique_ptr<std::atomic<uint8_t>[]> done(new std::atomic<uint8_t>[buckets]);
  for (size_t b = 0; b < buckets; ++b) done[b].store(0, std::memory_order_relaxed);
  std::atomic<size_t> next{0};
  // done[b]: 0 not sorted yet, 1 sorted, 2 claimed by the helper thread, which failed (it could
  // not allocate): this thread sorts it.
  // Each thread sorts with its own scratch.
  struct Scratch {
    std::vector<uint64_t> words, sorted;
    std::array<uint32_t, 257> sub{};
    std::vector<uint8_t> msgs;
  };
  // Sorts bucket b and hashes its leaves: of each run of equal addresses the last entry, unless it
  // is (0, 0).
  auto sort_bucket = [&](size_t b, Scratch& scratch) {
    const AccountEntry* e = &spread[begin[b]];
    const size_t m = end[b] - begin[b];
    uint32_t* o = &order[begin[b]];
    SortBucket(e, m, bits, o, scratch.words, scratch.sorted, scratch.sub);
    const bool flagged = m <= kBucketWordsMax;  // else plain positions, no kFresh flags
    scratch.msgs.resize(48 * m);
    size_t take = 0;
    const uint32_t mask = flagged ? ~kFresh : ~uint32_t{0};
    for (size_t i = 0; i < m; ++i) {
      const AccountEntry& a = e[o[i] & mask];
      if (i + 1 < m) {
        const uint32_t next = o[i + 1];
        const bool differs = (flagged && (next & kFresh) != 0) || !SameBytes32(a.address, e[next & mask].address);
        if (!differs) continue;  // a later entry of this address counts
      }
      if (IsZero(a)) continue;
      EncodeStateLeaf(a.address, a.balance, a.nonce, &scratch.msgs[48 * take++]);
    }
    if (take > 0) sha256::Hash48Many(scratch.msgs.data(), leaves[begin[b]].data(), take);
    kept[b] = take;
  };
  Scratch mine;
  auto sort_next_here = [&] {
    const size_t b = next.fetch_add(1, std::memory_order_relaxed);
    if (b >= buckets) return;
    sort_bucket(b, mine);
    done[b].store(1, std::memory_order_release);
  };
  auto helper_body = [&] {
    Scratch scratch;
    for (;;) {
      const size_t b = next.fetch_add(1, std::memory_order_relaxed);
      if (b >= buckets) return;
      try {
        sort_bucket(b, scratch);
      } catch (...) {
        done[b].store(2, std::memory_order_release);
        return;
      }
      done[b].store(1, std::memory_order_release);
    }
  };
  std::thread helper;
  if (n >= kThreadedMin) {
    try {
      helper = std::thread(helper_body);
    } catch (const std::system_error&) {
      // No thread to be had: this one sorts every bucket.
    }
  }
  struct Joiner {
    std::thread& t;
    ~Joiner() {
      if (t.joinable()) t.join();
    }
  } joiner{helper};

  OrderedRoot root(rule);
  for (size_t b = 0; b < buckets; ++b) {
    for (uint8_t state; (state = done[b].load(std::memory_order_acquire)) != 1;) {
      if (state == 2) {
        sort_bucket(b, mine);
        done[b].store(1, std::memory_order_relaxed);
      } else if (next.load(std::memory_order_relaxed) < buckets) {
        // Not sorted yet: sort the next unclaimed bucket here (b itself, unless the helper has it).
        sort_next_here();
      } else {
        std::this_thread::yield();
      }
    }
    if (kept[b] > 0) root.AddLeafHashes(&leaves[begin[b]], kept[b]);
  }
  return root.Root();
}

// A block of `len` elements to move from src to dst.
struct Move {
  size_t dst, src, len;
};

// Applies moves whose destinations, like their sources, are ascending and disjoint, in place.
template <typename Vector>
void ApplyMoves(Vector& v, const std::vector<Move>& moves) {
  using T = typename Vector::value_type;
  for (const Move& m : moves) {
    if (m.dst < m.src) std::memmove(&v[m.dst], &v[m.src], m.len * sizeof(T));
  }
  for (auto it = moves.rbegin(); it != moves.rend(); ++it) {
    if (it->dst > it->src) std::memmove(&v[it->dst], &v[it->src], it->len * sizeof(T));
  }
}

}  // namespace

void EncodeStateLeaf(const Address& address, Amount balance, uint64_t nonce, uint8_t out[48]) {
  std::memcpy(out, address.data(), 32);
  StoreLe64(out + 32, balance);
  StoreLe64(out + 40, nonce);
}

void SetStateRootHashTiming(bool on) { tree_hash_timing = on; }
double StateRootHashSeconds() { return tree_hash_seconds; }

Hash32 ComputeStateRoot(std::span<const AccountEntry> accounts, OddRule rule) {
  bool sorted = true;
  for (size_t i = 1; i < accounts.size() && sorted; ++i) {
    sorted = !Less(accounts[i].address, accounts[i - 1].address);
  }
  if (!sorted) return RootOfUnordered(accounts, rule);
  OrderedRoot root(rule);
  for (const AccountEntry& a : accounts) root.Add(&a);
  return root.Root();
}

class StateRootTree::Impl {
 public:
  explicit Impl(OddRule rule) : rule_(rule) {}

  void Set(const Address& a, Amount balance, uint64_t nonce) {
    pending_.push_back({a, balance, nonce});
    // Bounds the queue when Root() is not called for a long time: consolidating whenever the unsorted
    // tail is as long as the sorted head keeps the total work O(p log p) over p calls.
    if (pending_.size() - sorted_len_ >= std::max(kChunk, sorted_len_)) Consolidate();
  }

  Hash32 Root() {
    stats_ = {};
    if (!pending_.empty()) Apply();
    return root_;
  }

  Stats stats() const { return stats_; }

  size_t size() const {
    if (pending_.empty()) return n_;
    Consolidate();
    size_t n = n_;
    size_t seg = 0;
    for (const AccountEntry& p : pending_) {
      bool exists = false;
      if (n_ > 0) {
        const Where w = Locate(p.address, seg);
        seg = w.seg;
        exists = w.found;
      }
      if (exists && IsZero(p)) --n;
      if (!exists && !IsZero(p)) ++n;
    }
    return n;
  }

 private:
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
  void Consolidate() const {
    if (sorted_len_ == pending_.size()) return;
    const std::span<const AccountEntry> head(pending_.data(), sorted_len_);
    const std::span<const AccountEntry> tail(pending_.data() + sorted_len_, pending_.size() - sorted_len_);
    const BigVector<uint64_t> order = SortedOrder(tail);
    // Room for as many Set() calls again as there are entries now: the next consolidation comes
    // when the unsorted tail is as long as the sorted head, so the queue never reallocates between.
    BigVector<AccountEntry> out;
    out.reserve(2 * pending_.size() + kChunk);
    size_t h = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      const AccountEntry& t = tail[order[k]];
      if (k + 1 < order.size() && SameBytes32(tail[order[k + 1]].address, t.address)) continue;
      while (h < head.size() && Less(head[h].address, t.address)) out.push_back(head[h++]);
      if (h < head.size() && SameBytes32(head[h].address, t.address)) ++h;
      out.push_back(t);
    }
    while (h < head.size()) out.push_back(head[h++]);
    pending_.swap(out);
    sorted_len_ = pending_.size();
  }

  // The first leaf whose address is not less than a, searching from segment `from` on (probes come
  // in address order). Past every leaf: the end of the last segment. REQUIRES: at least one leaf.
  Where Locate(const Address& a, size_t from) const {
    const size_t seg = SegmentFor(a, from);
    return Search(seg, a, seg == segs_.size() ? 0 : Guess(seg, a));
  }

  // Locate() from its two halves: seg from SegmentFor(), the search in it started at `guess`.
  Where Search(size_t seg, const Address& a, size_t guess) const {
    if (seg == segs_.size()) return {seg - 1, segs_.back().size, false};
    const size_t k = LowerBoundIn(seg, a, guess);
    return {seg, k, k < segs_[seg].size && SameBytes32(Acc(seg)[k].address, a)};
  }

  // The first segment from `from` on whose last address is not less than a (segs_.size() if none):
  // galloping over seg_last_, then a binary search.
  size_t SegmentFor(const Address& a, size_t from) const {
    const size_t segs = segs_.size();
    size_t step = 1, lo = from, hi = from;
    while (hi < segs && Less(seg_last_[hi], a)) {
      lo = hi + 1;
      hi = from + step;
      step *= 2;
    }
    hi = std::min(hi, segs);
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (Less(seg_last_[mid], a)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // Where in segment `seg` address a probably goes. Addresses are public keys, spread evenly, so the
  // place is interpolated on the top 8 bytes between the last address of the segment before and
  // this one's (both in seg_last_, so in cache, unlike the segment's own addresses).
  size_t Guess(size_t seg, const Address& a) const {
    const size_t m = segs_[seg].size;
    const uint64_t key = Word(a.data());
    const uint64_t low = seg > 0 ? Word(seg_last_[seg - 1].data()) : 0;
    const uint64_t high = Word(seg_last_[seg].data());
    if (key <= low) return 0;
    if (key >= high) return m - 1;
    return std::min(m - 1, static_cast<size_t>(static_cast<unsigned __int128>(key - low) * m / (high - low)));
  }

  // The first index of segment `seg` whose address is not less than a, searched from `guess` (<
  // size): a gallop and a binary search, at most about 2·log2(size) probes however the addresses
  // lie. From a good guess the probes stay within a few cache lines; a binary search from the middle
  // misses the cache at almost every probe.
  size_t LowerBoundIn(size_t seg, const Address& a, size_t guess) const {
    const AccountEntry* acc = Acc(seg);
    const size_t m = segs_[seg].size;
    auto less = [&](size_t i) { return Less(acc[i].address, a); };
    size_t lo, hi;  // the answer lies in [lo, hi]
    if (less(guess)) {
      lo = guess + 1;
      hi = lo;
      for (size_t step = 1; hi < m && less(hi); step *= 2) {
        lo = hi + 1;
        hi = std::min(m, hi + step);
      }
    } else {
      hi = guess;
      lo = 0;
      for (size_t step = 1; hi > 0; step *= 2) {
        const size_t probe = hi > step ? hi - step : 0;
        if (less(probe)) {
          lo = probe + 1;
          break;
        }
        hi = probe;
      }
    }
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (less(mid)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

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
  uint32_t NewSlot() {
    if (!free_slots_.empty()) {
      const uint32_t slot = free_slots_.back();
      free_slots_.pop_back();
      return slot;
    }
    const uint32_t slot = slots_++;
    if (acc_.size() < size_t{slots_} * kSegMax) {
      const size_t want = std::max(size_t{slots_} * kSegMax, acc_.size() + acc_.size() / 2);
      acc_.resize(want);
      for (HashArray& level : span_) level.resize(want);
    }
    return slot;
  }

  // seg_begin_ from the segment sizes.
  void RecomputeBegins() {
    seg_begin_.assign(1, 0);
    for (const Segment& s : segs_) seg_begin_.push_back(seg_begin_.back() + s.size);
    n_ = seg_begin_.back();
  }

  void Apply() {
    Consolidate();
    if (n_ == 0) {
      Build();
      return;
    }
    std::vector<Event> events;
    events.reserve(pending_.size());
    bool structural = false;
    // Every entry's segment and first probe, the probe fetched ahead: the searches below then find
    // their first cache line on its way instead of waiting for each in turn.
    probes_.resize(pending_.size());
    for (size_t i = 0, seg = 0; i < pending_.size(); ++i) {
      seg = SegmentFor(pending_[i].address, seg);
      probes_[i] = {seg, 0};
      if (seg == segs_.size()) continue;
      probes_[i].second = Guess(seg, pending_[i].address);
      __builtin_prefetch(&Acc(seg)[probes_[i].second]);
    }
    for (size_t i = 0; i < pending_.size(); ++i) {
      const AccountEntry& p = pending_[i];
      const Where w = Search(probes_[i].first, p.address, probes_[i].second);
      const size_t pos = seg_begin_[w.seg] + w.local;
      if (w.found) {
        const AccountEntry& cur = Acc(w.seg)[w.local];
        if (IsZero(p)) {
          events.push_back({pos, w.seg, w.local, Kind::kRemove, &p});
          structural = true;
        } else if (cur.balance != p.balance || cur.nonce != p.nonce) {
          events.push_back({pos, w.seg, w.local, Kind::kUpdate, &p});
        }
      } else if (!IsZero(p)) {
        events.push_back({pos, w.seg, w.local, Kind::kInsert, &p});
        structural = true;
      }
    }
    if (structural && events.size() > n_ / 2) {
      // So many changes (a snapshot replacing the state, say) that building anew costs less than
      // editing: measured over 1M accounts replaced by 1M (half of them the same addresses), 1.0 s
      // against 1.8 s.
      RebuildWithPending();
    } else if (structural) {
      ApplyStructural(events);
    } else {
      ApplyUpdates(events);
    }
    pending_.clear();
    sorted_len_ = 0;
  }

  // The leaves merged with the (consolidated) queue become the queue, and the tree is built anew.
  void RebuildWithPending() {
    BigVector<AccountEntry> merged;
    merged.reserve(n_ + pending_.size());
    size_t p = 0;
    for (size_t k = 0; k < segs_.size(); ++k) {
      const AccountEntry* acc = Acc(k);
      for (size_t i = 0; i < segs_[k].size; ++i) {
        while (p < pending_.size() && Less(pending_[p].address, acc[i].address)) merged.push_back(pending_[p++]);
        if (p < pending_.size() && SameBytes32(pending_[p].address, acc[i].address)) {
          merged.push_back(pending_[p++]);
        } else {
          merged.push_back(acc[i]);
        }
      }
    }
    while (p < pending_.size()) merged.push_back(pending_[p++]);
    pending_.swap(merged);
    sorted_len_ = pending_.size();
    Build();
  }

  size_t Count() const { return n_; }
  // Entries of span_[level] over n leaves: one per start of 2^level consecutive leaves.
  static size_t SpanCount(size_t n, size_t level) {
    const size_t width = size_t{1} << level;
    return n >= width ? n - width + 1 : 0;
  }

  // From an empty tree: the queue, less its (0, 0) entries, becomes the accounts, kSegFill to a
  // segment; the leaves are hashed a segment at a time, then the spans level by level.
  void Build() {
    BigVector<AccountEntry> accounts;
    accounts.swap(pending_);
    accounts.erase(std::remove_if(accounts.begin(), accounts.end(), IsZero), accounts.end());
    pending_.clear();
    sorted_len_ = 0;
    segs_.clear();
    seg_last_.clear();
    upper_.clear();
    acc_.clear();
    for (HashArray& level : span_) level.clear();
    free_slots_.clear();
    slots_ = 0;
    const size_t n = accounts.size();
    // Segment k takes leaves [k·kSegFill, (k + 1)·kSegFill) into the middle of slot k.
    const size_t segments = (n + kSegFill - 1) / kSegFill;
    acc_.resize(segments * kSegMax);
    for (HashArray& level : span_) level.resize(segments * kSegMax);
    constexpr size_t kOffset = (kSegMax - kSegFill) / 2;
    auto at = [](size_t g) { return g / kSegFill * kSegMax + kOffset + g % kSegFill; };
    for (size_t b = 0; b < n; b += kSegFill) {
      const size_t e = std::min(n, b + kSegFill);
      segs_.push_back({NewSlot(), static_cast<uint16_t>(kOffset), static_cast<uint16_t>(e - b)});
      std::memcpy(&acc_[at(b)], &accounts[b], (e - b) * sizeof(AccountEntry));
      seg_last_.push_back(accounts[e - 1].address);
    }
    std::vector<uint8_t> msgs(48 * std::min(n, kSegFill));
    for (size_t b = 0; b < n; b += kSegFill) {  // a segment's leaves at a time
      const size_t take = std::min(n, b + kSegFill) - b;
      for (size_t k = 0; k < take; ++k) {
        const AccountEntry& a = acc_[at(b) + k];
        EncodeStateLeaf(a.address, a.balance, a.nonce, &msgs[48 * k]);
      }
      TreeHash48(msgs.data(), span_[0][at(b)].data(), take);
      stats_.leaf_hashes += take;
    }
    RecomputeBegins();
    for (size_t level = 1; level <= kLow; ++level) {
      if (SpanCount(n, level) > 0) HashSpans(level, {{0, SpanCount(n, level)}});
    }
    if (n_ > kLowWidth) {
      upper_.emplace_back();
      GatherLow(0);
      for (size_t u = 1; upper_[u - 1].size() > 1; ++u) {
        upper_.emplace_back((upper_[u - 1].size() + 1) / 2);
        HashUpper(u, 0, upper_[u].size());
      }
    }
    SetRoot();
  }

  // Hashes the leaves at the given positions (ascending), in full batches.
  void HashLeaves(const std::vector<size_t>& positions) {
    std::vector<uint8_t> msgs(48 * std::min(positions.size(), kChunk));
    std::vector<Hash32> out(std::min(positions.size(), kChunk));
    Cursor c(*this);
    for (size_t done = 0; done < positions.size(); done += kChunk) {
      const size_t take = std::min(kChunk, positions.size() - done);
      Cursor first = c;
      for (size_t k = 0; k < take; ++k) {
        c.Seek(positions[done + k]);
        const AccountEntry& a = Acc(c.seg())[c.local()];
        EncodeStateLeaf(a.address, a.balance, a.nonce, &msgs[48 * k]);
      }
      TreeHash48(msgs.data(), out[0].data(), take);
      stats_.leaf_hashes += take;
      c = first;
      for (size_t k = 0; k < take; ++k) {
        c.Seek(positions[done + k]);
        SpanAt(0, c) = out[k];
      }
    }
  }

  // Recomputes the level-`level` span (1 <= level <= kLow) at every position in `ranges` (ascending,
  // disjoint) from the two half spans of the level below: they are not adjacent, so the messages are
  // gathered, and hashed in batches across ranges (a range is often only a few entries long).
  void HashSpans(size_t level, const std::vector<Range>& ranges) {
    const size_t half = size_t{1} << (level - 1);
    msgs_.resize(64 * kChunk);
    out_.resize(kChunk);
    targets_.resize(kChunk);
    Cursor left(*this), right(*this);
    size_t take = 0;
    auto flush = [&] {
      TreeHash64(msgs_.data(), out_[0].data(), take);
      stats_.node_hashes += take;
      for (size_t k = 0; k < take; ++k) Span(level, targets_[k].first)[targets_[k].second] = out_[k];
      take = 0;
    };
    // The ranges lie scattered over the tree: the spans they read and write are fetched kAhead ranges
    // early, so that the misses overlap.
    constexpr size_t kAhead = 8;
    Cursor ahead_lo(*this), ahead_hi(*this);
    auto fetch = [&](const Range& r) {
      ahead_lo.Seek(r.begin);
      __builtin_prefetch(&SpanAt(level - 1, ahead_lo));
      __builtin_prefetch(&SpanAt(level, ahead_lo), 1);
      ahead_hi.Seek(r.end - 1 + half);
      __builtin_prefetch(&SpanAt(level - 1, ahead_hi));
    };
    for (size_t k = 0; k < std::min(kAhead, ranges.size()); ++k) fetch(ranges[k]);
    for (size_t k = 0; k < ranges.size(); ++k) {
      const Range& r = ranges[k];
      if (k + kAhead < ranges.size()) fetch(ranges[k + kAhead]);
      left.Seek(r.begin);
      right.Seek(r.begin + half);
      for (size_t i = r.begin; i < r.end; ++i) {
        if (i != r.begin) {
          left.Next();
          right.Next();
        }
        std::memcpy(&msgs_[64 * take], SpanAt(level - 1, left).data(), 32);
        std::memcpy(&msgs_[64 * take + 32], SpanAt(level - 1, right).data(), 32);
        targets_[take] = {left.seg(), left.local()};
        if (++take == kChunk) flush();
      }
    }
    if (take > 0) flush();
  }

  // The tree's node at `level` <= kLow over leaves [s, min(s + 2^level, n)), s a multiple of
  // 2^level below n: the span at s when the leaves are all there, else built from the level below
  // by the odd rule (the last node of a level whose count is odd has a left child only). Only for
  // levels at or below the root.
  Hash32 EdgeNode(size_t level, size_t s) {
    if (s + (size_t{1} << level) <= Count()) {
      const size_t seg = SegmentOf(s);
      return Span(level, seg)[s - seg_begin_[seg]];
    }
    const size_t half = size_t{1} << (level - 1);
    const Hash32 left = EdgeNode(level - 1, s);
    if (s + half >= Count() && rule_ == OddRule::kPromote) return left;
    const Hash32 right = s + half >= Count() ? left : EdgeNode(level - 1, s + half);
    uint8_t m[64];
    std::memcpy(m, left.data(), 32);
    std::memcpy(m + 32, right.data(), 32);
    Hash32 out;
    TreeHash64(m, out.data(), 1);
    ++stats_.node_hashes;
    return out;
  }

  // Level kLow of a tree taller than that (upper_[0]), nodes [from, end): a node over a whole group
  // of 2^kLow leaves is the span at its first leaf, a last short one is built.
  void GatherLow(size_t from) {
    HashArray& low = upper_[0];
    const size_t n = Count();
    low.resize((n + kLowWidth - 1) >> kLow);
    const size_t whole = n >> kLow;  // nodes over a whole group
    size_t j = from;
    if (j < whole) {
      // Group j starts at leaf 8j: walk the segments, taking every 8th leaf.
      for (size_t seg = SegmentOf(j << kLow); j < whole; ++seg) {
        const Hash32* spans = Span(kLow, seg);
        const size_t begin = seg_begin_[seg], end = seg_begin_[seg + 1];
        for (size_t s = j << kLow; s < end && j < whole; s += kLowWidth, ++j) low[j] = spans[s - begin];
      }
    }
    for (; j < low.size(); ++j) low[j] = EdgeNode(kLow, j << kLow);
  }

  void SetRoot() {
    const size_t n = Count();
    if (n == 0) {
      root_ = Hash32{};
    } else if (upper_.empty()) {
      size_t height = 0;
      while ((size_t{1} << height) < n) ++height;
      root_ = EdgeNode(height, 0);
    } else {
      root_ = upper_.back()[0];
    }
  }

  // The spans of levels 1..kLow over any leaf at `changed` (new or changed, ascending) or across any
  // place in `cuts` (the position of the leaf after a removed one, ascending), rehashed.
  void RehashSpans(const std::vector<size_t>& changed, const std::vector<size_t>& cuts) {
    std::vector<Range> ranges;
    for (size_t level = 1; level <= kLow; ++level) {
      const size_t count = SpanCount(Count(), level);
      const size_t width = size_t{1} << level;
      ranges.clear();
      // Spans starting in [p + 1 - width, p] hold changed leaf p; those in [q + 1 - width, q - 1] hold
      // both sides of cut q.
      auto add = [&](size_t last_plus_one) {
        const size_t begin = last_plus_one >= width ? last_plus_one - width : 0;
        const size_t end = std::min(last_plus_one, count);
        if (begin >= end) return;
        if (!ranges.empty() && ranges.back().end >= begin) {
          ranges.back().end = std::max(ranges.back().end, end);
        } else {
          ranges.push_back({begin, end});
        }
      };
      size_t i = 0, j = 0;
      while (i < changed.size() || j < cuts.size()) {
        if (j == cuts.size() || (i < changed.size() && changed[i] + 1 <= cuts[j])) {
          add(changed[i++] + 1);
        } else {
          add(cuts[j++]);
        }
      }
      if (!ranges.empty()) HashSpans(level, ranges);
    }
  }

  // No account appears or disappears: rehash the changed leaves, the spans over them and their
  // ancestors.
  void ApplyUpdates(const std::vector<Event>& events) {
    if (events.empty()) return;
    std::vector<size_t> dirty;
    dirty.reserve(events.size());
    for (const Event& e : events) {
      Acc(e.seg)[e.local] = *e.entry;
      dirty.push_back(e.old_pos);
    }
    HashLeaves(dirty);
    RehashSpans(dirty, {});
    if (!upper_.empty()) {
      size_t groups = 0;
      for (size_t p : dirty) {
        if (groups == 0 || dirty[groups - 1] != p >> kLow) dirty[groups++] = p >> kLow;
      }
      dirty.resize(groups);
      for (size_t j : dirty) upper_[0][j] = EdgeNode(kLow, j << kLow);
      std::vector<uint8_t> msgs;
      std::vector<Hash32> out;
      std::vector<size_t> hashed;
      for (size_t u = 1; u < upper_.size(); ++u) {
        const HashArray& below = upper_[u - 1];
        HashArray& here = upper_[u];
        size_t parents = 0;
        for (size_t d : dirty) {
          if (parents == 0 || dirty[parents - 1] != d / 2) dirty[parents++] = d / 2;
        }
        dirty.resize(parents);
        msgs.resize(64 * parents);
        hashed.clear();
        for (size_t i : dirty) {
          const bool has_right = 2 * i + 1 < below.size();
          if (!has_right && rule_ == OddRule::kPromote) {
            here[i] = below[2 * i];
            continue;
          }
          uint8_t* m = &msgs[64 * hashed.size()];
          std::memcpy(m, below[2 * i].data(), 32);
          std::memcpy(m + 32, below[has_right ? 2 * i + 1 : 2 * i].data(), 32);
          hashed.push_back(i);
        }
        out.resize(hashed.size());
        TreeHash64(msgs.data(), out.empty() ? nullptr : out[0].data(), hashed.size());
        stats_.node_hashes += hashed.size();
        for (size_t k = 0; k < hashed.size(); ++k) here[hashed[k]] = out[k];
      }
    }
    SetRoot();
  }

  // Applies the events (ascending) to the segments they fall in. A segment that keeps room for its
  // inserts is edited in place, from its last event back so that the places of earlier ones stay
  // valid (inserts at one place go in in reverse address order, each before the one inserted after
  // it); one that would overflow is rebuilt into pieces of kSegMax / 2; one that empties goes.
  void EditSegments(const std::vector<Event>& events) {
    std::vector<Segment> segs;
    std::vector<Address> last;
    segs.reserve(segs_.size() + 1);
    last.reserve(segs_.size() + 1);
    auto move_leaves = [&](size_t dst, size_t src, size_t count) {  // places in the pools
      std::memmove(&acc_[dst], &acc_[src], count * sizeof(AccountEntry));
      for (HashArray& level : span_) std::memmove(&level[dst], &level[src], count * sizeof(Hash32));
    };
    size_t ev = 0;
    for (size_t k = 0; k < segs_.size(); ++k) {
      size_t ev_end = ev, inserts = 0;
      bool structural = false;
      for (; ev_end < events.size() && events[ev_end].seg == k; ++ev_end) {
        inserts += events[ev_end].kind == Kind::kInsert;
        structural = structural || events[ev_end].kind != Kind::kUpdate;
      }
      Segment seg = segs_[k];
      if (seg.size + inserts <= kSegMax) {
        // The leaves before the event move left, or those after it right, whichever are fewer and
        // have room. Either way an earlier event's index in the segment still holds.
        size_t offset = seg.offset, size = seg.size;
        const size_t slot_base = size_t{seg.slot} * kSegMax;
        for (size_t i = ev_end; i-- > ev;) {
          const Event& e = events[i];
          const size_t at = slot_base + offset + e.local;
          switch (e.kind) {
            case Kind::kUpdate:
              acc_[at] = *e.entry;
              break;
            case Kind::kInsert:
              // Room on the right unless the segment reaches the slot's end; else there is on the left.
              if (offset > 0 && (e.local < size - e.local || offset + size == kSegMax)) {
                move_leaves(at - e.local - 1, at - e.local, e.local);
                --offset;
                acc_[at - 1] = *e.entry;
              } else {
                move_leaves(at + 1, at, size - e.local);
                acc_[at] = *e.entry;
              }
              ++size;
              break;
            case Kind::kRemove:
              if (e.local < size - e.local - 1) {
                move_leaves(at - e.local + 1, at - e.local, e.local);
                ++offset;
              } else {
                move_leaves(at, at + 1, size - e.local - 1);
              }
              --size;
              break;
          }
        }
        seg.offset = static_cast<uint16_t>(offset);
        seg.size = static_cast<uint16_t>(size);
        if (seg.size == 0) {
          free_slots_.push_back(seg.slot);
        } else {
          segs.push_back(seg);
          last.push_back(structural ? acc_[seg.base() + seg.size - 1].address : seg_last_[k]);
        }
      } else {
        // Merge the old leaves and the events into scratch, then cut.
        merge_acc_.clear();
        for (auto& level : merge_span_) level.clear();
        const size_t base = seg.base();
        size_t i = 0;
        auto keep = [&](size_t end) {
          merge_acc_.insert(merge_acc_.end(), &acc_[base + i], &acc_[base + end]);
          for (size_t l = 0; l <= kLow; ++l) merge_span_[l].insert(merge_span_[l].end(), &span_[l][base + i], &span_[l][base + end]);
          i = end;
        };
        for (size_t j = ev; j < ev_end; ++j) {
          const Event& e = events[j];
          keep(e.local);
          if (e.kind != Kind::kRemove) {
            merge_acc_.push_back(*e.entry);
            for (auto& level : merge_span_) level.push_back(Hash32{});  // rehashed later
          }
          if (e.kind != Kind::kInsert) ++i;
        }
        keep(seg.size);
        free_slots_.push_back(seg.slot);
        const size_t m = merge_acc_.size();
        for (size_t b = 0; b < m; b += kSegMax / 2) {
          const size_t e = std::min(m, b + kSegMax / 2);
          const Segment piece{NewSlot(), kSegMax / 4, static_cast<uint16_t>(e - b)};  // room on both sides
          const size_t to = piece.base();
          std::memcpy(&acc_[to], &merge_acc_[b], (e - b) * sizeof(AccountEntry));
          for (size_t l = 0; l <= kLow; ++l) std::memcpy(&span_[l][to], &merge_span_[l][b], (e - b) * sizeof(Hash32));
          segs.push_back(piece);
          last.push_back(merge_acc_[e - 1].address);
        }
      }
      ev = ev_end;
    }
    segs_.swap(segs);
    seg_last_.swap(last);
  }

  // Accounts appear or disappear: edit the segments they fall in, rehash what covers a change, and
  // rebuild the levels above in place, reusing what only moved.
  void ApplyStructural(const std::vector<Event>& events) {
    const size_t old_n = Count();
    std::vector<Run> runs;
    std::vector<size_t> changed;  // new positions of inserted and updated accounts
    std::vector<size_t> cuts;     // new positions of the leaf after a removed one
    size_t new_pos = 0, old_pos = 0;
    auto keep_until = [&](size_t old_end) {
      if (old_end > old_pos) {
        const size_t len = old_end - old_pos;
        runs.push_back({new_pos, new_pos + len, static_cast<int64_t>(new_pos) - static_cast<int64_t>(old_pos),
                        old_end == old_n});
        new_pos += len;
      }
      old_pos = old_end;
    };
    for (const Event& e : events) {
      keep_until(e.old_pos);
      switch (e.kind) {
        case Kind::kUpdate:
          old_pos = e.old_pos + 1;
          [[fallthrough]];
        case Kind::kInsert:
          changed.push_back(new_pos++);
          break;
        case Kind::kRemove:
          old_pos = e.old_pos + 1;
          if (cuts.empty() || cuts.back() != new_pos) cuts.push_back(new_pos);
          break;
      }
    }
    keep_until(old_n);
    const size_t new_n = new_pos;

    EditSegments(events);
    RecomputeBegins();
    assert(n_ == new_n);

    if (new_n == 0) {
      upper_.clear();
      root_ = Hash32{};
      return;
    }
    HashLeaves(changed);
    RehashSpans(changed, cuts);

    if (new_n <= kLowWidth) {
      upper_.clear();
      SetRoot();
      return;
    }
    // Level kLow: before the first change nothing moved or changed.
    size_t from = 0;
    if (upper_.empty()) {
      upper_.emplace_back();
    } else if (!runs.empty() && runs[0].begin == 0 && runs[0].delta == 0) {
      from = runs[0].end >> kLow;
    }
    GatherLow(from);

    // Levels above: move the reusable nodes, hash the gaps. A node at level L whose leaf range lies
    // inside one run is the old node moved by δ/2^L, provided δ is a multiple of 2^L (for the last
    // node of a level, also provided the run ends the tree both before and after).
    std::vector<Move> moves;
    size_t u = 1;
    for (; upper_[u - 1].size() > 1; ++u) {
      const size_t level = kLow + u;
      const size_t below_n = upper_[u - 1].size();
      const size_t n = (below_n + 1) / 2;
      if (u == upper_.size()) upper_.emplace_back();
      HashArray& here = upper_[u];
      const size_t old_level_n = here.size();
      const size_t span = size_t{1} << level;

      moves.clear();
      for (const Run& r : runs) {
        if ((static_cast<uint64_t>(r.delta) & (span - 1)) != 0) continue;
        const size_t first = (r.begin + span - 1) >> level;
        size_t end = r.end >> level;  // nodes [first, end) lie wholly inside the run
        bool with_short_last = false;
        if (r.end == new_n && r.ends_old_tree && (r.end & (span - 1)) != 0 && (end << level) >= r.begin) {
          ++end;  // the short last node: same leaves, and last both before and after
          with_short_last = true;
        }
        if (end <= first) continue;
        const int64_t shift = r.delta / static_cast<int64_t>(span);
        const size_t src = static_cast<size_t>(static_cast<int64_t>(first) - shift);
        // Full nodes always existed; the short last one not if the old tree stopped below this level.
        if (with_short_last && src + (end - first) > old_level_n) --end;
        if (end <= first) continue;
        assert(src + (end - first) <= old_level_n);
        moves.push_back({first, src, end - first});
      }
      here.resize(std::max(old_level_n, n));
      ApplyMoves(here, moves);
      here.resize(n);
      size_t x = 0;
      for (const Move& m : moves) {
        HashUpper(u, x, m.dst);
        x = m.dst + m.len;
      }
      HashUpper(u, x, n);
    }
    upper_.resize(u);
    SetRoot();
  }

  // Recomputes nodes [from, to) of upper_[u] from upper_[u - 1], whose pairs are contiguous.
  void HashUpper(size_t u, size_t from, size_t to) {
    if (from >= to) return;
    HashArray& below = upper_[u - 1];
    HashArray& here = upper_[u];
    const size_t pairs_end = std::min(to, below.size() / 2);
    if (pairs_end > from) {
      TreeHash64(below[2 * from].data(), here[from].data(), pairs_end - from);
      stats_.node_hashes += pairs_end - from;
    }
    if (to > pairs_end) {
      // The last node of an odd level: it has a left child only.
      assert(to == pairs_end + 1 && 2 * pairs_end + 1 == below.size());
      const Hash32& child = below[2 * pairs_end];
      if (rule_ == OddRule::kPromote) {
        here[pairs_end] = child;
      } else {
        uint8_t m[64];
        std::memcpy(m, child.data(), 32);
        std::memcpy(m + 32, child.data(), 32);
        TreeHash64(m, here[pairs_end].data(), 1);
        ++stats_.node_hashes;
      }
    }
  }

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
};

StateRootTree::StateRootTree(OddRule rule) : impl_(std::make_unique<Impl>(rule)) {}
StateRootTree::~StateRootTree() = default;
StateRootTree::StateRootTree(StateRootTree&&) noexcept = default;
StateRootTree& StateRootTree::operator=(StateRootTree&&) noexcept = default;

void StateRootTree::Set(const Address& a, Amount balance, uint64_t nonce) { impl_->Set(a, balance, nonce); }
Hash32 StateRootTree::Root() { return impl_->Root(); }
size_t StateRootTree::size() const { return impl_->size(); }
StateRootTree::Stats StateRootTree::last_root_stats() const { return impl_->stats(); }

}  // namespace forensics
