// The UnixFS dag-pb DAG of `ipfs add` (go-ipfs defaults), built while the content streams in.
//
// Blocks (protobuf; dag-pb writes Links before Data, as go-merkledag always did):
//   leaf:     PBNode{Data: UnixFS{Type: File, Data: chunk (omitted when empty), filesize: len}}
//             = 0a len(u) ‖ u, u = 08 02 ‖ [12 varint(L) ‖ chunk] ‖ 18 varint(L)
//   internal: PBNode{Links: [{Hash: 12 20 ‖ digest, Name: "", Tsize}], Data: UnixFS{Type: File,
//             filesize: Σ, blocksizes: [child filesize…]}}
// Layout (balanced, go-ipfs layout/balanced and js ipfs-unixfs-importer agree): leaves in order, each
// full group of 174 under one parent, level by level, until one node is left. A file of one chunk is
// that leaf itself; a group of one below the top still gets its own parent.
// Streaming: a level's group is folded into its parent as soon as it holds 174 links, so at most
// 174 links per level are kept. Finish() folds the partial groups bottom up.
#include <cstring>

#include "forensics/cid.h"
#include "forensics/sha256.h"

namespace forensics::cid {
namespace {

// Bytes before the chunk: the leaf's header is written right-aligned against the chunk.
constexpr size_t kHeaderRoom = 16;
constexpr size_t kTrailerRoom = 16;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

uint8_t* PutVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

void AppendVarint(std::vector<uint8_t>* out, uint64_t v) {
  uint8_t buf[10];
  out->insert(out->end(), buf, PutVarint(buf, v));
}

}  // namespace

CidV0Builder::CidV0Builder() : chunk_(kHeaderRoom + kChunkSize + kTrailerRoom) {}

std::span<uint8_t> CidV0Builder::Space() {
  if (filled_ == kChunkSize) EmitLeaf();
  return {chunk_.data() + kHeaderRoom + filled_, kChunkSize - filled_};
}

void CidV0Builder::Commit(size_t n) {
  filled_ += n;
  total_ += n;
}

void CidV0Builder::Update(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    std::span<uint8_t> space = Space();
    const size_t n = std::min(space.size(), bytes.size());
    std::memcpy(space.data(), bytes.data(), n);
    Commit(n);
    bytes = bytes.subspan(n);
  }
}

void CidV0Builder::EmitLeaf() {
  const uint64_t len = filled_;
  uint8_t* data = chunk_.data() + kHeaderRoom;
  // Trailer: filesize.
  uint8_t* end = data + len;
  *end++ = 0x18;
  end = PutVarint(end, len);
  // UnixFS message size, then the header right-aligned before the data.
  const size_t data_field = len > 0 ? 1 + VarintSize(len) + len : 0;
  const uint64_t unixfs = 2 + data_field + 1 + VarintSize(len);
  uint8_t header[kHeaderRoom];
  uint8_t* h = header;
  *h++ = 0x0a;
  h = PutVarint(h, unixfs);
  *h++ = 0x08;
  *h++ = 0x02;
  if (len > 0) {
    *h++ = 0x12;
    h = PutVarint(h, len);
  }
  const size_t hn = static_cast<size_t>(h - header);
  uint8_t* start = data - hn;
  std::memcpy(start, header, hn);
  const size_t block = static_cast<size_t>(end - start);
  Link leaf;
  leaf.digest = sha256::Hash({start, block});
  leaf.tsize = block;
  leaf.filesize = len;
  filled_ = 0;
  ++leaves_;
  Push(0, leaf);
}

CidV0Builder::Link CidV0Builder::MakeParent(const std::vector<Link>& children) {
  node_.clear();
  uint64_t filesize = 0, tsize = 0;
  for (const Link& c : children) {
    // PBLink: Hash (1) = 12 20 ‖ digest, Name (2) = "", Tsize (3).
    const size_t link = 2 + 34 + 2 + 1 + VarintSize(c.tsize);
    node_.push_back(0x12);
    AppendVarint(&node_, link);
    node_.insert(node_.end(), {0x0a, 0x22, 0x12, 0x20});
    node_.insert(node_.end(), c.digest.data(), c.digest.data() + 32);
    node_.insert(node_.end(), {0x12, 0x00, 0x18});
    AppendVarint(&node_, c.tsize);
    filesize += c.filesize;
    tsize += c.tsize;
  }
  size_t unixfs = 2 + 1 + VarintSize(filesize);
  for (const Link& c : children) unixfs += 1 + VarintSize(c.filesize);
  node_.push_back(0x0a);
  AppendVarint(&node_, unixfs);
  node_.insert(node_.end(), {0x08, 0x02, 0x18});
  AppendVarint(&node_, filesize);
  for (const Link& c : children) {
    node_.push_back(0x20);
    AppendVarint(&node_, c.filesize);
  }
  Link parent;
  parent.digest = sha256::Hash({node_.data(), node_.size()});
  parent.tsize = node_.size() + tsize;
  parent.filesize = filesize;
  return parent;
}

void CidV0Builder::Push(size_t level, const Link& link) {
  if (levels_.size() <= level) levels_.resize(level + 1);
  levels_[level].push_back(link);
  if (levels_[level].size() == kMaxLinks) {
    const Link parent = MakeParent(levels_[level]);
    levels_[level].clear();
    Push(level + 1, parent);
  }
}

Hash32 CidV0Builder::Finish() {
  if (filled_ > 0 || leaves_ == 0) EmitLeaf();  // the last partial chunk, or the empty file's leaf
  Hash32 root;
  for (size_t level = 0; level < levels_.size(); ++level) {
    bool higher = false;
    for (size_t k = level + 1; k < levels_.size(); ++k) higher = higher || !levels_[k].empty();
    std::vector<Link>& group = levels_[level];
    if (group.empty()) continue;
    if (group.size() == 1 && !higher) {
      root = group[0].digest;
      break;
    }
    const Link parent = MakeParent(group);
    group.clear();
    if (levels_.size() <= level + 1) levels_.resize(level + 2);
    levels_[level + 1].push_back(parent);  // at most 174 there: a full group would have been folded
  }
  levels_.clear();
  filled_ = 0;
  total_ = 0;
  leaves_ = 0;
  return root;
}

std::string CidV0OfContent(std::span<const uint8_t> bytes) {
  CidV0Builder b;
  b.Update(bytes);
  return CidV0String(b.Finish());
}

}  // namespace forensics::cid
