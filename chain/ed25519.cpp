// Ed25519 signature verification (RFC 8032) through OpenSSL's EVP interface.
#include <openssl/evp.h>

#include "forensics/codec.h"

namespace forensics {

bool VerifyEd25519(std::span<const uint8_t> public_key32, std::span<const uint8_t> message,
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
