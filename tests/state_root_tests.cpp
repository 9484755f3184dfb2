// State root (docs/chain.md §4): hand-checked tiny cases, and the incremental tree against the from-scratch
// root on random block workloads (updates, inserts, removals) under both odd rules.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "forensics/sha256.h"
#include "forensics/state_root.h"

using forensics::AccountEntry;
using forensics::Address;
using forensics::ComputeStateRoot;
using forensics::Hash32;
using forensics::OddRule;
using forensics::StateRootTree;

namespace {

Address Filled(uint8_t b) {
  Address a;
  a.v.fill(b);
  return a;
}

Hash32 LeafHash(const Address& a, uint64_t balance, uint64_t nonce) {
  uint8_t msg[48];
  forensics::EncodeStateLeaf(a, balance, nonce, msg);
  return forensics::sha256::Hash(std::span<const uint8_t>(msg, 48));
}

Hash32 H2(const Hash32& l, const Hash32& r) {
  uint8_t buf[64];
  std::copy(l.v.begin(), l.v.end(), buf);
  std::copy(r.v.begin(), r.v.end(), buf + 32);
  return forensics::sha256::Hash(std::span<const uint8_t>(buf, 64));
}

using Model = std::map<Address, std::pair<uint64_t, uint64_t>>;

Hash32 ModelRoot(const Model& m, OddRule rule) {
  std::vector<AccountEntry> v;
  for (const auto& [a, s] : m) v.push_back({a, s.first, s.second});
  return ComputeStateRoot(v, rule);
}

// Random addresses from a small pool (so removals and re-inserts hit existing accounts) or fresh.
Address RandomAddress(std::mt19937_64& rng, bool from_pool) {
  Address a;
  if (from_pool) {
    const uint64_t k = rng() % 300;
    a.v[0] = static_cast<uint8_t>(k * 37);
    a.v[31] = static_cast<uint8_t>(k);
    a.v[30] = static_cast<uint8_t>(k >> 8);
  } else {
    for (auto& x : a.v) x = static_cast<uint8_t>(rng());
  }
  return a;
}

}  // namespace

TEST_CASE("state leaf is address, balance LE, nonce LE", "[state_root]") {
  uint8_t msg[48];
  forensics::EncodeStateLeaf(Filled(0xab), 0x0102030405060708ull, 0x1122334455667788ull, msg);
  for (int i = 0; i < 32; ++i) CHECK(msg[i] == 0xab);
  CHECK(msg[32] == 0x08);
  CHECK(msg[39] == 0x01);
  CHECK(msg[40] == 0x88);
  CHECK(msg[47] == 0x11);
}

TEST_CASE("state root of no accounts, or only zero accounts, is 32 zero bytes", "[state_root]") {
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    CHECK(ComputeStateRoot({}, rule) == Hash32{});
    const std::vector<AccountEntry> zeros = {{Filled(1), 0, 0}, {Filled(2), 0, 0}};
    CHECK(ComputeStateRoot(zeros, rule) == Hash32{});
    StateRootTree tree(rule);
    CHECK(tree.Root() == Hash32{});
    tree.Set(Filled(1), 0, 0);
    CHECK(tree.Root() == Hash32{});
    CHECK(tree.size() == 0);
  }
}

TEST_CASE("state root of one account is its leaf hash", "[state_root]") {
  const std::vector<AccountEntry> one = {{Filled(1), 1, 0}};
  CHECK(ComputeStateRoot(one, OddRule::kDuplicate).Hex() ==
        "b52e69f13b48eff59f5817508d207df22c696ded83a73d66b7e39e61395f4492");
  CHECK(ComputeStateRoot(one, OddRule::kPromote) == LeafHash(Filled(1), 1, 0));
}

TEST_CASE("state root of three unordered accounts matches hand-computed values", "[state_root]") {
  // Values from an independent Python script (hashlib) over the same accounts.
  const std::vector<AccountEntry> accounts = {
      {Filled(3), 3, 2}, {Filled(1), 1, 0}, {Filled(2), 0, 7}, {Filled(9), 0, 0}};
  CHECK(ComputeStateRoot(accounts, OddRule::kDuplicate).Hex() ==
        "69d1e7b3296fad1b13a3e85ef00b1cb467483346644da34400399338fb79762a");
  CHECK(ComputeStateRoot(accounts, OddRule::kPromote).Hex() ==
        "6d66a07c32d3c86e82072f84fcf910a7e85fc24531190e06d5cad46b495f84af");
  const Hash32 l1 = LeafHash(Filled(1), 1, 0), l2 = LeafHash(Filled(2), 0, 7),
               l3 = LeafHash(Filled(3), 3, 2);
  CHECK(ComputeStateRoot(accounts, OddRule::kDuplicate) == H2(H2(l1, l2), H2(l3, l3)));
  CHECK(ComputeStateRoot(accounts, OddRule::kPromote) == H2(H2(l1, l2), l3));

  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    StateRootTree tree(rule);
    for (const AccountEntry& a : accounts) tree.Set(a.address, a.balance, a.nonce);
    CHECK(tree.size() == 3);
    CHECK(tree.Root() == ComputeStateRoot(accounts, rule));
  }
}

TEST_CASE("state root takes the last entry of a repeated address", "[state_root]") {
  const std::vector<AccountEntry> repeated = {{Filled(1), 5, 5}, {Filled(2), 1, 1}, {Filled(1), 1, 0}};
  const std::vector<AccountEntry> last = {{Filled(1), 1, 0}, {Filled(2), 1, 1}};
  CHECK(ComputeStateRoot(repeated, OddRule::kPromote) == ComputeStateRoot(last, OddRule::kPromote));
  const std::vector<AccountEntry> removed = {{Filled(1), 5, 5}, {Filled(2), 1, 1}, {Filled(1), 0, 0}};
  const std::vector<AccountEntry> only2 = {{Filled(2), 1, 1}};
  CHECK(ComputeStateRoot(removed, OddRule::kDuplicate) == ComputeStateRoot(only2, OddRule::kDuplicate));
}

TEST_CASE("incremental state root equals from-scratch root on random block workloads", "[state_root]") {
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    for (uint64_t seed : {1, 2, 3}) {
      std::mt19937_64 rng(seed * 1000 + static_cast<uint64_t>(rule));
      StateRootTree tree(rule);
      Model model;
      for (int block = 0; block < 120; ++block) {
        // Mix of block shapes: pure updates, inserts, removals, big batches, empty blocks.
        const int shape = static_cast<int>(rng() % 6);
        const int ops = shape == 5 ? 0 : static_cast<int>(rng() % (shape == 4 ? 400 : 12)) + 1;
        for (int op = 0; op < ops; ++op) {
          Address a;
          uint64_t balance = rng() % 1000, nonce = rng() % 4;
          const int kind = static_cast<int>(rng() % 10);
          if ((shape == 0 || kind < 4) && !model.empty()) {
            // Existing account: update, or remove.
            auto it = model.begin();
            std::advance(it, static_cast<long>(rng() % model.size()));
            a = it->first;
            if (shape != 0 && kind == 0) balance = nonce = 0;
          } else {
            a = RandomAddress(rng, kind < 8);
            if (kind == 9) balance = nonce = 0;  // removing an absent account is a no-op
          }
          if (shape == 0 && balance == 0 && nonce == 0) balance = 1;
          tree.Set(a, balance, nonce);
          if (balance == 0 && nonce == 0) {
            model.erase(a);
          } else {
            model[a] = {balance, nonce};
          }
        }
        INFO("rule " << static_cast<int>(rule) << " seed " << seed << " block " << block << " accounts "
                     << model.size());
        REQUIRE(tree.size() == model.size());
        REQUIRE(tree.Root() == ModelRoot(model, rule));
      }
      // Empty it again.
      for (const auto& [a, s] : model) tree.Set(a, 0, 0);
      CHECK(tree.size() == 0);
      CHECK(tree.Root() == Hash32{});
    }
  }
}

TEST_CASE("incremental state root equals from-scratch root at every size from 0 to 40 and back", "[state_root]") {
  // Small trees: the short last node at levels 1-3 and the switch between trees of at most 8 leaves
  // (root built from the low spans) and taller ones, one account at a time and three at once.
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    for (size_t step : {1, 3}) {
      std::mt19937_64 rng(11 + step + static_cast<uint64_t>(rule));
      StateRootTree tree(rule);
      Model model;
      std::vector<Address> live;  // the model's keys
      for (int phase = 0; phase < 2; ++phase) {
        for (int round = 0; round < 40; round += static_cast<int>(step)) {
          for (size_t k = 0; k < step; ++k) {
            if (phase == 0) {
              const Address a = RandomAddress(rng, false);
              const uint64_t balance = 1 + rng() % 5;
              tree.Set(a, balance, 0);
              model[a] = {balance, 0};
              live.push_back(a);
            } else if (!live.empty()) {
              const size_t i = rng() % live.size();
              tree.Set(live[i], 0, 0);
              model.erase(live[i]);
              live[i] = live.back();
              live.pop_back();
            }
          }
          if (!live.empty()) {  // and an update, so that changed and moved leaves mix
            const Address& a = live[rng() % live.size()];
            const uint64_t balance = 100 + static_cast<uint64_t>(round);
            tree.Set(a, balance, 1);
            model[a] = {balance, 1};
          }
          INFO("rule " << static_cast<int>(rule) << " step " << step << " phase " << phase << " accounts "
                       << model.size());
          REQUIRE(tree.size() == model.size());
          REQUIRE(tree.Root() == ModelRoot(model, rule));
        }
      }
      CHECK(model.empty());
      CHECK(tree.Root() == Hash32{});
    }
  }
}

TEST_CASE("incremental state root when accounts crowd one place, then a whole range of them goes",
          "[state_root]") {
  // The tree keeps its leaves in segments of a few hundred: thousands of inserts at one place make a
  // segment grow and be cut, and removing a long range empties whole segments.
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    std::mt19937_64 rng(5 + static_cast<uint64_t>(rule));
    StateRootTree tree(rule);
    Model model;
    auto crowded = [&] {  // all sort between the same two of the 5000 random accounts, or nearly
      Address a = RandomAddress(rng, false);
      a.v[0] = 0x80;
      a.v[1] = 0x00;
      return a;
    };
    auto set = [&](const Address& a, uint64_t balance, uint64_t nonce) {
      tree.Set(a, balance, nonce);
      if (balance == 0 && nonce == 0) {
        model.erase(a);
      } else {
        model[a] = {balance, nonce};
      }
    };
    for (int i = 0; i < 5000; ++i) set(RandomAddress(rng, false), 1 + rng() % 9, 0);
    REQUIRE(tree.Root() == ModelRoot(model, rule));
    for (int block = 0; block < 12; ++block) {
      const int inserts = block == 0 ? 3000 : 300;
      for (int k = 0; k < inserts; ++k) set(crowded(), 1 + rng() % 9, 1);
      // And some updates everywhere, so that changes mix with the shifts.
      for (int k = 0; k < 20; ++k) {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        set(it->first, it->second.first + 1, it->second.second);
      }
      INFO("rule " << static_cast<int>(rule) << " block " << block << " accounts " << model.size());
      REQUIRE(tree.size() == model.size());
      REQUIRE(tree.Root() == ModelRoot(model, rule));
    }
    // Remove a long range of consecutive accounts (whole segments), in two blocks, then the rest.
    for (int block = 0; block < 2; ++block) {
      auto it = model.begin();
      std::advance(it, static_cast<long>(model.size() / 3));
      std::vector<Address> gone;
      for (int k = 0; k < 2500 && it != model.end(); ++k, ++it) gone.push_back(it->first);
      for (const Address& a : gone) set(a, 0, 0);
      INFO("rule " << static_cast<int>(rule) << " removal block " << block << " accounts " << model.size());
      REQUIRE(tree.size() == model.size());
      REQUIRE(tree.Root() == ModelRoot(model, rule));
    }
    std::vector<Address> rest;
    for (const auto& [a, state] : model) rest.push_back(a);
    for (size_t k = 0; k + 1 < rest.size(); ++k) set(rest[k], 0, 0);
    REQUIRE(tree.size() == 1);
    REQUIRE(tree.Root() == ModelRoot(model, rule));
    set(rest.back(), 0, 0);
    CHECK(tree.Root() == Hash32{});
  }
}

TEST_CASE("incremental state root finds accounts whose addresses share their first 8 bytes", "[state_root]") {
  // The tree looks an address up by interpolating its first 8 bytes within a segment, then searching
  // from there: here whole segments hold addresses equal in those bytes (the interpolation has
  // nothing to go on), beside segments of evenly spread ones, and every block updates accounts of
  // both kinds and inserts more of both.
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    std::mt19937_64 rng(11 + static_cast<uint64_t>(rule));
    StateRootTree tree(rule);
    Model model;
    std::vector<Address> known;
    auto clustered = [&] {
      Address a = RandomAddress(rng, false);
      std::memset(a.v.data(), 0x5a, 8);
      if (rng() % 2) a.v[8] = 0;  // and a run that agrees in the ninth byte too
      return a;
    };
    auto set = [&](const Address& a, uint64_t balance, uint64_t nonce) {
      tree.Set(a, balance, nonce);
      model[a] = {balance, nonce};
      known.push_back(a);
    };
    for (int i = 0; i < 4000; ++i) set(i % 2 ? clustered() : RandomAddress(rng, false), 1 + rng() % 9, 0);
    REQUIRE(tree.Root() == ModelRoot(model, rule));
    for (int block = 0; block < 30; ++block) {
      for (int k = 0; k < 40; ++k) {
        const Address a = known[rng() % known.size()];
        set(a, model[a].first + 1, model[a].second + 1);
      }
      for (int k = 0; k < 6; ++k) set(k % 2 ? clustered() : RandomAddress(rng, false), 1 + rng() % 9, 0);
      INFO("rule " << static_cast<int>(rule) << " block " << block << " accounts " << model.size());
      REQUIRE(tree.size() == model.size());
      REQUIRE(tree.Root() == ModelRoot(model, rule));
    }
  }
}

TEST_CASE("incremental state root survives repeated Set of one address within a block", "[state_root]") {
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    StateRootTree tree(rule);
    Model model;
    for (uint8_t i = 1; i <= 9; ++i) {
      tree.Set(Filled(i), i, 0);
      model[Filled(i)] = {i, 0};
    }
    CHECK(tree.Root() == ModelRoot(model, rule));
    // Remove then re-add in the same block, add then remove a new one, update twice.
    tree.Set(Filled(4), 0, 0);
    tree.Set(Filled(4), 44, 1);
    tree.Set(Filled(20), 5, 0);
    tree.Set(Filled(20), 0, 0);
    tree.Set(Filled(7), 1, 1);
    tree.Set(Filled(7), 2, 2);
    model[Filled(4)] = {44, 1};
    model[Filled(7)] = {2, 2};
    CHECK(tree.size() == 9);
    CHECK(tree.Root() == ModelRoot(model, rule));
    CHECK(tree.Root() == ModelRoot(model, rule));  // a second Root() without changes
  }
}

namespace {

// Leaf by leaf, then MerkleRoot: the definition of docs/chain.md §4 with nothing clever in between.
Hash32 ReferenceStateRoot(std::vector<AccountEntry> accounts, OddRule rule) {
  std::stable_sort(accounts.begin(), accounts.end(),
                   [](const AccountEntry& x, const AccountEntry& y) { return x.address < y.address; });
  std::vector<Hash32> leaves;
  for (size_t i = 0; i < accounts.size(); ++i) {
    if (i + 1 < accounts.size() && accounts[i + 1].address == accounts[i].address) continue;
    const AccountEntry& a = accounts[i];
    if (a.balance == 0 && a.nonce == 0) continue;
    leaves.push_back(LeafHash(a.address, a.balance, a.nonce));
  }
  return forensics::MerkleRoot(leaves, rule);
}

}  // namespace

TEST_CASE("from-scratch state root matches a leaf-by-leaf reference around 4096-leaf chunk edges",
          "[state_root]") {
  std::mt19937_64 rng(99);
  for (size_t n : {4095, 4096, 4097, 8191, 8192, 8193, 12289, 70000}) {
    std::vector<AccountEntry> accounts(n);
    for (auto& a : accounts) a = {RandomAddress(rng, false), rng() % 5 + 1, rng() % 3};
    // Sprinkle zero accounts and a repeated address (the later entry wins).
    accounts[n / 3].balance = accounts[n / 3].nonce = 0;
    accounts[n / 2].address = accounts[n / 5].address;
    for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
      INFO(n << " accounts, rule " << static_cast<int>(rule));
      const Hash32 expected = ReferenceStateRoot(accounts, rule);
      CHECK(ComputeStateRoot(accounts, rule) == expected);  // random order
      std::vector<AccountEntry> sorted = accounts;
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const AccountEntry& x, const AccountEntry& y) { return x.address < y.address; });
      CHECK(ComputeStateRoot(sorted, rule) == expected);  // already in order
    }
  }
}

TEST_CASE("from-scratch state root orders addresses sharing a long prefix by the full address",
          "[state_root]") {
  std::mt19937_64 rng(5);
  std::vector<AccountEntry> accounts;
  for (int i = 0; i < 70000; ++i) {
    Address a = Filled(0x77);  // same first 31 bytes: one bucket, one prefix run
    a.v[31] = static_cast<uint8_t>(rng());
    a.v[20] = static_cast<uint8_t>(rng());
    accounts.push_back({a, static_cast<uint64_t>(i) + 1, 0});
  }
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    CHECK(ComputeStateRoot(accounts, rule) == ReferenceStateRoot(accounts, rule));
  }
}

TEST_CASE("from-scratch state root of random-order input equals that of sorted input, with shared prefixes",
          "[state_root]") {
  // Bucketed path: a uniform bulk, plus groups that share 8 to 31 leading bytes (equal sort words,
  // settled by the full address), repeated addresses (the later entry wins, also when it is (0, 0))
  // and zero accounts, in random order.
  std::mt19937_64 rng(4242);
  std::vector<AccountEntry> accounts;
  for (int i = 0; i < 150000; ++i) accounts.push_back({RandomAddress(rng, false), rng() % 7 + 1, rng() % 3});
  for (int group = 0; group < 64; ++group) {
    const Address base = RandomAddress(rng, false);
    const size_t shared = 8 + static_cast<size_t>(group) % 24;
    for (int k = 0; k < 40; ++k) {
      Address a = RandomAddress(rng, false);
      std::copy(base.v.begin(), base.v.begin() + static_cast<ptrdiff_t>(shared), a.v.begin());
      accounts.push_back({a, rng() % 7 + 1, 0});
    }
  }
  for (int k = 0; k < 2000; ++k) {
    AccountEntry again = accounts[rng() % accounts.size()];
    again.balance = k % 3 == 0 ? 0 : again.balance + 1;
    again.nonce = k % 3 == 0 ? 0 : again.nonce;
    accounts.push_back(again);
  }
  for (int k = 0; k < 500; ++k) accounts[rng() % accounts.size()].balance = 0;
  std::shuffle(accounts.begin(), accounts.end(), rng);
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    const Hash32 expected = ReferenceStateRoot(accounts, rule);
    CHECK(ComputeStateRoot(accounts, rule) == expected);
    std::vector<AccountEntry> sorted = accounts;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const AccountEntry& x, const AccountEntry& y) { return x.address < y.address; });
    CHECK(ComputeStateRoot(sorted, rule) == expected);
  }
}

TEST_CASE("from-scratch state root of addresses crowding one bucket (no uniform spread)", "[state_root]") {
  // 40,000 accounts whose first two bytes are equal overflow the room of a uniform spread; with a
  // third of them sharing 20 bytes, sorting falls back to the full address.
  std::mt19937_64 rng(17);
  std::vector<AccountEntry> accounts;
  for (int i = 0; i < 40000; ++i) {
    Address a = RandomAddress(rng, false);
    a.v[0] = 0xab;
    a.v[1] = 0xcd;
    if (i % 3 == 0) std::fill(a.v.begin() + 2, a.v.begin() + 20, uint8_t{0x11});
    accounts.push_back({a, static_cast<uint64_t>(i) + 1, 0});
  }
  for (int i = 0; i < 30000; ++i) accounts.push_back({RandomAddress(rng, false), 5, 1});
  std::shuffle(accounts.begin(), accounts.end(), rng);
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    CHECK(ComputeStateRoot(accounts, rule) == ReferenceStateRoot(accounts, rule));
  }
}

TEST_CASE("from-scratch state root with buckets sorted on a second thread equals that of sorted input",
          "[state_root]") {
  // From 64k accounts the buckets are sorted on two threads while the calling thread hashes. Sizes
  // around that threshold and above it, with groups sharing 2 to 31 leading bytes, repeated addresses
  // (the later entry wins, also when it is (0, 0)), zero accounts and, in the last case, one bucket
  // crowded beyond 65,535 accounts (sorted by the fallback), each against the sorted-input path.
  struct Shape {
    size_t uniform, groups, group_size, crowded;
  };
  const Shape shapes[] = {{65535, 0, 0, 0}, {65536, 0, 0, 0}, {90000, 200, 30, 0}, {260000, 100, 50, 70000}};
  std::mt19937_64 rng(777);
  for (const Shape& shape : shapes) {
    std::vector<AccountEntry> accounts;
    for (size_t i = 0; i < shape.uniform; ++i) accounts.push_back({RandomAddress(rng, false), rng() % 7 + 1, rng() % 3});
    for (size_t group = 0; group < shape.groups; ++group) {
      const Address base = RandomAddress(rng, false);
      const size_t shared = 2 + group % 30;
      for (size_t k = 0; k < shape.group_size; ++k) {
        Address a = RandomAddress(rng, false);
        std::copy(base.v.begin(), base.v.begin() + static_cast<ptrdiff_t>(shared), a.v.begin());
        accounts.push_back({a, rng() % 7 + 1, 0});
      }
    }
    for (size_t i = 0; i < shape.crowded; ++i) {
      Address a = RandomAddress(rng, false);
      a.v[0] = 0x5a;
      a.v[1] = 0xa5;
      if (i % 4 == 0) std::fill(a.v.begin() + 2, a.v.begin() + 24, uint8_t{0x33});
      accounts.push_back({a, rng() % 5 + 1, 1});
    }
    const size_t distinct = accounts.size();
    for (size_t k = 0; k < distinct / 50; ++k) {
      AccountEntry again = accounts[rng() % distinct];
      again.balance = k % 3 == 0 ? 0 : again.balance + 1;
      again.nonce = k % 3 == 0 ? 0 : again.nonce;
      accounts.push_back(again);
    }
    for (size_t k = 0; k < distinct / 200; ++k) accounts[rng() % accounts.size()].balance = 0;
    if (shape.uniform == 65535) accounts.resize(65535);  // just below the threaded path
    for (int round = 0; round < 2; ++round) {
      std::shuffle(accounts.begin(), accounts.end(), rng);
      // The same accounts in address order, repeats of an address kept in their shuffled order:
      // the sorted-input path (no buckets, no second thread).
      std::vector<AccountEntry> sorted = accounts;
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const AccountEntry& x, const AccountEntry& y) { return x.address < y.address; });
      for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
        CHECK(ComputeStateRoot(accounts, rule) == ComputeStateRoot(sorted, rule));
      }
    }
  }
}

TEST_CASE("incremental state root equals from-scratch root over a large tree with scattered changes",
          "[state_root]") {
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    std::mt19937_64 rng(77 + static_cast<uint64_t>(rule));
    StateRootTree tree(rule);
    Model model;
    std::vector<Address> live;  // the model's keys, for picking a random account in O(1)
    for (int i = 0; i < 20000; ++i) {
      const Address a = RandomAddress(rng, false);
      const uint64_t balance = 1 + rng() % 9;
      tree.Set(a, balance, 0);
      model[a] = {balance, 0};
      live.push_back(a);
    }
    REQUIRE(tree.Root() == ModelRoot(model, rule));
    for (int block = 0; block < 40; ++block) {
      // A few inserts and removals at random places (odd and even net shifts) and some updates.
      const int inserts = static_cast<int>(rng() % 6), removals = static_cast<int>(rng() % 6),
                updates = static_cast<int>(rng() % 50);
      for (int k = 0; k < inserts; ++k) {
        const Address a = RandomAddress(rng, false);
        tree.Set(a, 1, 1);
        model[a] = {1, 1};
        live.push_back(a);
      }
      for (int k = 0; k < removals; ++k) {
        const size_t i = rng() % live.size();
        tree.Set(live[i], 0, 0);
        model.erase(live[i]);
        live[i] = live.back();
        live.pop_back();
      }
      for (int k = 0; k < updates; ++k) {
        const Address& a = live[rng() % live.size()];
        auto& state = model[a];
        state.first += 1;
        tree.Set(a, state.first, state.second);
      }
      INFO("rule " << static_cast<int>(rule) << " block " << block);
      REQUIRE(tree.size() == model.size());
      REQUIRE(tree.Root() == ModelRoot(model, rule));
    }
  }
}

namespace {

size_t CeilLog2(size_t n) {
  size_t l = 0;
  while ((size_t{1} << l) < n) ++l;
  return l;
}

// The i-th account of SpacedTree; its low 4 bits are zero, so Between(i, k) sorts right after it.
Address Spaced(size_t i) {
  Address a;
  a.v[28] = static_cast<uint8_t>((i + 1) >> 20);
  a.v[29] = static_cast<uint8_t>((i + 1) >> 12);
  a.v[30] = static_cast<uint8_t>((i + 1) >> 4);
  a.v[31] = static_cast<uint8_t>((i + 1) << 4);
  return a;
}

// REQUIRES: k < 15.
Address Between(size_t i, uint8_t k) {
  Address a = Spaced(i);
  a.v[31] = static_cast<uint8_t>(a.v[31] | (k + 1));
  return a;
}

StateRootTree SpacedTree(size_t n, OddRule rule) {
  StateRootTree tree(rule);
  for (size_t i = 0; i < n; ++i) tree.Set(Spaced(i), 1, 0);
  (void)tree.Root();
  return tree;
}

}  // namespace

// StateRootTree keeps the three lowest inner levels at every alignment: a changed leaf is in 2 + 4 + 8
// of those spans; above them it has one ancestor per level; the tree's short last node at level 3 is
// rebuilt from at most 7 hashes.
constexpr size_t kLowSpans = 2 + 4 + 8;
constexpr size_t kLowLevels = 3;
constexpr size_t kEdgeHashes = 7;

TEST_CASE("updating k accounts rehashes k leaves, their 14 low spans and one node per level above", "[state_root]") {
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    const size_t n = 10001;
    std::mt19937_64 rng(3);
    for (size_t k : {1, 10, 100}) {
      StateRootTree tree = SpacedTree(n, rule);
      CHECK(tree.last_root_stats().leaf_hashes == n);
      for (size_t j = 0; j < k; ++j) {
        tree.Set(Spaced(rng() % n), 7, 7);
        tree.Set(Between(rng() % n, 3), 0, 0);  // removing an absent account: a no-op
      }
      (void)tree.Root();
      INFO(k << " updates");
      CHECK(tree.size() == n);
      CHECK(tree.last_root_stats().leaf_hashes <= k);
      CHECK(tree.last_root_stats().node_hashes <= k * (kLowSpans + CeilLog2(n) - kLowLevels) + kEdgeHashes);
      (void)tree.Root();
      CHECK(tree.last_root_stats().leaf_hashes == 0);
      CHECK(tree.last_root_stats().node_hashes == 0);
    }
  }
}

// Right of an insert, every low span only moves; at level L >= 4 the nodes right of it are rehashed
// (all of them unless the shift is a multiple of 2^L): at most (leaves right of it) / 8 in all.
TEST_CASE("an insert rehashes its low spans and the nodes right of it from level 4 up", "[state_root]") {
  for (OddRule rule : {OddRule::kDuplicate, OddRule::kPromote}) {
    const size_t n = 8192;
    {
      StateRootTree tree = SpacedTree(n, rule);
      tree.Set(Between(n - 10, 0), 1, 0);  // near the end: a handful of nodes per level
      (void)tree.Root();
      CHECK(tree.last_root_stats().leaf_hashes == 1);
      CHECK(tree.last_root_stats().node_hashes <= kLowSpans + 10 / 8 + 2 * CeilLog2(n) + kEdgeHashes);
    }
    {
      StateRootTree tree = SpacedTree(n, rule);
      tree.Set(Between(n / 2, 0), 1, 0);  // in the middle: from level 4 up, about everything to its right
      (void)tree.Root();
      CHECK(tree.last_root_stats().node_hashes <= kLowSpans + (n / 2) / 8 + 2 * CeilLog2(n) + kEdgeHashes);
    }
    {
      StateRootTree tree = SpacedTree(n, rule);
      tree.Set(Between(n / 2, 0), 1, 0);  // two inserts side by side
      tree.Set(Between(n / 2, 1), 1, 0);
      (void)tree.Root();
      CHECK(tree.last_root_stats().leaf_hashes == 2);
      CHECK(tree.last_root_stats().node_hashes <= 2 * kLowSpans + (n / 2) / 8 + 2 * CeilLog2(n) + kEdgeHashes);
    }
    {
      StateRootTree tree = SpacedTree(n, rule);
      tree.Set(Between(n / 2, 0), 1, 0);  // an insert and a removal 100 leaves on: the rest only moves
      tree.Set(Spaced(n / 2 + 100), 0, 0);
      (void)tree.Root();
      CHECK(tree.size() == n);
      CHECK(tree.last_root_stats().node_hashes <= 2 * kLowSpans + 100 / 8 + 4 * CeilLog2(n) + kEdgeHashes);
    }
  }
}

TEST_CASE("a state-root tree times its hashing only when asked, and only its own", "[state_root]") {
  forensics::StateRootTree measured(forensics::OddRule::kDuplicate), plain(forensics::OddRule::kDuplicate);
  measured.MeasureHashTime(true);
  for (uint32_t i = 0; i < 20000; ++i) {
    forensics::Address a{};
    std::memcpy(a.data(), &i, sizeof(i));
    measured.Set(a, 1 + i, 0);
    plain.Set(a, 1 + i, 0);
  }
  CHECK(measured.Root() == plain.Root());
  CHECK(measured.last_root_stats().hash_seconds > 0);
  CHECK(plain.last_root_stats().hash_seconds == 0);
  measured.MeasureHashTime(false);
  forensics::Address b{};
  b[31] = 1;
  measured.Set(b, 5, 0);
  (void)measured.Root();
  CHECK(measured.last_root_stats().hash_seconds == 0);
}
