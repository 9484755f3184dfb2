// SHA-256 backends: every compiled-in backend against NIST vectors, OpenSSL and the upstream golden
// vectors, with the lane edge cases of the batched entry points; plus the dispatch (Force, and the
// CLI's FORENSICS_SHA256_BACKEND).
#include <openssl/sha.h>
#include <simdjson.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "forensics/sha256.h"
#include "util/cli_run.h"

namespace sha256 = forensics::sha256;

namespace {

std::vector<std::string> BackendNames() {
  std::vector<std::string> names;
  for (const sha256::Backend* b : sha256::AllBackends()) names.emplace_back(b->name);
  return names;
}

const sha256::Backend& BackendNamed(const std::string& name) {
  for (const sha256::Backend* b : sha256::AllBackends()) {
    if (b->name == name) return *b;
  }
  FAIL("no backend " << name);
  return *sha256::AllBackends()[0];
}

std::string Hex(const uint8_t* p, size_t n) { return forensics::ToHex({p, n}); }

std::string BackendHashHex(const sha256::Backend& b, const std::string& msg) {
  uint8_t d[32];
  b.hash(reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), d);
  return Hex(d, 32);
}

std::string OpenSslHex(const uint8_t* p, size_t n) {
  uint8_t d[32];
  SHA256(p, n, d);
  return Hex(d, 32);
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

// Checks a batched entry point on n messages of msg_size bytes starting at a given misalignment,
// against OpenSSL, and that nothing past out[32 n) is written.
void CheckBatch(void (*many)(const uint8_t*, uint8_t*, size_t), size_t msg_size, size_t n,
                size_t misalign, std::mt19937_64& rng) {
  std::vector<uint8_t> in = RandomBytes(rng, n * msg_size + misalign);
  std::vector<uint8_t> out(32 * n + 64 + misalign, 0x5c);
  many(in.data() + misalign, out.data() + misalign, n);
  for (size_t i = 0; i < n; ++i) {
    INFO("message " << i << " of " << n << ", misalign " << misalign);
    CHECK(Hex(out.data() + misalign + 32 * i, 32) ==
          OpenSslHex(in.data() + misalign + msg_size * i, msg_size));
  }
  for (size_t i = misalign + 32 * n; i < out.size(); ++i) REQUIRE(out[i] == 0x5c);
  for (size_t i = 0; i < misalign; ++i) REQUIRE(out[i] == 0x5c);
}

std::string GoldenPath() { return std::string(FORENSICS_TEST_DATA) + "/coinjecture-core-golden.json"; }

}  // namespace

#define FORENSICS_SKIP_IF_UNSUPPORTED(b)                                        \
  do {                                                                          \
    if (!sha256::Supported(b)) {                                                \
      WARN("backend " << (b).name << " not supported by this CPU; skipped");    \
      return;                                                                   \
    }                                                                           \
  } while (0)

TEST_CASE("backend list is best first and ends with scalar", "[sha256]") {
  auto all = sha256::AllBackends();
  REQUIRE(!all.empty());
  CHECK(all.back()->name == "scalar");
  CHECK(all.back()->required_isa == 0);
  CHECK(sha256::Supported(*all.back()));
  for (const sha256::Backend* b : all) {
    CHECK(b->lanes >= 1);
    CHECK(b->hash != nullptr);
    CHECK(b->hash64_many != nullptr);
    CHECK(b->hash48_many != nullptr);
  }
}

TEST_CASE("every supported backend passes its self-test", "[sha256]") {
  const std::string name = GENERATE(from_range(BackendNames()));
  const sha256::Backend& b = BackendNamed(name);
  FORENSICS_SKIP_IF_UNSUPPORTED(b);
  CHECK(sha256::SelfTest(b));
}

TEST_CASE("every backend reproduces the NIST FIPS 180-4 vectors", "[sha256]") {
  const std::string name = GENERATE(from_range(BackendNames()));
  const sha256::Backend& b = BackendNamed(name);
  FORENSICS_SKIP_IF_UNSUPPORTED(b);
  CHECK(BackendHashHex(b, "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(BackendHashHex(b, "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(BackendHashHex(b, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(BackendHashHex(b,
                       "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
                       "nopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(BackendHashHex(b, std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("every backend matches OpenSSL on random lengths 0..300 and some large inputs", "[sha256]") {
  const std::string name = GENERATE(from_range(BackendNames()));
  const sha256::Backend& b = BackendNamed(name);
  FORENSICS_SKIP_IF_UNSUPPORTED(b);
  std::mt19937_64 rng(42);
  std::vector<size_t> lengths;
  for (size_t len = 0; len <= 300; ++len) lengths.push_back(len);
  for (int i = 0; i < 20; ++i) lengths.push_back(rng() % 100000);
  for (size_t len : lengths) {
    std::vector<uint8_t> msg = RandomBytes(rng, len + 1);
    const uint8_t* p = msg.data() + 1;  // deliberately unaligned
    uint8_t d[32];
    b.hash(p, len, d);
    INFO("length " << len);
    CHECK(Hex(d, 32) == OpenSslHex(p, len));
  }
}

TEST_CASE("every backend's 64-byte batch matches OpenSSL on lane edge cases", "[sha256]") {
  const std::string name = GENERATE(from_range(BackendNames()));
  const sha256::Backend& b = BackendNamed(name);
  FORENSICS_SKIP_IF_UNSUPPORTED(b);
  std::mt19937_64 rng(64);
  for (size_t n : {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 257}) {
    for (size_t misalign : {0, 4, 1}) CheckBatch(b.hash64_many, 64, n, misalign, rng);
  }
}

TEST_CASE("every backend's 48-byte batch matches OpenSSL on lane edge cases", "[sha256]") {
  const std::string name = GENERATE(from_range(BackendNames()));
  const sha256::Backend& b = BackendNamed(name);
  FORENSICS_SKIP_IF_UNSUPPORTED(b);
  std::mt19937_64 rng(48);
  for (size_t n : {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 257}) {
    for (size_t misalign : {0, 4, 1}) CheckBatch(b.hash48_many, 48, n, misalign, rng);
  }
}

TEST_CASE("every backend reproduces the upstream golden SHA256 vectors", "[sha256]") {
  const std::string name = GENERATE(from_range(BackendNames()));
  const sha256::Backend& b = BackendNamed(name);
  FORENSICS_SKIP_IF_UNSUPPORTED(b);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(GoldenPath());
  int checked = 0;
  for (simdjson::dom::object v : doc["vectors"]) {
    if (std::string_view(v["operation"]) != "SHA256") continue;
    const std::string_view test_name = v["test_name"];
    std::string input;
    REQUIRE(forensics::ParseHex(std::string_view(v["input_hex"]), &input));
    if (test_name == "sha256_large_10kb") {
      // input_hex holds only the first 64 bytes; the input is input_size bytes of 0xAA.
      REQUIRE(uint64_t(v["input_size"]) == 10240);
      REQUIRE(input == std::string(64, '\xaa'));
      input = std::string(10240, '\xaa');
    }
    INFO(test_name);
    CHECK(BackendHashHex(b, input) == std::string_view(v["expected_hash"]));
    ++checked;
  }
  CHECK(checked == 10);
}

TEST_CASE("Force selects a supported backend and rejects unknown names", "[sha256]") {
  const std::string before(sha256::Active().name);
  for (const sha256::Backend* b : sha256::AllBackends()) {
    const forensics::Status st = sha256::Force(b->name);
    if (!sha256::Supported(*b)) {
      CHECK(st.code() == forensics::Status::Code::kNotSupported);
      CHECK(sha256::Active().name != b->name);
      continue;
    }
    REQUIRE(st.ok());
    CHECK(sha256::Active().name == b->name);
    // The convenience entry points run on the forced backend.
    CHECK(sha256::Hash(std::string_view("abc")).Hex() ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    std::mt19937_64 rng(7);
    CheckBatch(sha256::Hash64Many, 64, 37, 0, rng);
    CheckBatch(sha256::Hash48Many, 48, 37, 0, rng);
  }
  const forensics::Status bad = sha256::Force("no-such-backend");
  CHECK(bad.code() == forensics::Status::Code::kInvalidArgument);
  REQUIRE(sha256::Force(before).ok());
  CHECK(sha256::Active().name == before);
}

const sha256::Backend* FirstSupported() {
  for (const sha256::Backend* b : sha256::AllBackends()) {
    if (sha256::Supported(*b)) return b;
  }
  return nullptr;
}

// Run in a child process by the test below, with FORENSICS_SHA256_BACKEND set to a backend other
// than the automatic choice: the library reads no environment, so the first Active() of a fresh
// process is still the best supported backend.
TEST_CASE("child: automatic choice ignores FORENSICS_SHA256_BACKEND", "[.sha256_auto_child]") {
  REQUIRE(std::getenv("FORENSICS_SHA256_BACKEND") != nullptr);
  REQUIRE(FirstSupported() != nullptr);
  CHECK(sha256::Active().name == FirstSupported()->name);
}

TEST_CASE("automatic choice is the first supported backend and the library reads no environment", "[sha256]") {
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  REQUIRE(len > 0);
  self[len] = '\0';
  // Scalar is supported everywhere; on x86 it is never the automatic choice.
  const std::string cmd = std::string("FORENSICS_SHA256_BACKEND=scalar '") + self +
                          "' --warn NoTests '[sha256_auto_child]' >/dev/null 2>&1";
  INFO(cmd);
  CHECK(std::system(cmd.c_str()) == 0);
}

namespace {

// The backend `forensics hash-backends` marks active, or "".
std::string ActiveInListing(const std::string& listing) {
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() >= 6 && line.compare(line.size() - 6, 6, "active") == 0) return line.substr(0, line.find(' '));
  }
  return "";
}

// The CLI run with FORENSICS_SHA256_BACKEND set to `value`.
forensics::testing::CliRun CliWithEnv(const std::string& value, const std::string& args = "hash-backends") {
  return forensics::testing::RunScript(
      "/bin/sh", "FORENSICS_SHA256_BACKEND='" + value + "' exec '" + forensics::testing::CliBinary() + "' " + args);
}

}  // namespace

TEST_CASE("the CLI takes FORENSICS_SHA256_BACKEND and bad names fall back with a warning", "[sha256][cli]") {
  const sha256::Backend* first = FirstSupported();
  REQUIRE(first != nullptr);
  for (const sha256::Backend* b : sha256::AllBackends()) {
    const forensics::testing::CliRun r = CliWithEnv(std::string(b->name));
    INFO(b->name << "\n" << r.out << r.err);
    CHECK(r.status == 0);
    if (sha256::Supported(*b)) {
      CHECK(ActiveInListing(r.out) == b->name);
      CHECK(r.err.empty());
    } else {
      CHECK(ActiveInListing(r.out) == first->name);
      CHECK(r.err == fmt::format("forensics: warning: FORENSICS_SHA256_BACKEND: this CPU lacks {} for '{}'; using {}\n",
                                 sha256::MissingFeatures(*b), b->name, first->name));
    }
  }
  forensics::testing::CliRun r = CliWithEnv("no-such-backend");
  CHECK(r.status == 0);
  CHECK(ActiveInListing(r.out) == first->name);
  CHECK(r.err == fmt::format("forensics: warning: FORENSICS_SHA256_BACKEND: unknown backend 'no-such-backend'; using {}\n",
                             first->name));
  // Empty is unset: the automatic choice, no warning.
  r = CliWithEnv("");
  CHECK(ActiveInListing(r.out) == first->name);
  CHECK(r.err.empty());
  // A bad --hash-backend is still a usage error, after the variable's warning.
  r = CliWithEnv("no-such-backend", "--hash-backend nosuch --version");
  CHECK(r.status == 2);
  CHECK(r.err.rfind("forensics: warning: FORENSICS_SHA256_BACKEND: unknown backend 'no-such-backend'", 0) == 0);
  CHECK(r.err.find("forensics: --hash-backend: ") != std::string::npos);
}

namespace {

// A backend that is right except in one lane: the kind of bug SelfTest exists to catch.
void ScalarHash64ButLane9Wrong(const uint8_t* in, uint8_t* out, size_t n) {
  const sha256::Backend& scalar = *sha256::AllBackends().back();
  scalar.hash64_many(in, out, n);
  if (n > 9) out[32 * 9] ^= 1;
}

void ScalarHash48ButWritesPastEnd(const uint8_t* in, uint8_t* out, size_t n) {
  const sha256::Backend& scalar = *sha256::AllBackends().back();
  scalar.hash48_many(in, out, n);
  if (n % 16 != 0) out[32 * n] = 0;  // a padded-batch kernel that stores its whole last batch
}

}  // namespace

TEST_CASE("self-test rejects a backend wrong in one lane or writing past the last digest", "[sha256]") {
  const sha256::Backend& scalar = *sha256::AllBackends().back();
  REQUIRE(scalar.name == "scalar");
  sha256::Backend bad_lane = scalar;
  bad_lane.name = "bad-lane";
  bad_lane.hash64_many = ScalarHash64ButLane9Wrong;
  CHECK_FALSE(sha256::SelfTest(bad_lane));
  sha256::Backend bad_tail = scalar;
  bad_tail.name = "bad-tail";
  bad_tail.hash48_many = ScalarHash48ButWritesPastEnd;
  CHECK_FALSE(sha256::SelfTest(bad_tail));
  CHECK(sha256::SelfTest(scalar));
}
