// Streaming reader of coinjecture-chain-export/1 NDJSON files (docs/chain.md §5): one simdjson parse per
// line through a LineReader, so plain, .zst and .gz inputs of any size stream in bounded memory.
//
// Every field is looked up by iterating the object once: aliases map to one canonical field, a
// field given twice (directly or through an alias) is an error, unknown fields are ignored.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "io/decoders.h"
#include "io/json_spans.h"

namespace forensics {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// What one record may cost in memory, whatever its line holds (README, "Hostile and broken input").
// A decoded transaction takes about 280 bytes however few of its fields the line gives ("{}" is
// one), so their number is bounded: 16 times what the daemon accepts in a block (4.5 MB decoded).
constexpr size_t kMaxBlockTxs = 16 * kMaxTxsPerBlock;
// Transactions that lack fields the money rules need are named up to this many (the block is not
// applied either way; only the first name is shown).
constexpr size_t kMaxMissingNames = 16;
// Lines up to this size are parsed whole by simdjson's DOM parser, whose tape, string copy and
// index take about 14 times the line; longer lines are walked without a tape (ParseLongLine), each
// member and array element parsed alone.
constexpr size_t kWholeLineBytes = 1u << 20;
// The longest member of a long line that is parsed alone: a header field or an account (a 256-byte
// extra_data as an array of integers with spaces is 1.3 KB) ...
constexpr size_t kMaxMemberBytes = 64u << 10;
// ... and a transaction (data of 1 MiB as an array of integers 0..255 is 4 MiB).
constexpr size_t kMaxTxBytes = (4u << 20) + kMaxMemberBytes;
// The least JSON a validator or an account takes: its address, 64 hex digits or 32 integers with
// commas. A long line reserves room for no more of them than its length allows.
constexpr size_t kMinAddressBytes = 64;

std::string TypeName(const element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "an integer";
    case simdjson::dom::element_type::DOUBLE: return "a non-integer number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

// A field's name as messages spell it ("height", "transactions[3].from", "state_changes[2].nonce"),
// spelled out only when a message needs it: decoding a valid record builds no names.
struct FieldName {
  FieldName(std::string_view name) : head(name) {}  // NOLINT(google-explicit-constructor): a plain name
  FieldName(const std::string& name) : head(name) {}  // NOLINT(google-explicit-constructor)
  FieldName(const char* name) : head(name) {}  // NOLINT(google-explicit-constructor)
  FieldName(std::string_view array, size_t i, std::string_view key = {}) : head(array), index(i), tail(key) {}

  std::string str() const {
    std::string out(head);
    if (index != kNone) out += fmt::format("[{}]", index);
    if (!tail.empty()) out += fmt::format(".{}", tail);
    return out;
  }

  static constexpr size_t kNone = SIZE_MAX;
  std::string_view head;
  size_t index = kNone;
  std::string_view tail;
};

// Field-level decoding with messages of the form "<where>: field <name>: <problem>".
class FieldDecoder {
 public:
  explicit FieldDecoder(std::string where) : where_(std::move(where)) {}

  Status Error(const FieldName& field, std::string_view problem) const {
    return Status::Corruption(fmt::format("{}: field {}: {}", where_, field.str(), problem));
  }

  Status U64(const element& e, const FieldName& field, uint64_t* out) const {
    uint64_t u;
    int64_t i;
    std::string_view s;
    if (e.get_uint64().get(u) == simdjson::SUCCESS) {
      *out = u;
      return Status::Ok();
    }
    if (e.get_int64().get(i) == simdjson::SUCCESS)  // only negatives reach here
      return Error(field, fmt::format("negative value {} where an unsigned 64-bit integer is required", i));
    if (e.is_double()) return Error(field, "not an unsigned 64-bit integer (fractional, or beyond 2^64-1)");
    if (e.get_string().get(s) == simdjson::SUCCESS) {  // decimal string, as some encoders write u64
      if (s.empty() || s.size() > 20) return Error(field, fmt::format("'{}' is not an unsigned 64-bit integer", Clip(s)));
      unsigned __int128 v = 0;
      for (char c : s) {
        if (c < '0' || c > '9') return Error(field, fmt::format("'{}' is not an unsigned 64-bit integer", Clip(s)));
        v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v > UINT64_MAX) return Error(field, fmt::format("{} is beyond 2^64-1", s));
      *out = static_cast<uint64_t>(v);
      return Status::Ok();
    }
    return Error(field, fmt::format("expected an unsigned 64-bit integer, found {}", TypeName(e)));
  }

  Status I64(const element& e, const FieldName& field, int64_t* out) const {
    int64_t i;
    if (e.get_int64().get(i) == simdjson::SUCCESS) {
      *out = i;
      return Status::Ok();
    }
    if (e.is_uint64() || e.is_double()) return Error(field, "beyond the signed 64-bit range");
    return Error(field, fmt::format("expected a signed 64-bit integer, found {}", TypeName(e)));
  }

  Status U8(const element& e, const FieldName& field, uint8_t* out) const {
    uint64_t v;
    FORENSICS_RETURN_IF_ERROR(U64(e, field, &v));
    if (v > 255) return Error(field, fmt::format("{} does not fit in a byte", v));
    *out = static_cast<uint8_t>(v);
    return Status::Ok();
  }

  // Raw bytes: a hex string (optional 0x) or an array of integers 0..255 (Go's [N]byte).
  Status RawBytes(const element& e, const FieldName& field, std::string* out) const {
    std::string_view s;
    simdjson::dom::array arr;
    if (e.get_string().get(s) == simdjson::SUCCESS) {
      if (!ParseHex(s, out)) return Error(field, fmt::format("'{}' is not hex", Clip(s)));
      return Status::Ok();
    }
    if (e.get_array().get(arr) == simdjson::SUCCESS) {
      out->clear();
      size_t i = 0;
      for (element x : arr) {
        uint64_t v;
        if (x.get_uint64().get(v) != simdjson::SUCCESS || v > 255)
          return Error(field, fmt::format("element {} is not a byte (0..255)", i));
        out->push_back(static_cast<char>(v));
        ++i;
      }
      return Status::Ok();
    }
    return Error(field, fmt::format("expected hex or an array of bytes, found {}", TypeName(e)));
  }

  template <size_t N>
  Status Fixed(const element& e, const FieldName& field, Bytes<N>* out) const {
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) {  // the common case: hex of the right length
      if (auto b = ParseHexN<N>(s)) {
        *out = *b;
        return Status::Ok();
      }
    }
    std::string raw;
    FORENSICS_RETURN_IF_ERROR(RawBytes(e, field, &raw));
    if (raw.size() != N)
      return Error(field, fmt::format("expected {} bytes ({} hex), found {} bytes", N, 2 * N, raw.size()));
    std::memcpy(out->data(), raw.data(), N);
    return Status::Ok();
  }

  Status Accounts(const element& e, std::string_view field, std::vector<AccountEntry>* out) const {
    simdjson::dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS)
      return Error(field, fmt::format("expected an array of accounts, found {}", TypeName(e)));
    out->reserve(out->size() + arr.size());
    size_t i = 0;
    for (element x : arr) FORENSICS_RETURN_IF_ERROR(Account(x, field, i++, out));
    return Status::Ok();
  }

  // Element `index` of the accounts array `field`, appended to *out.
  Status Account(const element& x, std::string_view field, size_t index, std::vector<AccountEntry>* out) const {
    object o;
    if (x.get_object().get(o) != simdjson::SUCCESS) return Error(FieldName(field, index), "expected an object");
    AccountEntry a{};
    bool have_addr = false, have_bal = false, have_nonce = false;
    const FieldName address(field, index, "address"), balance(field, index, "balance"),
        nonce(field, index, "nonce");
    for (auto [k, v] : o) {
      if (k == "address") {
        if (have_addr) return Error(address, "given twice");
        have_addr = true;
        FORENSICS_RETURN_IF_ERROR(Fixed(v, address, &a.address));
      } else if (k == "balance") {
        if (have_bal) return Error(balance, "given twice");
        have_bal = true;
        FORENSICS_RETURN_IF_ERROR(U64(v, balance, &a.balance));
      } else if (k == "nonce") {
        if (have_nonce) return Error(nonce, "given twice");
        have_nonce = true;
        FORENSICS_RETURN_IF_ERROR(U64(v, nonce, &a.nonce));
      }
    }
    if (!have_addr) return Error(address, "missing");
    if (!have_bal) return Error(balance, "missing");
    // A missing nonce means 0 (genesis allocations commonly omit it).
    out->push_back(a);
    return Status::Ok();
  }

  const std::string& where() const { return where_; }

  static std::string Clip(std::string_view s) {
    return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "…";
  }

 private:
  std::string where_;
};

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

Status ParseTx(const FieldDecoder& d, const element& e, size_t index, Transaction* tx,
               std::vector<std::string>* state_missing) {
  const FieldName base("transactions", index);
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return d.Error(base, "expected an object");
  enum { kCodec, kType, kFrom, kTo, kAmount, kNonce, kGasLimit, kGasPrice, kSig, kData, kTime, kHash, kFee, kN };
  static constexpr std::pair<std::string_view, int> kNames[] = {
      {"codec_version", kCodec}, {"tx_type", kType}, {"type", kType}, {"from", kFrom}, {"to", kTo},
      {"amount", kAmount}, {"nonce", kNonce}, {"gas_limit", kGasLimit}, {"gas_price", kGasPrice},
      {"signature", kSig}, {"data", kData}, {"timestamp", kTime}, {"hash", kHash},
      {"tx_hash", kHash}, {"fee", kFee}};
  bool seen[kN] = {};
  for (auto [k, v] : o) {
    int f = -1;
    for (auto& [n, id] : kNames)
      if (k == n) f = id;
    if (f < 0) continue;
    const FieldName name("transactions", index, k);
    if (seen[f]) return d.Error(name, "given twice (directly or through an alias)");
    seen[f] = true;
    if (v.is_null()) {
      seen[f] = false;  // null is the same as absent
      continue;
    }
    switch (f) {
      case kCodec: FORENSICS_RETURN_IF_ERROR(d.U8(v, name, &tx->codec_version)); break;
      case kType: FORENSICS_RETURN_IF_ERROR(d.U8(v, name, &tx->tx_type)); break;
      case kFrom: FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &tx->from)); break;
      case kTo: FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &tx->to)); break;
      case kAmount: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->amount)); break;
      case kNonce: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->nonce)); break;
      case kGasLimit: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->gas_limit)); break;
      case kGasPrice: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->gas_price)); break;
      case kSig: {
        Signature s;
        FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &s));
        tx->signature = s;
        break;
      }
      case kData:
        FORENSICS_RETURN_IF_ERROR(d.RawBytes(v, name, &tx->data));
        if (tx->data.size() > kMaxTxData) return d.Error(name, "longer than 1 MiB");
        break;
      case kTime: FORENSICS_RETURN_IF_ERROR(d.I64(v, name, &tx->timestamp)); break;
      case kHash: {
        Hash32 h;
        FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &h));
        tx->hash = h;
        break;
      }
      case kFee: {
        uint64_t fee;
        FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &fee));
        tx->fee = fee;
        break;
      }
    }
  }
  static constexpr std::pair<int, std::string_view> kForState[] = {
      {kType, "tx_type"}, {kFrom, "from"}, {kTo, "to"}, {kAmount, "amount"},
      {kNonce, "nonce"}, {kGasLimit, "gas_limit"}, {kGasPrice, "gas_price"}};
  for (auto& [f, n] : kForState)
    if (!seen[f] && state_missing->size() < kMaxMissingNames)
      state_missing->push_back(FieldName("transactions", index, n).str());
  tx->message_complete = seen[kCodec] && seen[kType] && seen[kTime] && seen[kFrom] && seen[kTo] &&
                         seen[kAmount] && seen[kNonce] && seen[kGasLimit] && seen[kGasPrice];
  // Absent data is empty data only when everything else of the message is there.
  if (!seen[kCodec]) tx->codec_version = 1;
  return Status::Ok();
}

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
        uint8_t c;
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

Result<Block> ParseBlock(const FieldDecoder& d, const object& o) {
  BlockDecoder block(d);
  for (auto [k, v] : o) {
    const Alias* a = BlockDecoder::Find(k);
    if (a == nullptr) continue;
    bool take = false;
    FORENSICS_RETURN_IF_ERROR(block.Begin(*a, k, v.is_null(), &take));
    if (take) FORENSICS_RETURN_IF_ERROR(block.Field(*a, k, v));
  }
  return block.Finish();
}

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

Result<Snapshot> ParseSnapshot(const FieldDecoder& d, const object& o) {
  SnapshotDecoder snap(d);
  for (auto [k, v] : o) {
    if (SnapshotDecoder::IsHeight(k)) {
      FORENSICS_RETURN_IF_ERROR(snap.Height(k, v));
    } else if (k == "accounts") {
      FORENSICS_RETURN_IF_ERROR(snap.Accounts(k, v));
    }
  }
  return snap.Finish();
}

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

// Finds what simdjson refused: the key whose number does not fit 64 bits, or the byte offset of
// the first syntax problem, so that the message can name the field.
std::string DiagnoseJson(std::string_view line, simdjson::error_code err) {
  if (err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE) {
    std::string_view last_key;
    bool in_string = false;
    size_t str_start = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
          size_t j = i + 1;
          while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
          if (j < line.size() && line[j] == ':') last_key = line.substr(str_start, i - str_start);
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
        str_start = i + 1;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        size_t j = i;
        while (j < line.size() && std::string_view("+-.eE0123456789").find(line[j]) != std::string_view::npos) ++j;
        std::string_view num = line.substr(i, j - i);
        size_t digits = 0;
        for (char d : num) digits += (d >= '0' && d <= '9');
        bool plain = num.find_first_of(".eE") == std::string_view::npos;
        if (plain && (digits > 19 && !(digits == 20 && num[0] != '-' && num <= "18446744073709551615")))
          return fmt::format("field {}: {} does not fit in 64 bits (byte {})", last_key, FieldDecoder::Clip(num), i + 1);
        i = j - 1;
      }
    }
  }
  return fmt::format("not valid JSON ({})", simdjson::error_message(err));
}

Result<object> ParseObject(simdjson::dom::parser& parser, std::string_view line, const FieldDecoder& d,
                           element* root) {
  simdjson::error_code err = parser.parse(line.data(), line.size(), true).get(*root);
  if (err != simdjson::SUCCESS)
    return Status::Corruption(fmt::format("{}: {}", d.where(), DiagnoseJson(line, err)));
  object o;
  if (root->get_object().get(o) != simdjson::SUCCESS)
    return Status::Corruption(fmt::format("{}: expected a JSON object, found {}", d.where(), TypeName(*root)));
  return o;
}

std::string_view RecordKind(const object& o) {
  std::string_view kind;
  element e;
  if (o.at_key("record").get(e) == simdjson::SUCCESS && e.get_string().get(kind) != simdjson::SUCCESS) kind = {};
  return kind;
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// What a JSON value is, from its text (for a value too long to be parsed to say so).
std::string_view KindOf(std::string_view span) {
  switch (span.empty() ? '\0' : span.front()) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
  }
  return span.find_first_of(".eE") == std::string_view::npos ? "an integer" : "a non-integer number";
}

// A line longer than kWholeLineBytes, walked twice by JsonSpans without a tape. The first walk
// checks the grammar of the whole line and finds the record kind and the length of its arrays;
// the second decodes each member, and each element of the transactions, state changes and
// accounts (of a chain line: the validators and genesis accounts), with the thread's parser over
// that span alone, into the same decoders as a whole line. Memory: the line, the record it decodes to, and the parse of one member (at most
// kMaxTxBytes of text).
class LongLine {
 public:
  LongLine(std::string_view line, const FieldDecoder& d) : line_(line), d_(d) {}

  Result<ChainRecord> Decode() {
    FORENSICS_RETURN_IF_ERROR(Check());
    if (kind_ == "block") {
      auto b = DecodeBlock();
      if (!b) return b.error();
      return ChainRecord(std::move(*b));
    }
    if (kind_ == "snapshot") {
      auto s = DecodeSnapshot();
      if (!s) return s.error();
      return ChainRecord(std::move(*s));
    }
    if (kind_.empty()) return d_.Error("record", "missing (expected \"block\" or \"snapshot\")");
    return d_.Error("record", fmt::format("unknown record kind '{}'", FieldDecoder::Clip(kind_)));
  }

  // The room to reserve for an array of addresses, accounts or state changes that Scan counted
  // `count` elements in: no more than the line could hold if each were valid (an element of "1,"
  // counts but cannot be an account, and 64 million of them must not reserve gigabytes).
  size_t AddressRoom(const std::optional<size_t>& count) const {
    return std::min(count.value_or(0), line_.size() / kMinAddressBytes);
  }

  // The line as the chain record, the first of an export (ParseChainLine).
  Result<ChainMeta> DecodeChain() {
    FORENSICS_RETURN_IF_ERROR(Check());
    if (kind_ != "chain") return d_.Error("record", "the first line of an export must be the \"chain\" record");
    ChainDecoder chain(d_);
    // Room is reserved for the first array of each name (the length Scan found), once.
    size_t validators = AddressRoom(validators_);
    size_t genesis = AddressRoom(genesis_);
    Status st = Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      const ChainDecoder::Member m = ChainDecoder::Find(key);
      if (m == ChainDecoder::kOther) return Skip(s);
      if (m == ChainDecoder::kValidators && s.Peek() == '[') {
        chain.StartValidators(std::exchange(validators, 0));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName("validators", i));
          if (!e) return e.error();
          return chain.Validator(i, *e);
        });
      }
      if (m == ChainDecoder::kGenesis && s.Peek() == '[') {
        chain.StartGenesis(std::exchange(genesis, 0));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName("genesis_accounts", i));
          if (!e) return e.error();
          return chain.GenesisAccount(i, *e);
        });
      }
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      auto e = Parse(span, kMaxMemberBytes, key);
      if (!e) return e.error();
      return chain.Field(m, key, *e);
    });
    if (!st.ok()) return st;
    return chain.Finish();
  }

 private:
  // The line's UTF-8 and grammar, and what Scan finds.
  Status Check() {
    if (!io::IsValidUtf8(line_.data(), line_.size()))
      return Status::Corruption(fmt::format("{}: not valid JSON ({})", d_.where(), simdjson::error_message(simdjson::UTF8_ERROR)));
    return Scan();
  }

  Status SyntaxError(const io::JsonSpans& s) const {
    return Status::Corruption(
        fmt::format("{}: not valid JSON at byte {} of the line ({})", d_.where(), s.error_offset() + 1, s.error()));
  }

  size_t Offset(std::string_view span) const { return static_cast<size_t>(span.data() - line_.data()); }

  // The value `span` of the line, parsed alone; `limit` bounds its length.
  Result<element> Parse(std::string_view span, size_t limit, const FieldName& name) const {
    if (span.size() > limit)
      return d_.Error(name, fmt::format("{} bytes of JSON at byte {} of the line, more than a valid value takes "
                                        "({} at most)",
                                        span.size(), Offset(span) + 1, limit));
    element e;
    simdjson::error_code err = ThreadParser().parse(span.data(), span.size(), true).get(e);
    if (err != simdjson::SUCCESS)
      return Status::Corruption(
          fmt::format("{}: at byte {} of the line: {}", d_.where(), Offset(span) + 1, DiagnoseJson(span, err)));
    return e;
  }

  // A string's text between its quotes, unescaped (into *storage when it has escapes).
  Result<std::string_view> Unescape(std::string_view raw, std::string* storage) const {
    if (raw.find('\\') == std::string_view::npos) return raw;
    auto e = Parse(std::string_view(raw.data() - 1, raw.size() + 2), SIZE_MAX, "key");
    if (!e) return e.error();
    std::string_view s;
    if (e->get_string().get(s) != simdjson::SUCCESS) return d_.Error("key", "expected a string");
    *storage = std::string(s);
    return std::string_view(*storage);
  }

  // The elements of the array at s.pos(), each passed to element(index, span).
  template <typename F>
  Status Elements(io::JsonSpans& s, F element) const {
    if (!s.Expect('[')) return SyntaxError(s);
    for (size_t i = 0;; ++i) {
      bool done = false;
      if (!s.Element(i == 0, &done)) return SyntaxError(s);
      if (done) return Status::Ok();
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      FORENSICS_RETURN_IF_ERROR(element(i, span));
    }
  }

  // The members of the object (the whole line), each passed to member(key, s) with the value
  // at s.pos(), which member consumes.
  template <typename F>
  Status Members(F member) const {
    io::JsonSpans s(line_);
    s.SkipSpace();
    if (s.Peek() != '{') {
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      return Status::Corruption(fmt::format("{}: expected a JSON object, found {}", d_.where(), KindOf(span)));
    }
    (void)s.Expect('{');
    for (bool first = true;; first = false) {
      std::string_view raw;
      bool done = false;
      if (!s.Member(first, &raw, &done)) return SyntaxError(s);
      if (done) break;
      std::string storage;
      auto key = Unescape(raw, &storage);
      if (!key) return key.error();
      s.SkipSpace();
      FORENSICS_RETURN_IF_ERROR(member(*key, s));
    }
    s.SkipSpace();
    if (!s.AtEnd())
      return Status::Corruption(fmt::format("{}: not valid JSON at byte {} of the line (text after the object)",
                                            d_.where(), s.pos() + 1));
    return Status::Ok();
  }

  Status Skip(io::JsonSpans& s) const {
    std::string_view span;
    return s.Value(&span) ? Status::Ok() : SyntaxError(s);
  }

  // First walk: the grammar, the record kind, the length of the first array under each name.
  Status Scan() {
    bool have_record = false;
    return Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      if (key == "record" && !have_record) {
        have_record = true;
        if (s.Peek() != '"') return Skip(s);
        std::string_view raw;
        if (!s.String(&raw)) return SyntaxError(s);
        std::string storage;
        auto kind = Unescape(raw, &storage);
        if (!kind) return kind.error();
        kind_ = std::string(*kind);
        return Status::Ok();
      }
      std::optional<size_t>* count = key == "transactions" || key == "txs" ? &txs_
                                     : key == "state_changes"            ? &changes_
                                     : key == "accounts"                 ? &accounts_
                                     : key == "validators"               ? &validators_
                                     : key == "genesis_accounts"         ? &genesis_
                                                                         : nullptr;
      if (count == nullptr || count->has_value() || s.Peek() != '[') return Skip(s);
      size_t n = 0;
      FORENSICS_RETURN_IF_ERROR(Elements(s, [&](size_t, std::string_view) {
        ++n;
        return Status::Ok();
      }));
      *count = n;
      return Status::Ok();
    });
  }

  Result<Block> DecodeBlock() const {
    BlockDecoder block(d_);
    Status st = Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      const Alias* a = BlockDecoder::Find(key);
      if (a == nullptr) return Skip(s);
      bool take = false;
      FORENSICS_RETURN_IF_ERROR(block.Begin(*a, key, s.Peek() == 'n', &take));
      if (!take) return Skip(s);
      if (a->field == kFTxs && s.Peek() == '[') {
        FORENSICS_RETURN_IF_ERROR(block.StartTxs(key, txs_.value_or(0)));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxTxBytes, FieldName("transactions", i));
          if (!e) return e.error();
          return block.Tx(key, *e);
        });
      }
      if (a->field == kFStateChanges && s.Peek() == '[') {
        block.StartChanges(AddressRoom(changes_));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName(key, i));
          if (!e) return e.error();
          return block.Change(key, i, *e);
        });
      }
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      auto e = Parse(span, kMaxMemberBytes, key);
      if (!e) return e.error();
      return block.Field(*a, key, *e);
    });
    if (!st.ok()) return st;
    return block.Finish();
  }

  Result<Snapshot> DecodeSnapshot() const {
    SnapshotDecoder snap(d_);
    Status st = Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      const bool height = SnapshotDecoder::IsHeight(key);
      if (!height && key != "accounts") return Skip(s);
      if (!height && s.Peek() == '[') {
        FORENSICS_RETURN_IF_ERROR(snap.StartAccounts(key, AddressRoom(accounts_)));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName("accounts", i));
          if (!e) return e.error();
          return snap.Account(i, *e);
        });
      }
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      auto e = Parse(span, kMaxMemberBytes, key);
      if (!e) return e.error();
      return height ? snap.Height(key, *e) : snap.Accounts(key, *e);
    });
    if (!st.ok()) return st;
    return snap.Finish();
  }

  std::string_view line_;
  const FieldDecoder& d_;
  std::string kind_;
  std::optional<size_t> txs_, changes_, accounts_, validators_, genesis_;  // the length of the first array of each name
};

class ExportReader final : public ChainSource {
 public:
  ExportReader(std::unique_ptr<LineReader> lines, ChainMeta meta, LineReaderOptions options)
      : lines_(std::move(lines)), meta_(std::move(meta)), options_(options) {}

  const ChainMeta& meta() const override { return meta_; }

  Result<bool> Next(ChainRecord* record) override {
    Line line;
    while (lines_->Next(&line)) {
      if (IsBlank(line.text)) continue;
      if (seek_ && line.number < seek_->snapshot_line) {
        if (line.number == seek_->block_line) FORENSICS_RETURN_IF_ERROR(TakeSeekHeader(line));
        continue;
      }
      auto r = Parse(line);
      if (!r) return r.error();
      if (seek_ && line.number == seek_->snapshot_line) {
        std::get<Snapshot>(*r).header = std::move(seek_->header);
        seek_.reset();
      }
      *record = std::move(*r);
      return true;
    }
    return false;
  }

  // An export cannot seek: the file is read once more, up to the first snapshot above h, for the
  // last snapshot at or below it. Next() then skips every line before that snapshot undecoded, but
  // the line just before it, which holds the snapshot's block (its header comes with the snapshot).
  Status SeekToSnapshotAtOrBelow(BlockHeight h) override {
    // A pipe or FIFO was copied once to a private file (input_spool.h); opening its name again reads the copy.
    auto scan = LineReader::Open(lines_->path(), options_);
    if (!scan) return scan.error();
    std::optional<Seek> best;
    uint64_t previous = 0;
    Line line;
    while ((*scan)->Next(&line)) {
      if (IsBlank(line.text)) continue;
      // Only a line naming a snapshot is decoded; the chain line is never one.
      if (line.number > 1 && line.text.find("\"snapshot\"") != std::string_view::npos) {
        auto r = ParseRecordLine(line.text, meta_.profile, fmt::format("{}:{}", lines_->path(), line.number));
        if (r && std::holds_alternative<Snapshot>(*r)) {
          const BlockHeight s = std::get<Snapshot>(*r).height;
          if (s > h) break;
          best = Seek{s, line.number, previous, std::nullopt};
        }
      }
      previous = line.number;
    }
    if (!best) return Status::NotFound(fmt::format("{}: no snapshot at or below height {}", lines_->path(), h));
    seek_ = std::move(best);
    return Status::Ok();
  }

  std::vector<ReadIssue> read_issues() const override { return lines_->issues(); }
  std::string description() const override { return lines_->path(); }
  uint64_t bytes_read() const override { return lines_->file_bytes_read(); }
  uint64_t bytes_total() const override { return lines_->file_size(); }

  static bool IsBlank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
  }

 private:
  // Where SeekToSnapshotAtOrBelow positioned the reader.
  struct Seek {
    BlockHeight height = 0;    // of the snapshot
    uint64_t snapshot_line = 0;
    uint64_t block_line = 0;   // the line before it: the snapshot's block, if it is that block
    std::optional<BlockHeader> header;
  };

  Result<ChainRecord> Parse(const Line& line) const {
    auto r = ParseRecordLine(line.text, meta_.profile, fmt::format("{}:{}", lines_->path(), line.number));
    if (!r) return r;
    std::visit(
        [&](auto& rec) {
          rec.source = lines_->path();
          rec.line = line.number;
        },
        *r);
    return r;
  }

  Status TakeSeekHeader(const Line& line) {
    auto r = Parse(line);
    if (!r) return r.error();
    if (auto* b = std::get_if<Block>(&*r); b != nullptr && b->header.height == seek_->height)
      seek_->header = std::move(b->header);
    return Status::Ok();
  }

  std::unique_ptr<LineReader> lines_;
  ChainMeta meta_;
  LineReaderOptions options_;
  std::optional<Seek> seek_;
};

Result<ChainMeta> ParseChainObject(std::string_view line, const FieldDecoder& d) {
  element root;
  auto obj = ParseObject(ThreadParser(), line, d, &root);
  if (!obj) return obj.error();
  if (RecordKind(*obj) != "chain")
    return d.Error("record", "the first line of an export must be the \"chain\" record");
  ChainDecoder chain(d);
  for (auto [k, v] : *obj) FORENSICS_RETURN_IF_ERROR(chain.Field(ChainDecoder::Find(k), k, v));
  return chain.Finish();
}

}  // namespace

Result<ChainMeta> ParseChainLine(std::string_view line, std::string_view where) {
  FieldDecoder d{std::string(where)};
  if (line.size() > kWholeLineBytes) {
    auto meta = LongLine(line, d).DecodeChain();
    // The parser grows to the longest member it parsed; a long line's is let go.
    if (ThreadParser().capacity() > kWholeLineBytes) ThreadParser() = simdjson::dom::parser();
    return meta;
  }
  return ParseChainObject(line, d);
}

Result<ChainRecord> ParseRecordLine(std::string_view line, Profile profile, std::string_view where) {
  (void)profile;
  FieldDecoder d{std::string(where)};
  if (line.size() > kWholeLineBytes) {
    auto r = LongLine(line, d).Decode();
    // The parser grows to the longest member it parsed; a long line's is let go.
    if (ThreadParser().capacity() > kWholeLineBytes) ThreadParser() = simdjson::dom::parser();
    return r;
  }
  element root;
  auto obj = ParseObject(ThreadParser(), line, d, &root);
  if (!obj) return obj.error();
  std::string_view kind = RecordKind(*obj);
  if (kind == "block") {
    auto b = ParseBlock(d, *obj);
    if (!b) return b.error();
    return ChainRecord(std::move(*b));
  }
  if (kind == "snapshot") {
    auto s = ParseSnapshot(d, *obj);
    if (!s) return s.error();
    return ChainRecord(std::move(*s));
  }
  if (kind.empty()) return d.Error("record", "missing (expected \"block\" or \"snapshot\")");
  return d.Error("record", fmt::format("unknown record kind '{}'", FieldDecoder::Clip(kind)));
}

Result<std::unique_ptr<ChainSource>> OpenExport(const std::string& path, const ExportReaderOptions& options) {
  LineReaderOptions lo;
  lo.max_line_bytes = options.max_line_bytes;
  auto lines = LineReader::Open(path, lo);
  if (!lines) return lines.error();
  Line first;
  bool got = false;
  while ((got = (*lines)->Next(&first)) && ExportReader::IsBlank(first.text)) {
  }
  if (!got) {
    std::string why = (*lines)->issues().empty() ? "" : " (" + (*lines)->issues().front().what + ")";
    return Status::Corruption(fmt::format("{}: empty export: no chain record{}", path, why));
  }
  auto meta = ParseChainLine(first.text, fmt::format("{}:{}", path, first.number));
  if (!meta) return meta.error();
  if (options.profile) meta->profile = *options.profile;
  return std::unique_ptr<ChainSource>(new ExportReader(std::move(*lines), std::move(*meta), lo));
}

}  // namespace forensics
