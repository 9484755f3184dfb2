// simdjson beside the export reader (export_reader.cpp): the thread's DOM parser, shared by whole
// lines and the members of long ones, and the words messages use for a JSON value and for what
// simdjson refused. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_EXPORT_JSON_H_
#define FORENSICS_CHAIN_EXPORT_JSON_H_

#include <simdjson.h>

#include <string>
#include <string_view>

namespace forensics::export_json {

using simdjson::dom::element;
using simdjson::dom::object;

// "an array", "an integer", "null", ...: what `e` is, for messages.
std::string TypeName(const element& e);

// Finds what simdjson refused: the key whose number does not fit 64 bits, or the byte offset of
// the first syntax problem, so that the message can name the field.
std::string DiagnoseJson(std::string_view line, simdjson::error_code err);

// The calling thread's parser. It grows to the longest text it parsed.
simdjson::dom::parser& ThreadParser();

}  // namespace forensics::export_json

#endif  // FORENSICS_CHAIN_EXPORT_JSON_H_
