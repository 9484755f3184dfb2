// The odd-node rule (OddParent) and one merkle level (HashLevel) of merkle_level.h, against
// SHA-256 of the concatenated children.
#include "merkle_level.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string_view>
#include <vector>

#include "forensics/sha256.h"

using forensics::Hash32;
using forensics::HashLevel;
using forensics::OddParent;
using forensics::OddRule;

namespace {

Hash32 Leaf(int i) {
  Hash32 h{};
  h[0] = static_cast<uint8_t>(i);
  h[31] = static_cast<uint8_t>(0x80 + i);
  return h;
}

Hash32 Pair(const Hash32& l, const Hash32& r) {
  uint8_t m[64];
  std::memcpy(m, l.data(), 32);
  std::memcpy(m + 32, r.data(), 32);
  return forensics::sha256::Hash(std::string_view(reinterpret_cast<const char*>(m), 64));
}

}  // namespace

TEST_CASE("odd parent carries the node up under promote, without hashing", "[merkle_level]") {
  int calls = 0;
  Hash32 out{};
  const size_t hashed = OddParent(Leaf(5), OddRule::kPromote, &out, [&](const uint8_t*, uint8_t*, size_t) { ++calls; });
  CHECK(hashed == 0);
  CHECK(calls == 0);
  CHECK(out == Leaf(5));
}

TEST_CASE("odd parent hashes the node with itself under duplicate, in one message", "[merkle_level]") {
  size_t messages = 0;
  Hash32 out{};
  const size_t hashed = OddParent(Leaf(7), OddRule::kDuplicate, &out, [&](const uint8_t* in, uint8_t* o, size_t n) {
    messages += n;
    forensics::sha256::Hash64Many(in, o, n);
  });
  CHECK(hashed == 1);
  CHECK(messages == 1);
  CHECK(out == Pair(Leaf(7), Leaf(7)));
}

TEST_CASE("hash level pairs the nodes and applies the odd rule to an odd last one", "[merkle_level]") {
  const std::vector<Hash32> in{Leaf(1), Leaf(2), Leaf(3), Leaf(4), Leaf(5)};
  for (OddRule rule : {OddRule::kPromote, OddRule::kDuplicate}) {
    std::vector<Hash32> out(3);
    CHECK(HashLevel(in.data(), in.size(), out.data(), rule) == 3);
    CHECK(out[0] == Pair(Leaf(1), Leaf(2)));
    CHECK(out[1] == Pair(Leaf(3), Leaf(4)));
    CHECK(out[2] == (rule == OddRule::kPromote ? Leaf(5) : Pair(Leaf(5), Leaf(5))));
    std::vector<Hash32> even(2);
    CHECK(HashLevel(in.data(), 4, even.data(), rule) == 2);
    CHECK(even[1] == Pair(Leaf(3), Leaf(4)));
  }
}
