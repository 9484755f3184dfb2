// The little-endian writers of little_endian.h: byte order and, for PutLe64, appending.
#include "little_endian.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

TEST_CASE("little-endian writers put the low byte first", "[little_endian]") {
  uint8_t b[8] = {};
  forensics::StoreLe64(b, 0x0102030405060708ull);
  const uint8_t want[8] = {8, 7, 6, 5, 4, 3, 2, 1};
  for (int i = 0; i < 8; ++i) CHECK(b[i] == want[i]);

  std::string out = "x";
  forensics::PutLe64(&out, 0x0102030405060708ull);
  forensics::PutLe64(&out, UINT64_MAX);
  REQUIRE(out.size() == 17);
  CHECK(out[0] == 'x');
  for (int i = 0; i < 8; ++i) CHECK(static_cast<uint8_t>(out[1 + i]) == want[i]);
  for (int i = 9; i < 17; ++i) CHECK(static_cast<uint8_t>(out[i]) == 0xff);
}
