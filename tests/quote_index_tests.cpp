// QuoteIndex, the line parser's 64-bytes-at-a-time quote finder, against a byte-by-byte reference:
// every length up to past its limit, every alignment, quotes on every 64-byte edge, and bytes
// around the line that must not count.
#include "logs/quote_index.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

namespace forensics::logs {
namespace {

// What QuoteIndex must find: the offsets of the quotes, or false when the line is not for it.
bool Reference(std::string_view line, std::vector<size_t>* quotes) {
  quotes->clear();
  if (line.size() > QuoteIndex::kMaxLine) return false;
  for (size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == '\\' || c < 0x20) return false;
    if (c == '"') quotes->push_back(i);
  }
  return true;
}

TEST_CASE("QuoteIndex finds every quote of a line and nothing around it", "[log_events]") {
  std::mt19937_64 rng(64);
  // Mostly plain bytes; quotes dense enough to fall on block edges; now and then a byte that
  // sends the line to the byte-by-byte scan.
  auto byte = [&](bool allow_special) -> char {
    uint64_t r = rng() % 100;
    if (r < 20) return '"';
    if (allow_special && r == 20) return '\\';
    if (allow_special && r == 21) return static_cast<char>(rng() % 0x20);
    if (r < 30) return static_cast<char>(0xC3);
    return static_cast<char>('a' + rng() % 26);
  };
  size_t built = 0, refused = 0;
  for (size_t length = 0; length <= QuoteIndex::kMaxLine + 70; ++length) {
    for (int trial = 0; trial < 6; ++trial) {
      // The line sits at a random offset in a buffer whose other bytes are quotes.
      size_t before = rng() % 80;
      std::string buffer(before + length + 80, '"');
      bool allow_special = trial >= 4;
      for (size_t i = 0; i < length; ++i) buffer[before + i] = byte(allow_special);
      std::string_view line(buffer.data() + before, length);
      std::vector<size_t> expected;
      bool expect_built = Reference(line, &expected);
      INFO("length " << length << ", trial " << trial);
      QuoteIndex index;
#if defined(__SSE2__)
      REQUIRE(index.Build(line) == expect_built);
#else
      REQUIRE_FALSE(index.Build(line));
      continue;
#endif
      if (!expect_built) {
        ++refused;
        continue;
      }
      ++built;
      std::vector<size_t> found;
      while (const char* q = index.Next()) found.push_back(static_cast<size_t>(q - line.data()));
      CHECK(found == expected);
      CHECK(index.Next() == nullptr);
    }
  }
#if defined(__SSE2__)
  CHECK(built > 4000);
  CHECK(refused > 1000);
#endif
}

TEST_CASE("QuoteIndex closes a string at the next quote, and only from the next quote",
          "[log_events]") {
  std::string line = "{\"level\":\"info\",\"n\":12}";
  QuoteIndex index;
#if defined(__SSE2__)
  REQUIRE(index.Build(line));
  const char* p = line.data();
  CHECK(index.Close(p + 1) == p + 7);     // "level"
  CHECK(index.Close(p + 9) == p + 14);    // "info"
  CHECK(index.Close(p + 18) == nullptr);  // not the next quote (that is at 16)
#else
  CHECK_FALSE(index.Build(line));
#endif
}

}  // namespace
}  // namespace forensics::logs
