// Value types of the COINjecture v4 chain: 32-byte hashes and addresses, 64-byte signatures, hex.
#ifndef FORENSICS_TYPES_H_
#define FORENSICS_TYPES_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace forensics {

using BlockHeight = uint64_t;
using Amount = uint64_t;  // wei; 1 BEANS = 10^9 wei

template <size_t N>
struct Bytes {
  std::array<uint8_t, N> v{};

  static constexpr size_t size() { return N; }
  const uint8_t* data() const { return v.data(); }
  uint8_t* data() { return v.data(); }
  uint8_t& operator[](size_t i) { return v[i]; }
  uint8_t operator[](size_t i) const { return v[i]; }
  bool IsZero() const {
    for (uint8_t b : v)
      if (b) return false;
    return true;
  }
  std::span<const uint8_t> span() const { return {v.data(), N}; }
  std::string Hex() const;
  // First 8 bytes as 16 hex, as daemon logs print hashes.
  std::string ShortHex() const { return Hex().substr(0, 16); }
  friend auto operator<=>(const Bytes&, const Bytes&) = default;
};

// Equality of two 32-byte values in four word compares (operator== goes through a memcmp call).
inline bool SameBytes32(const Bytes<32>& a, const Bytes<32>& b) {
  uint64_t x[4], y[4];
  std::memcpy(x, a.data(), sizeof(x));
  std::memcpy(y, b.data(), sizeof(y));
  return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

using Hash32 = Bytes<32>;
using Address = Bytes<32>;
using Signature = Bytes<64>;

// A 128-bit sum of wei (a supply) and a signed one (a difference of supplies), as plain words, so
// that the report structs need no compiler extension: `hi` is the high 64 bits (two's complement in
// SignedWei128). ToDecimal() spells them; the library's own arithmetic converts with wide_int.h.
struct Wei128 {
  uint64_t hi = 0, lo = 0;
  friend bool operator==(const Wei128&, const Wei128&) = default;
};
struct SignedWei128 {
  int64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator==(const SignedWei128&, const SignedWei128&) = default;
  bool negative() const { return hi < 0; }
  bool zero() const { return hi == 0 && lo == 0; }
};
std::string ToDecimal(const Wei128& v);
std::string ToDecimal(const SignedWei128& v);  // a '-' first when negative

// One account's values: what chain data records and what the state root commits to.
struct AccountEntry {
  Address address;
  Amount balance = 0;
  uint64_t nonce = 0;
};

// Lowercase hex of any byte range.
std::string ToHex(std::span<const uint8_t> bytes);
// Parses even-length hex (upper or lower case, optional "0x"). Returns false on any other character.
bool ParseHex(std::string_view hex, std::string* out);
// Parses exactly N bytes of hex. Returns nullopt on wrong length or a non-hex character.
template <size_t N>
std::optional<Bytes<N>> ParseHexN(std::string_view hex);

extern template std::optional<Bytes<32>> ParseHexN<32>(std::string_view);
extern template std::optional<Bytes<64>> ParseHexN<64>(std::string_view);

template <size_t N>
std::string Bytes<N>::Hex() const {
  return ToHex(span());
}

// Burn address: 28 zero bytes then ASCII "dead" (docs/chain.md §3).
Address BurnAddress();

}  // namespace forensics

template <size_t N>
struct fmt::formatter<forensics::Bytes<N>> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const forensics::Bytes<N>& b, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(b.Hex(), ctx);
  }
};

#endif  // FORENSICS_TYPES_H_
