// The verdict of an analysis (docs/cli.md): what callers branch on, and the word the reports print.
#ifndef FORENSICS_VERDICT_H_
#define FORENSICS_VERDICT_H_

#include <string_view>

namespace forensics {

// Inconclusive is the default: a report that never decided is never clean.
enum class Verdict { kInconclusive, kClean, kViolation };

// "clean", "violation" or "inconclusive", as in the JSON `verdict` field.
std::string_view VerdictName(Verdict v);
// Exit status of docs/cli.md for a verdict: clean 0, violation 1, inconclusive 4.
int ExitStatusForVerdict(Verdict v);

}  // namespace forensics

#endif  // FORENSICS_VERDICT_H_
