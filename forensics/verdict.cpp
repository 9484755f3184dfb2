#include "forensics/verdict.h"

namespace forensics {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kClean: return "clean";
    case Verdict::kViolation: return "violation";
    case Verdict::kInconclusive: break;
  }
  return "inconclusive";
}

int ExitStatusForVerdict(Verdict v) {
  switch (v) {
    case Verdict::kClean: return 0;
    case Verdict::kViolation: return 1;
    case Verdict::kInconclusive: break;
  }
  return 4;
}

}  // namespace forensics
