// Ed25519: the libsodium fast path (VerifyEd25519) against the OpenSSL reference rule
// (VerifyEd25519Reference) on the RFC 8032 vectors, non-canonical S, and every class of the differential
// generator (tests/util/ed25519_cases.h).
#include <sodium.h>

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "forensics/codec.h"
#include "util/ed25519_cases.h"

namespace forensics {
namespace {

using testing::B32;
using testing::B64;
using testing::MustHex32;
using testing::MustHexBytes;

// Verifies with the three and checks the two invariants: the fast path's verdict is the reference's, and
// libsodium never accepts what the reference rejects.
testing::Ed25519Verdicts Check(const B32& a, const std::vector<uint8_t>& m, const B64& sig) {
  const testing::Ed25519Verdicts v = testing::VerifyEd25519Case({testing::Ed25519CaseClass::kValid, a, m, sig});
  CHECK(v.fast == v.reference);
  if (v.sodium) CHECK(v.reference);
  return v;
}

TEST_CASE("Ed25519: the RFC 8032 vectors 1-3 verify on both paths", "[ed25519]") {
  for (const auto& v : testing::kRfc8032Vectors) {
    B64 sig{};
    auto s = MustHexBytes(v.sig);
    std::copy(s.begin(), s.end(), sig.begin());
    const auto o = Check(MustHex32(v.a), MustHexBytes(v.m), sig);
    CHECK(o.reference);
    CHECK(o.sodium);
    // S + L: the same equation, a non-canonical S; rejected by both.
    B32 s_plus_l{};
    std::copy(sig.begin() + 32, sig.end(), s_plus_l.begin());
    sodium_add(s_plus_l.data(), testing::CurveOrder().data(), 32);
    std::copy(s_plus_l.begin(), s_plus_l.end(), sig.begin() + 32);
    CHECK_FALSE(Check(MustHex32(v.a), MustHexBytes(v.m), sig).reference);
  }
}

TEST_CASE("Ed25519: non-canonical S is rejected by both paths", "[ed25519]") {
  unsigned char pk[32], sk[64];
  crypto_sign_seed_keypair(pk, sk, MustHex32("0101010101010101010101010101010101010101010101010101010101010101").data());
  B32 a{};
  std::copy(pk, pk + 32, a.begin());
  const std::vector<uint8_t> m = MustHexBytes("00112233");
  B64 sig{};
  crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), sk);
  REQUIRE(Check(a, m, sig).reference);
  B32 one = MustHex32("0100000000000000000000000000000000000000000000000000000000000000");
  B32 l_plus_1 = testing::CurveOrder();
  sodium_add(l_plus_1.data(), one.data(), 32);
  B32 two253 = MustHex32("0000000000000000000000000000000000000000000000000000000000000020");
  for (const B32& s : {testing::CurveOrder(), l_plus_1, two253}) {
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

// Every class of ed25519_cases.h, 1,000 cases each (the long run of the same generator is
// `forensics_bench ed25519_diff`, 10 million and more): the fast path's verdict is the reference's on
// every case, libsodium never accepts what the reference rejects, and each class gets the verdicts its
// construction implies.
TEST_CASE("Ed25519: every differential case class agrees with the reference", "[ed25519]") {
  using testing::Ed25519CaseClass;
  testing::Ed25519CaseGenerator gen(8032);
  testing::Ed25519Tally tally{};
  constexpr uint64_t kPerClass = 1000;
  for (size_t c = 0; c < tally.size(); ++c) {
    const auto cls = static_cast<Ed25519CaseClass>(c);
    for (uint64_t i = 0; i < kPerClass; ++i) testing::Record(tally, cls, testing::VerifyEd25519Case(gen.Make(cls)));
  }
  const auto& t = [&](Ed25519CaseClass c) -> const testing::Ed25519ClassTally& { return tally[static_cast<size_t>(c)]; };
  for (size_t c = 0; c < tally.size(); ++c) {
    INFO(testing::Ed25519CaseClassName(static_cast<Ed25519CaseClass>(c)));
    CHECK(tally[c].cases == kPerClass);
    CHECK(tally[c].sodium_checked == kPerClass);
    CHECK(tally[c].fast_disagrees == 0);
    CHECK(tally[c].sodium_only == 0);
  }
  for (auto c : {Ed25519CaseClass::kValid, Ed25519CaseClass::kRfc8032}) {
    CHECK(t(c).reference_accepted == kPerClass);
    CHECK(t(c).sodium_accepted == kPerClass);
  }
  for (auto c : {Ed25519CaseClass::kFlipA, Ed25519CaseClass::kFlipR, Ed25519CaseClass::kFlipS,
                 Ed25519CaseClass::kFlipMessage, Ed25519CaseClass::kSPlusL, Ed25519CaseClass::kSHighBits,
                 Ed25519CaseClass::kSmallOrderR, Ed25519CaseClass::kNonCanonicalA, Ed25519CaseClass::kNonCanonicalR}) {
    INFO(testing::Ed25519CaseClassName(c));
    CHECK(t(c).reference_accepted == 0);
  }
  // Where the fallback decides: cofactorless-valid signatures libsodium refuses.
  CHECK(t(Ed25519CaseClass::kIdentityR).reference_accepted == kPerClass);
  CHECK(t(Ed25519CaseClass::kIdentityR).sodium_accepted == 0);
  CHECK(t(Ed25519CaseClass::kSmallOrderA).reference_accepted > 0);
  CHECK(t(Ed25519CaseClass::kSmallOrderA).sodium_accepted == 0);
  // Valid iff h*k = j*k (mod 8): some, not all.
  CHECK(t(Ed25519CaseClass::kMixedOrderA).reference_accepted > 0);
  CHECK(t(Ed25519CaseClass::kMixedOrderA).reference_accepted < kPerClass);
}

}  // namespace
}  // namespace forensics
