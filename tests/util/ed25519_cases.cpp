// Ed25519 differential cases (ed25519_cases.h). Each edge-case signature is forged with libsodium's group
// arithmetic: sig = R || S with S = r + h*a, h = SHA-512(R || A || M) mod L, so that whether the
// cofactorless equation [S]B = R + [h]A holds is decided by the torsion parts the class puts in A and R.
#include "ed25519_cases.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <span>
#include <string>

#include "forensics/codec.h"
#include "forensics/types.h"

namespace forensics::testing {
namespace {

// Aborts: a generator whose group arithmetic fails makes cases that test nothing.
void Must(int rc) {
  if (rc != 0) std::abort();
}

// Encodings with y >= p (the field prime p = 2^255 - 19) that are not small-order points.
constexpr std::string_view kNonCanonical[] = {
    "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

// h = SHA-512(R || A || M) mod L.
B32 Challenge(const uint8_t* r, const B32& a, const std::vector<uint8_t>& m) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, r, 32);
  crypto_hash_sha512_update(&st, a.data(), 32);
  crypto_hash_sha512_update(&st, m.data(), m.size());
  std::array<uint8_t, 64> h{};
  crypto_hash_sha512_final(&st, h.data());
  B32 s{};
  crypto_core_ed25519_scalar_reduce(s.data(), h.data());
  return s;
}

// The signature (R = r_point, S = r + h*a) under the public key encoding a_enc.
B64 Forge(const B32& a_enc, const B32& a, const B32& r_point, const B32& r, const std::vector<uint8_t>& m) {
  B64 sig{};
  std::copy(r_point.begin(), r_point.end(), sig.begin());
  const B32 h = Challenge(sig.data(), a_enc, m);
  B32 ha{}, s{};
  crypto_core_ed25519_scalar_mul(ha.data(), h.data(), a.data());
  crypto_core_ed25519_scalar_add(s.data(), r.data(), ha.data());
  std::copy(s.begin(), s.end(), sig.begin() + 32);
  return sig;
}

B32 Base(const B32& scalar) {
  B32 p{};
  Must(crypto_scalarmult_ed25519_base_noclamp(p.data(), scalar.data()));
  return p;
}

}  // namespace

B32 MustHex32(std::string_view hex) {
  const auto b = ParseHexN<32>(hex);
  if (!b) std::abort();
  B32 out{};
  std::copy(b->v.begin(), b->v.end(), out.begin());
  return out;
}

std::vector<uint8_t> MustHexBytes(std::string_view hex) {
  std::string bytes;
  if (!ParseHex(hex, &bytes)) std::abort();
  return {bytes.begin(), bytes.end()};
}

const B32& CurveOrder() {
  static const B32 l = MustHex32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  return l;
}

Ed25519ClassTally& Ed25519ClassTally::operator+=(const Ed25519ClassTally& o) {
  cases += o.cases;
  reference_accepted += o.reference_accepted;
  sodium_checked += o.sodium_checked;
  sodium_accepted += o.sodium_accepted;
  fast_disagrees += o.fast_disagrees;
  sodium_only += o.sodium_only;
  return *this;
}

std::string_view Ed25519CaseClassName(Ed25519CaseClass c) {
  switch (c) {
    case Ed25519CaseClass::kValid: return "valid";
    case Ed25519CaseClass::kFlipA: return "valid, one bit of A flipped";
    case Ed25519CaseClass::kFlipR: return "valid, one bit of R flipped";
    case Ed25519CaseClass::kFlipS: return "valid, one bit of S flipped";
    case Ed25519CaseClass::kFlipMessage: return "valid, one bit of the message flipped";
    case Ed25519CaseClass::kSPlusL: return "S + L (non-canonical S)";
    case Ed25519CaseClass::kSHighBits: return "S >= 2^253 (a top bit set)";
    case Ed25519CaseClass::kSmallOrderA: return "small-order A (all encodings)";
    case Ed25519CaseClass::kIdentityR: return "R = the identity";
    case Ed25519CaseClass::kSmallOrderR: return "R small-order or non-canonical identity";
    case Ed25519CaseClass::kMixedOrderA: return "mixed-order A = [a]B + T";
    case Ed25519CaseClass::kNonCanonicalA: return "non-canonical A (y >= p)";
    case Ed25519CaseClass::kNonCanonicalR: return "non-canonical R (y >= p)";
    case Ed25519CaseClass::kRfc8032: return "RFC 8032 vectors 1-3";
    case Ed25519CaseClass::kCount: break;
  }
  return "?";
}

Ed25519CaseGenerator::Ed25519CaseGenerator(uint64_t seed) : rng_(seed) {
  if (sodium_init() < 0) std::abort();
  keys_.resize(256);
  for (Key& k : keys_) {
    std::array<uint8_t, 32> s{};
    for (auto& b : s) b = static_cast<uint8_t>(rng_());
    crypto_sign_seed_keypair(k.pk.data(), k.sk.data(), s.data());
  }
  const B32 t = MustHex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
  torsion_.resize(8);
  torsion_[0] = MustHex32("0100000000000000000000000000000000000000000000000000000000000000");
  torsion_[1] = t;
  for (int k = 2; k < 8; ++k) Must(crypto_core_ed25519_add(torsion_[k].data(), torsion_[k - 1].data(), t.data()));
  B32 eight{};
  Must(crypto_core_ed25519_add(eight.data(), torsion_[7].data(), t.data()));
  if (eight != torsion_[0]) std::abort();
  small_encodings_ = torsion_;
  for (const B32& p : torsion_) {
    B32 twin = p;
    twin[31] ^= 0x80;
    small_encodings_.push_back(twin);
  }
  for (std::string_view h : {"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",   // y = p (0)
                             "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",   // y = p + 1 (1)
                             "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",   // with the sign bit
                             "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"})
    small_encodings_.push_back(MustHex32(h));
}

B32 Ed25519CaseGenerator::RandomScalar() {
  std::array<uint8_t, 64> wide{};
  for (auto& b : wide) b = static_cast<uint8_t>(rng_());
  B32 s{};
  crypto_core_ed25519_scalar_reduce(s.data(), wide.data());
  return s;
}

std::vector<uint8_t> Ed25519CaseGenerator::RandomMessage() {
  // Mostly the size of a transfer's signing message (110 bytes), sometimes anything up to 300.
  std::vector<uint8_t> m(rng_() % 4 == 0 ? rng_() % 301 : 110);
  for (auto& b : m) b = static_cast<uint8_t>(rng_());
  return m;
}

Ed25519Case Ed25519CaseGenerator::Valid() {
  Ed25519Case c;
  Key fresh;
  const Key* key = &keys_[rng_() % keys_.size()];
  if (rng_() % 16 == 0) {  // a key not seen before
    std::array<uint8_t, 32> s{};
    for (auto& b : s) b = static_cast<uint8_t>(rng_());
    crypto_sign_seed_keypair(fresh.pk.data(), fresh.sk.data(), s.data());
    key = &fresh;
  }
  c.a = key->pk;
  c.message = RandomMessage();
  crypto_sign_detached(c.sig.data(), nullptr, c.message.data(), c.message.size(), key->sk.data());
  return c;
}

Ed25519Case Ed25519CaseGenerator::Make(Ed25519CaseClass cls) {
  const auto flip = [&](uint8_t* bytes, size_t n) {
    const uint64_t bit = rng_();
    bytes[bit % n] ^= static_cast<uint8_t>(1u << ((bit >> 8) % 8));
  };
  const B32 zero{};
  Ed25519Case c;
  switch (cls) {
    case Ed25519CaseClass::kValid:
      c = Valid();
      break;
    case Ed25519CaseClass::kFlipA:
      c = Valid();
      flip(c.a.data(), 32);
      break;
    case Ed25519CaseClass::kFlipR:
      c = Valid();
      flip(c.sig.data(), 32);
      break;
    case Ed25519CaseClass::kFlipS:
      c = Valid();
      flip(c.sig.data() + 32, 32);
      break;
    case Ed25519CaseClass::kFlipMessage:
      c = Valid();
      if (c.message.empty()) c.message.push_back(static_cast<uint8_t>(rng_()));
      else flip(c.message.data(), c.message.size());
      break;
    case Ed25519CaseClass::kSPlusL:
      c = Valid();
      sodium_add(c.sig.data() + 32, CurveOrder().data(), 32);
      break;
    case Ed25519CaseClass::kSHighBits:
      c = Valid();
      c.sig[63] |= static_cast<uint8_t>(0x20u << (rng_() % 3));
      break;
    case Ed25519CaseClass::kSmallOrderA: {
      c.a = small_encodings_[rng_() % small_encodings_.size()];
      c.message = RandomMessage();
      const B32 r = RandomScalar();
      c.sig = Forge(c.a, zero, Base(r), r, c.message);  // valid iff [h]A is the identity
      break;
    }
    case Ed25519CaseClass::kIdentityR: {
      const B32 a = RandomScalar();
      c.a = Base(a);
      c.message = RandomMessage();
      c.sig = Forge(c.a, a, torsion_[0], zero, c.message);  // cofactorless-valid
      break;
    }
    case Ed25519CaseClass::kSmallOrderR: {
      const B32 a = RandomScalar();
      c.a = Base(a);
      c.message = RandomMessage();
      c.sig = Forge(c.a, a, small_encodings_[1 + rng_() % (small_encodings_.size() - 1)], zero, c.message);
      break;
    }
    case Ed25519CaseClass::kMixedOrderA: {
      // A = [a]B + kT, R = [r]B - (j*k)T: valid iff h*k = j*k (mod 8).
      const B32 a = RandomScalar(), r = RandomScalar();
      const int k = 1 + static_cast<int>(rng_() % 7), j = static_cast<int>(rng_() % 8);
      const B32 ab = Base(a), rb = Base(r);
      B32 r_point{};
      Must(crypto_core_ed25519_add(c.a.data(), ab.data(), torsion_[k].data()));
      Must(crypto_core_ed25519_sub(r_point.data(), rb.data(), torsion_[(j * k) % 8].data()));
      c.message = RandomMessage();
      c.sig = Forge(c.a, a, r_point, r, c.message);
      break;
    }
    case Ed25519CaseClass::kNonCanonicalA: {
      c.a = MustHex32(kNonCanonical[rng_() % std::size(kNonCanonical)]);
      c.message = RandomMessage();
      const B32 r = RandomScalar();
      c.sig = Forge(c.a, zero, Base(r), r, c.message);
      break;
    }
    case Ed25519CaseClass::kNonCanonicalR: {
      c.a = torsion_[1 + rng_() % 7];
      c.message = RandomMessage();
      c.sig = Forge(c.a, zero, MustHex32(kNonCanonical[rng_() % std::size(kNonCanonical)]), RandomScalar(), c.message);
      break;
    }
    case Ed25519CaseClass::kRfc8032: {
      const Rfc8032Vector& v = kRfc8032Vectors[rng_() % std::size(kRfc8032Vectors)];
      c.a = MustHex32(v.a);
      c.message = MustHexBytes(v.m);
      const auto s = MustHexBytes(v.sig);
      std::copy(s.begin(), s.end(), c.sig.begin());
      break;
    }
    case Ed25519CaseClass::kCount:
      std::abort();
  }
  c.cls = cls;
  return c;
}

Ed25519Verdicts VerifyEd25519Case(const Ed25519Case& c, bool with_sodium) {
  const std::span<const uint8_t> a(c.a.data(), 32), m(c.message), sig(c.sig.data(), 64);
  Ed25519Verdicts v{VerifyEd25519(a, m, sig), VerifyEd25519Reference(a, m, sig), false, with_sodium};
  if (with_sodium)
    v.sodium = crypto_sign_verify_detached(c.sig.data(), c.message.data(), c.message.size(), c.a.data()) == 0;
  return v;
}

void Record(Ed25519Tally& tally, Ed25519CaseClass c, const Ed25519Verdicts& v) {
  Ed25519ClassTally& t = tally[static_cast<size_t>(c)];
  ++t.cases;
  t.reference_accepted += v.reference;
  t.sodium_checked += v.sodium_checked;
  t.sodium_accepted += v.sodium;
  t.fast_disagrees += v.fast != v.reference;
  t.sodium_only += v.sodium && !v.reference;
}

}  // namespace forensics::testing
