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

}  // namespace forensics
