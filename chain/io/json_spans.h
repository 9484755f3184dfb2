// JsonSpans: walks one JSON text without building it, for lines too long to parse whole
// (export_reader.cpp): where a value ends, the members of an object and the elements of an array,
// each as a span of the text that a small parser can then decode on its own.
//
// It checks the grammar as simdjson's DOM parser does (structure, string escapes and control
// characters, number syntax, the literals, nesting up to 1,024 levels) but not the ranges of
// numbers it skips, and not UTF-8: the caller checks the whole text once (IsValidUtf8). It holds
// no memory of its own beyond a word per open array or object.
#ifndef FORENSICS_CHAIN_IO_JSON_SPANS_H_
#define FORENSICS_CHAIN_IO_JSON_SPANS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace forensics::io {

class JsonSpans {
 public:
  static constexpr size_t kMaxDepth = 1024;  // simdjson's default

  explicit JsonSpans(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipSpace();
  // Consumes `c` (after white space), or fails.
  bool Expect(char c);
  // Consumes `c` (after white space) if it is next.
  bool Accept(char c);
  // A string at pos: *raw is its contents between the quotes, escapes as written.
  bool String(std::string_view* raw);
  // One value at pos (after white space); *span is its text.
  bool Value(std::string_view* span);
  // The text of the object member that follows: at pos (after white space), either the object's
  // closing '}' (returns true, *key empty, *done true) or `"key" :` (the value is next; after it
  // the caller calls Member again, which consumes the ',' between members). `first`: no member
  // came before in this object.
  bool Member(bool first, std::string_view* key, bool* done);
  // The same for the elements of an array: *done at ']', else the next value is at pos.
  bool Element(bool first, bool* done);

  // After a failure: where (byte offset in the text) and what.
  size_t error_offset() const { return error_offset_; }
  const std::string& error() const { return error_; }

 private:
  bool Fail(size_t at, std::string what);
  bool Number();
  bool Literal(std::string_view word);

  std::string_view text_;
  size_t pos_ = 0;
  size_t error_offset_ = 0;
  std::string error_;
};

}  // namespace forensics::io

#endif  // FORENSICS_CHAIN_IO_JSON_SPANS_H_
