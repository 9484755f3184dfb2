// Ed25519 differential cases: random valid and invalid signatures and every edge-case class, made with
// libsodium's group arithmetic, for checking the replay's fast path (VerifyEd25519) against the reference
// rule (VerifyEd25519Reference). One generator for both the test suite (a small set) and the long run
// (`forensics_bench ed25519_diff`, >= 10 million signatures).
#ifndef FORENSICS_TESTS_UTIL_ED25519_CASES_H_
#define FORENSICS_TESTS_UTIL_ED25519_CASES_H_

#include <array>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace forensics::testing {

using B32 = std::array<uint8_t, 32>;
using B64 = std::array<uint8_t, 64>;

enum class Ed25519CaseClass {
  kValid,               // a fresh or pooled key, a random message, its signature
  kFlipA,               // a valid signature with one bit of A flipped
  kFlipR,               // ... one bit of R
  kFlipS,               // ... one bit of S
  kFlipMessage,         // ... one bit of the message (an empty one gains a byte)
  kSPlusL,              // S + L: the same equation, S not canonical
  kSHighBits,           // S with one of bits 253..255 set
  kSmallOrderA,         // A one of the small-order encodings (incl. sign twins, y >= p), R = [r]B, S = r
  kIdentityR,           // A = [a]B, R = the identity, S = h*a (cofactorless-valid)
  kSmallOrderR,         // A = [a]B, R a small-order encoding other than the canonical identity, S = h*a
  kMixedOrderA,         // A = [a]B + T (T of order 2..8), R = [r]B - [j]T, S = r + h*a
  kNonCanonicalA,       // A an encoding with y >= p that is not small-order, R = [r]B
  kNonCanonicalR,       // R such an encoding, A small-order
  kRfc8032,             // RFC 8032 test vectors 1-3, as published
  kCount
};

std::string_view Ed25519CaseClassName(Ed25519CaseClass c);

// Hex for test constants (ParseHex underneath); abort on malformed hex, a defect of the test itself.
B32 MustHex32(std::string_view hex);
std::vector<uint8_t> MustHexBytes(std::string_view hex);
// The curve order L, little-endian.
const B32& CurveOrder();

// RFC 8032 section 7.1, tests 1-3: public key, message, signature (hex).
struct Rfc8032Vector {
  std::string_view a, m, sig;
};
inline constexpr Rfc8032Vector kRfc8032Vectors[] = {
    {"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};


struct Ed25519Case {
  Ed25519CaseClass cls = Ed25519CaseClass::kValid;
  B32 a{};
  std::vector<uint8_t> message;
  B64 sig{};
};

// Deterministic for a given rng state. Thread-compatible: one generator per thread.
class Ed25519CaseGenerator {
 public:
  explicit Ed25519CaseGenerator(uint64_t seed);
  Ed25519Case Make(Ed25519CaseClass c);

 private:
  struct Key {
    B32 pk{};
    std::array<uint8_t, 64> sk{};
  };
  B32 RandomScalar();
  std::vector<uint8_t> RandomMessage();
  Ed25519Case Valid();

  std::mt19937_64 rng_;
  std::vector<Key> keys_;     // a pool, so that most valid cases cost a signature, not a key pair too
  std::vector<B32> torsion_;  // k*T for k = 0..7, T of order 8
  std::vector<B32> small_encodings_;  // torsion_, their sign-bit twins, y >= p forms of 0 and 1
};

// The outcome of one case on the three verifiers (libsodium alone only when asked: the fast path already
// calls it first, so the long run's random part skips the third call).
struct Ed25519Verdicts {
  bool fast = false, reference = false, sodium = false, sodium_checked = false;
};
Ed25519Verdicts VerifyEd25519Case(const Ed25519Case& c, bool with_sodium = true);

// Per class: how many cases, how many the reference accepted and libsodium alone accepted (of those it
// was asked), and the two invariants' violations (fast != reference; libsodium accepting what the
// reference rejects).
struct Ed25519ClassTally {
  uint64_t cases = 0, reference_accepted = 0, sodium_checked = 0, sodium_accepted = 0, fast_disagrees = 0,
           sodium_only = 0;
  Ed25519ClassTally& operator+=(const Ed25519ClassTally& other);
};
using Ed25519Tally = std::array<Ed25519ClassTally, static_cast<size_t>(Ed25519CaseClass::kCount)>;
void Record(Ed25519Tally& tally, Ed25519CaseClass c, const Ed25519Verdicts& v);

}  // namespace forensics::testing

#endif  // FORENSICS_TESTS_UTIL_ED25519_CASES_H_
