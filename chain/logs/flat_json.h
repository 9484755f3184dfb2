// The flat-JSON fast path of the line parser: the daemon's one-level objects (keys and string
// values without escapes, numbers, true/false/null) scanned into views of the line without a JSON
// parser; anything else is left to simdjson. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_FLAT_JSON_H_
#define FORENSICS_CHAIN_LOGS_FLAT_JSON_H_

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstddef>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "logs/quote_index.h"

namespace forensics::logs {

// k == lit, for a string literal (compared inline).
template <size_t N>
[[gnu::always_inline]] inline bool KeyIs(std::string_view k, const char (&lit)[N]) {
  return k.size() == N - 1 && std::memcmp(k.data(), lit, N - 1) == 0;
}

// A member of a JSON object or a logfmt pair: key and value as views.
using KeyValue = std::pair<std::string_view, std::string_view>;

// The strict JSON number grammar at p; returns the end, or nullptr.
inline const char* ScanNumber(const char* p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p >= end) return nullptr;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && *p >= '0' && *p <= '9') ++p;
  } else {
    return nullptr;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p >= end || *p < '0' || *p > '9') return nullptr;
    while (p < end && *p >= '0' && *p <= '9') ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || *p < '0' || *p > '9') return nullptr;
    while (p < end && *p >= '0' && *p <= '9') ++p;
  }
  return p;
}

// Scans a string body after its opening quote up to the closing quote. Returns the closing
// quote, or nullptr when the string has an escape, a control character or no end (the full
// parser then decides).
// `begin` is where the text starts: the sixteen bytes before `end` may be read when they are in it.
inline const char* ScanPlainString(const char* p, const char* end, const char* begin) {
#if defined(__SSE2__)
  // Sixteen bytes at a time up to the first '"', '\\' or control character, which the loop
  // below then judges.
  const __m128i quote = _mm_set1_epi8('"');
  auto hits = [&](const char* at) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(x, quote), BackslashOrControl(x));
    return static_cast<unsigned>(_mm_movemask_epi8(hit));
  };
  for (;;) {
    if (end - p >= 16) {
      unsigned mask = hits(p);
      if (mask != 0) {
        p += __builtin_ctz(mask);
        break;
      }
      p += 16;
      continue;
    }
    if (p < end && end - begin >= 16) {
      // The last sixteen bytes of the text, of which those before p do not count.
      const char* last = end - 16;
      unsigned mask = hits(last) >> (p - last);
      if (mask == 0) return nullptr;
      p += __builtin_ctz(mask);
    }
    break;
  }
#else
  (void)begin;
#endif
  while (p < end) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') return p;
    if (c == '\\' || c < 0x20) return nullptr;
    ++p;
  }
  return nullptr;
}

// Where ScanFlatObject's strings end, for any line: ScanPlainString from the opening quote.
class ScannedStringEnds {
 public:
  explicit ScannedStringEnds(std::string_view text)
      : begin_(text.data()), end_(text.data() + text.size()) {}
  const char* Close(const char* open) const { return ScanPlainString(open + 1, end_, begin_); }

 private:
  const char* begin_;
  const char* end_;
};

// Fast path for the daemon's flat objects: keys and string values without escapes, numbers,
// true/false/null. Returns false when the text needs the full parser (nested values, escapes,
// or anything malformed, which the full parser then reports). Values are views into `text`.
// Unlike simdjson it does not check that strings are valid UTF-8.
// The scan itself: on_pair(key, value) for each member in order; it returns false to give up
// (then so does the scan). ends.Close(open) is the quote closing the string opened at `open`, or
// nullptr when the full parser has to judge (QuoteIndex or ScannedStringEnds).
template <typename StringEnds, typename OnPair>
[[gnu::always_inline]] inline bool ScanFlatObject(std::string_view text, StringEnds& ends,
                                                  OnPair&& on_pair) {
  const char* p = text.data();
  const char* end = p + text.size();
  // Blanks are rare between the tokens of a logged object: one test when there are none.
  auto skip_ws = [&] {
    if (p >= end || static_cast<unsigned char>(*p) > ' ') return;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
  };
  if (p >= end || *p != '{') return false;
  ++p;
  skip_ws();
  if (p < end && *p == '}') {
    ++p;
    skip_ws();
    return p == end;
  }
  // Below, each expected byte is tested first; blanks are skipped only when it is not there.
  for (;;) {
    if (p >= end || *p != '"') {
      skip_ws();
      if (p >= end || *p != '"') return false;
    }
    const char* key_end = ends.Close(p);
    if (key_end == nullptr) return false;
    std::string_view key(p + 1, static_cast<size_t>(key_end - p - 1));
    p = key_end + 1;
    if (p >= end || *p != ':') {
      skip_ws();
      if (p >= end || *p != ':') return false;
    }
    ++p;
    if (p >= end) return false;
    char c = *p;
    if (static_cast<unsigned char>(c) <= ' ') {
      skip_ws();
      if (p >= end) return false;
      c = *p;
    }
    std::string_view value;
    if (c == '"') {
      const char* value_end = ends.Close(p);
      if (value_end == nullptr) return false;
      value = std::string_view(p + 1, static_cast<size_t>(value_end - p - 1));
      p = value_end + 1;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const char* e = ScanNumber(p, end);
      if (e == nullptr) return false;
      value = std::string_view(p, static_cast<size_t>(e - p));
      p = e;
    } else {
      std::string_view rest(p, static_cast<size_t>(end - p));
      if (rest.substr(0, 4) == "true" || rest.substr(0, 4) == "null") {
        value = rest.substr(0, 4);
      } else if (rest.substr(0, 5) == "false") {
        value = rest.substr(0, 5);
      } else {
        return false;
      }
      p += value.size();
    }
    if (!on_pair(key, value)) return false;
    if (p >= end || (*p != ',' && *p != '}')) {
      skip_ws();
      if (p >= end) return false;
    }
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p != '}') return false;
    ++p;
    skip_ws();
    return p == end;
  }
}

// ScanFlatObject with the string-end finder the line allows.
template <typename OnPair>
[[gnu::always_inline]] inline bool ScanFlat(std::string_view text, OnPair&& on_pair) {
  QuoteIndex quotes;
  if (quotes.Build(text)) return ScanFlatObject(text, quotes, on_pair);
  ScannedStringEnds scanned(text);
  return ScanFlatObject(text, scanned, on_pair);
}

// The members of a flat object as key/value views into `text` (ScanFlat); false as ScanFlatObject.
[[gnu::flatten]] inline bool ParseFlatObject(std::string_view text, std::vector<KeyValue>* kv) {
  kv->clear();
  return ScanFlat(text, [kv](std::string_view key, std::string_view value) {
    kv->emplace_back(key, value);
    return true;
  });
}

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_FLAT_JSON_H_
