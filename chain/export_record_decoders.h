// The record decoders of the export reader: a block, a snapshot and the chain record, each taken
// one member at a time, so that a line parsed whole and the member spans of a long line
// (export_long_line.h) decode the same way: aliases, duplicates and nulls alike. Private to
// forensics_chain.
#ifndef FORENSICS_CHAIN_EXPORT_RECORD_DECODERS_H_
#define FORENSICS_CHAIN_EXPORT_RECORD_DECODERS_H_

#include <fmt/format.h>
#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "export_field_decoder.h"
#include "forensics/chain.h"
#include "forensics/chain_source.h"
#include "forensics/codec.h"

namespace forensics::export_json {

// What one record may cost in memory, whatever its line holds (README, "Hostile and broken input").
// A decoded transaction takes about 280 bytes however few of its fields the line gives ("{}" is
// one), so their number is bounded: 16 times what the daemon accepts in a block (4.5 MB decoded).
inline constexpr size_t kMaxBlockTxs = 16 * kMaxTxsPerBlock;

// Transactions that lack fields the money rules need are named up to this many (the block is not
// applied either way; only the first name is shown).
inline constexpr size_t kMaxMissingNames = 16;

// Canonical block fields and their accepted spellings.
enum BlockField {
  kFHeight, kFHash, kFParent, kFStateRoot, kFTxRoot, kFTimestamp, kFValidator, kFDifficulty,
  kFNonce, kFGasLimit, kFGasUsed, kFExtra, kFCodec, kFCommitment, kFTxs, kFStateChanges, kFCount
};
struct Alias {
  std::string_view name;
  BlockField field;
};
constexpr Alias kBlockAliases[] = {
    {"height", kFHeight}, {"block_number", kFHeight}, {"block_index", kFHeight},
    {"hash", kFHash}, {"block_hash", kFHash},
    {"parent_hash", kFParent}, {"prev_hash", kFParent},
    {"state_root", kFStateRoot},
    {"tx_root", kFTxRoot}, {"merkle_root", kFTxRoot},
    {"timestamp", kFTimestamp},
    {"validator", kFValidator}, {"miner", kFValidator}, {"miner_address", kFValidator},
    {"difficulty", kFDifficulty}, {"difficulty_target", kFDifficulty},
    {"nonce", kFNonce},
    {"gas_limit", kFGasLimit}, {"gas_used", kFGasUsed},
    {"extra_data", kFExtra},
    {"codec_version", kFCodec},
    {"commitment", kFCommitment},
    {"transactions", kFTxs}, {"txs", kFTxs},
    {"state_changes", kFStateChanges},
};

// Element `index` of a block's transactions into *tx; the fields the money rules need and it lacks
// are named in *state_missing (up to kMaxMissingNames).
Status ParseTx(const FieldDecoder& d, const element& e, size_t index, Transaction* tx,
               std::vector<std::string>* state_missing);

// A block record decoded one member at a time, from a line parsed whole or, for a long line, from
// the spans of its members (ParseLongLine): aliases, duplicates and nulls are resolved the same way.
class BlockDecoder {
 public:
  explicit BlockDecoder(const FieldDecoder& d) : d_(d) {}

  // The canonical field of a key, or null for a key a block does not have.
  static const Alias* Find(std::string_view k) {
    for (const Alias& a : kBlockAliases)
      if (a.name == k) return &a;
    return nullptr;
  }

  // Before the value of field `a` (spelled `k`): false in *take when the value is null, the same
  // as absent; an error when the field came before.
  Status Begin(const Alias& a, std::string_view k, bool is_null, bool* take) {
    *take = false;
    if (seen_[a.field]) return d_.Error(k, "given twice (directly or through an alias)");
    if (is_null) return Status::Ok();
    seen_[a.field] = true;
    *take = true;
    return Status::Ok();
  }

  // The value of a field Begin() took, whole.
  Status Field(const Alias& a, std::string_view name, const element& v) {
    BlockHeader& h = b_.header;
    auto hash_field = [&](std::optional<Hash32>* out) -> Status {
      Hash32 x;
      FORENSICS_RETURN_IF_ERROR(d_.Fixed(v, name, &x));
      *out = x;
      return Status::Ok();
    };
    auto u64_field = [&](std::optional<uint64_t>* out) -> Status {
      uint64_t x;
      FORENSICS_RETURN_IF_ERROR(d_.U64(v, name, &x));
      *out = x;
      return Status::Ok();
    };
    switch (a.field) {
      case kFHeight: return d_.U64(v, name, &h.height);
      case kFHash: return hash_field(&h.hash);
      case kFParent: return hash_field(&h.parent_hash);
      case kFStateRoot: return hash_field(&h.state_root);
      case kFTxRoot: return hash_field(&h.tx_root);
      case kFCommitment: return hash_field(&h.commitment);
      case kFValidator: return hash_field(&h.validator);
      case kFTimestamp: {
        int64_t t;
        FORENSICS_RETURN_IF_ERROR(d_.I64(v, name, &t));
        h.timestamp = t;
        return Status::Ok();
      }
      case kFDifficulty: return u64_field(&h.difficulty);
      case kFNonce: return u64_field(&h.nonce);
      case kFGasLimit: return u64_field(&h.gas_limit);
      case kFGasUsed: return u64_field(&h.gas_used);
      case kFExtra: {
        std::string x;
        FORENSICS_RETURN_IF_ERROR(d_.RawBytes(v, name, &x));
        if (x.size() > 256) return d_.Error(name, "longer than 256 bytes");
        h.extra_data = std::move(x);
        return Status::Ok();
      }
      case kFCodec: {
        uint8_t c = 0;
        FORENSICS_RETURN_IF_ERROR(d_.U8(v, name, &c));
        h.codec_version = c;
        return Status::Ok();
      }
      case kFTxs: {
        simdjson::dom::array arr;
        if (v.get_array().get(arr) != simdjson::SUCCESS)
          return d_.Error(name, fmt::format("expected an array, found {}", TypeName(v)));
        FORENSICS_RETURN_IF_ERROR(StartTxs(name, arr.size()));
        for (element t : arr) FORENSICS_RETURN_IF_ERROR(Tx(name, t));
        return Status::Ok();
      }
      case kFStateChanges: {
        std::vector<AccountEntry> changes;
        FORENSICS_RETURN_IF_ERROR(d_.Accounts(v, name, &changes));
        b_.state_changes = std::move(changes);
        return Status::Ok();
      }
      case kFCount: break;
    }
    return Status::Ok();
  }

  // The transactions array, element by element: StartTxs with its length, then Tx for each.
  Status StartTxs(std::string_view name, size_t count) {
    have_txs_ = true;
    if (count > kMaxBlockTxs) return TooManyTxs(name, count);
    b_.txs.reserve(count);
    return Status::Ok();
  }
  Status Tx(std::string_view name, const element& t) {
    if (b_.txs.size() == kMaxBlockTxs) return TooManyTxs(name, b_.txs.size() + 1);
    Transaction tx;
    FORENSICS_RETURN_IF_ERROR(ParseTx(d_, t, b_.txs.size(), &tx, &b_.state_fields_missing));
    b_.txs.push_back(std::move(tx));
    return Status::Ok();
  }

  // The state_changes array, element by element.
  void StartChanges(size_t count) {
    b_.state_changes.emplace();
    b_.state_changes->reserve(count);
  }
  Status Change(std::string_view name, size_t index, const element& x) {
    return d_.Account(x, name, index, &*b_.state_changes);
  }

  Result<Block> Finish() {
    if (!seen_[kFHeight]) return d_.Error("height", "missing (also looked for block_number, block_index)");
    if (!have_txs_) b_.state_fields_missing.insert(b_.state_fields_missing.begin(), "transactions");
    return std::move(b_);
  }

 private:
  Status TooManyTxs(std::string_view name, size_t count) const {
    return d_.Error(name, fmt::format("{} transactions, more than the {} a block record may hold ({} times the "
                                      "daemon's limit of {}); the block is not decoded",
                                      count, kMaxBlockTxs, kMaxBlockTxs / kMaxTxsPerBlock, kMaxTxsPerBlock));
  }

  const FieldDecoder& d_;
  Block b_;
  bool seen_[kFCount] = {};
  bool have_txs_ = false;
};

// A snapshot record, one member at a time (as BlockDecoder).
class SnapshotDecoder {
 public:
  explicit SnapshotDecoder(const FieldDecoder& d) : d_(d) {}

  static bool IsHeight(std::string_view k) { return k == "height" || k == "block_number" || k == "block_index"; }

  Status Height(std::string_view k, const element& v) {
    if (have_height_) return d_.Error(k, "given twice");
    have_height_ = true;
    return d_.U64(v, k, &s_.height);
  }
  Status Accounts(std::string_view k, const element& v) {
    FORENSICS_RETURN_IF_ERROR(StartAccounts(k, 0));
    return d_.Accounts(v, "accounts", &s_.accounts);
  }
  Status StartAccounts(std::string_view k, size_t count) {
    if (have_accounts_) return d_.Error(k, "given twice");
    have_accounts_ = true;
    s_.accounts.reserve(count);
    return Status::Ok();
  }
  Status Account(size_t index, const element& x) { return d_.Account(x, "accounts", index, &s_.accounts); }

  Result<Snapshot> Finish() {
    if (!have_height_) return d_.Error("height", "missing");
    if (!have_accounts_) return d_.Error("accounts", "missing");
    return std::move(s_);
  }

 private:
  const FieldDecoder& d_;
  Snapshot s_;
  bool have_height_ = false, have_accounts_ = false;
};

// The chain record (docs/chain.md §5), one member at a time (as BlockDecoder): the validators and the
// genesis accounts either whole or element by element.
class ChainDecoder {
 public:
  enum Member { kFormat, kProfile, kValidators, kTreasury, kGenesis, kOther };

  explicit ChainDecoder(const FieldDecoder& d) : d_(d) {}

  static Member Find(std::string_view k) {
    return k == "format"             ? kFormat
           : k == "profile"          ? kProfile
           : k == "validators"       ? kValidators
           : k == "treasury"         ? kTreasury
           : k == "genesis_accounts" ? kGenesis
                                     : kOther;
  }

  // The value of member `m` (spelled `k`), whole.
  Status Field(Member m, std::string_view k, const element& v) {
    std::string_view s;
    switch (m) {
      case kFormat:
        if (v.get_string().get(s) != simdjson::SUCCESS) return d_.Error(k, "expected a string");
        m_.format = std::string(s);
        return Status::Ok();
      case kProfile: {
        if (have_profile_) return d_.Error(k, "given twice");
        have_profile_ = true;
        if (v.get_string().get(s) != simdjson::SUCCESS) return d_.Error(k, "expected a string");
        auto p = ParseProfile(s);
        if (!p) return d_.Error(k, fmt::format("unknown profile '{}' (expected neta or core-v4)", FieldDecoder::Clip(s)));
        m_.profile = *p;
        return Status::Ok();
      }
      case kValidators: {
        simdjson::dom::array arr;
        if (v.get_array().get(arr) != simdjson::SUCCESS) return d_.Error(k, "expected an array");
        StartValidators(arr.size());
        size_t i = 0;
        for (element x : arr) FORENSICS_RETURN_IF_ERROR(Validator(i++, x));
        return Status::Ok();
      }
      case kTreasury: {
        if (v.is_null()) return Status::Ok();
        Address a;
        FORENSICS_RETURN_IF_ERROR(d_.Fixed(v, "treasury", &a));
        m_.treasury = a;
        return Status::Ok();
      }
      case kGenesis: return d_.Accounts(v, "genesis_accounts", &m_.genesis_accounts);
      case kOther: break;
    }
    return Status::Ok();
  }

  // A validators array, element by element: StartValidators with its length, then Validator for each.
  void StartValidators(size_t count) { m_.validators.reserve(m_.validators.size() + count); }
  Status Validator(size_t index, const element& x) {
    Address a;
    FORENSICS_RETURN_IF_ERROR(d_.Fixed(x, FieldName("validators", index), &a));
    m_.validators.push_back(a);
    return Status::Ok();
  }

  // The genesis_accounts array, element by element.
  void StartGenesis(size_t count) { m_.genesis_accounts.reserve(m_.genesis_accounts.size() + count); }
  Status GenesisAccount(size_t index, const element& x) {
    return d_.Account(x, "genesis_accounts", index, &m_.genesis_accounts);
  }

  Result<ChainMeta> Finish() {
    if (m_.format != "coinjecture-chain-export/1")
      return d_.Error("format", m_.format.empty() ? "missing (expected coinjecture-chain-export/1)"
                                                  : fmt::format("unsupported format '{}'", FieldDecoder::Clip(m_.format)));
    return std::move(m_);
  }

 private:
  const FieldDecoder& d_;
  ChainMeta m_;
  bool have_profile_ = false;
};

}  // namespace forensics::export_json

#endif  // FORENSICS_CHAIN_EXPORT_RECORD_DECODERS_H_
