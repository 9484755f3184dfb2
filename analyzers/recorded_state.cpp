// Recorded state: the node's own post-block values (state_changes, snapshots) against the replay,
// and the supply invariant of docs/chain.md §3 on the node's view of the money.
//
// 1. The node's view is the replayed state plus an overlay of the accounts where the node's values
//    differ (what it recorded but the rules did not produce).
// 2. Per block with state_changes: the node's delta of Σ balances is Σ(recorded − node's previous);
//    the rules' delta is the replay's (reward − dust, less any credit that could not be made).
//    A positive difference is inflation-detected, a negative one supply-deficit.
// 3. Every account whose recorded value differs from the replay is a state-change-mismatch with a
//    per-account diff; the overlay is then updated so later blocks compare against the node's view.
#include <algorithm>
#include <map>
#include <set>

#include "analyzers.h"
#include "forensics/wide_int.h"
#include "forensics/address_map.h"
#include "forensics/codec.h"

namespace forensics {
namespace {

// "+5" / "-5": a signed 128-bit amount, exact (a wrap past 2^64 moves more than u64 holds).
std::string Signed128(__int128 v) { return v > 0 ? "+" + I128ToString(v) : I128ToString(v); }

// The balance and nonce of one account, replayed against the node's.
std::vector<FindingValue> AccountValues(const Account& replayed, const Account& node) {
  return {{"balance", ValueUnit::kWei, ValueRelation::kEqual, fmt::format("{}", replayed.balance), fmt::format("{}", node.balance)},
          {"nonce", ValueUnit::kNonce, ValueRelation::kEqual, fmt::format("{}", replayed.nonce), fmt::format("{}", node.nonce)}};
}

class RecordedStateAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "recorded_state"; }

  void OnBlock(const BlockContext& ctx, BlockVerdict* v) override {
    const Block& b = *ctx.block;
    if (ctx.state == nullptr || ctx.execution == nullptr) {
      if (b.state_changes) v->unverifiable.push_back({UncheckedKind::kRecordedStateUnknownState, {}});
      overlay_.clear();  // the replay restarts from a snapshot or not at all
      return;
    }
    const AccountState& state = *ctx.state;
    const BlockExecution& ex = *ctx.execution;
    auto replay_pre = [&](const Address& a) {
      const Account* v = ex.before.find(a);
      return v ? *v : state.Get(a);
    };
    auto node_pre = [&](const Address& a) {
      auto it = overlay_.find(a);
      return it != overlay_.end() ? it->second : replay_pre(a);
    };

    SupplyRow row;
    row.height = b.header.height;
    row.reward = ex.reward;
    row.fees = ex.fees;
    row.dust = ex.shares.dust;
    __int128 rules_delta = static_cast<__int128>(Wide(ex.supply_after)) - static_cast<__int128>(Wide(ex.supply_before));
    __int128 overlay_offset = 0;  // node supply − replay supply before the block
    for (const auto& [a, acc] : overlay_)
      overlay_offset += static_cast<__int128>(acc.balance) - static_cast<__int128>(replay_pre(a).balance);
    row.supply_before = ToWei128(static_cast<unsigned __int128>(static_cast<__int128>(Wide(ex.supply_before)) + overlay_offset));

    if (!b.state_changes) {
      // Genesis needs none: its state is the export's genesis allocations.
      if (b.header.height > 0) v->unverifiable.push_back({UncheckedKind::kRecordedStateNone, {}});
      // Accounts the block touched: the node is assumed to hold what the rules produce.
      for (const auto& [a, acc] : ex.before) overlay_.erase(a);
      row.supply_after = ToWei128(static_cast<unsigned __int128>(static_cast<__int128>(Wide(ex.supply_after)) + OverlayOffsetAfter(state)));
      row.surplus = {};
      row.recorded = false;
      v->supply = row;
      return;
    }

    // The node's post-block view of every account it recorded or the replay touched, and whether
    // the block recorded it.
    struct Post {
      Account node;
      bool recorded = false;
    };
    AddressMap<Post> post;
    post.reserve(ex.before.size() + b.state_changes->size());
    for (const auto& [a, acc] : ex.before) post.TryEmplace(a, Post{node_pre(a)});
    __int128 node_delta = 0;
    for (const AccountEntry& e : *b.state_changes) {
      auto [p, inserted] = post.TryEmplace(e.address, Post{});
      if (inserted) p->node = node_pre(e.address);
      if (p->recorded) continue;  // first record of an account wins
      node_delta += static_cast<__int128>(e.balance) - static_cast<__int128>(p->node.balance);
      *p = Post{Account{e.balance, e.nonce}, true};
    }
    // The accounts where the node's view differs from the replay, in address order (the order of
    // the findings); usually none, so only those are sorted.
    std::vector<std::pair<Address, Post>> differs;
    for (const auto& [a, p] : post) {
      if (p.node == state.Get(a)) {
        if (!overlay_.empty() && overlay_.erase(a) != 0 && p.recorded) v->matched_again.push_back(a);
      } else {
        differs.emplace_back(a, p);
      }
    }
    std::sort(differs.begin(), differs.end(), [](const auto& x, const auto& y) { return x.first < y.first; });

    std::vector<Address> diverged_here;
    for (const auto& [a, p] : differs) {
      const Account& node = p.node;
      const Account replayed = state.Get(a);
      overlay_[a] = node;
      AccountDiff d;
      d.address = a;
      d.replayed = replayed;
      if (p.recorded) d.recorded = node;
      d.recorded_or_previous = node;
      d.touched_by = ex.TouchedBy(a);
      d.source = "state_changes";
      diverged_here.push_back(a);
      Finding f;
      f.height = b.header.height;
      f.code = FindingCode::kStateChangeMismatch;
      f.expected = fmt::format("balance {}, nonce {}", replayed.balance, replayed.nonce);
      f.actual = d.recorded ? fmt::format("balance {}, nonce {}", node.balance, node.nonce)
                            : fmt::format("not recorded (node still holds balance {}, nonce {})", node.balance, node.nonce);
      f.detail = fmt::format("account {}: balance delta {} (recorded − replayed)", a.Hex(),
                             Signed128(static_cast<__int128>(node.balance) - static_cast<__int128>(replayed.balance)));
      f.accounts = {a};
      f.values = AccountValues(replayed, node);
      v->findings.push_back(std::move(f));
      v->diffs.push_back(std::move(d));
    }

    row.supply_after = ToWei128(static_cast<unsigned __int128>(static_cast<__int128>(Wide(row.supply_before)) + node_delta));
    const __int128 surplus = node_delta - rules_delta;
    row.surplus = ToSignedWei128(surplus);
    row.recorded = true;
    v->supply = row;
    if (surplus != 0) {
      Finding f;
      f.height = b.header.height;
      f.code = surplus > 0 ? FindingCode::kInflationDetected : FindingCode::kSupplyDeficit;
      f.expected = fmt::format("Σ balances change by {} (reward {} − dust {})", Signed128(rules_delta), ex.reward, ex.shares.dust);
      f.actual = fmt::format("Σ balances change by {}", Signed128(node_delta));
      f.values = {{"supply_delta", ValueUnit::kWei, ValueRelation::kEqual, I128ToString(rules_delta), I128ToString(node_delta)}};
      f.detail = surplus > 0 ? fmt::format("{} wei minted beyond the rules", I128ToString(surplus))
                                 : fmt::format("{} wei of minted money missing", I128ToString(-surplus));
      f.accounts = diverged_here;
      v->findings.push_back(std::move(f));
    }
    if (overlay_.empty()) {
      v->state_verified = true;
      v->verified_by = "its recorded state changes";
    }
  }

  void OnSnapshot(const Snapshot& s, const AccountState& state, BlockVerdict* v) override {
    std::map<Address, Account> node;
    for (const AccountEntry& e : s.accounts) node[e.address] = Account{e.balance, e.nonce};
    std::map<Address, Account> all = node;
    for (const AccountEntry& e : state.Entries()) all.try_emplace(e.address, Account{});
    // An account whose stored value was lost is not compared (and the snapshot verifies nothing).
    std::set<Address> lost;
    for (const LostValue& l : s.lost) {
      if (auto a = ParseHexN<32>(l.key)) lost.insert(*a);
      v->unverifiable.push_back({UncheckedKind::kStoredValueLost,
                                 fmt::format("table {}, address {}, column {}: stored {}, {}", l.table, l.key, l.column, l.stored, l.why)});
    }
    overlay_.clear();
    for (const auto& [a, unused] : all) {
      if (lost.count(a)) continue;
      Account n = node.count(a) ? node[a] : Account{};
      Account r = state.Get(a);
      if (n == r) continue;
      overlay_[a] = n;
      AccountDiff d;
      d.address = a;
      d.replayed = r;
      d.recorded = n;
      d.recorded_or_previous = n;
      d.source = "snapshot";
      Finding f;
      f.height = s.height;
      f.code = FindingCode::kStateChangeMismatch;
      f.expected = fmt::format("balance {}, nonce {}", r.balance, r.nonce);
      f.actual = fmt::format("balance {}, nonce {}", n.balance, n.nonce);
      f.detail = fmt::format("account {} in the node's snapshot after block {} differs from the replay", a.Hex(), s.height);
      f.accounts = {a};
      f.values = AccountValues(r, n);
      v->findings.push_back(std::move(f));
      v->diffs.push_back(std::move(d));
    }
    if (overlay_.empty() && lost.empty()) {
      v->state_verified = true;
      v->verified_by = "the node's full-state snapshot";
    }
  }

 private:
  __int128 OverlayOffsetAfter(const AccountState& state) const {
    __int128 off = 0;
    for (const auto& [a, acc] : overlay_)
      off += static_cast<__int128>(acc.balance) - static_cast<__int128>(state.Get(a).balance);
    return off;
  }

  std::map<Address, Account> overlay_;
};

}  // namespace

std::unique_ptr<Analyzer> MakeRecordedStateAnalyzer(const AnalyzerOptions&) {
  return std::make_unique<RecordedStateAnalyzer>();
}

}  // namespace forensics
