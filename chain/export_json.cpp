// The export reader's simdjson helpers: value kinds, parse-failure messages, the thread's parser.
// See export_json.h.
#include "export_json.h"

#include <fmt/format.h>

#include "export_field_decoder.h"

namespace forensics::export_json {

std::string TypeName(const element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "an integer";
    case simdjson::dom::element_type::DOUBLE: return "a non-integer number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

std::string DiagnoseJson(std::string_view line, simdjson::error_code err) {
  if (err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE) {
    std::string_view last_key;
    bool in_string = false;
    size_t str_start = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
          size_t j = i + 1;
          while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
          if (j < line.size() && line[j] == ':') last_key = line.substr(str_start, i - str_start);
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
        str_start = i + 1;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        size_t j = i;
        while (j < line.size() && std::string_view("+-.eE0123456789").find(line[j]) != std::string_view::npos) ++j;
        std::string_view num = line.substr(i, j - i);
        size_t digits = 0;
        for (char d : num) digits += (d >= '0' && d <= '9');
        bool plain = num.find_first_of(".eE") == std::string_view::npos;
        if (plain && (digits > 19 && !(digits == 20 && num[0] != '-' && num <= "18446744073709551615")))
          return fmt::format("field {}: {} does not fit in 64 bits (byte {})", last_key, FieldDecoder::Clip(num), i + 1);
        i = j - 1;
      }
    }
  }
  return fmt::format("not valid JSON ({})", simdjson::error_message(err));
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace forensics::export_json
