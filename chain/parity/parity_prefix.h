// The prefixes of a parity log line: the journald short and short-iso container prefixes and
// the Python logging prefixes, with the times they carry (read by logs/log_time.h). Private to
// forensics_chain.
#ifndef FORENSICS_CHAIN_PARITY_PARITY_PREFIX_H_
#define FORENSICS_CHAIN_PARITY_PARITY_PREFIX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "forensics/parity_log.h"
#include "forensics/yearless.h"

namespace forensics::parity {

// "YYYY-MM-DD HH:MM:SS[,mmm]" (or 'T' between) at the start of s, with the zone ParseIsoPrefix
// reads (none: UTC). Sets the UTC time.
bool ParseAsctime(std::string_view s, int64_t* t, size_t* consumed);

// "Mon DD HH:MM:SS[.ffffff] host ident[pid]: " (the day two digits or blank and one, as journald
// pads it) → the time as written, that time in year 2000, and the message.
bool ParseJournaldShort(std::string_view s, int64_t* t, logs::YearlessTime* yearless, std::string_view* msg);

// journalctl -o short-iso: "YYYY-MM-DDTHH:MM:SS[.ffffff]±HHMM host ident[pid]: " (or ±HH:MM, Z).
bool ParseJournaldIso(std::string_view s, int64_t* t, std::string_view* msg);

// Takes off a Python logging prefix (`LEVEL:logger:` or `asctime - logger - LEVEL - `): the rest
// of the line. Sets *stripped and *kind when there was one, *t when it carries a time.
std::string_view StripPython(std::string_view s, std::optional<int64_t>* t, bool* stripped, ParityPrefix* kind);

}  // namespace forensics::parity

#endif  // FORENSICS_CHAIN_PARITY_PARITY_PREFIX_H_
