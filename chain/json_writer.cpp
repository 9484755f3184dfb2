// Deterministic JSON output.
#include "forensics/json_writer.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "forensics/wide_int.h"

namespace forensics {
namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0.
size_t Utf8Len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; }
  else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; }
  else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (d & 0x3f);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

}  // namespace

std::string U128ToString(unsigned __int128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return std::string(s.rbegin(), s.rend());
}

std::string I128ToString(__int128 v) {
  if (v >= 0) return U128ToString(static_cast<unsigned __int128>(v));
  return "-" + U128ToString(static_cast<unsigned __int128>(-(v + 1)) + 1);
}

void JsonWriter::Newline() {
  if (!pretty_) return;
  out_.push_back('\n');
  out_.append(2 * first_.size(), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
    Newline();
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  Quoted(key);
  out_.append(pretty_ ? ": " : ":");
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  BeforeValue();
  Quoted(s);
  return *this;
}

void JsonWriter::Quoted(std::string_view s) {
  std::string& o = out_;
  o.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"') { o.append("\\\""); ++i; continue; }
    if (c == '\\') { o.append("\\\\"); ++i; continue; }
    if (c < 0x20) {
      switch (c) {
        case '\n': o.append("\\n"); break;
        case '\r': o.append("\\r"); break;
        case '\t': o.append("\\t"); break;
        default: o.append(fmt::format("\\u{:04x}", c));
      }
      ++i;
      continue;
    }
    size_t n = Utf8Len(s, i);
    if (n == 0) {
      o.append("\xef\xbf\xbd");
      ++i;
      continue;
    }
    o.append(s.substr(i, n));
    i += n;
  }
  o.push_back('"');
}

JsonWriter& JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  out_.append(fmt::format("{}", v));
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  out_.append(fmt::format("{}", v));
  return *this;
}

JsonWriter& JsonWriter::Uint128(const Wei128& v) {
  BeforeValue();
  out_.append(ToDecimal(v));
  return *this;
}

JsonWriter& JsonWriter::Amount(const Wei128& v) {
  BeforeValue();
  Quoted(ToDecimal(v));
  return *this;
}

JsonWriter& JsonWriter::SignedAmount(const SignedWei128& v) {
  BeforeValue();
  Quoted(ToDecimal(v));
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  BeforeValue();
  if (!std::isfinite(v)) {
    out_.append("null");
    return *this;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  out_.append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
  return *this;
}

}  // namespace forensics
