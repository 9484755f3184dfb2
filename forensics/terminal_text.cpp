// Visible escapes for terminal control bytes and characters.
#include "forensics/terminal_text.h"

#include <fmt/format.h>

namespace forensics {
namespace {

// Length of the valid UTF-8 sequence at s[i] (shortest form, no surrogates, at most U+10FFFF),
// with its code point in *cp; 0 when s[i] does not start one.
size_t DecodeUtf8(std::string_view s, size_t i, char32_t* cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  char32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    n = 2, v = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, v = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    v = (v << 6) | (d & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return n;
}

bool IsC1OrBidi(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string TerminalSafe(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '\t' || c == '\n' || (c >= 0x20 && c < 0x7f)) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    char32_t cp = 0;
    const size_t n = DecodeUtf8(in, i, &cp);
    if (n <= 1) {  // a C0 control, DEL, or a byte that is not valid UTF-8
      out.append(fmt::format("\\x{:02x}", c));
      ++i;
    } else if (IsC1OrBidi(cp)) {
      out.append(fmt::format("\\u{:04x}", static_cast<uint32_t>(cp)));
      i += n;
    } else {
      out.append(in.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string TerminalSafeJson(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    char32_t cp = 0;
    const size_t n = DecodeUtf8(in, i, &cp);
    if (n != 0 && (cp == 0x7f || cp == 0x2028 || cp == 0x2029 || IsC1OrBidi(cp))) {
      out.append(fmt::format("\\u{:04x}", static_cast<uint32_t>(cp)));
      i += n;
    } else {
      const size_t len = n == 0 ? 1 : n;
      out.append(in.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace forensics
