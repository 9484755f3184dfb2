// Text bound for a terminal: what the tool prints comes partly from its inputs (log lines, chain
// fields, paths), and a terminal acts on control sequences in it (clearing the screen, setting the
// title or the clipboard, hiding or reordering text). These functions make every such byte visible.
#ifndef FORENSICS_TERMINAL_TEXT_H_
#define FORENSICS_TERMINAL_TEXT_H_

#include <string>
#include <string_view>

namespace forensics {

// `text` with tab and newline kept and everything a terminal could act on shown as a visible
// escape: C0 controls and DEL as `\x1b`, C1 controls (U+0080–U+009F) and the bidirectional
// controls U+202A–U+202E and U+2066–U+2069 as `\u202e`, and each byte that is not part of valid
// UTF-8 (a raw 0x9b among them) as `\x9b`. Everything else passes unchanged.
std::string TerminalSafe(std::string_view text);

// A JSON document with DEL, C1 controls, the bidirectional controls, U+2028 and U+2029 written as
// \u escapes. Those characters can only occur inside JSON strings, so the document means the
// same; control characters below U+0020 are already escaped by JsonWriter.
std::string TerminalSafeJson(std::string_view json);

}  // namespace forensics

#endif  // FORENSICS_TERMINAL_TEXT_H_
