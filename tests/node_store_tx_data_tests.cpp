// tx_data decoding: the one-pass reader and the field decoder read every entry alike, and what the
// one-pass reader does not take still gets the field decoder's message.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstring>
#include <memory>
#include <random>

#include "node_store/tx_data.h"

namespace forensics::node_store {
namespace {

const ColumnWhere kWhere{"db", "blocks", "block", {}, 3, "tx_data"};

std::string Ints(const uint8_t* p, size_t n) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += fmt::format("{}{}", i ? "," : "", p[i]);
  return s + "]";
}

bool Same(const TxDataEntry& a, const TxDataEntry& b) {
  return a.hash == b.hash && a.from == b.from && a.to == b.to && a.amount == b.amount && a.fee == b.fee &&
         a.nonce == b.nonce && a.gas_limit == b.gas_limit && a.gas_price == b.gas_price && a.tx_type == b.tx_type &&
         a.signature == b.signature;
}

TEST_CASE("tx_data entries read the same by the one-pass reader and by the field decoder", "[node-store]") {
  std::mt19937_64 rng(7);
  TxDataDecoder d;
  for (int round = 0; round < 200; ++round) {
    Bytes<32> h, f, t;
    Bytes<64> sig;
    for (size_t i = 0; i < 32; ++i) h[i] = static_cast<uint8_t>(rng());
    for (size_t i = 0; i < 32; ++i) f[i] = static_cast<uint8_t>(rng());
    for (size_t i = 0; i < 32; ++i) t[i] = static_cast<uint8_t>(rng());
    for (size_t i = 0; i < 64; ++i) sig[i] = static_cast<uint8_t>(rng());
    const uint64_t amount = rng(), nonce = rng() % 1000, fee = rng() >> (rng() % 64);
    const bool p2p = round % 2 == 0;
    const std::string entry =
        p2p ? fmt::format(R"({{"tx_hash":{},"from":{},"to":{},"amount":{},"nonce":{},"fee":{},"signature":{})",
                          Ints(h.data(), 32), Ints(f.data(), 32), Ints(t.data(), 32), amount, nonce, fee, Ints(sig.data(), 64))
            : fmt::format(R"({{"hash":"{}","from":"{}","to":"{}","amount":{},"fee":{},"nonce":{},"gas_limit":21000,"gas_price":{},"tx_type":1)",
                          h.Hex(), f.Hex(), t.Hex(), amount, fee, nonce, rng() % 1000);
    const std::string fast = "[" + entry + "}]";
    // An unknown key with a null: the one-pass reader gives up, the field decoder skips it.
    const std::string exact = "[ " + entry + R"(,"note":null} ])";
    const uint64_t before = d.one_pass();
    auto a = d.Decode(fast, kWhere);
    CHECK(d.one_pass() == before + 1);
    auto b = d.Decode(exact, kWhere);
    CHECK(d.one_pass() == before + 1);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->size() == 1);
    REQUIRE(b->size() == 1);
    CHECK(Same((*a)[0], (*b)[0]));
    CHECK((*a)[0].hash == h);
    CHECK((*a)[0].amount == amount);
    CHECK((p2p ? (*a)[0].signature == sig : (*a)[0].tx_type == 1));
  }
}

TEST_CASE("tx_data cut at every byte is read or refused and never read past its end", "[node-store]") {
  Bytes<32> h;
  for (size_t i = 0; i < 32; ++i) h[i] = static_cast<uint8_t>(i * 37 + 1);
  const std::string full = fmt::format(R"([{{"tx_hash":{},"amount":7,"nonce":120,"fee":1000}},{{"from":{}}}])",
                                       Ints(h.data(), 32), Ints(h.data(), 32));
  TxDataDecoder d;
  REQUIRE(d.Decode(full, kWhere));
  // Also an element of four digits (no byte), where the fast path looks furthest ahead.
  for (const std::string& text : {full, std::string(R"([{"to":[1,2,1234]}])")}) {
    for (size_t n = 0; n < text.size(); ++n) {
      INFO(text.substr(0, n));
      // A buffer of exactly n bytes on the heap, so that a read past its end is caught by ASan.
      std::unique_ptr<char[]> cut(new char[n == 0 ? 1 : n]);
      std::memcpy(cut.get(), text.data(), n);
      auto r = d.Decode(std::string_view(cut.get(), n), kWhere);
      CHECK(!r);  // every proper prefix of the array is incomplete JSON
    }
  }
}

TEST_CASE("tx_data the one-pass reader does not take gets the field decoder's message", "[node-store]") {
  TxDataDecoder d;
  struct Case {
    std::string json, message;
  };
  const std::vector<Case> cases = {
      {R"([{"amount":007}])", "not valid JSON"},
      {R"([{"amount":-1}])", "tx_data[0].amount: negative value -1"},
      {R"([{"from":[1,2,3]}])", "tx_data[0].from: expected 32 bytes"},
      {R"([{"from":[1,2,300]}])", "tx_data[0].from: element 2 is not a byte"},
      {R"([{"amount":1,"amount":2}])", "tx_data[0].amount: given twice"},
      {R"([{"amount":1.5}])", "tx_data[0].amount: not an unsigned 64-bit integer"},
      {R"([{},7])", "tx_data[1]: expected an object"},
      {R"({"amount":1})", "expected a JSON array"},
      {R"([{"tx_hash":"abc"}])", "tx_data[0].tx_hash"},
  };
  for (const Case& c : cases) {
    INFO(c.json);
    auto r = d.Decode(c.json, kWhere);
    REQUIRE(!r);
    CHECK(r.error().message().find(c.message) != std::string::npos);
    CHECK(r.error().message().find("block 3") != std::string::npos);
  }
  // What both readers accept: spaces, an empty array, an empty entry, escapes in a key the field
  // decoder reads.
  CHECK(d.Decode(" [ ] ", kWhere)->empty());
  CHECK(d.Decode("[{}]", kWhere)->size() == 1);
  CHECK(*d.Decode(R"([{"am\u006funt":5}])", kWhere)->at(0).amount == 5);
  CHECK(*d.Decode("[ { \"nonce\" : 9 } ]", kWhere)->at(0).nonce == 9);
}

}  // namespace
}  // namespace forensics::node_store
