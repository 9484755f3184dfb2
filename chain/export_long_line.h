// Export lines too long to be parsed whole (docs/chain.md §5): walked without a simdjson tape,
// each member and array element parsed alone into the record decoders. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_EXPORT_LONG_LINE_H_
#define FORENSICS_CHAIN_EXPORT_LONG_LINE_H_

#include <cstddef>
#include <string_view>

#include "export_field_decoder.h"
#include "forensics/chain_source.h"
#include "forensics/result.h"

namespace forensics::export_json {

// Lines up to this size are parsed whole by simdjson's DOM parser, whose tape, string copy and
// index take about 14 times the line; longer lines are walked without a tape (ParseLongLine), each
// member and array element parsed alone.
inline constexpr size_t kWholeLineBytes = 1u << 20;

// A block or snapshot line longer than kWholeLineBytes.
Result<ChainRecord> DecodeLongLine(std::string_view line, const FieldDecoder& d);
// The chain line, longer than kWholeLineBytes.
Result<ChainMeta> DecodeLongChainLine(std::string_view line, const FieldDecoder& d);

}  // namespace forensics::export_json

#endif  // FORENSICS_CHAIN_EXPORT_LONG_LINE_H_
