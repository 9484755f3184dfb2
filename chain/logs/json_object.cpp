// ParseObject (logs/json_object.h).
#include "logs/json_object.h"

#include "logs/trim.h"

namespace forensics::logs {
namespace {

bool IsJsonNumberText(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool ParseObject(simdjson::ondemand::parser& parser, PaddedBuffer& buf, std::string_view text,
                 std::vector<KeyValue>* kv, std::string* bytes, std::string* error) {
  if (ParseFlatObject(text, kv)) return true;
  kv->clear();
  const char* data = buf.Assign(text);
  simdjson::ondemand::document doc;
  simdjson::error_code err = parser.iterate(data, text.size(), buf.capacity()).get(doc);
  simdjson::ondemand::object obj;
  if (!err) err = doc.get_object().get(obj);
  if (err) {
    *error = std::string("bad JSON: ") + simdjson::error_message(err);
    return false;
  }
  for (auto field : obj) {
    std::string_view key, value;
    simdjson::ondemand::value v;
    simdjson::ondemand::json_type type;
    err = field.error();
    if (!err) err = field.unescaped_key().get(key);
    if (!err) err = field.value().get(v);
    if (!err) err = v.type().get(type);
    if (err) break;
    switch (type) {
      case simdjson::ondemand::json_type::string:
        err = v.get_string().get(value);
        break;
      case simdjson::ondemand::json_type::number:
      case simdjson::ondemand::json_type::boolean:
      case simdjson::ondemand::json_type::null:
        value = v.raw_json_token();
        {
          value = TrimRight(value);
          while (!value.empty() && (value.back() == '\n')) value.remove_suffix(1);
          bool ok = type == simdjson::ondemand::json_type::number ? IsJsonNumberText(value)
                    : type == simdjson::ondemand::json_type::null
                        ? value == "null"
                        : (value == "true" || value == "false");
          if (!ok) err = simdjson::INCORRECT_TYPE;
        }
        break;
      case simdjson::ondemand::json_type::object: {
        simdjson::ondemand::object o;
        err = v.get_object().get(o);
        if (!err) err = o.raw_json().get(value);
        break;
      }
      case simdjson::ondemand::json_type::array: {
        simdjson::ondemand::array a;
        err = v.get_array().get(a);
        if (!err && key == "MESSAGE") {
          bytes->clear();
          for (auto element : a) {
            uint64_t b;
            err = element.get_uint64().get(b);
            if (err) break;
            bytes->push_back(static_cast<char>(b & 0xFF));
          }
          value = *bytes;
        } else if (!err) {
          err = a.raw_json().get(value);
        }
        break;
      }
    }
    if (err) break;
    kv->emplace_back(key, value);
  }
  if (err) {
    *error = std::string("bad JSON: ") + simdjson::error_message(err);
    return false;
  }
  return true;
}

}  // namespace forensics::logs
