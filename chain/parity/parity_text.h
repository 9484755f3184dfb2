// The values and line shapes inside parity records: the times and counts they print, the markers
// that open records, a Python traceback's lines, a report block's `Key: value` and closing line,
// and the excerpt a problem shows. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_PARITY_PARITY_TEXT_H_
#define FORENSICS_CHAIN_PARITY_PARITY_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace forensics::parity {

// A character of a Python identifier or of a dotted name.
bool IsIdentChar(char c);

// A time in milliseconds as the shims print it: `12.34` or `12.34ms` (blanks around ignored).
std::optional<double> ParseMs(std::string_view s);
// An unsigned decimal integer (blanks around ignored).
std::optional<uint64_t> ParseU64(std::string_view s);
// A count as the report block prints it: prometheus_client's counters are floats, so upstream
// writes `4.0` (and `1e+16` from 10^16 on); an integer is read as well. A value with a fraction,
// a sign or beyond 2^53 (where floats stop counting one by one) is no count.
std::optional<uint64_t> ParseCount(std::string_view s);

// A line that starts a parity record is never part of a traceback.
bool ParityMarker(std::string_view s);
// `  File "…", line N, in FUNC` of a Python traceback: FUNC.
std::string_view TracebackFrameFunction(std::string_view s);
// The last line of a traceback: `TypeError: …`, `module.Error: …` or a bare exception name.
bool ExceptionLine(std::string_view s);

// A line of at least three '=' (blanks around ignored): the report block's closing line.
bool AllEquals(std::string_view s);
// `Key: value` of a report block (letters and spaces before ": ").
bool ReportKeyValue(std::string_view s, std::string_view* key, std::string_view* value);

// The first 120 bytes of a line (cut at a UTF-8 character), "…" after when cut.
std::string Excerpt(std::string_view s);

}  // namespace forensics::parity

#endif  // FORENSICS_CHAIN_PARITY_PARITY_TEXT_H_
