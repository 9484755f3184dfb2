// JsonSpans (json_spans.h): a grammar check and value skipper over a JSON text, iterative so that
// deep nesting costs a bit of a word per level and never the stack.
#include "io/json_spans.h"

#include <cstring>
#include <vector>

namespace forensics::io {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

bool JsonSpans::Fail(size_t at, std::string what) {
  if (error_.empty()) {
    error_offset_ = at;
    error_ = std::move(what);
  }
  return false;
}

void JsonSpans::SkipSpace() {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
}

bool JsonSpans::Expect(char c) {
  SkipSpace();
  if (Peek() != c) return Fail(pos_, AtEnd() ? std::string("the text ends where '") + c + "' was expected"
                                              : std::string("expected '") + c + "'");
  ++pos_;
  return true;
}

bool JsonSpans::Accept(char c) {
  SkipSpace();
  if (Peek() != c) return false;
  ++pos_;
  return true;
}

bool JsonSpans::String(std::string_view* raw) {
  SkipSpace();
  const size_t start = pos_;
  if (Peek() != '"') return Fail(pos_, "expected a string");
  size_t i = pos_ + 1;
  const size_t n = text_.size();
  for (;;) {
    // The common case, a run of plain characters, in one call.
    const void* q = std::memchr(text_.data() + i, '"', n - i);
    const size_t quote = q == nullptr ? n : static_cast<size_t>(static_cast<const char*>(q) - text_.data());
    size_t j = i;
    for (; j < quote; ++j) {
      const unsigned char c = static_cast<unsigned char>(text_[j]);
      if (c == '\\') break;
      if (c < 0x20) return Fail(j, "unescaped control character in a string");
    }
    if (j == n) return Fail(start, "unterminated string");
    if (j == quote) {
      *raw = text_.substr(start + 1, quote - start - 1);
      pos_ = quote + 1;
      return true;
    }
    // An escape at j.
    if (j + 1 >= n) return Fail(j, "unterminated string");
    const char e = text_[j + 1];
    if (e == 'u') {
      if (j + 6 > n || !IsHex(text_[j + 2]) || !IsHex(text_[j + 3]) || !IsHex(text_[j + 4]) || !IsHex(text_[j + 5]))
        return Fail(j, "invalid \\u escape");
      i = j + 6;
    } else if (std::strchr("\"\\/bfnrt", e) != nullptr && e != '\0') {
      i = j + 2;
    } else {
      return Fail(j, "invalid escape");
    }
  }
}

bool JsonSpans::Number() {
  const size_t start = pos_;
  size_t i = pos_;
  const size_t n = text_.size();
  if (i < n && text_[i] == '-') ++i;
  if (i >= n || !IsDigit(text_[i])) return Fail(start, "invalid number");
  if (text_[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(text_[i])) ++i;
  }
  if (i < n && text_[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(text_[i])) return Fail(start, "invalid number");
    while (i < n && IsDigit(text_[i])) ++i;
  }
  if (i < n && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < n && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (i >= n || !IsDigit(text_[i])) return Fail(start, "invalid number");
    while (i < n && IsDigit(text_[i])) ++i;
  }
  // A number runs up to a structural character or white space.
  if (i < n && !IsSpace(text_[i]) && std::strchr(",]}", text_[i]) == nullptr) return Fail(start, "invalid number");
  pos_ = i;
  return true;
}

bool JsonSpans::Literal(std::string_view word) {
  if (text_.compare(pos_, word.size(), word) != 0) return Fail(pos_, "invalid literal");
  const size_t end = pos_ + word.size();
  if (end < text_.size() && !IsSpace(text_[end]) && std::strchr(",]}", text_[end]) == nullptr)
    return Fail(pos_, "invalid literal");
  pos_ = end;
  return true;
}

bool JsonSpans::Value(std::string_view* span) {
  SkipSpace();
  const size_t start = pos_;
  // Open containers, innermost last: true for an object.
  std::vector<bool> open;
  bool first = true;
  for (;;) {
    // A value is expected at pos (after white space).
    SkipSpace();
    const char c = Peek();
    if (c == '{' || c == '[') {
      if (open.size() == kMaxDepth) return Fail(pos_, "nested more than 1024 levels deep");
      open.push_back(c == '{');
      ++pos_;
      first = true;
    } else {
      std::string_view ignored;
      bool ok = c == '"'                        ? String(&ignored)
                : c == 't'                      ? Literal("true")
                : c == 'f'                      ? Literal("false")
                : c == 'n'                      ? Literal("null")
                : (c == '-' || IsDigit(c))      ? Number()
                : AtEnd()                       ? Fail(pos_, "the text ends where a value was expected")
                                                : Fail(pos_, "expected a value");
      if (!ok) return false;
      first = false;
    }
    // Close what ends here, then find the next value's place.
    for (;;) {
      if (open.empty()) {
        *span = text_.substr(start, pos_ - start);
        return true;
      }
      bool done = false;
      if (open.back()) {
        std::string_view key;
        if (!Member(first, &key, &done)) return false;
      } else if (!Element(first, &done)) {
        return false;
      }
      if (!done) break;
      open.pop_back();
      first = false;
    }
  }
}

bool JsonSpans::Member(bool first, std::string_view* key, bool* done) {
  *done = false;
  *key = {};
  SkipSpace();
  if (Peek() == '}' && first) {
    ++pos_;
    *done = true;
    return true;
  }
  if (!first) {
    if (Accept('}')) {
      *done = true;
      return true;
    }
    if (!Expect(',')) return Fail(pos_, "expected ',' or '}'");
  }
  if (!String(key)) return false;
  return Expect(':');
}

bool JsonSpans::Element(bool first, bool* done) {
  *done = false;
  SkipSpace();
  if (Peek() == ']' && first) {
    ++pos_;
    *done = true;
    return true;
  }
  if (!first) {
    if (Accept(']')) {
      *done = true;
      return true;
    }
    if (!Expect(',')) return Fail(pos_, "expected ',' or ']'");
  }
  return true;
}

}  // namespace forensics::io
