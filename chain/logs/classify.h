// Message classification: the EventKind of a parsed line from its message (the daemon's known
// messages, incident markers, parity records) and the details incident messages carry. Private to
// forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_CLASSIFY_H_
#define FORENSICS_CHAIN_LOGS_CLASSIFY_H_

#include <string_view>

#include "forensics/log_events.h"
#include "logs/line_parser.h"

namespace forensics::logs {

// The daemon message text of a message kind (static storage), or "" for other kinds.
std::string_view KnownMessageText(EventKind kind);

// Sets kind from msg and the "error" field.
void ClassifyEvent(ParsedLine* line);

// "State root mismatch: expected {}, computed {}" → expected_root / computed_root;
// "pin quorum not met: got a/n, required r/t" → pins_got / pins_required. Only added when the
// line has no such field already; looked for in msg, then in error. For kStateRootMismatch and
// kPinQuorumFailed lines.
void AddIncidentDetails(ParsedLine* e);

// "PARITY REPORT" opener, for the scanner's multi-line block handling.
bool IsParityReportOpener(std::string_view msg);
// A line made only of '=' (at least 3), closing a parity report.
bool IsParityReportCloser(std::string_view text);

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_CLASSIFY_H_
