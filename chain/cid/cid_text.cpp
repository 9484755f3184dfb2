// CID text: base58btc, CIDv0 parsing with the exact reason for a refusal, the raw and pseudo CIDs.
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "forensics/cid.h"
#include "forensics/sha256.h"

namespace forensics::cid {
namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Value of a base58btc character, -1 outside the alphabet.
int Digit(unsigned char c) {
  static const auto table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 58; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  return table[c];
}

// Length of the UTF-8 sequence starting at text[i], 0 if it is not valid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

}  // namespace

std::string Base58Encode(std::span<const uint8_t> bytes) {
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // Base-58 digits, least significant first; log(256)/log(58) < 1.366.
  std::vector<uint8_t> digits;
  digits.reserve(bytes.size() * 138 / 100 + 1);
  for (size_t i = zeros; i < bytes.size(); ++i) {
    uint32_t carry = bytes[i];
    for (uint8_t& d : digits) {
      carry += static_cast<uint32_t>(d) << 8;
      d = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<std::vector<uint8_t>> Base58Decode(std::string_view text) {
  size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  std::vector<uint8_t> bytes;  // least significant first
  bytes.reserve(text.size() * 733 / 1000 + 1);
  for (size_t i = ones; i < text.size(); ++i) {
    const int d = Digit(static_cast<unsigned char>(text[i]));
    if (d < 0) {
      return Status::InvalidArgument(fmt::format("character '{}' at offset {} is not base58btc",
                                                 static_cast<unsigned char>(text[i]) < 0x80
                                                     ? std::string(1, text[i])
                                                     : fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i])),
                                                 i));
    }
    uint32_t carry = static_cast<uint32_t>(d);
    for (uint8_t& b : bytes) {
      carry += static_cast<uint32_t>(b) * 58;
      b = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  std::vector<uint8_t> out(ones, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

std::string CidV0String(const Hash32& digest) {
  uint8_t mh[34] = {0x12, 0x20};
  std::memcpy(mh + 2, digest.data(), 32);
  return Base58Encode(mh);
}

Result<Hash32> ParseCidV0(std::string_view text) {
  // 1. Encoding: a CID from a log line or a file name may be any bytes.
  for (size_t i = 0; i < text.size();) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      return Status::InvalidArgument(
          fmt::format("not UTF-8: byte 0x{:02x} at offset {}", static_cast<unsigned char>(text[i]), i));
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0;
    if (c < 0x20 || c == 0x7f || c1) {
      const unsigned v = c1 ? static_cast<unsigned char>(text[i + 1]) : c;
      return Status::InvalidArgument(fmt::format("control character U+{:04X} at offset {}", v, i));
    }
    i += n;
  }
  // A base32 CIDv1 ("bafy…", 59 characters) is a common confusion: said with either refusal below.
  const std::string hint = text.size() == 59 && text[0] == 'b' ? " (a base32 CIDv1? upstream uses CIDv0 only)" : "";
  // 2. Alphabet: the first character outside base58btc, printed whole (it is valid UTF-8 by now).
  for (size_t i = 0; i < text.size();) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n > 1 || Digit(static_cast<unsigned char>(text[i])) < 0) {
      return Status::InvalidArgument(
          fmt::format("character '{}' at offset {} is not base58btc{}", text.substr(i, n), i, hint));
    }
    i += n;
  }
  // 3. Length, in characters and then in decoded bytes.
  if (text.size() != kCidV0Length) {
    return Status::InvalidArgument(fmt::format("{} characters, a CIDv0 has {}{}", text.size(), kCidV0Length, hint));
  }
  FORENSICS_ASSIGN_OR_RETURN(std::vector<uint8_t> mh, Base58Decode(text));
  if (mh.size() != 34) {
    return Status::InvalidArgument(fmt::format("decodes to {} bytes, a CIDv0 multihash has 34", mh.size()));
  }
  // 4. Multihash: sha2-256 (0x12), 32 bytes (0x20).
  if (mh[0] != 0x12 || mh[1] != 0x20) {
    return Status::InvalidArgument(
        fmt::format("multihash prefix {:02x} {:02x}, a CIDv0 has 12 20 (sha2-256, 32 bytes)", mh[0], mh[1]));
  }
  Hash32 digest;
  std::memcpy(digest.data(), mh.data() + 2, 32);
  return digest;
}

std::string RawSha256Cid(std::span<const uint8_t> bytes) { return CidV0String(sha256::Hash(bytes)); }

std::string PseudoCid(uint64_t index, std::string_view block_hash, std::string_view timestamp) {
  return CidV0String(sha256::Hash(fmt::format("{}_{}_{}", index, block_hash, timestamp)));
}

std::string PythonFloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Python: repr uses format 'r' — the shortest digits that round-trip, in fixed notation when the
  // decimal exponent is in [-4, 16), else as d.ddde±XX.
  const std::string shortest = fmt::format("{}", v);  // shortest round-trip digits (fmt picks the notation)
  // Pull the digits and exponent out of the shortest form, whichever notation fmt chose.
  std::string digits;
  int point = 0;  // position of the decimal point relative to digits' start
  {
    std::string mant = shortest;
    int e = 0;
    if (size_t p = mant.find_first_of("eE"); p != std::string::npos) {
      e = std::stoi(mant.substr(p + 1));
      mant = mant.substr(0, p);
    }
    if (!mant.empty() && mant[0] == '-') mant = mant.substr(1);
    size_t dot = mant.find('.');
    std::string intpart = dot == std::string::npos ? mant : mant.substr(0, dot);
    std::string frac = dot == std::string::npos ? "" : mant.substr(dot + 1);
    digits = intpart + frac;
    point = static_cast<int>(intpart.size()) + e;
    size_t lead = 0;
    while (lead + 1 < digits.size() && digits[lead] == '0') ++lead, --point;
    digits = digits.substr(lead);
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  }
  const int dexp = point - 1;  // exponent of the first digit
  std::string out = v < 0 ? "-" : "";
  if (dexp < -4 || dexp >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", dexp < 0 ? '-' : '+', std::abs(dexp));
  } else if (point <= 0) {
    out += "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(point) - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
  }
  return out;
}

}  // namespace forensics::cid
