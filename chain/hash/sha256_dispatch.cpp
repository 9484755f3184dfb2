// SHA-256 backend list, self-test and the once-per-process choice of the active backend.
//
// Choosing (first call to Active(), unless Force() ran first): walk AllBackends() best first and take
// the first supported one that passes SelfTest. Scalar is last and needs nothing, so the walk always
// ends there at the latest.
// Force() replaces the choice at any time (tests, the CLI's --hash-backend flag and its
// FORENSICS_SHA256_BACKEND variable: the library itself reads no environment).
#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

#include "forensics/sha256.h"
#include "hash/cpu_features.h"
#include "hash/sha256_kernels.h"

namespace forensics::sha256 {
namespace {

using namespace internal;  // NOLINT(google-build-using-namespace): kernel entry points

#if defined(__x86_64__)
#define FORENSICS_SHA256_X86_KERNELS 1
#endif

constexpr Backend kScalar{"scalar", 0, 1, ScalarHash64Many, ScalarHash48Many, ScalarHash};

#if defined(FORENSICS_SHA256_X86_KERNELS)
constexpr Backend kShani{"shani", cpu::kSha | cpu::kSse41 | cpu::kSsse3, 2, ShaniHash64Many,
                         ShaniHash48Many, ShaniHash};

bool ShaniUsable();

// The lane-parallel kernels have no single-message path of their own (one message would leave all
// lanes but one idle): they hash single messages with SHA-NI when it is usable, else portably.
void SingleStreamHash(const uint8_t* in, size_t len, uint8_t* out) {
  static const auto fn = ShaniUsable() ? ShaniHash : ScalarHash;
  fn(in, len, out);
}

constexpr Backend kAvx2{"avx2x8", cpu::kAvx2, 8, Avx2Hash64Many, Avx2Hash48Many, SingleStreamHash};
constexpr Backend kAvx512{"avx512x16", cpu::kAvx512f | cpu::kAvx512bw | cpu::kAvx512vl, 16,
                          Avx512Hash64Many, Avx512Hash48Many, SingleStreamHash};
#endif

// THE list, best first. Ordered by measured 64-byte-message throughput (forensics_bench sha256, one
// core of an AMD EPYC with SHA-NI and AVX-512): avx512x16 43-46 M/s, shani (2-way) 22.6 M/s, avx2x8
// 12.7 M/s, scalar 2.3 M/s (2026-11-28). SHA-NI beats the 8-lane AVX2 kernel, so it comes before it: a CPU with
// both (AMD Zen 1-3, Intel Ice Lake and later without AVX-512) is better served by SHA-NI.
constexpr const Backend* kAll[] = {
#if defined(FORENSICS_SHA256_X86_KERNELS)
    &kAvx512,
    &kShani,
    &kAvx2,
#endif
    &kScalar,
};

const Backend* Find(std::string_view name) {
  for (const Backend* b : kAll) {
    if (b->name == name) return b;
  }
  return nullptr;
}

// Deterministic test input (xorshift32 bytes); sha256_tests.cpp and the known answers below were
// produced from the same stream.
void FillTestStream(uint8_t* p, size_t n) {
  uint32_t s = 0x12345678;
  for (size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    p[i] = static_cast<uint8_t>(s);
  }
}

bool EqualsHex(const uint8_t* digest, const char* hex) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) {
    if (hex[2 * i] != kDigits[digest[i] >> 4] || hex[2 * i + 1] != kDigits[digest[i] & 15]) {
      return false;
    }
  }
  return true;
}

bool HashMatches(const Backend& b, std::string_view msg, const char* hex) {
  uint8_t d[32];
  b.hash(reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), d);
  return EqualsHex(d, hex);
}

// Checks a fixed-size batch entry point: the 33-message batch against a known answer (the hash of
// all 33 digests), then every lane edge case n against a prefix of that batch, with a canary after
// the last digest to catch writes past out[32 n).
bool BatchMatches(const Backend& b, void (*many)(const uint8_t*, uint8_t*, size_t),
                  const uint8_t* stream, const char* known_hex) {
  constexpr size_t kMax = 33;
  uint8_t all[(kMax + 1) * 32];
  std::memset(all, 0xa5, sizeof(all));
  many(stream, all, kMax);
  uint8_t agg[32];
  b.hash(all, kMax * 32, agg);
  if (!EqualsHex(agg, known_hex)) return false;
  for (size_t i = kMax * 32; i < sizeof(all); ++i) {
    if (all[i] != 0xa5) return false;
  }
  static constexpr size_t kEdges[] = {0, 1, 7, 8, 9, 15, 16, 17, 33};
  for (size_t n : kEdges) {
    uint8_t out[(kMax + 1) * 32];
    std::memset(out, 0xa5, sizeof(out));
    many(stream, out, n);
    if (std::memcmp(out, all, 32 * n) != 0) return false;
    for (size_t i = 32 * n; i < sizeof(out); ++i) {
      if (out[i] != 0xa5) return false;
    }
  }
  return true;
}

std::atomic<const Backend*> g_active{nullptr};
std::once_flag g_choose_once;

const Backend* Choose() {
  for (const Backend* b : kAll) {
    if (Supported(*b) && SelfTest(*b)) return b;
  }
  return &kScalar;  // unreachable unless scalar itself is broken; SelfTest-based tests will say so
}

void ChooseOnce() {
  std::call_once(g_choose_once, [] {
    const Backend* chosen = Choose();
    const Backend* expected = nullptr;
    // A Force() that ran first wins.
    g_active.compare_exchange_strong(expected, chosen, std::memory_order_acq_rel);
  });
}

#if defined(FORENSICS_SHA256_X86_KERNELS)
bool ShaniUsable() {
  static const bool ok = SelfTest(kShani);
  return ok;
}
#endif

}  // namespace

std::span<const Backend* const> AllBackends() { return kAll; }

bool Supported(const Backend& b) { return (b.required_isa & cpu::Detect()) == b.required_isa; }

std::string MissingFeatures(const Backend& b) { return cpu::FeatureNames(b.required_isa & ~cpu::Detect()); }

bool SelfTest(const Backend& b) {
  if (!Supported(b)) return false;
  // FIPS 180-4 examples.
  if (!HashMatches(b, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") ||
      !HashMatches(b, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ||
      !HashMatches(b, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")) {
    return false;
  }
  uint8_t stream[33 * 64];
  FillTestStream(stream, sizeof(stream));
  // Every length 0..130 (all padding cases, one to three blocks), folded into one known answer.
  uint8_t digests[131 * 32];
  for (size_t len = 0; len <= 130; ++len) b.hash(stream, len, digests + 32 * len);
  uint8_t agg[32];
  b.hash(digests, sizeof(digests), agg);
  if (!EqualsHex(agg, "29c6f20e6ba5542420fcd060eae98254d71c6bff9a0989fcef74ec662b44bcd3")) {
    return false;
  }
  return BatchMatches(b, b.hash64_many, stream,
                      "a64a37a5439a253aac2c51dcd4ddf662d1dc2131cefe16524faec1b3d08d3370") &&
         BatchMatches(b, b.hash48_many, stream,
                      "cbd2e158c16f353217bd9497eae587a628325702b69488129b8ab095e89b7bf8");
}

const Backend& Active() {
  const Backend* b = g_active.load(std::memory_order_acquire);
  if (b != nullptr) return *b;
  ChooseOnce();
  return *g_active.load(std::memory_order_acquire);
}

Status Force(std::string_view name) {
  const Backend* b = Find(name);
  if (b == nullptr) return Status::InvalidArgument("unknown SHA-256 backend '" + std::string(name) + "'");
  if (!Supported(*b)) {
    return Status::NotSupported("this CPU lacks " + MissingFeatures(*b) +
                                " for SHA-256 backend '" + std::string(name) + "'");
  }
  if (!SelfTest(*b)) {
    return Status::NotSupported("SHA-256 backend '" + std::string(name) + "' failed its self-test");
  }
  g_active.store(b, std::memory_order_release);
  return Status::Ok();
}

Hash32 Hash(std::span<const uint8_t> msg) {
  Hash32 h;
  Active().hash(msg.data(), msg.size(), h.data());
  return h;
}

namespace {

// SHA-NI if the CPU has it and it passed its self-test, else nullptr.
const Backend* ShortBatchBackend() {
#if defined(FORENSICS_SHA256_X86_KERNELS)
  return ShaniUsable() ? &kShani : nullptr;
#else
  return nullptr;
#endif
}

// A lane-parallel kernel pays for a full batch even when a batch is short. A short tail (at most
// half the lanes) goes to SHA-NI instead when it is usable: on the machine of the numbers above a
// 16-lane AVX-512 batch costs as much as about eleven SHA-NI hashes of 64 bytes. Merkle levels near
// the root are all tail.
void RunMany(size_t msg_size, const uint8_t* in, uint8_t* out, size_t n) {
  const Backend& b = Active();
  auto many = [msg_size](const Backend& k) { return msg_size == 64 ? k.hash64_many : k.hash48_many; };
  const size_t tail = n % b.lanes;
  const Backend* narrow = b.lanes > 2 && tail != 0 && 2 * tail <= b.lanes ? ShortBatchBackend() : nullptr;
  if (narrow == nullptr) {
    many(b)(in, out, n);
    return;
  }
  const size_t head = n - tail;
  many(b)(in, out, head);
  many(*narrow)(in + msg_size * head, out + 32 * head, tail);
}

}  // namespace

void Hash64Many(const uint8_t* in, uint8_t* out, size_t n) { RunMany(64, in, out, n); }

void Hash48Many(const uint8_t* in, uint8_t* out, size_t n) { RunMany(48, in, out, n); }

}  // namespace forensics::sha256
