// Ed25519: the libsodium fast path (VerifyEd25519) against the OpenSSL reference rule
// (VerifyEd25519Reference) on the RFC 8032 vectors, every edge-case class and a random set.
#include <sodium.h>

#include <array>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "forensics/codec.h"

namespace forensics {
namespace {

using B32 = std::array<uint8_t, 32>;
using B64 = std::array<uint8_t, 64>;

std::vector<uint8_t> Hex(const std::string& h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

B32 Hex32(const std::string& h) {
  B32 b{};
  auto v = Hex(h);
  std::copy(v.begin(), v.end(), b.begin());
  return b;
}

struct Outcome {
  bool fast, reference, sodium;
};

// Verifies with the three, and checks the two invariants: the fast path's verdict is the reference's, and
// libsodium never accepts what the reference rejects.
Outcome Check(const B32& a, const std::vector<uint8_t>& m, const B64& sig) {
  Outcome o{VerifyEd25519(a, m, sig), VerifyEd25519Reference(a, m, sig),
            crypto_sign_verify_detached(sig.data(), m.data(), m.size(), a.data()) == 0};
  CHECK(o.fast == o.reference);
  if (o.sodium) CHECK(o.reference);
  return o;
}

// The curve order L, little-endian.
const B32 kL = Hex32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

// The eight small-order points: multiples k*T of a point T of order 8.
std::vector<B32> SmallOrderPoints() {
  const B32 t = Hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
  std::vector<B32> pts(8);
  pts[0] = Hex32("0100000000000000000000000000000000000000000000000000000000000000");
  pts[1] = t;
  for (int k = 2; k < 8; ++k) REQUIRE(crypto_core_ed25519_add(pts[k].data(), pts[k - 1].data(), t.data()) == 0);
  B32 eight{};
  REQUIRE(crypto_core_ed25519_add(eight.data(), pts[7].data(), t.data()) == 0);
  REQUIRE(eight == pts[0]);
  return pts;
}

B32 RandomScalar(std::mt19937_64& rng) {
  std::array<uint8_t, 64> wide{};
  for (auto& b : wide) b = static_cast<uint8_t>(rng());
  B32 s{};
  crypto_core_ed25519_scalar_reduce(s.data(), wide.data());
  return s;
}

// h = SHA-512(R || A || M) mod L.
B32 Challenge(const uint8_t* r, const B32& a, const std::vector<uint8_t>& m) {
  std::vector<uint8_t> in(r, r + 32);
  in.insert(in.end(), a.begin(), a.end());
  in.insert(in.end(), m.begin(), m.end());
  std::array<uint8_t, 64> h{};
  crypto_hash_sha512(h.data(), in.data(), in.size());
  B32 s{};
  crypto_core_ed25519_scalar_reduce(s.data(), h.data());
  return s;
}

// A signature under the encoding `a_enc` of [a]B + T, with R = r_point, S = r + h*a: it satisfies the
// cofactorless equation exactly when [h]T = [r]B - R, which the caller arranges (or not).
B64 Forge(const B32& a_enc, const B32& a, const B32& r_point, const B32& r, const std::vector<uint8_t>& m) {
  B64 sig{};
  std::copy(r_point.begin(), r_point.end(), sig.begin());
  B32 h = Challenge(sig.data(), a_enc, m), ha{}, s{};
  crypto_core_ed25519_scalar_mul(ha.data(), h.data(), a.data());
  crypto_core_ed25519_scalar_add(s.data(), r.data(), ha.data());
  std::copy(s.begin(), s.end(), sig.begin() + 32);
  return sig;
}

TEST_CASE("Ed25519: the RFC 8032 vectors 1-3 verify on both paths", "[ed25519]") {
  struct V { const char* a; const char* m; const char* sig; };
  const V vectors[] = {
      {"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
  };
  for (const V& v : vectors) {
    B64 sig{};
    auto s = Hex(v.sig);
    std::copy(s.begin(), s.end(), sig.begin());
    const Outcome o = Check(Hex32(v.a), Hex(v.m), sig);
    CHECK(o.reference);
    CHECK(o.sodium);
    // S + L: the same equation, a non-canonical S; rejected by both.
    B32 s_plus_l{};
    std::copy(sig.begin() + 32, sig.end(), s_plus_l.begin());
    sodium_add(s_plus_l.data(), kL.data(), 32);
    std::copy(s_plus_l.begin(), s_plus_l.end(), sig.begin() + 32);
    CHECK_FALSE(Check(Hex32(v.a), Hex(v.m), sig).reference);
  }
}

TEST_CASE("Ed25519: non-canonical S is rejected by both paths", "[ed25519]") {
  unsigned char pk[32], sk[64];
  crypto_sign_seed_keypair(pk, sk, Hex32("0101010101010101010101010101010101010101010101010101010101010101").data());
  B32 a{};
  std::copy(pk, pk + 32, a.begin());
  const std::vector<uint8_t> m = Hex("00112233");
  B64 sig{};
  crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), sk);
  REQUIRE(Check(a, m, sig).reference);
  B32 one = Hex32("0100000000000000000000000000000000000000000000000000000000000000");
  B32 l_plus_1 = kL;
  sodium_add(l_plus_1.data(), one.data(), 32);
  B32 two253 = Hex32("0000000000000000000000000000000000000000000000000000000000000020");
  for (const B32& s : {kL, l_plus_1, two253}) {
    B64 bad = sig;
    std::copy(s.begin(), s.end(), bad.begin() + 32);
    CHECK_FALSE(Check(a, m, bad).reference);
  }
  for (uint8_t high : {uint8_t{0x20}, uint8_t{0x40}, uint8_t{0x80}}) {  // S >= 2^253, and the top bit
    B64 bad = sig;
    bad[63] |= high;
    CHECK_FALSE(Check(a, m, bad).reference);
  }
}

TEST_CASE("Ed25519: small-order, mixed-order and non-canonical A and R agree with the reference", "[ed25519]") {
  const std::vector<B32> torsion = SmallOrderPoints();
  std::mt19937_64 rng(8032);
  const B32 zero{};
  // Small-order encodings as the reference reads them: the canonical eight, their sign-bit twins, and
  // y >= p forms (p = 0, p + 1 = 1) with and without the sign bit.
  std::vector<B32> small_encodings = torsion;
  for (const B32& t : torsion) {
    B32 twin = t;
    twin[31] ^= 0x80;
    small_encodings.push_back(twin);
  }
  for (const char* h : {"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}) {
    small_encodings.push_back(Hex32(h));
  }
  int reference_only = 0, accepted = 0;
  // A small-order (a = 0): R = [r]B is valid whenever [h]A is the identity.
  for (const B32& a_enc : small_encodings) {
    for (int tries = 0; tries < 16; ++tries) {
      std::vector<uint8_t> m{static_cast<uint8_t>(tries)};
      const B32 r = RandomScalar(rng);
      B32 rb{};
      REQUIRE(crypto_scalarmult_ed25519_base_noclamp(rb.data(), r.data()) == 0);
      const Outcome o = Check(a_enc, m, Forge(a_enc, zero, rb, r, m));
      CHECK_FALSE(o.sodium);
      reference_only += o.reference;
      accepted += o.reference;
    }
  }
  // A = [a]B clean, R = identity with S = h*a: cofactorless-valid, refused by libsodium (small-order R).
  for (int i = 0; i < 16; ++i) {
    const B32 a = RandomScalar(rng);
    B32 a_enc{};
    REQUIRE(crypto_scalarmult_ed25519_base_noclamp(a_enc.data(), a.data()) == 0);
    std::vector<uint8_t> m{static_cast<uint8_t>(i), 7};
    const Outcome o = Check(a_enc, m, Forge(a_enc, a, torsion[0], zero, m));
    CHECK(o.reference);
    CHECK_FALSE(o.sodium);
    reference_only += o.reference && !o.sodium;
    // Small-order R other than the identity, and non-canonical R: never the computed encoding.
    for (size_t k = 1; k < small_encodings.size(); ++k) {
      CHECK_FALSE(Check(a_enc, m, Forge(a_enc, a, small_encodings[k], zero, m)).reference);
    }
  }
  // Mixed-order A = [a]B + T: valid with R = [r]B - [h]T, which the loop hits when h mod 8 matches.
  int mixed_valid = 0;
  for (int i = 0; i < 64; ++i) {
    const B32 a = RandomScalar(rng), r = RandomScalar(rng);
    const int k = 1 + i % 7, j = i % 8;
    B32 ab{}, a_enc{}, rb{}, r_point{};
    REQUIRE(crypto_scalarmult_ed25519_base_noclamp(ab.data(), a.data()) == 0);
    REQUIRE(crypto_core_ed25519_add(a_enc.data(), ab.data(), torsion[k].data()) == 0);
    REQUIRE(crypto_scalarmult_ed25519_base_noclamp(rb.data(), r.data()) == 0);
    // R = [r]B - [j*k]T8 (index arithmetic in the cyclic torsion group).
    REQUIRE(crypto_core_ed25519_sub(r_point.data(), rb.data(), torsion[(j * k) % 8].data()) == 0);
    for (int tries = 0; tries < 8; ++tries) {
      std::vector<uint8_t> m{static_cast<uint8_t>(i), static_cast<uint8_t>(tries)};
      const Outcome o = Check(a_enc, m, Forge(a_enc, a, r_point, r, m));
      mixed_valid += o.reference;
    }
  }
  CHECK(reference_only > 0);  // the fallback is needed: without it these verdicts would change
  CHECK(accepted > 0);
  CHECK(mixed_valid > 0);
  // Non-canonical A that is not small-order (y = p + 2 ... 2^255 - 1 style), and R likewise: both reject.
  for (const char* h : {"efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
    const B32 enc = Hex32(h);
    const std::vector<uint8_t> m{1, 2, 3};
    const B32 r = RandomScalar(rng);
    B32 rb{};
    REQUIRE(crypto_scalarmult_ed25519_base_noclamp(rb.data(), r.data()) == 0);
    Check(enc, m, Forge(enc, zero, rb, r, m));
    Check(torsion[1], m, Forge(torsion[1], zero, enc, r, m));
  }
}

TEST_CASE("Ed25519: random valid and bit-flipped signatures agree with the reference", "[ed25519]") {
  std::mt19937_64 rng(25519);
  int valid = 0, invalid = 0;
  for (int i = 0; i < 20000; ++i) {
    unsigned char seed[32], pk[32], sk[64];
    for (auto& b : seed) b = static_cast<uint8_t>(rng());
    crypto_sign_seed_keypair(pk, sk, seed);
    std::vector<uint8_t> m(rng() % 301);
    for (auto& b : m) b = static_cast<uint8_t>(rng());
    B64 sig{};
    crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), sk);
    B32 a{};
    std::copy(pk, pk + 32, a.begin());
    valid += Check(a, m, sig).reference;
    const uint64_t where = rng() % 4, bit = rng();
    if (where == 0) a[bit % 32] ^= static_cast<uint8_t>(1u << (bit >> 8) % 8);
    if (where == 1) sig[bit % 32] ^= static_cast<uint8_t>(1u << (bit >> 8) % 8);
    if (where == 2) sig[32 + bit % 32] ^= static_cast<uint8_t>(1u << (bit >> 8) % 8);
    if (where == 3) {
      if (m.empty()) m.push_back(0);
      m[bit % m.size()] ^= static_cast<uint8_t>(1u << (bit >> 8) % 8);
    }
    invalid += !Check(a, m, sig).reference;
  }
  CHECK(valid == 20000);
  CHECK(invalid == 20000);
}

}  // namespace
}  // namespace forensics
