// Shared by the parity suites: a log text fed to ParityLogParser line by line, as the analysis
// feeds it, with what the parser emitted.
#ifndef FORENSICS_TESTS_PARITY_FIXTURES_H_
#define FORENSICS_TESTS_PARITY_FIXTURES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "forensics/parity.h"

namespace forensics::testing {

struct Parsed {
  std::vector<ParityRecord> records;
  std::vector<ParityProblem> problems;
  uint64_t other = 0;  // lines that belonged to no record
};

inline Parsed ParseText(std::string_view text) {
  Parsed p;
  ParityLogParser parser(
      "t.log", [&](ParityRecord&& r) { p.records.push_back(std::move(r)); },
      [&](ParityProblem&& pr) { p.problems.push_back(std::move(pr)); });
  uint64_t line = 0, offset = 0;
  while (offset < text.size()) {
    size_t nl = text.find('\n', offset);
    std::string_view l = text.substr(offset, nl == std::string_view::npos ? std::string_view::npos : nl - offset);
    parser.AddLine(l, ++line, offset);
    offset = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  parser.Finish();
  p.other = parser.other_lines();
  return p;
}

}  // namespace forensics::testing

#endif  // FORENSICS_TESTS_PARITY_FIXTURES_H_
