// Codecs of docs/chain.md: the upstream header vectors, the legacy encoding, the neta layout, the tx
// signing message, Ed25519, rewards and fee shares.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/sha256.h"

using namespace forensics;

namespace {

Hash32 H(std::string_view hex) { return *ParseHexN<32>(hex); }

std::string Unhex(std::string_view hex) {
  std::string out;
  REQUIRE(ParseHex(hex, &out));
  return out;
}

CoreV4Header GenesisVectorHeader() {
  CoreV4Header h;
  h.block_index = 0;
  h.timestamp = 1704067200;
  h.difficulty_target = 100;
  return h;
}

}  // namespace

TEST_CASE("every upstream BLOCK_HEADER vector hashes to its expected core-v4 hash", "[codec]") {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(FORENSICS_TEST_DATA "/coinjecture-core-golden.json");
  int headers = 0;
  for (simdjson::dom::element v : doc["vectors"].get_array()) {
    if (std::string_view(v["operation"]) != "BLOCK_HEADER") continue;
    simdjson::dom::element j = v["header"];
    CoreV4Header h;
    h.codec_version = static_cast<uint8_t>(uint64_t(j["codec_version"]));
    h.block_index = uint64_t(j["block_index"]);
    h.timestamp = int64_t(j["timestamp"]);
    h.parent_hash = H(std::string_view(j["parent_hash"]));
    h.merkle_root = H(std::string_view(j["merkle_root"]));
    h.miner_address = H(std::string_view(j["miner_address"]));
    h.commitment = H(std::string_view(j["commitment"]));
    h.difficulty_target = uint64_t(j["difficulty_target"]);
    h.nonce = uint64_t(j["nonce"]);
    h.extra_data = Unhex(std::string_view(j["extra_data"]));
    INFO(std::string_view(v["test_name"]));
    std::string enc = EncodeCoreV4Header(h);
    CHECK(sha256::Hash(enc).Hex() == std::string_view(v["expected_hash"]));
    // The strict decoder gives back the same header.
    ExtraDataEncoding found;
    auto back = DecodeCoreV4Header(enc, &found);
    REQUIRE(back.has_value());
    CHECK(*back == h);
    CHECK(found == ExtraDataEncoding::kArray);
    ++headers;
  }
  CHECK(headers == 32);
}

TEST_CASE("genesis vector encodes to 267 bytes, legacy bin extra_data gives the legacy hash", "[codec]") {
  CoreV4Header h = GenesisVectorHeader();
  std::string enc = EncodeCoreV4Header(h);
  CHECK(enc.size() == 267);
  CHECK(static_cast<uint8_t>(enc.back()) == 0x90);
  CHECK(sha256::Hash(enc).Hex() == "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc");
  std::string legacy = EncodeCoreV4Header(h, ExtraDataEncoding::kBin);
  CHECK(legacy.size() == 268);
  CHECK(legacy.substr(legacy.size() - 2) == std::string("\xc4\x00", 2));
  CHECK(sha256::Hash(legacy).Hex() == "30d61d0b62a983ed13b30a138d5fcc48b76b773ec9b40c40bfc4ca75acf179bf");
  ExtraDataEncoding found;
  auto back = DecodeCoreV4Header(legacy, &found);
  REQUIRE(back.has_value());
  CHECK(found == ExtraDataEncoding::kBin);
}

TEST_CASE("msgpack integers take the smallest form, negative timestamps the signed forms", "[codec]") {
  CoreV4Header h = GenesisVectorHeader();
  for (int64_t ts : {int64_t{0}, int64_t{127}, int64_t{128}, int64_t{65535}, int64_t{65536}, int64_t{1} << 40,
                     int64_t{-1}, int64_t{-32}, int64_t{-33}, int64_t{-129}, int64_t{-40000}, INT64_MIN}) {
    h.timestamp = ts;
    auto back = DecodeCoreV4Header(EncodeCoreV4Header(h));
    REQUIRE(back.has_value());
    CHECK(back->timestamp == ts);
  }
  h.timestamp = -1;
  std::string enc = EncodeCoreV4Header(h);
  CHECK(enc.find(std::string("\xa9timestamp\xff", 11)) != std::string::npos);
  h.timestamp = 200;
  CHECK(EncodeCoreV4Header(h).find(std::string("\xa9timestamp\xcc\xc8", 12)) != std::string::npos);
}

TEST_CASE("extra_data longer than 15 bytes uses dc + u16 and bytes ≥ 0x80 use cc", "[codec]") {
  CoreV4Header h = GenesisVectorHeader();
  h.extra_data = std::string(20, '\x81');
  std::string enc = EncodeCoreV4Header(h);
  std::string tail = enc.substr(enc.size() - 43);
  CHECK(tail.substr(0, 3) == std::string("\xdc\x00\x14", 3));
  CHECK(tail.substr(3, 2) == std::string("\xcc\x81", 2));
}

TEST_CASE("strict decoding rejects trailing bytes, unknown fields, bad codec version", "[codec]") {
  std::string enc = EncodeCoreV4Header(GenesisVectorHeader());
  CHECK_FALSE(DecodeCoreV4Header(enc + "x").has_value());
  CHECK_FALSE(DecodeCoreV4Header(enc.substr(0, enc.size() - 1)).has_value());
  std::string renamed = enc;
  renamed.replace(renamed.find("nonce"), 5, "nonse");
  CHECK_FALSE(DecodeCoreV4Header(renamed).has_value());
  std::string v2 = enc;
  v2[v2.find("codec_version") + 13] = 2;
  auto r = DecodeCoreV4Header(v2);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message().find("codec_version") != std::string::npos);
}

TEST_CASE("neta header is the 208-byte little-endian layout", "[codec]") {
  BlockHeader h;
  h.height = 0x0102;
  h.parent_hash = Hash32{};
  h.parent_hash->v[0] = 0xaa;
  h.state_root = Hash32{};
  h.tx_root = Hash32{};
  h.timestamp = -2;
  h.validator = Address{};
  h.difficulty = 7;
  h.nonce = 8;
  h.gas_limit = 9;
  h.gas_used = 10;
  h.extra_data = std::string(32, '\x01');
  std::string e = EncodeNetaHeader(h);
  REQUIRE(e.size() == 208);
  CHECK(e.substr(0, 8) == std::string("\x02\x01\0\0\0\0\0\0", 8));
  CHECK(static_cast<uint8_t>(e[8]) == 0xaa);
  CHECK(e.substr(104, 8) == std::string("\xfe\xff\xff\xff\xff\xff\xff\xff", 8));
  CHECK(static_cast<uint8_t>(e[144]) == 7);
  CHECK(static_cast<uint8_t>(e[168]) == 10);
  CHECK(e.substr(176) == std::string(32, '\x01'));
  CHECK(ComputeBlockHash(Profile::kNeta, h) == sha256::Hash(e));
  h.gas_used.reset();
  std::string missing;
  CHECK_FALSE(ComputeBlockHash(Profile::kNeta, h, &missing).has_value());
  CHECK(missing == "gas_used");
}

TEST_CASE("tx signing message is 110 bytes plus data, fields little-endian", "[codec]") {
  Transaction tx;
  tx.codec_version = 1;
  tx.tx_type = 2;
  tx.from.v[0] = 0x11;
  tx.to.v[31] = 0x22;
  tx.amount = 0x0102030405060708;
  tx.nonce = 3;
  tx.gas_limit = 50000;
  tx.gas_price = 4;
  tx.data = "abc";
  tx.timestamp = 1704067200;
  std::string m = TxSigningMessage(tx);
  REQUIRE(m.size() == 113);
  CHECK(m[0] == 1);
  CHECK(m[1] == 2);
  CHECK(static_cast<uint8_t>(m[2]) == 0x11);
  CHECK(static_cast<uint8_t>(m[65]) == 0x22);
  CHECK(m.substr(66, 8) == std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  CHECK(m.substr(98, 4) == std::string("\x03\0\0\0", 4));
  CHECK(m.substr(102, 3) == "abc");
  CHECK(NetaTxHash(tx) == sha256::Hash(m));
}

TEST_CASE("Ed25519 verifies the RFC 8032 test vector 1 and rejects a flipped bit", "[codec]") {
  std::string pk = Unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  std::string sig = Unhex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe"
      "24655141438e7a100b");
  auto u = [](const std::string& s) { return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  CHECK(VerifyEd25519(u(pk), {}, u(sig)));
  sig[10] ^= 1;
  CHECK_FALSE(VerifyEd25519(u(pk), {}, u(sig)));
  // Signing from the RFC's secret key gives the RFC's public key and signature.
  Ed25519Key k = Ed25519FromSeed(*ParseHexN<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  CHECK(k.public_key.Hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  CHECK(Ed25519Sign(k, {}).Hex().substr(0, 16) == "e5564300c360ac72");
}

TEST_CASE("block reward halves every 1,051,200 blocks down to a 0.1 BEANS floor", "[codec]") {
  CHECK(BlockReward(1) == 3'125'000'000);
  CHECK(BlockReward(1'051'199) == 3'125'000'000);
  CHECK(BlockReward(1'051'200) == 1'562'500'000);
  CHECK(BlockReward(2 * 1'051'200) == 781'250'000);
  CHECK(BlockReward(4 * 1'051'200) == 195'312'500);
  CHECK(BlockReward(5 * 1'051'200) == 100'000'000);  // 97,656,250 ≤ 1e8 → floor
  CHECK(BlockReward(500 * 1'051'200) == 100'000'000);
}

TEST_CASE("fee shares truncate the exact double constants, dust is 0, 1 or 2", "[codec]") {
  struct Case {
    uint64_t fees, validator, burn, dust;
  };
  for (Case c : {Case{0, 0, 0, 0}, Case{1, 0, 0, 1}, Case{3, 1, 0, 2}, Case{1000, 414, 292, 2},
                 Case{1'000'000, 414213, 292893, 1}, Case{123456789, 51137476, 36159656, 1}}) {
    FeeShares s = SplitFees(c.fees);
    CHECK(s.validator == c.validator);
    CHECK(s.burn == c.burn);
    CHECK(s.treasury == c.burn);
    CHECK(s.dust == c.dust);
  }
  CHECK(kValidatorShare == 0x1.a827999fcef32p-2);
  CHECK(kBurnShare == 0x1.2bec333018867p-2);
}

TEST_CASE("burn address is 28 zero bytes then ASCII dead", "[codec]") {
  CHECK(BurnAddress().Hex() == std::string(56, '0') + "64656164");
}

// Field names in export-record errors (chain/export_reader.cpp builds them only on an error): the
// exact spelling for a block field, a transaction field, a state-change entry and its fields.
TEST_CASE("export record errors name the field, indexed into arrays", "[codec][export]") {
  const std::string addr(64, 'a');
  auto error_of = [](const std::string& line) {
    auto r = ParseRecordLine(line, Profile::kNeta, "x.ndjson:7");
    REQUIRE_FALSE(r.has_value());
    return r.error().message();
  };
  const std::string tx = "{\"from\":\"" + addr + "\",\"to\":\"" + addr + "\",\"amount\":5}";
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"hash\":\"zz\"}") ==
        "x.ndjson:7: field hash: 'zz' is not hex");
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"state_root\":\"abcd\"}") ==
        "x.ndjson:7: field state_root: expected 32 bytes (64 hex), found 2 bytes");
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"transactions\":[" + tx + ",{\"from\":\"" + addr +
                 "0\"}]}") == "x.ndjson:7: field transactions[1].from: '" + addr.substr(0, 40) + "…' is not hex");
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"txs\":[" + tx + "," + tx + ",{\"amount\":1,\"amount\":2}]}") ==
        "x.ndjson:7: field transactions[2].amount: given twice (directly or through an alias)");
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"txs\":[3]}") ==
        "x.ndjson:7: field transactions[0]: expected an object");
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"state_changes\":[{\"address\":\"" + addr +
                 "\",\"balance\":1},{\"address\":\"" + addr + "\"}]}") ==
        "x.ndjson:7: field state_changes[1].balance: missing");
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"state_changes\":[{\"address\":\"" + addr +
                 "\",\"balance\":-4}]}") ==
        "x.ndjson:7: field state_changes[0].balance: negative value -4 where an unsigned 64-bit integer is required");
  CHECK(error_of("{\"record\":\"snapshot\",\"height\":1,\"accounts\":[7]}") ==
        "x.ndjson:7: field accounts[0]: expected an object");
  // Go's [32]byte spelling still decodes, and a short one is named.
  CHECK(error_of("{\"record\":\"block\",\"height\":1,\"parent_hash\":[1,2,3]}") ==
        "x.ndjson:7: field parent_hash: expected 32 bytes (64 hex), found 3 bytes");
}

// Hex decoding (16 digits at a time where the CPU allows, the rest one by one) against a plain
// reference: every byte value at every position of strings from 0 to 40 bytes, both cases, with
// and without 0x.
TEST_CASE("hex decoding accepts exactly the hex digits, at every position", "[codec][hex]") {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  static constexpr char kDigits[] = "0123456789abcdefABCDEF";
  uint32_t seed = 7;
  auto next = [&] { return seed = seed * 1103515245u + 12345u; };
  for (size_t bytes = 0; bytes <= 40; ++bytes) {
    std::string hex;
    for (size_t i = 0; i < 2 * bytes; ++i) hex.push_back(kDigits[(next() >> 8) % 22]);
    std::string expect;
    for (size_t i = 0; i < bytes; ++i) expect.push_back(static_cast<char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1])));
    std::string out;
    REQUIRE(ParseHex(hex, &out));
    REQUIRE(out == expect);
    REQUIRE(ParseHex("0x" + hex, &out));
    REQUIRE(out == expect);
    for (size_t pos = 0; pos < hex.size(); ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string bad = hex;
        bad[pos] = static_cast<char>(b);
        if (pos == 1 && hex[0] == '0' && (b == 'x' || b == 'X')) continue;  // a 0x prefix, checked above
        const bool valid = nibble(static_cast<char>(b)) >= 0;
        INFO("length " << bytes << ", byte " << b << " at " << pos);
        REQUIRE(ParseHex(bad, &out) == valid);
        if (valid) {
          std::string want = expect;
          const size_t k = pos / 2;
          want[k] = static_cast<char>(nibble(bad[2 * k]) << 4 | nibble(bad[2 * k + 1]));
          REQUIRE(out == want);
        }
      }
    }
  }
  std::optional<Hash32> h = ParseHexN<32>(std::string(63, 'a') + "g");
  CHECK_FALSE(h.has_value());
  h = ParseHexN<32>(std::string(64, 'F'));
  REQUIRE(h.has_value());
  CHECK(h->v[31] == 0xff);
}
