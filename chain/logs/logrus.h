// The logrus message forms: a logrus object's members (JSON or TextFormatter text) into a
// ParsedLine's time, level, message and fields, and the level names. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_LOGRUS_H_
#define FORENSICS_CHAIN_LOGS_LOGRUS_H_

#include <string>
#include <string_view>
#include <vector>

#include "forensics/log_events.h"
#include "logs/flat_json.h"
#include "logs/line_parser.h"

namespace forensics::logs {

// A level name as logrus writes it, or Python or syslog in any case ("warn", "CRITICAL",
// "notice"); kUnknown for others.
LogLevel ParseLevelName(std::string_view s);

// Fills time/level/msg/fields of *e from the members of a logrus object, in order.
void FillFromLogrus(const std::vector<KeyValue>& kv, ParsedLine* e);

// A flat logrus JSON object straight into *e: ParseFlatObject and then FillFromLogrus in one pass.
// Returns false, with *e to be reset, when ParseFlatObject would fail or the object has a key of
// the journal ("__REALTIME_TIMESTAMP", "MESSAGE").
bool ParseFlatLogrus(std::string_view text, ParsedLine* e);

// logrus TextFormatter: time="…" level=info msg="…" key=value key2="quoted \"x\"".
// Views into `text` or *storage; true when the line has both level and msg.
bool ParseLogfmt(std::string_view text, std::vector<KeyValue>* kv, std::string* storage);

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_LOGRUS_H_
