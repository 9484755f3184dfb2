// SHA-256 throughput on 64-byte (merkle node) and 48-byte (state leaf) messages, per backend, against
// OpenSSL in the same run: SHA256() once per message, and OpenSSL's fastest streaming use (a reused
// EVP context, and the low-level SHA256_Init/Update/Final). Targets: the best backend ≥ 8× OpenSSL's
// per-message SHA256() and ≥ 2× the best OpenSSL figure, on 64-byte messages.
#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_Init & co. are measured on purpose, as a baseline
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "forensics/merkle.h"
#include "forensics/sha256.h"

namespace forensics::bench {
namespace {

constexpr size_t kMessages = 4096;  // 256 KiB of 64-byte input: stays in L2, as a merkle level batch does

struct Measured {
  std::string name;
  double per_second;
};

std::vector<Measured> MeasureOpenSsl(const std::vector<uint8_t>& in, size_t size, std::vector<uint8_t>* out) {
  std::vector<Measured> m;
  m.push_back({"openssl SHA256() per message", kMessages / SecondsPerBatch([&] {
                 for (size_t i = 0; i < kMessages; ++i) SHA256(&in[size * i], size, &(*out)[32 * i]);
               })});
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  m.push_back({"openssl EVP, reused ctx", kMessages / SecondsPerBatch([&] {
                 for (size_t i = 0; i < kMessages; ++i) {
                   unsigned int len = 0;
                   EVP_DigestInit_ex(ctx, md, nullptr);
                   EVP_DigestUpdate(ctx, &in[size * i], size);
                   EVP_DigestFinal_ex(ctx, &(*out)[32 * i], &len);
                 }
               })});
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  m.push_back({"openssl SHA256_Init/Update/Final", kMessages / SecondsPerBatch([&] {
                 for (size_t i = 0; i < kMessages; ++i) {
                   SHA256_CTX c;
                   SHA256_Init(&c);
                   SHA256_Update(&c, &in[size * i], size);
                   SHA256_Final(&(*out)[32 * i], &c);
                 }
               })});
  return m;
}

// Returns false if a backend's digests differ from OpenSSL's.
bool RunSize(size_t size) {
  std::mt19937_64 rng(size);
  std::vector<uint8_t> in(size * kMessages);
  for (auto& b : in) b = static_cast<uint8_t>(rng());
  std::vector<uint8_t> expected(32 * kMessages), out(32 * kMessages);
  for (size_t i = 0; i < kMessages; ++i) SHA256(&in[size * i], size, &expected[32 * i]);

  std::vector<Measured> openssl = MeasureOpenSsl(in, size, &out);
  const double per_message = openssl[0].per_second;
  double best_openssl = 0;
  for (const Measured& m : openssl) best_openssl = std::max(best_openssl, m.per_second);

  bool ok = true;
  std::vector<Measured> ours;
  for (const sha256::Backend* b : sha256::AllBackends()) {
    if (!sha256::Supported(*b)) {
      ours.push_back({std::string(b->name) + " (not supported here)", 0});
      continue;
    }
    auto many = size == 64 ? b->hash64_many : b->hash48_many;
    std::fill(out.begin(), out.end(), 0);
    many(in.data(), out.data(), kMessages);
    if (out != expected) ok = false;
    ours.push_back({std::string(b->name) + (b->lanes > 1 ? " x" + std::to_string(b->lanes) : ""),
                    kMessages / SecondsPerBatch([&] { many(in.data(), out.data(), kMessages); })});
  }
  auto active = size == 64 ? sha256::Hash64Many : sha256::Hash48Many;
  ours.push_back({"Hash" + std::to_string(size) + "Many (active: " + std::string(sha256::Active().name) + ")",
                  kMessages / SecondsPerBatch([&] { active(in.data(), out.data(), kMessages); })});

  std::printf("%zu-byte messages, batches of %zu:\n", size, kMessages);
  Table t({"implementation", "Mhash/s", "ns/hash", "x SHA256()", "x best OpenSSL"});
  auto row = [&](const Measured& m) {
    if (m.per_second == 0) {
      t.Add({m.name, "-", "-", "-", "-"});
      return;
    }
    t.Add({m.name, Fmt("%.2f", m.per_second / 1e6), Fmt("%.1f", 1e9 / m.per_second),
           Fmt("%.2f", m.per_second / per_message), Fmt("%.2f", m.per_second / best_openssl)});
  };
  for (const Measured& m : openssl) row(m);
  double best = 0;
  for (const Measured& m : ours) {
    row(m);
    best = std::max(best, m.per_second);
  }
  t.Print();
  if (size == 64) {
    std::printf("  target: best >= 8x SHA256() per message: %.1fx %s; >= 2x best OpenSSL: %.1fx %s\n",
                best / per_message, best / per_message >= 8 ? "met" : "MISSED", best / best_openssl,
                best / best_openssl >= 2 ? "met" : "MISSED");
  }
  if (!ok) std::printf("  ERROR: some backend's digests differ from OpenSSL's\n");
  return ok;
}

// MerkleRoot of a block's worth of transaction hashes under each backend (forced in turn), where the
// short levels near the root matter as much as the wide ones.
bool RunMerkle() {
  const std::string before(sha256::Active().name);
  std::vector<Hash32> leaves(1000);
  for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = sha256::Hash("tx_" + std::to_string(i));
  const Hash32 expected = MerkleRoot(leaves, OddRule::kPromote);
  bool ok = true;
  std::printf("MerkleRoot of 1000 leaves (promote rule), per backend forced in turn:\n");
  Table t({"backend", "us/root", "Mnodes/s"});
  for (const sha256::Backend* b : sha256::AllBackends()) {
    if (!sha256::Force(b->name).ok()) continue;
    Hash32 root;
    const double s = SecondsPerBatch([&] { root = MerkleRoot(leaves, OddRule::kPromote); });
    ok = ok && root == expected;
    t.Add({std::string(b->name), Fmt("%.1f", s * 1e6), Fmt("%.2f", 999 / s / 1e6)});
  }
  t.Print();
  (void)sha256::Force(before);
  return ok;
}

}  // namespace

int RunSha256() {
  const bool ok64 = RunSize(64);
  std::printf("\n");
  const bool ok48 = RunSize(48);
  std::printf("\n");
  const bool ok_merkle = RunMerkle();
  return ok64 && ok48 && ok_merkle ? 0 : 1;
}

}  // namespace forensics::bench
