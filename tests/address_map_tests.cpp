// AddressMap (the replay's hash map): random inserts, overwrites and erases checked against std::map
// after every operation, with the real hash and with hashes that collide on purpose (long probe
// chains, chains wrapping past the last slot, equal 32-bit tags), so the backward-shift erase and
// the move of the last entry into an erased one's place are exercised.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <vector>

#include "forensics/address_map.h"

using forensics::Address;
using forensics::AddressMap;

namespace {

// Every key in one of 4 home slots, with the same tag: every lookup walks a chain and compares keys.
struct FourHomes {
  uint64_t operator()(const Address& a) const { return a[31] & 3; }
};
// Homes near the top of a 16- or 32-slot table, so chains wrap around to slot 0.
struct TopHomes {
  uint64_t operator()(const Address& a) const { return 0xfffffffful << 32 | (13 + (a[31] % 3)); }
};

Address Key(uint32_t k) {
  Address a;
  for (int i = 0; i < 4; ++i) a[28 + i] = static_cast<uint8_t>(k >> (8 * (3 - i)));
  a[0] = static_cast<uint8_t>(k * 7);
  return a;
}

template <typename Hasher>
void Check(const AddressMap<uint64_t, Hasher>& m, const std::map<Address, uint64_t>& ref, uint32_t key_space) {
  REQUIRE(m.size() == ref.size());
  std::map<Address, uint64_t> seen;
  for (const auto& [a, v] : m) REQUIRE(seen.emplace(a, v).second);  // no key twice
  REQUIRE(seen == ref);
  for (uint32_t k = 0; k < key_space; ++k) {
    const Address a = Key(k);
    auto it = ref.find(a);
    const uint64_t* got = m.find(a);
    REQUIRE((got != nullptr) == (it != ref.end()));
    if (got) REQUIRE(*got == it->second);
  }
}

template <typename Hasher>
void RandomWorkload(uint32_t seed, uint32_t key_space, int ops) {
  std::mt19937 rng(seed);
  AddressMap<uint64_t, Hasher> m;
  std::map<Address, uint64_t> ref;
  for (int op = 0; op < ops; ++op) {
    const Address a = Key(rng() % key_space);
    const uint64_t v = rng();
    switch (rng() % 4) {
      case 0:
      case 1: {  // insert or keep
        auto [p, inserted] = m.TryEmplace(a, v);
        auto [it, ref_inserted] = ref.emplace(a, v);
        REQUIRE(inserted == ref_inserted);
        REQUIRE(*p == it->second);
        break;
      }
      case 2:  // overwrite through operator[]
        m[a] = v;
        ref[a] = v;
        break;
      default:
        REQUIRE(m.erase(a) == (ref.erase(a) == 1));
    }
    Check(m, ref, key_space);
  }
  while (!ref.empty()) {  // drain
    const Address a = ref.begin()->first;
    REQUIRE(m.erase(a));
    ref.erase(ref.begin());
    Check(m, ref, key_space);
  }
  REQUIRE(!m.erase(Key(0)));
}

}  // namespace

TEST_CASE("address map: random workloads against std::map, real hash", "[address_map]") {
  RandomWorkload<forensics::AddressHash>(1, 300, 3000);
  RandomWorkload<forensics::AddressHash>(2, 20, 2000);
}

TEST_CASE("address map: every key in four homes with one tag (long chains, key compares)", "[address_map]") {
  RandomWorkload<FourHomes>(3, 40, 2000);
}

TEST_CASE("address map: chains that wrap past the last slot", "[address_map]") {
  RandomWorkload<TopHomes>(4, 12, 2000);
  RandomWorkload<TopHomes>(5, 30, 2000);
}

TEST_CASE("address map: reserve, clear, and growth keep every entry", "[address_map]") {
  AddressMap<uint64_t> m;
  m.reserve(3);
  for (uint32_t k = 0; k < 5000; ++k) REQUIRE(m.TryEmplace(Key(k), k).second);
  REQUIRE(m.size() == 5000);
  for (uint32_t k = 0; k < 5000; ++k) {
    REQUIRE(m.find(Key(k)) != nullptr);
    REQUIRE(*m.find(Key(k)) == k);
  }
  REQUIRE(m.find(Key(5000)) == nullptr);
  // Iteration is insertion order while nothing was erased.
  uint32_t k = 0;
  for (const auto& [a, v] : m) REQUIRE(v == k++);
  m.clear();
  REQUIRE(m.empty());
  REQUIRE(m.find(Key(1)) == nullptr);
  m[Key(1)] = 9;
  REQUIRE(*m.find(Key(1)) == 9);
}
