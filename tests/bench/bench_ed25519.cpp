// Ed25519 verification: the replay's VerifyEd25519 (libsodium first, OpenSSL for its rejects) against the
// OpenSSL reference alone, in the same run, on 110-byte messages (a transfer's signing message), one
// thread. Valid signatures take the fast path only; small-order cases, which the fast path hands to the
// reference, are rare in real chains and measured by neither. Every verdict must agree.
#include <cstdint>
#include <span>
#include <vector>

#include "bench.h"
#include "forensics/codec.h"

namespace forensics::bench {

int RunEd25519() {
  constexpr int kKeys = 256;
  std::vector<Ed25519Key> keys;
  std::vector<std::vector<uint8_t>> messages;
  std::vector<Signature> signatures;
  for (int i = 0; i < kKeys; ++i) {
    Bytes<32> seed{};
    seed[0] = static_cast<uint8_t>(i);
    seed[1] = 0x5a;
    keys.push_back(Ed25519FromSeed(seed));
    std::vector<uint8_t> m(110);
    for (size_t j = 0; j < m.size(); ++j) m[j] = static_cast<uint8_t>(i * 31 + j);
    signatures.push_back(Ed25519Sign(keys.back(), m));
    if (i % 4 == 3) signatures.back()[5] ^= 1;  // a quarter invalid: R changed
    messages.push_back(std::move(m));
  }
  auto batch = [&](auto verify, int* accepted) {
    int ok = 0;
    for (int i = 0; i < kKeys; ++i)
      ok += verify(std::span<const uint8_t>(keys[i].public_key.data(), 32), std::span<const uint8_t>(messages[i]),
                   std::span<const uint8_t>(signatures[i].data(), 64));
    *accepted = ok;
  };
  int ok_ref = 0, ok_fast = 0;
  bool agree = true;
  for (int i = 0; i < kKeys; ++i) {
    const auto pk = std::span<const uint8_t>(keys[i].public_key.data(), 32);
    const auto sig = std::span<const uint8_t>(signatures[i].data(), 64);
    agree = agree && VerifyEd25519(pk, messages[i], sig) == VerifyEd25519Reference(pk, messages[i], sig);
  }
  const double ref = SecondsPerBatch([&] { batch(VerifyEd25519Reference, &ok_ref); }, 1.0);
  const double fast = SecondsPerBatch([&] { batch(VerifyEd25519, &ok_fast); }, 1.0);
  std::printf("Ed25519 verify, 110-byte messages, %d signatures (a quarter invalid), one thread:\n", kKeys);
  Table t({"path", "verifies/s", "vs reference"});
  t.Add({"OpenSSL 3.0 EVP_DigestVerify (reference)", Fmt("%.0f", kKeys / ref), "1.00x"});
  t.Add({"VerifyEd25519 (libsodium, reference for rejects)", Fmt("%.0f", kKeys / fast), Fmt("%.2fx", ref / fast)});
  t.Print();
  // Rejects pay both libraries: the ratio on valid signatures alone is higher.
  if (!agree || ok_ref != ok_fast) {
    std::printf("  MISMATCH: fast path and reference disagree\n");
    return 1;
  }
  return 0;
}

}  // namespace forensics::bench
