// State root (chain.md §4) from scratch: ComputeStateRoot and EncodeStateLeaf. The incremental tree
// that keeps its hashes across blocks is StateRootTree (state_root_tree.h).
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
#include "forensics/state_root.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "forensics/sha256.h"
#include "io/huge_pages.h"
#include "little_endian.h"
#include "merkle_level.h"
#include "state_root_order.h"

namespace forensics {

using state_root::IsZero;
using state_root::kChunk;
using state_root::kChunkLog;
using state_root::Less;
using state_root::Word;

namespace {
// Root over accounts fed in ascending address order (step 3 at the top): Add() encodes leaves into
// chunks of 4096; each full chunk is hashed and reduced to its subtree root at level 12 while it is
// still in cache. Skips (0, 0) accounts and, of adjacent equal addresses, all but the last.
class OrderedRoot {
 public:
  explicit OrderedRoot(OddRule rule)
      : rule_(rule), msgs_(new uint8_t[48 * kChunk]), buf_a_(new Hash32[kChunk]), buf_b_(new Hash32[kChunk]) {}

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
  io::HugePageAllocator<AccountEntry> alloc;
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
  io::HugePageVector<uint32_t> order(capacity);
  io::HugePageVector<Hash32> leaves(capacity);  // per bucket at its own range: the hashes of its kept leaves
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

}  // namespace

void EncodeStateLeaf(const Address& address, Amount balance, uint64_t nonce, uint8_t out[48]) {
  std::memcpy(out, address.data(), 32);
  StoreLe64(out + 32, balance);
  StoreLe64(out + 40, nonce);
}
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

}  // namespace forensics
