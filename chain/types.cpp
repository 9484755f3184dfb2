// Hex encoding and decoding of chain values.
#include "forensics/types.h"

#include "forensics/json_writer.h"
#include "forensics/wide_int.h"

#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace forensics {
namespace {

// Hex digit values, 0xff for anything else: one load per character on the parsing hot path.
constexpr std::array<uint8_t, 256> kHexValue = [] {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xff;
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<uint8_t>(c);
  for (int c = 0; c < 6; ++c) t['a' + c] = t['A' + c] = static_cast<uint8_t>(10 + c);
  return t;
}();

#if defined(__SSE2__)
// 16 hex digits into 8 bytes; false if any is not a hex digit. Signed compares reject bytes >= 0x80.
inline bool Decode16(const char* hex, uint8_t* out) {
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hex));
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
  const __m128i lower = _mm_or_si128(c, _mm_set1_epi8(0x20));  // 'A'..'F' → 'a'..'f'
  const __m128i letter =
      _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(lower, _mm_set1_epi8('f' + 1)));
  if (_mm_movemask_epi8(_mm_or_si128(digit, letter)) != 0xffff) return false;
  // A digit's value is its low nibble; a letter's is its low nibble (1..6) + 9.
  const __m128i v = _mm_add_epi8(_mm_and_si128(c, _mm_set1_epi8(0x0f)), _mm_and_si128(letter, _mm_set1_epi8(9)));
  // Each 16-bit lane holds (high nibble, low nibble) in its (first, second) byte.
  const __m128i bytes = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0x00ff)), 4), _mm_srli_epi16(v, 8));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(bytes, bytes));
  return true;
}
#endif

// Decodes 2n hex digits into n bytes; false on any non-hex character.
bool DecodeHex(const char* hex, size_t n, uint8_t* out) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 8 <= n; i += 8)
    if (!Decode16(hex + 2 * i, out + i)) return false;
#endif
  uint8_t bad = 0;
  for (; i < n; ++i) {
    uint8_t hi = kHexValue[static_cast<uint8_t>(hex[2 * i])], lo = kHexValue[static_cast<uint8_t>(hex[2 * i + 1])];
    bad |= (hi | lo) & 0xf0;
    out[i] = static_cast<uint8_t>(hi << 4 | (lo & 0x0f));
  }
  return bad == 0;
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
  return DecodeHex(hex.data(), out->size(), reinterpret_cast<uint8_t*>(out->data()));
}

template <size_t N>
std::optional<Bytes<N>> ParseHexN(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() != 2 * N) return std::nullopt;
  Bytes<N> b;
  if (!DecodeHex(hex.data(), N, b.data())) return std::nullopt;
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

namespace forensics {

std::string ToDecimal(const Wei128& v) { return U128ToString(Wide(v)); }
std::string ToDecimal(const SignedWei128& v) { return I128ToString(Wide(v)); }

}  // namespace forensics
