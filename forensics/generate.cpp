// Deterministic sample chains with injected faults.
//
// 1. Keys derive from the seed (SHA-256 of a label, the seed and an index), so signatures are
//    reproducible (Ed25519 is deterministic).
// 2. The generator plays an honest node: it picks valid transfers against its own state and applies
//    each block with the library's state transition, then records state_changes and the state root.
// 3. A fault changes the block or the node's state at its height exactly as a faulty node would,
//    and the node carries its (now wrong) state forward; later blocks are built on it.
#include "forensics/generate.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "forensics/codec.h"
#include "forensics/compressed_writer.h"
#include "forensics/export_writer.h"
#include "forensics/json_writer.h"
#include "forensics/sha256.h"
#include "forensics/state.h"
#include "split_mix.h"

namespace forensics {
namespace {

constexpr std::pair<FaultKind, std::string_view> kFaultNames[] = {
    {FaultKind::kInflation, "inflation"},        {FaultKind::kMissingReward, "missing-reward"},
    {FaultKind::kWrongStateRoot, "wrong-state-root"}, {FaultKind::kBadSignature, "bad-signature"},
    {FaultKind::kBalanceWrap, "balance-wrap"},    {FaultKind::kParentLink, "parent-link"},
    {FaultKind::kTxRoot, "tx-root"},              {FaultKind::kBlockHash, "block-hash"},
    {FaultKind::kFeeTooLow, "fee-too-low"},       {FaultKind::kInvalidNonce, "invalid-nonce"},
};

constexpr int64_t kGenesisTime = 1762263421;  // 2025-11-04 13:37:01 UTC
constexpr int64_t kBlockInterval = 6;
constexpr uint64_t kGenesisBalance = 1000 * kWeiPerBeans;
constexpr uint64_t kBlockGasLimit = 30'000'000;

// Four Next() per 32 bytes, little-endian (the sample chains depend on this exact consumption).
class Rng : public SplitMix64 {
 public:
  explicit Rng(uint64_t seed) : SplitMix64{seed} {}
  Hash32 Bytes32() {
    Hash32 h;
    for (int i = 0; i < 4; ++i) {
      uint64_t x = Next();
      for (int k = 0; k < 8; ++k) h.v[8 * i + k] = static_cast<uint8_t>(x >> (8 * k));
    }
    return h;
  }
};

Ed25519Key DeriveKey(std::string_view label, uint64_t seed, uint64_t index) {
  std::string m = fmt::format("forensics-generate/{}/{}/{}", label, seed, index);
  return Ed25519FromSeed(sha256::Hash(m));
}

std::string LogTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

class Generator {
 public:
  explicit Generator(const GenerateOptions& o) : o_(o), rng_(o.seed), state_(ProfileOddRule(o.profile)) {}

  Result<GenerateStats> Run() {
    auto out = CompressedWriter::Create(o_.out_path);
    if (!out) return out.error();
    std::unique_ptr<CompressedWriter> log;
    if (o_.logs_path) {
      auto l = CompressedWriter::Create(*o_.logs_path);
      if (!l) return l.error();
      log = std::move(*l);
    }
    for (const Fault& f : o_.faults) {
      if (f.height == 0 || f.height >= o_.blocks)
        return Status::InvalidArgument(fmt::format("fault {}@{}: height must be in 1..{}", FaultName(f.kind), f.height, o_.blocks - 1));
      faults_.emplace(f.height, f.kind);
    }

    ChainMeta meta;
    meta.format = "coinjecture-chain-export/1";
    meta.profile = o_.profile;
    for (uint64_t i = 0; i < 3; ++i) meta.validators.push_back(DeriveKey("validator", o_.seed, i).public_key);
    for (uint64_t i = 0; i < o_.accounts; ++i) {
      Ed25519Key k = DeriveKey("account", o_.seed, i);
      keys_.emplace(k.public_key, k);
      pool_.push_back(k.public_key);
      meta.genesis_accounts.push_back(AccountEntry{k.public_key, kGenesisBalance, 0});
    }
    bool wrap = std::any_of(o_.faults.begin(), o_.faults.end(), [](const Fault& f) { return f.kind == FaultKind::kBalanceWrap; });
    if (wrap) {
      vault_ = DeriveKey("vault", o_.seed, 0).public_key;
      meta.genesis_accounts.push_back(AccountEntry{*vault_, UINT64_MAX - 500 * kWeiPerBeans, 0});
    }
    std::sort(meta.genesis_accounts.begin(), meta.genesis_accounts.end(),
              [](const AccountEntry& a, const AccountEntry& b) { return a.address < b.address; });
    meta_ = meta;
    state_.Reset(meta.genesis_accounts);
    FORENSICS_RETURN_IF_ERROR((*out)->Write(ChainRecordLine(meta)));

    Hash32 parent;  // zero for genesis
    for (BlockHeight h = 0; h < o_.blocks; ++h) {
      Block b = MakeBlock(h, parent);
      const Hash32 stored = *b.header.hash;
      FORENSICS_RETURN_IF_ERROR((*out)->Write(BlockRecordLine(b, o_.profile)));
      if (o_.snapshot_every && h % o_.snapshot_every == 0 && h > 0) {
        Snapshot s;
        s.height = h;
        s.accounts = state_.Entries();
        FORENSICS_RETURN_IF_ERROR((*out)->Write(SnapshotRecordLine(s)));
        ++stats_.snapshots;
      }
      if (log) FORENSICS_RETURN_IF_ERROR(log->Write(LogLines(b)));
      stats_.hashes.emplace_back(h, stored);
      stats_.transactions += b.txs.size();
      parent = stored;
    }
    stats_.blocks = o_.blocks;
    stats_.accounts = state_.size();
    FORENSICS_RETURN_IF_ERROR((*out)->Close());
    if (log) FORENSICS_RETURN_IF_ERROR(log->Close());
    return std::move(stats_);
  }

 private:
  std::optional<FaultKind> FaultAt(BlockHeight h) const {
    auto it = faults_.find(h);
    if (it == faults_.end()) return std::nullopt;
    return it->second;
  }

  Transaction SignedTransfer(const Ed25519Key& from, const Address& to, uint64_t amount, uint64_t nonce, int64_t ts) {
    Transaction tx;
    tx.codec_version = 1;
    tx.tx_type = 1;
    tx.from = from.public_key;
    tx.to = to;
    tx.amount = amount;
    tx.nonce = nonce;
    tx.gas_limit = kMinTransferGas;
    const uint64_t min_fee = std::max<uint64_t>(amount / 10000, kMinFee);
    tx.gas_price = (min_fee + kMinTransferGas - 1) / kMinTransferGas + rng_.Below(3);
    if (rng_.Below(4) == 0) {
      size_t n = rng_.Below(17);
      for (size_t i = 0; i < n; ++i) tx.data.push_back(static_cast<char>(rng_.Below(256)));
    }
    tx.timestamp = ts;
    Sign(from, &tx);
    return tx;
  }

  void Sign(const Ed25519Key& k, Transaction* tx) {
    std::string m = TxSigningMessage(*tx);
    tx->signature = Ed25519Sign(k, {reinterpret_cast<const uint8_t*>(m.data()), m.size()});
    if (o_.profile == Profile::kCoreV4) {
      // core-v4 tx hashes come from the input; generated chains use H(signing message ‖ signature).
      m.append(reinterpret_cast<const char*>(tx->signature->data()), 64);
      tx->hash = sha256::Hash(m);
    }
  }

  std::vector<Transaction> PickTransactions(BlockHeight h, int64_t ts) {
    std::vector<Transaction> txs;
    std::map<Address, Account> pending;  // in-block view of balances and nonces
    auto view = [&](const Address& a) {
      auto it = pending.find(a);
      return it != pending.end() ? it->second : state_.Get(a);
    };
    for (uint64_t k = 0; k < o_.txs_per_block; ++k) {
      Address sender = pool_[rng_.Below(pool_.size())];  // a copy: pool_ grows below
      Account s = view(sender);
      for (uint32_t r = 0; r < o_.sender_redraws && s.balance < kMinSenderBalance; ++r) {
        sender = pool_[rng_.Below(pool_.size())];
        s = view(sender);
      }
      if (s.balance < kMinSenderBalance) {
        ++stats_.skipped_transfers;
        continue;
      }
      Address to;
      if (rng_.Chance(o_.new_account_share)) {
        Ed25519Key fresh = DeriveKey("account", o_.seed, o_.accounts + fresh_++);
        keys_.emplace(fresh.public_key, fresh);
        pool_.push_back(fresh.public_key);
        to = fresh.public_key;
      } else {
        to = pool_[rng_.Below(pool_.size())];
      }
      uint64_t amount = 1 + rng_.Below(s.balance / 20);
      Transaction tx = SignedTransfer(keys_.at(sender), to, amount, s.nonce, ts);
      uint64_t fee = tx.gas_limit * tx.gas_price;
      s.balance -= amount + fee;
      s.nonce += 1;
      pending[sender] = s;
      if (to != sender) {
        Account r = view(to);
        r.balance += amount;
        pending[to] = r;
      } else {
        pending[sender].balance += amount;
      }
      txs.push_back(std::move(tx));
    }
    if (txs.size() < o_.txs_per_block) ++stats_.short_blocks;
    (void)h;
    return txs;
  }

  Block MakeBlock(BlockHeight h, const Hash32& parent) {
    Block b;
    BlockHeader& hd = b.header;
    const int64_t ts = kGenesisTime + static_cast<int64_t>(h) * kBlockInterval;
    const std::optional<FaultKind> fault = FaultAt(h);
    hd.height = h;
    hd.parent_hash = parent;
    hd.timestamp = ts;
    hd.validator = meta_.validators[h % meta_.validators.size()];
    hd.difficulty = 1;
    hd.nonce = h;
    if (o_.profile == Profile::kNeta) {
      hd.gas_limit = kBlockGasLimit;
      hd.extra_data = std::string(32, '\0');
    } else {
      hd.codec_version = 1;
      hd.commitment = rng_.Bytes32();
      hd.extra_data = std::string();
    }
    if (h > 0) b.txs = PickTransactions(h, ts);

    // Transaction-level faults: the node applied these transactions although they break a rule.
    std::optional<std::pair<Address, uint64_t>> wrap_tx;  // (sender, amount) of the wrapping credit
    const bool on_first_tx = fault == FaultKind::kBadSignature || fault == FaultKind::kFeeTooLow ||
                             fault == FaultKind::kInvalidNonce || fault == FaultKind::kInflation;
    if (on_first_tx && b.txs.empty()) stats_.faults_not_injected.push_back(Fault{*fault, h});
    if (fault && !b.txs.empty()) {
      Transaction& t0 = b.txs.front();
      const Ed25519Key& k = keys_.at(t0.from);
      switch (*fault) {
        case FaultKind::kBadSignature: t0.signature->v[7] ^= 0x40; break;
        case FaultKind::kFeeTooLow:
          t0.gas_price = 0;
          Sign(k, &t0);
          break;
        case FaultKind::kInvalidNonce:
          t0.nonce += 3;
          Sign(k, &t0);
          // Later transactions of the same sender keep the node's nonce sequence (it counts the tx).
          break;
        default: break;
      }
    }
    if (fault == FaultKind::kBalanceWrap && vault_) {
      // The richest known account sends the vault enough to pass 2^64.
      if (b.txs.size() == kMaxTxsPerBlock) b.txs.pop_back();  // room for the wrapping transfer
      std::set<Address> busy;
      for (const Transaction& t : b.txs) busy.insert(t.from), busy.insert(t.to);
      Address rich = pool_.front();
      uint64_t best = 0;
      for (const Address& a : pool_)
        if (!busy.count(a) && state_.Get(a).balance > best) best = state_.Get(a).balance, rich = a;
      uint64_t needed = UINT64_MAX - state_.Get(*vault_).balance + 1 + kWeiPerBeans;
      Account r = state_.Get(rich);
      Transaction tx = SignedTransfer(keys_.at(rich), *vault_, needed, r.nonce, ts);
      wrap_tx = std::pair(rich, needed);
      b.txs.push_back(std::move(tx));
    }
    if (o_.profile == Profile::kNeta) {
      uint64_t gas = 0;
      for (const Transaction& t : b.txs) gas += t.gas_limit;
      hd.gas_used = gas;
    }

    // The node applies the block (rule-breaking but applicable txs included, as a faulty node did).
    BlockExecutionOptions eo;
    eo.profile = o_.profile;
    BlockExecution ex = ExecuteBlock(b, meta_, eo, &state_);
    std::set<Address> touched;
    for (const auto& [a, unused] : ex.before) touched.insert(a);
    if (fault == FaultKind::kInflation && !b.txs.empty()) {
      const Address to = b.txs.front().to;
      Account r = state_.Get(to);
      r.balance += kWeiPerBeans;  // one BEANS out of thin air
      state_.Set(to, r);
      touched.insert(to);
    }
    if (fault == FaultKind::kMissingReward && hd.validator) {
      Account v = state_.Get(*hd.validator);
      v.balance -= BlockReward(h);
      state_.Set(*hd.validator, v);
      touched.insert(*hd.validator);
    }
    if (wrap_tx) {
      // The rules skip the overflowing transfer; this node applied it with a wrapping add.
      const Transaction& t = b.txs.back();
      Account s = state_.Get(wrap_tx->first);
      s.balance -= wrap_tx->second + t.gas_limit * t.gas_price;
      s.nonce += 1;
      state_.Set(wrap_tx->first, s);
      Account v = state_.Get(*vault_);
      v.balance += wrap_tx->second;  // wraps past 2^64
      state_.Set(*vault_, v);
      touched.insert(wrap_tx->first);
      touched.insert(*vault_);
    }
    if (o_.record_state_changes && h > 0) {
      std::vector<AccountEntry> changes;
      for (const Address& a : touched) {
        Account v = state_.Get(a);
        changes.push_back(AccountEntry{a, v.balance, v.nonce});
      }
      b.state_changes = std::move(changes);
    }

    // Roots and hash.
    std::vector<Hash32> leaves;
    for (const Transaction& t : b.txs) leaves.push_back(o_.profile == Profile::kNeta ? NetaTxHash(t) : *t.hash);
    hd.tx_root = MerkleRoot(leaves, ProfileOddRule(o_.profile));
    if (fault == FaultKind::kTxRoot) hd.tx_root = rng_.Bytes32();
    hd.state_root = o_.commit_state_roots ? state_.Root() : Hash32{};
    if (fault == FaultKind::kWrongStateRoot) hd.state_root = rng_.Bytes32();
    if (fault == FaultKind::kParentLink) hd.parent_hash = rng_.Bytes32();
    hd.hash = ComputeBlockHash(o_.profile, hd);
    if (fault == FaultKind::kBlockHash) hd.hash = rng_.Bytes32();
    last_root_ = hd.state_root.value_or(Hash32{});
    last_fees_ = ex.fees;
    return b;
  }

  std::string LogLines(const Block& b) {
    const BlockHeader& h = b.header;
    const std::string time = LogTime(*h.timestamp);
    std::string out;
    JsonWriter w(false);
    auto line = [&](std::string_view level, std::string_view msg, auto&& fields) {
      w.Reset();
      w.BeginObject();
      w.Field("level", level);
      w.Field("msg", msg);
      fields(w);
      w.Field("time", time);
      w.EndObject();
      out += w.Finish();
    };
    line("info", "Applying block to state", [&](JsonWriter& j) {
      j.Key("block_number").Uint(h.height);
      j.Field("block_hash", h.hash->ShortHex());
      j.Key("tx_count").Uint(b.txs.size());
    });
    line("info", "Block applied successfully", [&](JsonWriter& j) {
      j.Key("block_number").Uint(h.height);
      j.Field("state_root", h.state_root->ShortHex());
    });
    if (h.height > 0) {
      FeeShares s = SplitFees(last_fees_);
      line("info", "Block reward distributed", [&](JsonWriter& j) {
        j.Key("block_height").Uint(h.height);
        j.Field("validator", h.validator->ShortHex());
        j.Key("base_reward").Uint(BlockReward(h.height));
        j.Key("validator_reward").Uint(BlockReward(h.height) + s.validator);
        j.Key("fees_collected").Uint(last_fees_);
        j.Key("burned").Uint(s.burn);
        j.Key("treasury").Uint(s.treasury);
        j.Key("current_supply").Uint128(state_.supply());
      });
    }
    return out;
  }

  const GenerateOptions& o_;
  Rng rng_;
  AccountState state_;
  ChainMeta meta_;
  std::map<BlockHeight, FaultKind> faults_;
  std::map<Address, Ed25519Key> keys_;
  std::vector<Address> pool_;
  uint64_t fresh_ = 0;
  std::optional<Address> vault_;
  GenerateStats stats_;
  Hash32 last_root_;
  uint64_t last_fees_ = 0;
};

}  // namespace

std::string_view FaultName(FaultKind k) {
  for (auto& [kind, name] : kFaultNames)
    if (kind == k) return name;
  return "?";
}

std::vector<std::string_view> FaultNames() {
  std::vector<std::string_view> v;
  for (auto& [kind, name] : kFaultNames) v.push_back(name);
  return v;
}

Result<Fault> ParseFault(std::string_view spec) {
  size_t at = spec.find('@');
  if (at == std::string_view::npos)
    return Status::InvalidArgument(fmt::format("{}: expected KIND@HEIGHT", spec));
  std::string_view kind = spec.substr(0, at), height = spec.substr(at + 1);
  uint64_t h = 0;
  if (height.empty() || height.size() > 19 || height.find_first_not_of("0123456789") != std::string_view::npos)
    return Status::InvalidArgument(fmt::format("{}: HEIGHT must be a number", spec));
  for (char c : height) h = h * 10 + static_cast<uint64_t>(c - '0');
  for (auto& [k, name] : kFaultNames)
    if (name == kind) return Fault{k, h};
  std::string names;
  for (auto n : FaultNames()) names += (names.empty() ? "" : ", ") + std::string(n);
  return Status::InvalidArgument(fmt::format("{}: unknown kind '{}' (known: {})", spec, kind, names));
}

std::vector<FindingCode> ExpectedCodes(FaultKind k) {
  using C = FindingCode;
  switch (k) {
    case FaultKind::kInflation: return {C::kInflationDetected, C::kStateChangeMismatch, C::kStateRootMismatch};
    case FaultKind::kMissingReward: return {C::kStateChangeMismatch, C::kStateRootMismatch, C::kSupplyDeficit};
    case FaultKind::kWrongStateRoot: return {C::kStateRootMismatch};
    case FaultKind::kBadSignature: return {C::kBadSignature};
    case FaultKind::kBalanceWrap:
      return {C::kBalanceOverflow, C::kStateChangeMismatch, C::kStateRootMismatch, C::kSupplyDeficit};
    case FaultKind::kParentLink: return {C::kParentLinkBroken};
    case FaultKind::kTxRoot: return {C::kTxRootMismatch};
    case FaultKind::kBlockHash: return {C::kBlockHashMismatch};
    case FaultKind::kFeeTooLow: return {C::kFeeTooLow};
    case FaultKind::kInvalidNonce: return {C::kInvalidNonce};
  }
  return {};
}

Result<GenerateStats> GenerateChain(const GenerateOptions& options) {
  if (options.blocks == 0 || options.blocks > kMaxGenerateBlocks)
    return Status::InvalidArgument(fmt::format("blocks: must be from 1 to {}", kMaxGenerateBlocks));
  if (options.accounts == 0 || options.accounts > kMaxGenerateAccounts)
    return Status::InvalidArgument(fmt::format("accounts: must be from 1 to {}", kMaxGenerateAccounts));
  if (options.txs_per_block > kMaxTxsPerBlock)
    return Status::InvalidArgument(fmt::format("txs_per_block: must be from 0 to {}", kMaxTxsPerBlock));
  if (!(options.new_account_share >= 0 && options.new_account_share <= 1))
    return Status::InvalidArgument("new_account_share: must be from 0 to 1");
  return Generator(options).Run();
}

}  // namespace forensics
