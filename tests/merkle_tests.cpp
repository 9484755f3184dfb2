// MerkleRoot: the upstream golden MERKLE vectors (core-v4, promote rule), both odd rules on small
// hand-built trees, and agreement across hash backends.
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "forensics/merkle.h"
#include "forensics/sha256.h"

using forensics::Hash32;
using forensics::MerkleRoot;
using forensics::OddRule;

namespace {

Hash32 H(const std::string& s) { return forensics::sha256::Hash(std::string_view(s)); }

Hash32 H2(const Hash32& l, const Hash32& r) {
  uint8_t buf[64];
  std::copy(l.v.begin(), l.v.end(), buf);
  std::copy(r.v.begin(), r.v.end(), buf + 32);
  return forensics::sha256::Hash(std::span<const uint8_t>(buf, 64));
}

Hash32 Leaf(int i) { return H("leaf " + std::to_string(i)); }

// Straightforward recursive definition, one node at a time.
Hash32 ReferenceRoot(std::vector<Hash32> level, OddRule rule) {
  if (level.empty()) return Hash32{};
  while (level.size() > 1) {
    std::vector<Hash32> next;
    for (size_t i = 0; i < level.size(); i += 2) {
      if (i + 1 < level.size()) {
        next.push_back(H2(level[i], level[i + 1]));
      } else {
        next.push_back(rule == OddRule::kDuplicate ? H2(level[i], level[i]) : level[i]);
      }
    }
    level = std::move(next);
  }
  return level[0];
}

}  // namespace

TEST_CASE("merkle root reproduces the upstream golden MERKLE vectors with the promote rule", "[merkle]") {
  simdjson::dom::parser parser;
  simdjson::dom::element doc =
      parser.load(std::string(FORENSICS_TEST_DATA) + "/coinjecture-core-golden.json");
  int checked = 0;
  for (simdjson::dom::object v : doc["vectors"]) {
    if (std::string_view(v["operation"]) != "MERKLE") continue;
    const std::string name{std::string_view(v["test_name"])};
    std::vector<Hash32> leaves;
    if (name == "merkle_hundred_txs" || name == "merkle_thousand_txs") {
      const uint64_t count = v["tx_count"];
      for (uint64_t i = 0; i < count; ++i) {
        char buf[48];
        if (name == "merkle_hundred_txs") {
          std::snprintf(buf, sizeof(buf), "transaction_%llu", static_cast<unsigned long long>(i));
        } else {
          std::snprintf(buf, sizeof(buf), "tx_%04llu", static_cast<unsigned long long>(i));
        }
        leaves.push_back(H(buf));
      }
      CHECK(leaves.front().Hex() == std::string_view(v["first_tx_hash"]));
      CHECK(leaves.back().Hex() == std::string_view(v["last_tx_hash"]));
    } else {
      for (std::string_view hex : v["tx_hashes"]) {
        auto h = forensics::ParseHexN<32>(hex);
        REQUIRE(h.has_value());
        leaves.push_back(*h);
      }
    }
    INFO(name);
    CHECK(MerkleRoot(leaves, OddRule::kPromote).Hex() == std::string_view(v["expected_root"]));
    ++checked;
  }
  CHECK(checked == 8);
}

TEST_CASE("merkle root of no leaves is zero and of one leaf is the leaf, under both rules", "[merkle]") {
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    CHECK(MerkleRoot({}, rule) == Hash32{});
    const Hash32 x = Leaf(0);
    CHECK(MerkleRoot(std::span<const Hash32>(&x, 1), rule) == x);
  }
}

TEST_CASE("merkle root of three leaves duplicates or promotes the odd leaf", "[merkle]") {
  const std::vector<Hash32> l = {Leaf(0), Leaf(1), Leaf(2)};
  CHECK(MerkleRoot(l, OddRule::kDuplicate) == H2(H2(l[0], l[1]), H2(l[2], l[2])));
  CHECK(MerkleRoot(l, OddRule::kPromote) == H2(H2(l[0], l[1]), l[2]));
}

TEST_CASE("merkle root of five leaves applies the odd rule at every level", "[merkle]") {
  std::vector<Hash32> l;
  for (int i = 0; i < 5; ++i) l.push_back(Leaf(i));
  const Hash32 dup_tail = H2(H2(l[4], l[4]), H2(l[4], l[4]));
  CHECK(MerkleRoot(l, OddRule::kDuplicate) ==
        H2(H2(H2(l[0], l[1]), H2(l[2], l[3])), dup_tail));
  CHECK(MerkleRoot(l, OddRule::kPromote) == H2(H2(H2(l[0], l[1]), H2(l[2], l[3])), l[4]));
}

TEST_CASE("merkle root matches a node-at-a-time reference for 0..70 leaves on every backend", "[merkle]") {
  const std::string before(forensics::sha256::Active().name);
  for (const forensics::sha256::Backend* b : forensics::sha256::AllBackends()) {
    if (!forensics::sha256::Supported(*b)) {
      WARN("backend " << b->name << " not supported by this CPU; skipped");
      continue;
    }
    REQUIRE(forensics::sha256::Force(b->name).ok());
    std::vector<Hash32> leaves;
    for (int n = 0; n <= 70; ++n) {
      for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
        INFO("backend " << b->name << ", " << n << " leaves, rule " << static_cast<int>(rule));
        CHECK(MerkleRoot(leaves, rule) == ReferenceRoot(leaves, rule));
      }
      leaves.push_back(Leaf(n));
    }
  }
  REQUIRE(forensics::sha256::Force(before).ok());
}
