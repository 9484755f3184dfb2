// The plain-word 128-bit amounts of the report structs (types.h) and their conversions (wide_int.h).
#include <catch2/catch.hpp>

#include <limits>

#include "forensics/types.h"
#include "forensics/wide_int.h"

namespace forensics {
namespace {

TEST_CASE("128-bit amounts keep every bit through the plain words and print in decimal", "[wide_int]") {
  const unsigned __int128 big = (static_cast<unsigned __int128>(0x0123456789abcdefULL) << 64) | 0xfedcba9876543210ULL;
  CHECK(Wide(ToWei128(big)) == big);
  CHECK(ToWei128(big).hi == 0x0123456789abcdefULL);
  CHECK(ToDecimal(ToWei128(big)) == "1512366075204170947332355369683137040");
  CHECK(ToDecimal(Wei128{}) == "0");
  CHECK(ToDecimal(Wei128{0, 18'000'000'000'000'000'000ULL}) == "18000000000000000000");
  const __int128 lowest = std::numeric_limits<__int128>::min();
  for (__int128 v : {__int128{0}, __int128{-1}, __int128{1'000'000'000}, -static_cast<__int128>(big), lowest}) {
    CHECK(Wide(ToSignedWei128(v)) == v);
    CHECK(ToSignedWei128(v).negative() == (v < 0));
  }
  CHECK(ToDecimal(ToSignedWei128(-1)) == "-1");
  CHECK(ToDecimal(ToSignedWei128(lowest)) == "-170141183460469231731687303715884105728");
  CHECK(ToSignedWei128(0).zero());
}

}  // namespace
}  // namespace forensics
