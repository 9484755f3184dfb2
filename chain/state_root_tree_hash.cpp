// StateRootTree: building the tree from its leaves and rehashing what a block changed, leaves,
// low spans and upper levels (Root() steps 2 and 3, state_root_tree.h), and the timing of its
// SHA-256 batches.
#include "state_root_tree.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include "forensics/sha256.h"
#include "merkle_level.h"

namespace forensics {

using state_root::IsZero;
using state_root::kChunk;

namespace {

// Where the SHA-256 batches of the Root() running on this thread add their time: set by a HashTimer
// only while a tree that measures (StateRootTree::MeasureHashTime) computes its root.
thread_local double* hash_seconds_sink = nullptr;

template <typename Fn>
void TimedHash(Fn&& fn) {
  if (hash_seconds_sink == nullptr) {
    fn();
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  *hash_seconds_sink += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void TreeHash48(const uint8_t* msgs, uint8_t* out, size_t n) {
  TimedHash([&] { sha256::Hash48Many(msgs, out, n); });
}
void TreeHash64(const uint8_t* msgs, uint8_t* out, size_t n) {
  TimedHash([&] { sha256::Hash64Many(msgs, out, n); });
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

StateRootTree::Impl::HashTimer::HashTimer(double* seconds) : previous_(hash_seconds_sink) { hash_seconds_sink = seconds; }
StateRootTree::Impl::HashTimer::~HashTimer() { hash_seconds_sink = previous_; }

void StateRootTree::Impl::Build() {
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

void StateRootTree::Impl::HashLeaves(const std::vector<size_t>& positions) {
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

void StateRootTree::Impl::HashSpans(size_t level, const std::vector<Range>& ranges) {
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

Hash32 StateRootTree::Impl::EdgeNode(size_t level, size_t s) {
  if (s + (size_t{1} << level) <= Count()) {
    const size_t seg = SegmentOf(s);
    return Span(level, seg)[s - seg_begin_[seg]];
  }
  const size_t half = size_t{1} << (level - 1);
  const Hash32 left = EdgeNode(level - 1, s);
  Hash32 out;
  if (s + half >= Count()) {
    stats_.node_hashes += OddParent(left, rule_, &out, TreeHash64);
    return out;
  }
  const Hash32 right = EdgeNode(level - 1, s + half);
  uint8_t m[64];
  std::memcpy(m, left.data(), 32);
  std::memcpy(m + 32, right.data(), 32);
  TreeHash64(m, out.data(), 1);
  ++stats_.node_hashes;
  return out;
}

void StateRootTree::Impl::GatherLow(size_t from) {
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

void StateRootTree::Impl::SetRoot() {
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

void StateRootTree::Impl::RehashSpans(const std::vector<size_t>& changed, const std::vector<size_t>& cuts) {
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

void StateRootTree::Impl::ApplyUpdates(const std::vector<Event>& events) {
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
        if (2 * i + 1 == below.size()) {
          stats_.node_hashes += OddParent(below[2 * i], rule_, &here[i], TreeHash64);
          continue;
        }
        uint8_t* m = &msgs[64 * hashed.size()];
        std::memcpy(m, below[2 * i].data(), 32);
        std::memcpy(m + 32, below[2 * i + 1].data(), 32);
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

void StateRootTree::Impl::ApplyStructural(const std::vector<Event>& events) {
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

void StateRootTree::Impl::HashUpper(size_t u, size_t from, size_t to) {
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
    stats_.node_hashes += OddParent(below[2 * pairs_end], rule_, &here[pairs_end], TreeHash64);
  }
}

}  // namespace forensics
