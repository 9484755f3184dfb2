// Status rendering.
#include "forensics/status.h"

namespace forensics {

std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "not found: " + message_;
    case Code::kCorruption: return "corrupt input: " + message_;
    case Code::kIoError: return "I/O error: " + message_;
    case Code::kInvalidArgument: return "invalid argument: " + message_;
    case Code::kNotSupported: return "not supported: " + message_;
  }
  return message_;
}

}  // namespace forensics
