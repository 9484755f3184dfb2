// Blank trimming shared by the log readers: spaces and tabs on the left; spaces, tabs and the CR
// of a CRLF line on the right. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_TRIM_H_
#define FORENSICS_CHAIN_LOGS_TRIM_H_

#include <string_view>

namespace forensics::logs {

inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
inline std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}
// Both ends (TrimLeft, then TrimRight).
inline std::string_view Trim(std::string_view s) { return TrimRight(TrimLeft(s)); }

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_TRIM_H_
