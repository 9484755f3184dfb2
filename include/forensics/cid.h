// IPFS content identifiers as upstream COINjecture makes them: CIDv0 only (base58btc of the 34-byte
// multihash 0x12 0x20 ‖ SHA-256 digest), see docs/cid.md.
//
// Three ways a CID can relate to bytes, all with the project's SHA-256 (forensics/sha256.h):
//   - CidV0Builder / CidV0OfContent: what `ipfs add` gives with go-ipfs defaults — 262144-byte chunks,
//     each a dag-pb node wrapping a UnixFS `file` message, in a balanced DAG of at most 174 links per
//     node, the root's digest as CIDv0. A single chunk is its own root. Streaming: feed any number of
//     pieces, then Finish().
//   - RawSha256Cid: the CIDv0 spelling of a plain SHA-256 of the bytes.
//   - PseudoCid: Python cid_generator.py's SHA-256 of f"{index}_{block_hash}_{timestamp}", which
//     addresses no content.
#ifndef FORENSICS_CID_H_
#define FORENSICS_CID_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/result.h"
#include "forensics/status.h"
#include "forensics/types.h"

namespace forensics::cid {

inline constexpr size_t kChunkSize = 262144;  // go-ipfs default chunker size-262144
inline constexpr size_t kMaxLinks = 174;      // go-ipfs balanced layout: links per node
inline constexpr size_t kCidV0Length = 46;    // "Qm" + 44

// base58btc (the Bitcoin alphabet). Leading zero bytes are spelled as leading '1's.
std::string Base58Encode(std::span<const uint8_t> bytes);
// InvalidArgument naming the first character outside the alphabet and its byte offset.
Result<std::vector<uint8_t>> Base58Decode(std::string_view text);

// "Qm…" for a SHA-256 digest.
std::string CidV0String(const Hash32& digest);

// The digest a CIDv0 names, or InvalidArgument whose message is the exact reason, checked in this
// order: not UTF-8 (offset of the bad byte), a control byte (its value and offset), a character outside
// base58btc (the character and its offset), the wrong length (46 characters, 34 bytes decoded), a
// multihash prefix other than 12 20 (the two bytes found).
Result<Hash32> ParseCidV0(std::string_view text);

// Streaming CIDv0 of content as `ipfs add` makes it (see top of file). Memory: one chunk plus at most
// 174 links per DAG level, whatever the content's size.
class CidV0Builder {
 public:
  CidV0Builder();
  void Update(std::span<const uint8_t> bytes);
  // Zero-copy feeding: Space() is where the next bytes go (never empty); Commit(n) takes n ≤ its size.
  std::span<uint8_t> Space();
  void Commit(size_t n);
  // The root's digest; the builder is then empty again, ready for the next content.
  Hash32 Finish();
  uint64_t bytes() const { return total_; }

 private:
  struct Link {
    Hash32 digest;
    uint64_t tsize;     // the child's block plus everything under it
    uint64_t filesize;  // content bytes under the child
  };
  void EmitLeaf();
  Link MakeParent(const std::vector<Link>& children);
  void Push(size_t level, const Link& link);

  std::vector<uint8_t> chunk_;  // kHeaderRoom bytes, then the chunk, then room for the trailer
  size_t filled_ = 0;
  uint64_t total_ = 0;
  uint64_t leaves_ = 0;
  std::vector<std::vector<Link>> levels_;  // levels_[0]: leaves waiting for a parent
  std::vector<uint8_t> node_;              // scratch for an internal node's encoding
};

std::string CidV0OfContent(std::span<const uint8_t> bytes);
inline std::string CidV0OfContent(std::string_view s) {
  return CidV0OfContent({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}
std::string RawSha256Cid(std::span<const uint8_t> bytes);
inline std::string RawSha256Cid(std::string_view s) {
  return RawSha256Cid({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}
// `timestamp` is the text Python's f-string gives: for a float its repr (PythonFloatRepr), for an int
// its decimal digits.
std::string PseudoCid(uint64_t index, std::string_view block_hash, std::string_view timestamp);
// Python's repr() of a float: the shortest round-trip digits, ".0" on integral values, exponent form
// below 1e-4 and from 1e16.
std::string PythonFloatRepr(double v);

// Digests of one content file, read once: the UnixFS CIDv0 root, and the plain SHA-256 of the bytes
// (which is also a manifest's content_hash). Regular files are mapped, not loaded, so any size works.
struct ContentDigests {
  uint64_t size = 0;
  Hash32 unixfs;  // CidV0String(unixfs) is what `ipfs add` prints
  Hash32 sha256;  // hex is the manifest's content_hash; CidV0String() is RawSha256Cid
};
// InvalidArgument for a directory or anything but a regular file or FIFO; IoError if unreadable.
Result<ContentDigests> DigestContentFile(const std::string& path);

}  // namespace forensics::cid

#endif  // FORENSICS_CID_H_
