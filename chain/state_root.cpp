// State root (chain.md §4): from scratch, and an incremental tree that keeps its hashes across blocks.
#include "forensics/state_root.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <utility>
#include <vector>

#include "forensics/sha256.h"

namespace forensics {
namespace {

void StoreLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// REQUIRES: accounts sorted by address, strictly ascending, none (0, 0).
Hash32 RootOfSorted(std::span<const AccountEntry> accounts, OddRule rule) {
  if (accounts.empty()) return Hash32{};
  std::vector<uint8_t> msgs(accounts.size() * 48);
  for (size_t i = 0; i < accounts.size(); ++i) {
    EncodeStateLeaf(accounts[i].address, accounts[i].balance, accounts[i].nonce, &msgs[48 * i]);
  }
  std::vector<Hash32> leaves(accounts.size());
  sha256::Hash48Many(msgs.data(), leaves[0].data(), accounts.size());
  return MerkleRoot(leaves, rule);
}

}  // namespace

void EncodeStateLeaf(const Address& address, Amount balance, uint64_t nonce, uint8_t out[48]) {
  std::memcpy(out, address.data(), 32);
  StoreLe64(out + 32, balance);
  StoreLe64(out + 40, nonce);
}

Hash32 ComputeStateRoot(std::span<const AccountEntry> accounts, OddRule rule) {
  std::vector<uint32_t> order(accounts.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    return accounts[x].address < accounts[y].address;
  });
  std::vector<AccountEntry> sorted;
  sorted.reserve(accounts.size());
  for (size_t i = 0; i < order.size(); ++i) {
    // Of equal addresses, the last entry in input order is the last in the stable order.
    if (i + 1 < order.size() && accounts[order[i + 1]].address == accounts[order[i]].address) continue;
    const AccountEntry& a = accounts[order[i]];
    if (a.balance == 0 && a.nonce == 0) continue;
    sorted.push_back(a);
  }
  return RootOfSorted(sorted, rule);
}

// First version: keeps the accounts and recomputes from scratch on each Root().
class StateRootTree::Impl {
 public:
  explicit Impl(OddRule rule) : rule_(rule) {}

  void Set(const Address& a, Amount balance, uint64_t nonce) {
    if (balance == 0 && nonce == 0) {
      accounts_.erase(a);
    } else {
      accounts_[a] = {balance, nonce};
    }
  }

  Hash32 Root() {
    std::vector<AccountEntry> v;
    v.reserve(accounts_.size());
    for (const auto& [address, state] : accounts_) v.push_back({address, state.first, state.second});
    return RootOfSorted(v, rule_);
  }

  size_t size() const { return accounts_.size(); }

 private:
  OddRule rule_;
  std::map<Address, std::pair<Amount, uint64_t>> accounts_;
};

StateRootTree::StateRootTree(OddRule rule) : impl_(std::make_unique<Impl>(rule)) {}
StateRootTree::~StateRootTree() = default;
StateRootTree::StateRootTree(StateRootTree&&) noexcept = default;
StateRootTree& StateRootTree::operator=(StateRootTree&&) noexcept = default;

void StateRootTree::Set(const Address& a, Amount balance, uint64_t nonce) { impl_->Set(a, balance, nonce); }
Hash32 StateRootTree::Root() { return impl_->Root(); }
size_t StateRootTree::size() const { return impl_->size(); }

}  // namespace forensics
