// libFuzzer target: the state-violation replay, every analyzer of analyzers/registry.cpp included,
// over a small fuzzed export (seeds from `forensics generate` with few blocks and accounts).
// Signatures are checked for one input in sixteen (they are slow under the sanitizers), --from is
// taken from the input for one in four. The report must hold together: a violation exactly when
// there is a first bad block, with findings of its own, inside the heights read, heading the fault
// list, no later finding below it; a clean verdict with no findings, no damage skipped and
// nothing cut short; the JSON parses and carries the verdict; the text and Markdown renderings
// are produced. One input in four is analysed twice and must give the same JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "forensics/report.h"
#include "forensics/state_violation.h"
#include "fuzz_input_file.h"

namespace {

std::string Json(const forensics::StateViolationReport& r) {
  return forensics::RenderStateViolationJson(r, forensics::ReportStamp{"fuzz", "forensics --issue state-violation"});
}

void Check(const forensics::StateViolationReport& r, const std::string& json) {
  const forensics::Verdict v = r.verdict;
  if (v != forensics::Verdict::kClean && v != forensics::Verdict::kViolation && v != forensics::Verdict::kInconclusive)
    std::abort();
  if ((v == forensics::Verdict::kViolation) != r.first_bad.has_value()) std::abort();
  if (r.first_bad) {
    const forensics::BadBlock& bad = *r.first_bad;
    if (bad.findings.empty() || !r.first_height || !r.last_height) std::abort();
    if (bad.height < *r.first_height || bad.height > *r.last_height) std::abort();
    if (r.faults.empty() || r.faults.front().height != bad.height) std::abort();
    for (const auto& f : bad.findings)
      if (f.height != bad.height) std::abort();
    // Later findings come after it in the input: at its height only from the snapshot after it.
    for (const auto& later : r.later)
      if (later.finding.height < bad.height) std::abort();
  }
  if (v == forensics::Verdict::kClean) {
    if (!r.faults.empty() || !r.later.empty() || r.later_total != 0 || r.partial || r.blocks_checked == 0)
      std::abort();
  }
  if (r.later.size() > r.later_total) std::abort();
  if (r.first_height && r.last_height && *r.first_height > *r.last_height) std::abort();

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) std::abort();
  std::string_view verdict;
  if (doc["verdict"].get_string().get(verdict) != simdjson::SUCCESS || verdict != forensics::VerdictName(v)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string& path = forensics::fuzz::WriteInputFile(data, size);
  forensics::StateViolationOptions options;
  options.chain_path = path;
  options.verify_signatures = data[0] % 16 == 0;
  options.threads = 1;
  if (data[size - 1] % 4 == 0) options.from = data[size - 2] % 8;
  auto report = forensics::AnalyzeStateViolation(options);
  if (!report) return 0;
  const std::string json = Json(*report);
  Check(*report, json);
  (void)forensics::RenderStateViolationText(*report);
  (void)forensics::RenderStateViolationMarkdown(*report, forensics::ReportStamp{"fuzz", "forensics"});
  if (size % 4 == 0) {
    auto again = forensics::AnalyzeStateViolation(options);
    if (!again || Json(*again) != json) std::abort();
  }
  return 0;
}
