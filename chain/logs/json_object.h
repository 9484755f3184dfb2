// A JSON log line's object as key/value views: the flat-JSON fast path (logs/flat_json.h), else
// simdjson over a padded copy. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_JSON_OBJECT_H_
#define FORENSICS_CHAIN_LOGS_JSON_OBJECT_H_

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "logs/flat_json.h"

namespace forensics::logs {

// A copy of the line followed by the zero padding simdjson reads past the end.
class PaddedBuffer {
 public:
  const char* Assign(std::string_view text) {
    size_t need = text.size() + simdjson::SIMDJSON_PADDING;
    if (need > cap_) {
      cap_ = std::max(need, cap_ * 2);
      buf_.reset(new char[cap_]);
    }
    std::memcpy(buf_.get(), text.data(), text.size());
    std::memset(buf_.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    return buf_.get();
  }
  size_t capacity() const { return cap_; }

 private:
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
};

// Parses a JSON object into key/value views (valid until the parser's next document, or into
// `text`). Arrays of numbers under "MESSAGE" (journald's encoding of non-UTF-8 messages) are
// decoded into *bytes.
bool ParseObject(simdjson::ondemand::parser& parser, PaddedBuffer& buf, std::string_view text,
                 std::vector<KeyValue>* kv, std::string* bytes, std::string* error);

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_JSON_OBJECT_H_
