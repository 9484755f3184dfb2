// CIDv0: the UnixFS DAG `ipfs add` builds, against vectors from real IPFS implementations
// (tests/data/cid/README.md), base58btc, every reason ParseCidV0 refuses a text, the raw and pseudo
// CIDs, and content files.
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "forensics/cid.h"
#include "forensics/sha256.h"

namespace cid = forensics::cid;

namespace {

// The generator of tests/data/cid/vectors.json: the first `size` bytes of the xorshift32 stream.
std::vector<uint8_t> Xorshift32(uint32_t seed, size_t size) {
  std::vector<uint8_t> out(size);
  uint32_t x = seed;
  for (size_t i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    for (size_t k = 0; k < 4 && i + k < size; ++k) out[i + k] = static_cast<uint8_t>(x >> (8 * k));
  }
  return out;
}

struct Vector {
  std::string name;
  std::vector<uint8_t> bytes;
  std::string cid;
};

std::vector<Vector> LoadVectors() {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.load(FORENSICS_TEST_DATA "/cid/vectors.json").get(doc) == simdjson::SUCCESS);
  std::vector<Vector> out;
  for (simdjson::dom::element v : doc["vectors"].get_array()) {
    Vector t;
    t.name = std::string(std::string_view(v["name"]));
    t.cid = std::string(std::string_view(v["cid"]));
    std::string_view text;
    if (v["text"].get(text) == simdjson::SUCCESS) {
      t.bytes.assign(text.begin(), text.end());
    } else {
      REQUIRE(std::string_view(v["generator"]) == "xorshift32");
      t.bytes = Xorshift32(static_cast<uint32_t>(uint64_t(v["seed"])), uint64_t(v["size"]));
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string ParseError(std::string_view text) {
  auto r = cid::ParseCidV0(text);
  REQUIRE_FALSE(r.has_value());
  return r.error().message();
}

std::string TempPath(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr ? tmp : "/tmp") + "/cid_tests_" + std::to_string(::getpid()) + "_" + name;
}

}  // namespace

TEST_CASE("CidV0OfContent matches the vectors of a real IPFS implementation", "[cid]") {
  const std::vector<Vector> vectors = LoadVectors();
  REQUIRE(vectors.size() >= 13);
  for (const Vector& v : vectors) {
    INFO(v.name << " (" << v.bytes.size() << " bytes)");
    CHECK(cid::CidV0OfContent(v.bytes) == v.cid);
  }
}

TEST_CASE("the well-known CIDs of the empty file and hello world", "[cid]") {
  CHECK(cid::CidV0OfContent(std::string_view("")) == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
  CHECK(cid::CidV0OfContent(std::string_view("hello world")) == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
}

TEST_CASE("CidV0Builder gives the same CID whatever the pieces the content arrives in", "[cid]") {
  for (const Vector& v : LoadVectors()) {
    if (v.bytes.size() < 100000 || v.bytes.size() > 50000000) continue;
    INFO(v.name);
    cid::CidV0Builder b;
    std::mt19937 rng(7);
    size_t at = 0;
    while (at < v.bytes.size()) {
      const size_t n = std::min<size_t>(v.bytes.size() - at, 1 + rng() % 400000);
      b.Update({v.bytes.data() + at, n});
      at += n;
    }
    CHECK(b.bytes() == v.bytes.size());
    CHECK(cid::CidV0String(b.Finish()) == v.cid);
    // Space()/Commit() in odd pieces, and the builder is reusable after Finish().
    at = 0;
    while (at < v.bytes.size()) {
      std::span<uint8_t> space = b.Space();
      REQUIRE_FALSE(space.empty());
      const size_t n = std::min({space.size(), v.bytes.size() - at, size_t{1} + rng() % 70000});
      std::memcpy(space.data(), v.bytes.data() + at, n);
      b.Commit(n);
      at += n;
    }
    CHECK(cid::CidV0String(b.Finish()) == v.cid);
  }
}

TEST_CASE("base58btc round trips and known encodings", "[cid]") {
  const std::string hello = "hello world";
  CHECK(cid::Base58Encode({reinterpret_cast<const uint8_t*>(hello.data()), hello.size()}) == "StV1DL6CwTryKyV");
  const std::vector<uint8_t> zeros = {0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd};
  CHECK(cid::Base58Encode(zeros) == "11233QC4");
  CHECK(cid::Base58Encode({}).empty());
  auto d = cid::Base58Decode("11233QC4");
  REQUIRE(d.has_value());
  CHECK(*d == zeros);
  std::mt19937 rng(23);
  for (int i = 0; i < 500; ++i) {
    std::vector<uint8_t> bytes(rng() % 70);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    for (size_t k = 0; k < bytes.size() && rng() % 3 == 0; ++k) bytes[k] = 0;  // leading zeros now and then
    auto back = cid::Base58Decode(cid::Base58Encode(bytes));
    REQUIRE(back.has_value());
    CHECK(*back == bytes);
  }
  auto bad = cid::Base58Decode("abc0def");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message() == "character '0' at offset 3 is not base58btc");
}

TEST_CASE("ParseCidV0 accepts a CIDv0 and returns its digest", "[cid]") {
  const forensics::Hash32 digest = forensics::sha256::Hash(std::string_view("hello world"));
  CHECK(cid::CidV0String(digest) == "QmaozNR7DZHQK1ZcU9p7QdrshMvXqWK6gpu5rmrkPdT3L4");
  auto r = cid::ParseCidV0("QmaozNR7DZHQK1ZcU9p7QdrshMvXqWK6gpu5rmrkPdT3L4");
  REQUIRE(r.has_value());
  CHECK(*r == digest);
  for (const Vector& v : LoadVectors()) {
    auto p = cid::ParseCidV0(v.cid);
    REQUIRE(p.has_value());
    CHECK(cid::CidV0String(*p) == v.cid);
  }
}

TEST_CASE("ParseCidV0 names the exact reason for each refusal", "[cid]") {
  const std::string good = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";
  // Not UTF-8: a lone continuation byte, a truncated sequence, an overlong form.
  CHECK(ParseError("Qm\x80" + good.substr(3)) == "not UTF-8: byte 0x80 at offset 2");
  CHECK(ParseError(good.substr(0, 45) + "\xe2\x82") == "not UTF-8: byte 0xe2 at offset 45");
  CHECK(ParseError("\xc0\xafQm") == "not UTF-8: byte 0xc0 at offset 0");
  // Control characters, C0, DEL and C1.
  CHECK(ParseError("Qm\x1b[2J" + good.substr(6)) == "control character U+001B at offset 2");
  CHECK(ParseError(good + "\n") == "control character U+000A at offset 46");
  CHECK(ParseError("Qm\x7f") == "control character U+007F at offset 2");
  CHECK(ParseError("Q\xc2\x9bm") == "control character U+009B at offset 1");
  // Outside the alphabet: 0 O I l, and a non-ASCII character shown whole.
  CHECK(ParseError("Qm0" + good.substr(3)) == "character '0' at offset 2 is not base58btc");
  CHECK(ParseError(good.substr(0, 10) + "O" + good.substr(11)) == "character 'O' at offset 10 is not base58btc");
  CHECK(ParseError("QmI") == "character 'I' at offset 2 is not base58btc");
  CHECK(ParseError("Qml") == "character 'l' at offset 2 is not base58btc");
  CHECK(ParseError("Qm\xc3\xa9") == "character '\xc3\xa9' at offset 2 is not base58btc");
  CHECK(ParseError("Qm " + good.substr(3)) == "character ' ' at offset 2 is not base58btc");
  // Length.
  CHECK(ParseError("") == "0 characters, a CIDv0 has 46");
  CHECK(ParseError(good.substr(0, 45)) == "45 characters, a CIDv0 has 46");
  CHECK(ParseError(good + "z") == "47 characters, a CIDv0 has 46");
  CHECK(ParseError("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")
            .find("a base32 CIDv1? upstream uses CIDv0 only") != std::string::npos);
  CHECK(ParseError("2" + std::string(45, '1')) == "decodes to 33 bytes, a CIDv0 multihash has 34");
  CHECK(ParseError(std::string(46, '1')) == "decodes to 46 bytes, a CIDv0 multihash has 34");
  CHECK(ParseError(std::string(46, 'z')) == "multihash prefix 2c 3c, a CIDv0 has 12 20 (sha2-256, 32 bytes)");
  // Multihash prefix: 34 bytes, 46 characters, but not sha2-256/32.
  std::vector<uint8_t> mh = {0x12, 0x21};
  for (uint8_t i = 0; i < 32; ++i) mh.push_back(i);
  const std::string wrong = cid::Base58Encode(mh);
  REQUIRE(wrong.size() == 46);
  CHECK(ParseError(wrong) == "multihash prefix 12 21, a CIDv0 has 12 20 (sha2-256, 32 bytes)");
}

TEST_CASE("RawSha256Cid and PseudoCid match values computed with Python", "[cid]") {
  CHECK(cid::RawSha256Cid(std::string_view("hello world")) == "QmaozNR7DZHQK1ZcU9p7QdrshMvXqWK6gpu5rmrkPdT3L4");
  const std::string hash(64, 'x');
  const std::string ab = [] {
    std::string s;
    for (int i = 0; i < 32; ++i) s += "ab";
    return s;
  }();
  // hashlib.sha256(f"{42}_{'ab'*32}_{ts}".encode()) for ts = 1730727421.5, 1730727421.0, 1700000000.
  CHECK(cid::PseudoCid(42, ab, cid::PythonFloatRepr(1730727421.5)) == "Qma5Uv2zEqwyjRbc5PPqT4w1DHiP4HwfF5xYhZrDcK2QCZ");
  CHECK(cid::PseudoCid(42, ab, cid::PythonFloatRepr(1730727421.0)) == "QmeJApKFTDcTSTV2kocgrRe1Sc9C31j3xDPB89KEp19qkB");
  CHECK(cid::PseudoCid(42, ab, cid::PythonFloatRepr(1730727421.123456)) ==
        "QmXqGSn2AundfiiVscRwSBvLbn2jJk8zp6N7QHDUnGx3ta");
  CHECK(cid::PseudoCid(42, ab, "1700000000") == "QmbNFVuoKFzFMvvHXsQDLZiisJYv8yhfJge6r21QD8T5DP");
  CHECK(cid::PseudoCid(42, hash, "1700000000") != "QmbNFVuoKFzFMvvHXsQDLZiisJYv8yhfJge6r21QD8T5DP");
}

TEST_CASE("PythonFloatRepr spells floats as Python repr does", "[cid]") {
  CHECK(cid::PythonFloatRepr(1730727421.5) == "1730727421.5");
  CHECK(cid::PythonFloatRepr(1730727421.0) == "1730727421.0");
  CHECK(cid::PythonFloatRepr(0.1) == "0.1");
  CHECK(cid::PythonFloatRepr(1e-05) == "1e-05");
  CHECK(cid::PythonFloatRepr(0.0001) == "0.0001");
  CHECK(cid::PythonFloatRepr(1e16) == "1e+16");
  CHECK(cid::PythonFloatRepr(1e15) == "1000000000000000.0");
  CHECK(cid::PythonFloatRepr(123456789.123456789) == "123456789.12345679");
  CHECK(cid::PythonFloatRepr(-2.5) == "-2.5");
  CHECK(cid::PythonFloatRepr(1.7307274211234567e9) == "1730727421.1234567");
  CHECK(cid::PythonFloatRepr(5e-324) == "5e-324");
  CHECK(cid::PythonFloatRepr(1.5e300) == "1.5e+300");
  CHECK(cid::PythonFloatRepr(0.0) == "0.0");
}

TEST_CASE("DigestContentFile gives the UnixFS CID and the raw SHA-256 of a file", "[cid]") {
  const std::vector<uint8_t> bytes = Xorshift32(2, 5 * 1048576);  // the "5 MiB" vector
  const std::string path = TempPath("five");
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  auto d = cid::DigestContentFile(path);
  REQUIRE(d.has_value());
  CHECK(d->size == bytes.size());
  CHECK(cid::CidV0String(d->unixfs) == "QmbDkD6yLQgm1B23JL4ijoYZZqqAiQoAe8sFv1FEPeunDq");
  CHECK(d->sha256 == forensics::sha256::Hash(bytes));
  std::remove(path.c_str());

  const std::string empty = TempPath("empty");
  { std::ofstream f(empty, std::ios::binary); }
  auto e = cid::DigestContentFile(empty);
  REQUIRE(e.has_value());
  CHECK(cid::CidV0String(e->unixfs) == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
  CHECK(e->size == 0);
  std::remove(empty.c_str());
}

TEST_CASE("DigestContentFile refuses a directory and a missing file", "[cid]") {
  const std::string dir = TempPath("dir");
  std::filesystem::create_directories(dir);
  auto d = cid::DigestContentFile(dir);
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().code() == forensics::Status::Code::kInvalidArgument);
  CHECK(d.error().message().find("is a directory") != std::string::npos);
  std::filesystem::remove_all(dir);
  auto m = cid::DigestContentFile(dir + "-missing");
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().code() == forensics::Status::Code::kIoError);
}

TEST_CASE("DigestContentFile reads a FIFO once", "[cid]") {
  const std::string fifo = TempPath("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::vector<uint8_t> bytes = Xorshift32(1, 262145);  // "one chunk + 1"
  std::thread writer([&] {
    std::ofstream f(fifo, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  });
  auto d = cid::DigestContentFile(fifo);
  writer.join();
  std::remove(fifo.c_str());
  REQUIRE(d.has_value());
  CHECK(cid::CidV0String(d->unixfs) == "QmWGifeKT8ozwk3Eowaa5RHtiBR64jZLRuW9At7RHp6QC3");
  CHECK(d->sha256 == forensics::sha256::Hash(bytes));
}
