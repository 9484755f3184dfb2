// Account state and the block state-transition function (docs/chain.md §2–§3).
#include "forensics/state.h"

#include <algorithm>

#include "forensics/codec.h"
#include "forensics/wide_int.h"

namespace forensics {

void AccountState::Set(const Address& a, const Account& v) {
  // The supply's two words are updated in place, as one 128-bit add or subtract each time.
  if (v.balance == 0 && v.nonce == 0) {
    if (const Account* cur = accounts_.find(a)) {
      supply_ = ToWei128(Wide(supply_) - cur->balance);
      accounts_.erase(a);
    }
  } else {
    auto [cur, inserted] = accounts_.TryEmplace(a, v);
    if (!inserted) {
      supply_ = ToWei128(Wide(supply_) - cur->balance);
      *cur = v;
    }
    supply_ = ToWei128(Wide(supply_) + v.balance);
  }
  tree_.Set(a, v.balance, v.nonce);
}

void AccountState::Reset(const std::vector<AccountEntry>& accounts) {
  for (const AccountEntry& e : Entries()) tree_.Set(e.address, 0, 0);
  accounts_.clear();
  supply_ = {};
  for (const AccountEntry& e : accounts) Set(e.address, Account{e.balance, e.nonce});
}

std::vector<AccountEntry> AccountState::Entries() const {
  std::vector<AccountEntry> out;
  out.reserve(accounts_.size());
  for (const auto& [a, v] : accounts_) out.push_back(AccountEntry{a, v.balance, v.nonce});
  std::sort(out.begin(), out.end(),
            [](const AccountEntry& x, const AccountEntry& y) { return x.address < y.address; });
  return out;
}

std::vector<size_t> BlockExecution::TouchedBy(const Address& a) const {
  std::vector<size_t> out;
  for (const auto& [who, tx] : touches)
    if (SameBytes32(who, a)) out.push_back(tx);
  return out;
}

namespace {

constexpr std::string_view kU64Max = "18446744073709551615";

std::string Dec(unsigned __int128 v) { return U128ToString(v); }

class Executor {
 public:
  Executor(const Block& block, const BlockExecutionOptions& options, AccountState* state,
           BlockExecution* out)
      : block_(block), options_(options), state_(state), out_(out) {}

  Account Get(const Address& a) const { return state_->Get(a); }

  void Put(const Address& a, const Account& v) {
    out_->before.TryEmplace(a, state_->Get(a));
    state_->Set(a, v);
  }

  Finding& Add(FindingCode code, std::string expected, std::string actual, std::string detail) {
    Finding f;
    f.height = block_.header.height;
    f.code = code;
    f.expected = std::move(expected);
    f.actual = std::move(actual);
    f.detail = std::move(detail);
    out_->findings.push_back(std::move(f));
    return out_->findings.back();
  }

  Finding& AddTx(size_t i, const Transaction& tx, FindingCode code, std::string expected,
                 std::string actual, std::string detail) {
    Finding& f = Add(code, std::move(expected), std::move(actual), std::move(detail));
    f.tx_index = i;
    f.tx_hash = TxHash(tx);
    f.accounts = {tx.from};
    if (tx.to != tx.from) f.accounts.push_back(tx.to);
    return f;
  }

  std::optional<Hash32> TxHash(const Transaction& tx) const {
    if (tx.hash) return tx.hash;
    if (options_.profile == Profile::kNeta && tx.message_complete) return NetaTxHash(tx);
    return std::nullopt;
  }

  // Applies one transaction; returns false if it had to be skipped.
  bool ApplyTx(size_t i, const Transaction& tx) {
    // Static rules: signature, gas floor, fee floor. These do not stop the application.
    if (options_.signature_ok && i < options_.signature_ok->size() && (*options_.signature_ok)[i] == 0)
      AddTx(i, tx, FindingCode::kBadSignature, "a valid Ed25519 signature by `from`", "signature does not verify",
            "the signing message's Ed25519 signature fails under the sender's key")
          .values = {{"signature", ValueUnit::kSignature, ValueRelation::kEqual, "valid", "invalid"}};
    const uint64_t min_gas = tx.tx_type == 1 ? kMinTransferGas : kMinOtherGas;
    if (tx.gas_limit < min_gas)
      AddTx(i, tx, FindingCode::kGasLimitTooLow, fmt::format("gas_limit ≥ {}", min_gas),
            fmt::format("{}", tx.gas_limit), fmt::format("tx_type {}", tx.tx_type))
          .values = {{"gas_limit", ValueUnit::kGas, ValueRelation::kAtLeast, Dec(min_gas), Dec(tx.gas_limit)}};
    unsigned __int128 fee128 = static_cast<unsigned __int128>(tx.gas_limit) * tx.gas_price;
    if (fee128 > UINT64_MAX) {
      AddTx(i, tx, FindingCode::kAmountOverflow, "gas_limit × gas_price ≤ 2^64-1",
            fmt::format("{} × {} overflows", tx.gas_limit, tx.gas_price), "the fee overflows u64")
          .values = {{"fee", ValueUnit::kWei, ValueRelation::kAtMost, std::string(kU64Max), Dec(fee128)}};
      ++out_->txs_skipped;
      return false;
    }
    const uint64_t fee = static_cast<uint64_t>(fee128);
    const uint64_t min_fee = std::max<uint64_t>(tx.amount / 10000, kMinFee);
    if (fee < min_fee)
      AddTx(i, tx, FindingCode::kFeeTooLow, fmt::format("fee ≥ {}", min_fee), fmt::format("{}", fee),
            "fee = gas_limit × gas_price must cover max(amount / 10000, 1000)")
          .values = {{"fee", ValueUnit::kWei, ValueRelation::kAtLeast, Dec(min_fee), Dec(fee)}};
    if (tx.fee && *tx.fee != fee)
      AddTx(i, tx, FindingCode::kGasAccounting, fmt::format("fee {}", fee), fmt::format("fee {}", *tx.fee),
            "the recorded fee differs from gas_limit × gas_price")
          .values = {{"fee", ValueUnit::kWei, ValueRelation::kEqual, Dec(fee), Dec(*tx.fee)}};

    Account sender = Get(tx.from);
    if (tx.nonce != sender.nonce)
      AddTx(i, tx, FindingCode::kInvalidNonce, fmt::format("{}", sender.nonce), fmt::format("{}", tx.nonce),
            "the transaction's nonce differs from the sender's")
          .values = {{"nonce", ValueUnit::kNonce, ValueRelation::kEqual, Dec(sender.nonce), Dec(tx.nonce)}};
    unsigned __int128 cost = static_cast<unsigned __int128>(tx.amount) + fee;
    if (cost > UINT64_MAX) {
      AddTx(i, tx, FindingCode::kAmountOverflow, "amount + fee ≤ 2^64-1",
            fmt::format("{} + {} overflows", tx.amount, fee), "amount + fee overflows u64")
          .values = {{"amount_plus_fee", ValueUnit::kWei, ValueRelation::kAtMost, std::string(kU64Max), Dec(cost)}};
      ++out_->txs_skipped;
      return false;
    }
    if (cost > sender.balance) {
      AddTx(i, tx, FindingCode::kInsufficientBalance, fmt::format("balance ≥ {}", static_cast<uint64_t>(cost)),
            fmt::format("balance {}", sender.balance),
            "the sender cannot pay amount + fee; the transaction was not applied")
          .values = {{"balance", ValueUnit::kWei, ValueRelation::kAtLeast, Dec(cost), Dec(sender.balance)}};
      ++out_->txs_skipped;
      return false;
    }
    if (tx.to != tx.from) {
      Account recipient = Get(tx.to);
      if (recipient.balance > UINT64_MAX - tx.amount) {
        AddTx(i, tx, FindingCode::kBalanceOverflow, "recipient balance + amount ≤ 2^64-1",
              fmt::format("{} + {} overflows", recipient.balance, tx.amount),
              "crediting the recipient would wrap past 2^64; the transaction was not applied")
            .values = {{"recipient_balance_after", ValueUnit::kWei, ValueRelation::kAtMost, std::string(kU64Max),
                        Dec(static_cast<unsigned __int128>(recipient.balance) + tx.amount)}};
        ++out_->txs_skipped;
        return false;
      }
      sender.balance -= static_cast<uint64_t>(cost);
      sender.nonce += 1;
      Put(tx.from, sender);
      recipient.balance += tx.amount;
      Put(tx.to, recipient);
    } else {
      sender.balance -= fee;
      sender.nonce += 1;
      Put(tx.from, sender);
    }
    out_->touches.emplace_back(tx.from, static_cast<uint32_t>(i));
    if (tx.to != tx.from) out_->touches.emplace_back(tx.to, static_cast<uint32_t>(i));
    out_->fees += fee;  // Σ fees ≤ Σ balances debited, which fit in u64 each; checked below.
    ++out_->txs_applied;
    return true;
  }

  bool Credit(const Address& a, uint64_t amount, std::string_view what) {
    Account acc = Get(a);
    if (acc.balance > UINT64_MAX - amount) {
      Finding& f = Add(FindingCode::kBalanceOverflow, fmt::format("{} balance + {} ≤ 2^64-1", what, amount),
                       fmt::format("{} + {} overflows", acc.balance, amount),
                       fmt::format("crediting the {} would wrap past 2^64", what));
      f.accounts = {a};
      f.values = {{"balance_after", ValueUnit::kWei, ValueRelation::kAtMost, std::string(kU64Max),
                   Dec(static_cast<unsigned __int128>(acc.balance) + amount)}};
      return false;
    }
    acc.balance += amount;
    Put(a, acc);
    return true;
  }

  void Run(const ChainMeta& meta) {
    const BlockHeader& h = block_.header;
    out_->supply_before = state_->supply();
    state_->Prefetch(block_.txs);
    unsigned __int128 fees = 0;
    for (size_t i = 0; i < block_.txs.size(); ++i) {
      uint64_t before = out_->fees;
      ApplyTx(i, block_.txs[i]);
      fees += out_->fees - before;
    }
    if (fees > UINT64_MAX) {
      Add(FindingCode::kAmountOverflow, "Σ fees ≤ 2^64-1", "overflows", "the block's total fees overflow u64").values = {
          {"block_fees", ValueUnit::kWei, ValueRelation::kAtMost, std::string(kU64Max), Dec(fees)}};
      out_->fees = UINT64_MAX;
    }
    if (h.height >= 1) {
      out_->reward = BlockReward(h.height);
      out_->shares = SplitFees(out_->fees);
      if (h.validator) {
        // reward ≤ 3.2e9 and the share ≤ 0.42 × fees, so the sum cannot wrap.
        Credit(*h.validator, out_->reward + out_->shares.validator, "validator");
      }
      Credit(BurnAddress(), out_->shares.burn, "burn address");
      if (auto t = meta.Treasury()) Credit(*t, out_->shares.treasury, "treasury");
    }
    out_->supply_after = state_->supply();
  }

 private:
  const Block& block_;
  const BlockExecutionOptions& options_;
  AccountState* state_;
  BlockExecution* out_;
};

}  // namespace

BlockExecution ExecuteBlock(const Block& block, const ChainMeta& meta,
                            const BlockExecutionOptions& options, AccountState* state) {
  BlockExecution out;
  Executor(block, options, state, &out).Run(meta);
  return out;
}

}  // namespace forensics
