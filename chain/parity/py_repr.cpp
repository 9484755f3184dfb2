// Python repr decoding and encoding (the values in PARITY DRIFT records, docs/logs.md).
#include <fmt/format.h>

#include "forensics/parity_log.h"
#include "forensics/types.h"

namespace forensics {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

Status Bad(size_t pos, std::string_view why) {
  return Status::InvalidArgument(fmt::format("repr does not parse at character {}: {}", pos, why));
}

// Decodes a quoted literal starting at s[i] (the quote). `bytes` selects bytes-literal rules.
// On success *end is the index after the closing quote.
Status DecodeQuoted(std::string_view s, size_t i, bool bytes, std::string* out, size_t* end) {
  const char quote = s[i];
  for (size_t j = i + 1; j < s.size();) {
    const char c = s[j];
    if (c == quote) {
      *end = j + 1;
      return Status::Ok();
    }
    if (c == '\n') return Bad(j, "newline inside a literal");
    if (c != '\\') {
      if (bytes && static_cast<unsigned char>(c) >= 0x80) return Bad(j, "non-ASCII character in a bytes literal");
      out->push_back(c);
      ++j;
      continue;
    }
    if (j + 1 >= s.size()) return Bad(j, "backslash at the end");
    const char e = s[j + 1];
    switch (e) {
      case '\\': out->push_back('\\'); j += 2; continue;
      case '\'': out->push_back('\''); j += 2; continue;
      case '"': out->push_back('"'); j += 2; continue;
      case 'n': out->push_back('\n'); j += 2; continue;
      case 'r': out->push_back('\r'); j += 2; continue;
      case 't': out->push_back('\t'); j += 2; continue;
      case 'a': out->push_back('\a'); j += 2; continue;
      case 'b': out->push_back('\b'); j += 2; continue;
      case 'f': out->push_back('\f'); j += 2; continue;
      case 'v': out->push_back('\v'); j += 2; continue;
      case 'x': {
        int hi = j + 2 < s.size() ? HexDigit(s[j + 2]) : -1;
        int lo = j + 3 < s.size() ? HexDigit(s[j + 3]) : -1;
        if (hi < 0 || lo < 0) return Bad(j, "\\x needs two hex digits");
        uint32_t v = static_cast<uint32_t>(hi * 16 + lo);
        if (bytes) out->push_back(static_cast<char>(v)); else AppendUtf8(out, v);
        j += 4;
        continue;
      }
      case 'u':
      case 'U': {
        if (bytes) return Bad(j, fmt::format("\\{} is not an escape in a bytes literal", e));
        size_t n = e == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int d = j + 2 + k < s.size() ? HexDigit(s[j + 2 + k]) : -1;
          if (d < 0) return Bad(j, fmt::format("\\{} needs {} hex digits", e, n));
          v = v * 16 + static_cast<uint32_t>(d);
        }
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return Bad(j, "code point out of range");
        AppendUtf8(out, v);
        j += 2 + n;
        continue;
      }
      default:
        if (e >= '0' && e <= '7') {  // octal, up to three digits
          uint32_t v = 0;
          size_t k = j + 1;
          for (size_t n = 0; n < 3 && k < s.size() && s[k] >= '0' && s[k] <= '7'; ++n, ++k) v = v * 8 + (s[k] - '0');
          if (bytes) {
            if (v > 0xff) return Bad(j, "octal escape above \\377");
            out->push_back(static_cast<char>(v));
          } else {
            AppendUtf8(out, v);
          }
          j = k;
          continue;
        }
        return Bad(j, fmt::format("unknown escape \\{}", std::string(1, e)));
    }
  }
  return Bad(s.size(), "unterminated literal");
}

}  // namespace

Result<PyValue> DecodePyRepr(std::string_view repr) {
  std::string_view s = Trim(repr);
  if (s.empty()) return Status::InvalidArgument("repr is empty");
  PyValue v;
  if (s == "True" || s == "False") {
    v.kind = PyValue::Kind::kBool;
    v.boolean = s == "True";
    return v;
  }
  if (s == "None") return v;
  size_t i = 0;
  bool bytes = false;
  if (s[0] == 'b' || s[0] == 'B') {
    bytes = true;
    i = 1;
  }
  if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
    v.kind = bytes ? PyValue::Kind::kBytes : PyValue::Kind::kStr;
    size_t end = 0;
    Status st = DecodeQuoted(s, i, bytes, &v.bytes, &end);
    if (!st.ok()) return st;
    if (end != s.size()) return Bad(end, "text after the closing quote");
    return v;
  }
  if (bytes) return Bad(1, "expected a quote after b");
  // An integer: optional sign, digits (Python may also print underscores only in source, not repr).
  size_t k = 0;
  if (s[0] == '-') k = 1;
  if (k >= s.size()) return Bad(k, "expected digits");
  for (size_t j = k; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return Bad(j, "not a bytes literal, string, integer, boolean or None");
  v.kind = PyValue::Kind::kInt;
  v.bytes = std::string(s);
  return v;
}

std::string EncodePyBytesRepr(std::string_view bytes) {
  // CPython: single quotes unless the value holds ' and no ".
  const bool has_single = bytes.find('\'') != std::string_view::npos;
  const bool has_double = bytes.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out = "b";
  out.push_back(quote);
  for (unsigned char c : bytes) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back(quote);
  return out;
}

std::string PyValueDisplay(const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::kBytes:
      return ToHex({reinterpret_cast<const uint8_t*>(v.bytes.data()), v.bytes.size()});
    case PyValue::Kind::kStr: return v.bytes;
    case PyValue::Kind::kInt: return v.bytes;
    case PyValue::Kind::kBool: return v.boolean ? "True" : "False";
    case PyValue::Kind::kNone: return "None";
  }
  return "";
}

}  // namespace forensics
