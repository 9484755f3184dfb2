// Hex encoding and decoding of chain values.
#include "forensics/types.h"

namespace forensics {
namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return s;
}

bool ParseHex(std::string_view hex, std::string* out) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() % 2) return false;
  out->resize(hex.size() / 2);
  for (size_t i = 0; i < out->size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

template <size_t N>
std::optional<Bytes<N>> ParseHexN(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() != 2 * N) return std::nullopt;
  Bytes<N> b;
  for (size_t i = 0; i < N; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    b.v[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return b;
}

template std::optional<Bytes<32>> ParseHexN<32>(std::string_view);
template std::optional<Bytes<64>> ParseHexN<64>(std::string_view);

Address BurnAddress() {
  Address a;
  a.v[28] = 'd';
  a.v[29] = 'e';
  a.v[30] = 'a';
  a.v[31] = 'd';
  return a;
}

}  // namespace forensics
