// Ed25519 signature verification (RFC 8032): the reference rule through OpenSSL 3.0's EVP interface, and
// a fast path through libsodium that never changes a verdict.
#include <openssl/evp.h>
#include <sodium.h>

#include "forensics/codec.h"

namespace forensics {

// The replay's rule, OpenSSL 3.0 (crypto/ec/curve25519.c, ossl_ed25519_verify): S must be < L; A is
// decoded from its 255-bit y (non-canonical y >= p accepted, reduced mod p) and the sign bit, and may be
// of small or mixed order; R is not decoded but compared byte for byte with the canonical encoding of
// [S]B - [h]A, h = SHA-512(R || A || M) mod L over the bytes as given: cofactorless.
bool VerifyEd25519Reference(std::span<const uint8_t> public_key32, std::span<const uint8_t> message,
                            std::span<const uint8_t> signature64) {
  if (public_key32.size() != 32 || signature64.size() != 64) return false;
  EVP_PKEY* key =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key32.data(), 32);
  if (key == nullptr) return false;  // not a valid curve point encoding
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, signature64.data(), 64, message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

namespace {

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;  // once, thread-safe (a function-local static)
  return ready;
}

}  // namespace

// Why libsodium's accept is final. libsodium 1.0.18 (crypto_sign_verify_detached, built without
// ED25519_COMPAT as Debian builds it) accepts only if: S < L (sc25519_is_canonical); R is not one of the
// small-order encodings; A has a canonical y (< p), is not small-order, and decodes; and the canonical
// encoding of [S]B - [h]A, h = SHA-512(R || A || M) mod L over the bytes as given, equals R byte for byte
// (cofactorless). Every one of those inputs passes the reference's checks: S < L is the same bound; a
// canonical A that is not small order decodes in OpenSSL to the same point (same y, same sign rule; the
// only encodings the two could read differently, x = 0 with the sign bit set, are small-order ones
// libsodium refuses); h is the same hash of the same bytes; and both compare the same canonical encoding
// with R. So libsodium accepts a subset of what the reference accepts, and only its rejects need the
// reference (small-order or non-canonical A, small-order R: accepted by OpenSSL when the equation holds).
// tests/ed25519_tests.cpp checks this on every edge class and on a random set; were an input ever found
// that libsodium accepts and the reference rejects, the rule would have to become "confirm every accept
// with the reference".
bool VerifyEd25519(std::span<const uint8_t> public_key32, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature64) {
  if (public_key32.size() != 32 || signature64.size() != 64) return false;
  if (SodiumReady() && crypto_sign_verify_detached(signature64.data(), message.data(), message.size(),
                                                   public_key32.data()) == 0) {
    return true;
  }
  return VerifyEd25519Reference(public_key32, message, signature64);
}

Ed25519Key Ed25519FromSeed(const Bytes<32>& seed) {
  Ed25519Key k;
  k.seed = seed;
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32);
  size_t len = 32;
  if (key != nullptr) EVP_PKEY_get_raw_public_key(key, k.public_key.data(), &len);
  EVP_PKEY_free(key);
  return k;
}

Signature Ed25519Sign(const Ed25519Key& k, std::span<const uint8_t> message) {
  Signature sig;
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, k.seed.data(), 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 64;
  if (key && ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1)
    EVP_DigestSign(ctx, sig.data(), &len, message.data(), message.size());
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return sig;
}

}  // namespace forensics
