// Byte-exact encoders of docs/chain.md §1–§3: neta and core-v4 block hashes, the legacy header encoding,
// the transaction signing message, the reward schedule and fee shares.
#include "forensics/codec.h"

#include <cstring>

#include "forensics/sha256.h"
#include "little_endian.h"

namespace forensics {
namespace {

void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutBe(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
template <size_t N>
void PutBytes(std::string* out, const Bytes<N>& b) {
  out->append(reinterpret_cast<const char*>(b.data()), N);
}

// --- msgpack, the subset the header codec needs ---
void MsgpackUint(std::string* out, uint64_t v) {
  if (v < 0x80) {
    out->push_back(static_cast<char>(v));
  } else if (v <= 0xff) {
    out->push_back('\xcc');
    PutBe(out, v, 1);
  } else if (v <= 0xffff) {
    out->push_back('\xcd');
    PutBe(out, v, 2);
  } else if (v <= 0xffffffff) {
    out->push_back('\xce');
    PutBe(out, v, 4);
  } else {
    out->push_back('\xcf');
    PutBe(out, v, 8);
  }
}
void MsgpackInt(std::string* out, int64_t v) {
  if (v >= 0) return MsgpackUint(out, static_cast<uint64_t>(v));
  if (v >= -32) {
    out->push_back(static_cast<char>(v));
  } else if (v >= INT8_MIN) {
    out->push_back('\xd0');
    PutBe(out, static_cast<uint64_t>(v), 1);
  } else if (v >= INT16_MIN) {
    out->push_back('\xd1');
    PutBe(out, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN) {
    out->push_back('\xd2');
    PutBe(out, static_cast<uint64_t>(v), 4);
  } else {
    out->push_back('\xd3');
    PutBe(out, static_cast<uint64_t>(v), 8);
  }
}
void MsgpackKey(std::string* out, std::string_view key) {
  out->push_back(static_cast<char>(0xa0 | key.size()));
  out->append(key);
}
void MsgpackBin32(std::string* out, const Bytes<32>& b) {
  out->append("\xc4\x20", 2);
  PutBytes(out, b);
}

constexpr std::string_view kCoreV4Fields[] = {
    "codec_version", "block_index", "timestamp", "parent_hash", "merkle_root",
    "miner_address", "commitment", "difficulty_target", "nonce", "extra_data"};

// Strict msgpack reader over a byte string: integers must use their smallest form.
class MsgpackIn {
 public:
  explicit MsgpackIn(std::string_view b) : b_(b) {}
  size_t pos() const { return pos_; }
  bool done() const { return pos_ == b_.size(); }
  bool Byte(uint8_t* v) {
    if (pos_ >= b_.size()) return false;
    *v = static_cast<uint8_t>(b_[pos_++]);
    return true;
  }
  bool Be(int n, uint64_t* v) {
    if (b_.size() - pos_ < static_cast<size_t>(n)) return false;
    *v = 0;
    for (int i = 0; i < n; ++i) *v = *v << 8 | static_cast<uint8_t>(b_[pos_++]);
    return true;
  }
  bool Take(size_t n, std::string_view* s) {
    if (b_.size() - pos_ < n) return false;
    *s = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // Any msgpack integer; *negative set for the signed forms holding a negative value.
  bool Int(int64_t* sv, uint64_t* uv, bool* negative) {
    uint8_t t;
    if (!Byte(&t)) return false;
    *negative = false;
    uint64_t raw;
    if (t < 0x80) {
      *uv = t;
    } else if (t >= 0xe0) {
      *negative = true;
      *sv = static_cast<int8_t>(t);
    } else if (t >= 0xcc && t <= 0xcf) {
      // Only the smallest form is accepted: the hash is over these exact bytes.
      static constexpr uint64_t kSmallerMax[] = {0x7f, 0xff, 0xffff, 0xffffffff};
      if (!Be(1 << (t - 0xcc), uv) || *uv <= kSmallerMax[t - 0xcc]) return false;
    } else if (t >= 0xd0 && t <= 0xd3) {
      int n = 1 << (t - 0xd0);
      if (!Be(n, &raw)) return false;
      int shift = 64 - 8 * n;
      int64_t s = static_cast<int64_t>(raw << shift) >> shift;
      static constexpr int64_t kSmallerMin[] = {-32, INT8_MIN, INT16_MIN, INT32_MIN};
      if (s >= kSmallerMin[t - 0xd0]) return false;  // non-negative or fits a smaller form
      *negative = true;
      *sv = s;
    } else {
      return false;
    }
    if (!*negative) *sv = static_cast<int64_t>(*uv);
    return true;
  }
  bool Uint(uint64_t* v) {
    int64_t s;
    bool neg;
    return Int(&s, v, &neg) && !neg;
  }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

}  // namespace

std::string EncodeCoreV4Header(const CoreV4Header& h, ExtraDataEncoding enc) {
  std::string out;
  out.reserve(300 + 2 * h.extra_data.size());
  out.push_back('\x8a');
  MsgpackKey(&out, "codec_version");
  MsgpackUint(&out, h.codec_version);
  MsgpackKey(&out, "block_index");
  MsgpackUint(&out, h.block_index);
  MsgpackKey(&out, "timestamp");
  MsgpackInt(&out, h.timestamp);
  MsgpackKey(&out, "parent_hash");
  MsgpackBin32(&out, h.parent_hash);
  MsgpackKey(&out, "merkle_root");
  MsgpackBin32(&out, h.merkle_root);
  MsgpackKey(&out, "miner_address");
  MsgpackBin32(&out, h.miner_address);
  MsgpackKey(&out, "commitment");
  MsgpackBin32(&out, h.commitment);
  MsgpackKey(&out, "difficulty_target");
  MsgpackUint(&out, h.difficulty_target);
  MsgpackKey(&out, "nonce");
  MsgpackUint(&out, h.nonce);
  MsgpackKey(&out, "extra_data");
  const size_t n = h.extra_data.size();
  if (enc == ExtraDataEncoding::kBin) {
    if (n <= 0xff) {
      out.push_back('\xc4');
      PutBe(&out, n, 1);
    } else {
      out.push_back('\xc5');
      PutBe(&out, n, 2);
    }
    out.append(h.extra_data);
  } else {
    if (n <= 15) {
      out.push_back(static_cast<char>(0x90 | n));
    } else {
      out.push_back('\xdc');
      PutBe(&out, n, 2);
    }
    for (char c : h.extra_data) MsgpackUint(&out, static_cast<uint8_t>(c));
  }
  return out;
}

Result<CoreV4Header> DecodeCoreV4Header(std::string_view bytes, ExtraDataEncoding* enc) {
  MsgpackIn in(bytes);
  auto fail = [&](std::string_view what) {
    return Status::Corruption(fmt::format("core-v4 header at byte {}: {}", in.pos(), what));
  };
  uint8_t t;
  if (!in.Byte(&t) || t != 0x8a) return fail("expected a map of 10 fields (0x8a)");
  CoreV4Header h;
  for (std::string_view want : kCoreV4Fields) {
    uint8_t kt;
    std::string_view key;
    if (!in.Byte(&kt) || (kt & 0xe0) != 0xa0 || !in.Take(kt & 0x1f, &key))
      return fail("expected a field name (fixstr)");
    if (key != want) return fail(fmt::format("expected field '{}', found '{}'", want, key));
    uint64_t u = 0;
    auto bin32 = [&](Bytes<32>* out) {
      uint8_t b0, b1;
      std::string_view s;
      if (!in.Byte(&b0) || !in.Byte(&b1) || b0 != 0xc4 || b1 != 0x20 || !in.Take(32, &s)) return false;
      std::memcpy(out->data(), s.data(), 32);
      return true;
    };
    if (want == "codec_version") {
      if (!in.Uint(&u) || u != 1) return fail("codec_version must be the integer 1");
      h.codec_version = 1;
    } else if (want == "block_index") {
      if (!in.Uint(&h.block_index)) return fail("block_index is not an unsigned integer");
    } else if (want == "timestamp") {
      bool neg;
      if (!in.Int(&h.timestamp, &u, &neg)) return fail("timestamp is not an integer");
      if (!neg && u > static_cast<uint64_t>(INT64_MAX)) return fail("timestamp beyond i64");
    } else if (want == "parent_hash") {
      if (!bin32(&h.parent_hash)) return fail("parent_hash is not bin8 of 32 bytes");
    } else if (want == "merkle_root") {
      if (!bin32(&h.merkle_root)) return fail("merkle_root is not bin8 of 32 bytes");
    } else if (want == "miner_address") {
      if (!bin32(&h.miner_address)) return fail("miner_address is not bin8 of 32 bytes");
    } else if (want == "commitment") {
      if (!bin32(&h.commitment)) return fail("commitment is not bin8 of 32 bytes");
    } else if (want == "difficulty_target") {
      if (!in.Uint(&h.difficulty_target)) return fail("difficulty_target is not an unsigned integer");
    } else if (want == "nonce") {
      if (!in.Uint(&h.nonce)) return fail("nonce is not an unsigned integer");
    } else {  // extra_data
      uint8_t et;
      if (!in.Byte(&et)) return fail("extra_data missing");
      uint64_t n;
      if (et == 0xc4 || et == 0xc5) {
        std::string_view s;
        if (!in.Be(et == 0xc4 ? 1 : 2, &n) || !in.Take(n, &s)) return fail("extra_data bin cut short");
        if (et == 0xc5 && n <= 0xff) return fail("extra_data bin16 for a length that fits bin8");
        h.extra_data.assign(s);
        if (enc) *enc = ExtraDataEncoding::kBin;
      } else if ((et & 0xf0) == 0x90 || et == 0xdc) {
        if (et == 0xdc) {
          if (!in.Be(2, &n)) return fail("extra_data array length cut short");
          if (n <= 15) return fail("extra_data array16 for a length that fits a fixarray");
        } else {
          n = et & 0x0f;
        }
        for (uint64_t i = 0; i < n; ++i) {
          if (!in.Uint(&u) || u > 0xff) return fail("extra_data element is not a byte");
          h.extra_data.push_back(static_cast<char>(u));
        }
        if (enc) *enc = ExtraDataEncoding::kArray;
      } else {
        return fail("extra_data is neither bin nor array");
      }
      if (h.extra_data.size() > 256) return fail("extra_data longer than 256 bytes");
    }
  }
  if (!in.done()) return fail("trailing bytes after the header");
  return h;
}

std::string EncodeNetaHeader(const BlockHeader& h) {
  std::string out;
  out.reserve(208);
  PutLe64(&out, h.height);
  PutBytes(&out, h.parent_hash.value_or(Hash32{}));
  PutBytes(&out, h.state_root.value_or(Hash32{}));
  PutBytes(&out, h.tx_root.value_or(Hash32{}));
  PutLe64(&out, static_cast<uint64_t>(h.timestamp.value_or(0)));
  PutBytes(&out, h.validator.value_or(Address{}));
  PutLe64(&out, h.difficulty.value_or(0));
  PutLe64(&out, h.nonce.value_or(0));
  PutLe64(&out, h.gas_limit.value_or(0));
  PutLe64(&out, h.gas_used.value_or(0));
  std::string extra = h.extra_data.value_or(std::string());
  extra.resize(32, '\0');
  out.append(extra);
  return out;
}

std::optional<CoreV4Header> ToCoreV4Header(const BlockHeader& h, std::string* missing) {
  auto miss = [&](const char* f) -> std::optional<CoreV4Header> {
    if (missing) *missing = f;
    return std::nullopt;
  };
  if (!h.parent_hash) return miss("parent_hash");
  if (!h.tx_root) return miss("merkle_root");
  if (!h.timestamp) return miss("timestamp");
  if (!h.validator) return miss("miner_address");
  if (!h.commitment) return miss("commitment");
  if (!h.difficulty) return miss("difficulty_target");
  if (!h.nonce) return miss("nonce");
  CoreV4Header c;
  c.codec_version = h.codec_version.value_or(1);
  c.block_index = h.height;
  c.timestamp = *h.timestamp;
  c.parent_hash = *h.parent_hash;
  c.merkle_root = *h.tx_root;
  c.miner_address = *h.validator;
  c.commitment = *h.commitment;
  c.difficulty_target = *h.difficulty;
  c.nonce = *h.nonce;
  c.extra_data = h.extra_data.value_or(std::string());
  return c;
}

std::optional<Hash32> ComputeBlockHash(Profile p, const BlockHeader& h, std::string* missing) {
  if (p == Profile::kCoreV4) {
    auto c = ToCoreV4Header(h, missing);
    if (!c) return std::nullopt;
    return sha256::Hash(EncodeCoreV4Header(*c));
  }
  auto miss = [&](const char* f) -> std::optional<Hash32> {
    if (missing) *missing = f;
    return std::nullopt;
  };
  if (!h.parent_hash) return miss("parent_hash");
  if (!h.state_root) return miss("state_root");
  if (!h.tx_root) return miss("tx_root");
  if (!h.timestamp) return miss("timestamp");
  if (!h.validator) return miss("validator");
  if (!h.difficulty) return miss("difficulty");
  if (!h.nonce) return miss("nonce");
  if (!h.gas_limit) return miss("gas_limit");
  if (!h.gas_used) return miss("gas_used");
  if (!h.extra_data) return miss("extra_data");
  return sha256::Hash(EncodeNetaHeader(h));
}

std::string TxSigningMessage(const Transaction& tx) {
  std::string m;
  m.reserve(110 + tx.data.size());
  m.push_back(static_cast<char>(tx.codec_version));
  m.push_back(static_cast<char>(tx.tx_type));
  PutBytes(&m, tx.from);
  PutBytes(&m, tx.to);
  PutLe64(&m, tx.amount);
  PutLe64(&m, tx.nonce);
  PutLe64(&m, tx.gas_limit);
  PutLe64(&m, tx.gas_price);
  PutLe32(&m, static_cast<uint32_t>(tx.data.size()));
  m.append(tx.data);
  PutLe64(&m, static_cast<uint64_t>(tx.timestamp));
  return m;
}

Hash32 NetaTxHash(const Transaction& tx) { return sha256::Hash(TxSigningMessage(tx)); }

bool VerifyTxSignature(const Transaction& tx) {
  if (!tx.signature) return false;
  const std::string m = TxSigningMessage(tx);
  return VerifyEd25519(tx.from.span(),
                       {reinterpret_cast<const uint8_t*>(m.data()), m.size()},
                       tx.signature->span());
}

OddRule ProfileOddRule(Profile p) {
  return p == Profile::kNeta ? OddRule::kDuplicate : OddRule::kPromote;
}

uint64_t BlockReward(BlockHeight h) {
  uint64_t reward = kInitialReward;
  for (uint64_t i = 0, halvings = h / kHalvingInterval; i < halvings; ++i) {
    reward /= 2;
    if (reward <= kMinReward) return kMinReward;
  }
  return reward;
}

FeeShares SplitFees(uint64_t fees) {
  const double f = static_cast<double>(fees);
  FeeShares s;
  s.validator = static_cast<uint64_t>(f * kValidatorShare);
  s.burn = static_cast<uint64_t>(f * kBurnShare);
  s.treasury = static_cast<uint64_t>(f * kTreasuryShare);
  // For fees > 2^53 the rounding of double(fees) can make the shares exceed fees; dust is then 0
  // and the surplus shows up in the supply check as the daemon would mint it.
  const uint64_t sum = s.validator + s.burn + s.treasury;
  s.dust = sum <= fees ? fees - sum : 0;
  return s;
}

std::string_view ProfileName(Profile p) { return p == Profile::kNeta ? "neta" : "core-v4"; }

std::optional<Profile> ParseProfile(std::string_view name) {
  if (name == "neta") return Profile::kNeta;
  if (name == "core-v4") return Profile::kCoreV4;
  return std::nullopt;
}

}  // namespace forensics
