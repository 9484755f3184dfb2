// Binary value codecs of the chain store. Fixed-width integers are little-endian (values) or
// big-endian (keys); lengths and counts are LEB128 varints. Every decoder checks every length and
// rejects trailing bytes, so a damaged value is a Corruption, never a crash.
#include "store/store_format.h"

#include <cstring>

#include "forensics/codec.h"
#include "little_endian.h"

namespace forensics::store {
namespace {

constexpr uint8_t kBlockVersion = 1;
constexpr uint8_t kTxVersion = 1;
constexpr uint8_t kMetaVersion = 1;
constexpr uint8_t kSnapshotVersion = 1;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

template <size_t N>
void PutBytes(std::string* out, const Bytes<N>& b) {
  out->append(reinterpret_cast<const char*>(b.data()), N);
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// Bounds-checked reading; the first failure sticks and names what was being read.
class Cursor {
 public:
  explicit Cursor(std::string_view v) : p_(v.data()), end_(v.data() + v.size()) {}

  bool U8(uint8_t* out) {
    if (!Need(1)) return false;
    *out = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool Fixed64(uint64_t* out) {
    if (!Need(8)) return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p_[i]);
    p_ += 8;
    *out = v;
    return true;
  }
  // Only the shortest encoding, as PutVarint writes it: a zero last byte after the first, or bits
  // beyond 64, mean the value was not written so (a value has one spelling in the store).
  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (!Need(1)) return false;
      uint8_t b = static_cast<uint8_t>(*p_++);
      if (shift == 63 && b > 1) return Fail();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        if (b == 0 && shift > 0) return Fail();
        *out = v;
        return true;
      }
    }
    return Fail();
  }
  template <size_t N>
  bool Fixed(Bytes<N>* out) {
    if (!Need(N)) return false;
    std::memcpy(out->data(), p_, N);
    p_ += N;
    return true;
  }
  bool String(std::string* out, uint64_t max) {
    uint64_t n;
    if (!Varint(&n)) return false;
    if (n > max || !Need(n)) return Fail();
    out->assign(p_, n);
    p_ += n;
    return true;
  }
  bool AtEnd() const { return ok_ && p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 private:
  bool Need(uint64_t n) {
    if (!ok_ || static_cast<uint64_t>(end_ - p_) < n) return Fail();
    return true;
  }
  bool Fail() {
    ok_ = false;
    return false;
  }
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

Status Bad(std::string_view where, std::string_view what) {
  return Status::Corruption(fmt::format("{}: undecodable {} value (damaged store?)", where, what));
}

// Presence bits of the optional header fields, in encoding order.
enum : uint32_t {
  kHHash = 1u << 0,
  kHParent = 1u << 1,
  kHStateRoot = 1u << 2,
  kHTxRoot = 1u << 3,
  kHTimestamp = 1u << 4,
  kHValidator = 1u << 5,
  kHDifficulty = 1u << 6,
  kHNonce = 1u << 7,
  kHGasLimit = 1u << 8,
  kHGasUsed = 1u << 9,
  kHExtra = 1u << 10,
  kHCodec = 1u << 11,
  kHCommitment = 1u << 12,
  kHAll = (1u << 13) - 1,
};

enum : uint8_t {
  kTxSignature = 1u << 0,
  kTxHash = 1u << 1,
  kTxFee = 1u << 2,
  kTxMessageComplete = 1u << 3,
  kTxAll = (1u << 4) - 1,
};

}  // namespace

std::string U64Key(uint64_t v) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[i] = static_cast<char>(v >> (56 - 8 * i));
  return k;
}

std::string U64U32Key(uint64_t a, uint32_t b) {
  std::string k = U64Key(a);
  for (int i = 0; i < 4; ++i) k.push_back(static_cast<char>(b >> (24 - 8 * i)));
  return k;
}

uint64_t ReadU64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint32_t ReadU32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string EncodeBlock(const Block& b) {
  const BlockHeader& h = b.header;
  uint32_t mask = 0;
  if (h.hash) mask |= kHHash;
  if (h.parent_hash) mask |= kHParent;
  if (h.state_root) mask |= kHStateRoot;
  if (h.tx_root) mask |= kHTxRoot;
  if (h.timestamp) mask |= kHTimestamp;
  if (h.validator) mask |= kHValidator;
  if (h.difficulty) mask |= kHDifficulty;
  if (h.nonce) mask |= kHNonce;
  if (h.gas_limit) mask |= kHGasLimit;
  if (h.gas_used) mask |= kHGasUsed;
  if (h.extra_data) mask |= kHExtra;
  if (h.codec_version) mask |= kHCodec;
  if (h.commitment) mask |= kHCommitment;
  std::string out;
  out.reserve(256);
  out.push_back(static_cast<char>(kBlockVersion));
  PutVarint(&out, mask);
  if (h.hash) PutBytes(&out, *h.hash);
  if (h.parent_hash) PutBytes(&out, *h.parent_hash);
  if (h.state_root) PutBytes(&out, *h.state_root);
  if (h.tx_root) PutBytes(&out, *h.tx_root);
  if (h.timestamp) PutLe64(&out, static_cast<uint64_t>(*h.timestamp));
  if (h.validator) PutBytes(&out, *h.validator);
  if (h.difficulty) PutLe64(&out, *h.difficulty);
  if (h.nonce) PutLe64(&out, *h.nonce);
  if (h.gas_limit) PutLe64(&out, *h.gas_limit);
  if (h.gas_used) PutLe64(&out, *h.gas_used);
  if (h.extra_data) PutString(&out, *h.extra_data);
  if (h.codec_version) out.push_back(static_cast<char>(*h.codec_version));
  if (h.commitment) PutBytes(&out, *h.commitment);
  PutVarint(&out, b.txs.size());
  PutVarint(&out, b.state_fields_missing.size());
  for (const std::string& s : b.state_fields_missing) PutString(&out, s);
  return out;
}

Status DecodeBlock(std::string_view v, std::string_view where, Block* b, uint32_t* tx_count) {
  Cursor c(v);
  BlockHeader& h = b->header;
  uint8_t version;
  uint64_t mask;
  if (!c.U8(&version) || version != kBlockVersion || !c.Varint(&mask) || (mask & ~uint64_t{kHAll}))
    return Bad(where, "block");
  auto hash = [&](uint32_t bit, std::optional<Hash32>* out) {
    if (!(mask & bit)) return true;
    Hash32 x;
    if (!c.Fixed(&x)) return false;
    *out = x;
    return true;
  };
  auto u64 = [&](uint32_t bit, std::optional<uint64_t>* out) {
    if (!(mask & bit)) return true;
    uint64_t x;
    if (!c.Fixed64(&x)) return false;
    *out = x;
    return true;
  };
  bool ok = hash(kHHash, &h.hash) && hash(kHParent, &h.parent_hash) && hash(kHStateRoot, &h.state_root) &&
            hash(kHTxRoot, &h.tx_root);
  if (ok && (mask & kHTimestamp)) {
    uint64_t t = 0;
    ok = c.Fixed64(&t);
    h.timestamp = static_cast<int64_t>(t);
  }
  ok = ok && hash(kHValidator, &h.validator) && u64(kHDifficulty, &h.difficulty) && u64(kHNonce, &h.nonce) &&
       u64(kHGasLimit, &h.gas_limit) && u64(kHGasUsed, &h.gas_used);
  if (ok && (mask & kHExtra)) {
    std::string x;
    ok = c.String(&x, 256);
    h.extra_data = std::move(x);
  }
  if (ok && (mask & kHCodec)) {
    uint8_t x = 0;
    ok = c.U8(&x);
    h.codec_version = x;
  }
  ok = ok && hash(kHCommitment, &h.commitment);
  uint64_t n_txs = 0, n_missing = 0;
  ok = ok && c.Varint(&n_txs) && n_txs <= UINT32_MAX && c.Varint(&n_missing) && n_missing <= c.remaining();
  if (!ok) return Bad(where, "block");
  b->state_fields_missing.resize(n_missing);
  for (std::string& s : b->state_fields_missing)
    if (!c.String(&s, 4096)) return Bad(where, "block");
  if (!c.AtEnd()) return Bad(where, "block");
  *tx_count = static_cast<uint32_t>(n_txs);
  return Status::Ok();
}

std::string EncodeTx(const Transaction& tx) {
  uint8_t flags = 0;
  if (tx.signature) flags |= kTxSignature;
  if (tx.hash) flags |= kTxHash;
  if (tx.fee) flags |= kTxFee;
  if (tx.message_complete) flags |= kTxMessageComplete;
  std::string out;
  out.reserve(256 + tx.data.size());
  out.push_back(static_cast<char>(kTxVersion));
  out.push_back(static_cast<char>(flags));
  out.push_back(static_cast<char>(tx.codec_version));
  out.push_back(static_cast<char>(tx.tx_type));
  PutBytes(&out, tx.from);
  PutBytes(&out, tx.to);
  PutLe64(&out, tx.amount);
  PutLe64(&out, tx.nonce);
  PutLe64(&out, tx.gas_limit);
  PutLe64(&out, tx.gas_price);
  PutLe64(&out, static_cast<uint64_t>(tx.timestamp));
  if (tx.signature) PutBytes(&out, *tx.signature);
  if (tx.hash) PutBytes(&out, *tx.hash);
  if (tx.fee) PutLe64(&out, *tx.fee);
  PutString(&out, tx.data);
  return out;
}

Status DecodeTx(std::string_view v, std::string_view where, Transaction* tx) {
  Cursor c(v);
  uint8_t version, flags;
  uint64_t ts;
  bool ok = c.U8(&version) && version == kTxVersion && c.U8(&flags) && !(flags & ~kTxAll) &&
            c.U8(&tx->codec_version) && c.U8(&tx->tx_type) && c.Fixed(&tx->from) && c.Fixed(&tx->to) &&
            c.Fixed64(&tx->amount) && c.Fixed64(&tx->nonce) && c.Fixed64(&tx->gas_limit) &&
            c.Fixed64(&tx->gas_price) && c.Fixed64(&ts);
  if (!ok) return Bad(where, "transaction");
  tx->timestamp = static_cast<int64_t>(ts);
  if (flags & kTxSignature) {
    Signature s;
    if (!c.Fixed(&s)) return Bad(where, "transaction");
    tx->signature = s;
  }
  if (flags & kTxHash) {
    Hash32 h;
    if (!c.Fixed(&h)) return Bad(where, "transaction");
    tx->hash = h;
  }
  if (flags & kTxFee) {
    uint64_t f;
    if (!c.Fixed64(&f)) return Bad(where, "transaction");
    tx->fee = f;
  }
  tx->message_complete = (flags & kTxMessageComplete) != 0;
  if (!c.String(&tx->data, kMaxTxData) || !c.AtEnd()) return Bad(where, "transaction");
  return Status::Ok();
}

namespace {
// Appends an account list (EncodeAccounts) to *out, growing it once.
void PutAccounts(std::string* out, const AccountEntry* begin, size_t n) {
  out->reserve(out->size() + 10 + 48 * n);
  PutVarint(out, n);
  for (size_t i = 0; i < n; ++i) {
    PutBytes(out, begin[i].address);
    PutLe64(out, begin[i].balance);
    PutLe64(out, begin[i].nonce);
  }
}
}  // namespace

std::string EncodeAccounts(const AccountEntry* begin, size_t n) {
  std::string out;
  PutAccounts(&out, begin, n);
  return out;
}

Status DecodeAccounts(std::string_view v, std::string_view where, std::vector<AccountEntry>* out) {
  Cursor c(v);
  uint64_t n;
  if (!c.Varint(&n) || n > c.remaining() / 48 || c.remaining() != 48 * n) return Bad(where, "account list");
  const size_t base = out->size();
  out->resize(base + n);
  for (size_t i = 0; i < n; ++i) {
    AccountEntry& a = (*out)[base + i];
    if (!c.Fixed(&a.address) || !c.Fixed64(&a.balance) || !c.Fixed64(&a.nonce)) return Bad(where, "account list");
  }
  return Status::Ok();
}

std::string EncodeSnapshotHeader(uint64_t accounts, uint32_t chunks) {
  std::string out;
  out.push_back(static_cast<char>(kSnapshotVersion));
  PutVarint(&out, accounts);
  PutVarint(&out, chunks);
  return out;
}

Status DecodeSnapshotHeader(std::string_view v, std::string_view where, uint64_t* accounts, uint32_t* chunks) {
  Cursor c(v);
  uint8_t version;
  uint64_t n_chunks;
  if (!c.U8(&version) || version != kSnapshotVersion || !c.Varint(accounts) || !c.Varint(&n_chunks) ||
      n_chunks > UINT32_MAX || !c.AtEnd() ||
      n_chunks != *accounts / kSnapshotChunkAccounts + (*accounts % kSnapshotChunkAccounts != 0))
    return Bad(where, "snapshot header");
  *chunks = static_cast<uint32_t>(n_chunks);
  return Status::Ok();
}

std::string EncodeMeta(const ChainMeta& m) {
  std::string out;
  out.push_back(static_cast<char>(kMetaVersion));
  PutString(&out, m.format);
  PutString(&out, ProfileName(m.profile));
  PutVarint(&out, m.validators.size());
  for (const Address& a : m.validators) PutBytes(&out, a);
  out.push_back(m.treasury ? 1 : 0);
  if (m.treasury) PutBytes(&out, *m.treasury);
  PutAccounts(&out, m.genesis_accounts.data(), m.genesis_accounts.size());  // in place: it may be 100s of MB
  return out;
}

Status DecodeMeta(std::string_view v, std::string_view where, ChainMeta* m) {
  Cursor c(v);
  uint8_t version, has_treasury;
  std::string profile;
  uint64_t n_validators;
  if (!c.U8(&version) || version != kMetaVersion || !c.String(&m->format, 256) || !c.String(&profile, 64) ||
      !c.Varint(&n_validators) || n_validators > c.remaining() / 32)
    return Bad(where, "chain metadata");
  auto p = ParseProfile(profile);
  if (!p) return Bad(where, "chain metadata");
  m->profile = *p;
  m->validators.resize(n_validators);
  for (Address& a : m->validators)
    if (!c.Fixed(&a)) return Bad(where, "chain metadata");
  if (!c.U8(&has_treasury) || has_treasury > 1) return Bad(where, "chain metadata");
  if (has_treasury) {
    Address t;
    if (!c.Fixed(&t)) return Bad(where, "chain metadata");
    m->treasury = t;
  }
  const size_t consumed = v.size() - c.remaining();
  m->genesis_accounts.clear();
  return DecodeAccounts(v.substr(consumed), where, &m->genesis_accounts);
}

}  // namespace forensics::store
