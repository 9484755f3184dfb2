// JsonWriter: deterministic, pretty-printed JSON output (two-space indent, keys in call order,
// strings escaped per RFC 8259, invalid UTF-8 replaced by U+FFFD).
//
// Integers: most JSON readers (JavaScript, jq) hold numbers as doubles, exact only up to 2^53. A value
// that can pass that (an amount, balance, supply, fee, nonce or gas, and their signed differences) is
// written with Amount / SignedAmount as a string of decimal digits; Uint and Int are for values that
// stay far below it (heights, counts, indices, line numbers, byte sizes and offsets).
#ifndef FORENSICS_JSON_WRITER_H_
#define FORENSICS_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/types.h"

namespace forensics {

class JsonWriter {
 public:
  // pretty = false writes one line (NDJSON records).
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Int(int64_t v);
  // "18446744073709551615": an integer that can exceed 2^53, as a string of decimal digits.
  JsonWriter& Amount(const Wei128& v);
  JsonWriter& Amount(uint64_t v) { return Amount(Wei128{0, v}); }
  // "-123" / "123": a signed one (a delta, a surplus), '-' before the digits when negative.
  JsonWriter& SignedAmount(const SignedWei128& v);
  // A bare 128-bit decimal number, for the chain export format (docs/chain.md §5), never in reports.
  JsonWriter& Uint128(const Wei128& v);
  JsonWriter& Double(double v);  // shortest round-trip form; non-finite → null
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // A raw, already valid JSON value.
  JsonWriter& Raw(std::string_view json);

  // Shorthands: Key(k) then the value.
  JsonWriter& Field(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, uint64_t v) { return Key(k).Uint(v); }
  JsonWriter& Field(std::string_view k, bool v) { return Key(k).Bool(v); }

  // The document, with a trailing newline.
  std::string Finish() const { return out_ + "\n"; }
  // Clears the writer for the next document.
  void Reset() {
    out_.clear();
    first_.clear();
    after_key_ = false;
  }
  const std::string& str() const { return out_; }

 private:
  void BeforeValue();
  void Quoted(std::string_view s);
  void Newline();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  bool pretty_ = true;
};

}  // namespace forensics

#endif  // FORENSICS_JSON_WRITER_H_
