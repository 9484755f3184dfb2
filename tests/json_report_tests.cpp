// The JSON document as a script reads it (docs/cli.md): integers that can pass 2^53 are strings of
// decimal digits and survive any JSON reader; findings carry typed expected and actual values beside
// the prose; later findings are never cut to report.md's cap.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "forensics/generate.h"
#include "forensics/report.h"
#include "forensics/state_violation.h"
#include "util/cli_run.h"

using namespace forensics;
using forensics::testing::TempDir;

namespace {

constexpr uint64_t kTwoTo53 = uint64_t{1} << 53;

std::string RunCli(const std::string& args, int* status) {
  forensics::testing::CliRun r = forensics::testing::RunCliIn(FORENSICS_SAMPLES_DIR "/..", args);
  *status = r.status;
  return r.out;
}

// Every number in the document, with where it is, that a double cannot hold exactly.
void BigNumbers(simdjson::dom::element e, const std::string& where, std::vector<std::string>* out) {
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::ARRAY: {
      size_t i = 0;
      for (simdjson::dom::element x : e.get_array()) BigNumbers(x, where + "[" + std::to_string(i++) + "]", out);
      break;
    }
    case T::OBJECT:
      for (auto [k, x] : e.get_object()) BigNumbers(x, where + "." + std::string(k), out);
      break;
    case T::UINT64:
      if (uint64_t(e) > kTwoTo53) out->push_back(where);
      break;
    case T::INT64:
      if (int64_t(e) > int64_t(kTwoTo53) || int64_t(e) < -int64_t(kTwoTo53)) out->push_back(where);
      break;
    case T::DOUBLE:  // integers beyond 64 bits parse as doubles
      if (double(e) > double(kTwoTo53) || double(e) < -double(kTwoTo53)) out->push_back(where);
      break;
    default:
      break;
  }
}

StateViolationReport Analyze(const GenerateOptions& g) {
  REQUIRE(GenerateChain(g).has_value());
  StateViolationOptions o;
  o.chain_path = g.out_path;
  auto r = AnalyzeStateViolation(o);
  if (!r) FAIL(r.error().ToString());
  return std::move(*r);
}

GenerateOptions Chain(const std::string& path, uint64_t blocks, std::vector<Fault> faults) {
  GenerateOptions g;
  g.out_path = path;
  g.blocks = blocks;
  g.accounts = 12;
  g.txs_per_block = 4;
  g.seed = 5;
  g.faults = std::move(faults);
  return g;
}

const ReportStamp kStamp{"test", "forensics --issue state-violation"};

// Every finding of a parsed state-violation document: the first bad block's, then the later ones.
std::vector<simdjson::dom::element> AllFindings(simdjson::dom::element doc) {
  std::vector<simdjson::dom::element> all;
  for (simdjson::dom::element f : doc["first_bad_block"]["findings"].get_array()) all.push_back(f);
  for (simdjson::dom::element lf : doc["later_findings"].get_array()) all.push_back(lf["finding"]);
  return all;
}

}  // namespace

TEST_CASE("a balance of 18446743573709551615 is that exact string in the JSON, and no number passes 2^53", "[json]") {
  int status = 0;
  std::string out = RunCli("--issue state-violation --chain samples/chains/wrap-and-link.ndjson --format json", &status);
  CHECK(status == 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(out).get(doc) == simdjson::SUCCESS);
  simdjson::dom::element diff = doc["first_bad_block"]["account_diffs"].at(0);
  std::string_view s;
  REQUIRE(diff["replayed"]["balance"].get_string().get(s) == simdjson::SUCCESS);
  CHECK(s == "18446743573709551615");
  REQUIRE(diff["balance_delta"].get_string().get(s) == simdjson::SUCCESS);
  CHECK(s == "-18446743572709551615");
  REQUIRE(doc["first_bad_block"]["supply"]["surplus"].get_string().get(s) == simdjson::SUCCESS);
  CHECK(s == "-18446744073759657616");
  REQUIRE(doc["first_bad_block"]["supply"]["supply_before"].get_string().get(s) == simdjson::SUCCESS);
  CHECK(s == "18446763789334551518");
  // The overflowing credit in full, not saturated: 18446743573709551615 + 501000000001.
  simdjson::dom::element overflow = doc["first_bad_block"]["findings"].at(0);
  CHECK(std::string_view(overflow["code"]) == "balance-overflow");
  CHECK(std::string_view(overflow["values"].at(0)["actual"]) == "18446744074709551616");
  CHECK(std::string_view(overflow["values"].at(0)["expected"]) == "18446744073709551615");
  CHECK(std::string_view(overflow["values"].at(0)["relation"]) == "<=");
  // Nothing else in the document is a number a double would round.
  std::vector<std::string> big;
  BigNumbers(doc, "$", &big);
  INFO("numbers above 2^53: " << (big.empty() ? "" : big.front()));
  CHECK(big.empty());
}

TEST_CASE("a chain with more than 50 later findings has every one in the JSON and report.md says what it cut", "[json]") {
  TempDir dir;
  std::vector<Fault> faults;
  for (BlockHeight h = 4; h < 96; ++h) faults.push_back(Fault{FaultKind::kFeeTooLow, h});
  StateViolationReport r = Analyze(Chain(dir.File("fees.ndjson"), 100, faults));
  REQUIRE(r.first_bad.has_value());
  REQUIRE(r.later_total > 50);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string json = RenderStateViolationJson(r, kStamp);
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  CHECK(doc["later_findings"].get_array().size() == r.later_total);
  CHECK(uint64_t(doc["later_findings_summary"]["total"]) == r.later_total);
  CHECK(uint64_t(doc["later_findings_summary"]["listed"]) == r.later_total);
  CHECK(uint64_t(doc["later_findings_summary"]["not_listed"]) == 0);
  CHECK(doc["later_findings_summary"]["not_listed_reason"].is_null());
  // The last later finding is the last fault's.
  simdjson::dom::element last = doc["later_findings"].at(r.later_total - 1)["finding"];
  CHECK(uint64_t(last["height"]) == 95);
  CHECK(std::string_view(last["code"]) == "fee-too-low");
  // report.md gives a run of one finding at consecutive heights one row: the fee faults (faults at
  // 4..95; the first bad block is 4) are three runs, all listed under the default cap of 50 rows.
  std::string md = RenderStateViolationMarkdown(r, kStamp);
  INFO(md);
  CHECK_THAT(md, Catch::Contains("| 5–14 | `fee-too-low` ×10 |") && Catch::Contains("| 88–95 | `fee-too-low` ×8 |"));
  CHECK(md.find("listed here") == std::string::npos);
  // A cap of two rows cuts the third run and says how many findings the two hold.
  r.markdown_later_cap = 2;
  md = RenderStateViolationMarkdown(r, kStamp);
  CHECK(md.find("| 88–95 |") == std::string::npos);
  CHECK(md.find(fmt::format("_81 of {} later findings are listed here, in the first 2 runs; report.json lists every one._",
                            r.later_total)) != std::string::npos);

  // Past the replay's memory bound the JSON says how many it could not list.
  r.later_total += 7;
  REQUIRE(parser.parse(RenderStateViolationJson(r, kStamp)).get(doc) == simdjson::SUCCESS);
  CHECK(uint64_t(doc["later_findings_summary"]["not_listed"]) == 7);
  CHECK(std::string_view(doc["later_findings_summary"]["not_listed_reason"]).find("at most 200000") != std::string_view::npos);
}

TEST_CASE("findings carry typed expected and actual values: inflation, bad signature, fee too low, state root", "[json]") {
  TempDir dir;
  StateViolationReport r = Analyze(Chain(dir.File("four.ndjson"), 90,
                                         {Fault{FaultKind::kBadSignature, 10}, Fault{FaultKind::kFeeTooLow, 30},
                                          Fault{FaultKind::kWrongStateRoot, 50}, Fault{FaultKind::kInflation, 70}}));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string json = RenderStateViolationJson(r, kStamp);
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  auto find = [&](std::string_view code, uint64_t height) -> simdjson::dom::element {
    for (simdjson::dom::element f : AllFindings(doc))
      if (std::string_view(f["code"]) == code && uint64_t(f["height"]) == height) return f;
    FAIL(fmt::format("no {} finding at height {}", code, height));
    return {};
  };
  auto value = [](simdjson::dom::element f) {
    simdjson::dom::array values = f["values"].get_array();
    REQUIRE(values.size() >= 1);
    return values.at(0).value();
  };

  simdjson::dom::element sig = value(find("bad-signature", 10));
  CHECK(std::string_view(sig["name"]) == "signature");
  CHECK(std::string_view(sig["unit"]) == "signature");
  CHECK(std::string_view(sig["expected"]) == "valid");
  CHECK(std::string_view(sig["actual"]) == "invalid");

  simdjson::dom::element fee_finding = find("fee-too-low", 30);
  simdjson::dom::element fee = value(fee_finding);
  CHECK(std::string_view(fee["name"]) == "fee");
  CHECK(std::string_view(fee["unit"]) == "wei");
  CHECK(std::string_view(fee["relation"]) == ">=");
  CHECK(std::string_view(fee["actual"]) == "0");  // the fault sets gas_price 0
  CHECK(std::stoull(std::string(std::string_view(fee["expected"]))) >= 1000);
  CHECK(std::string_view(fee_finding["expected"]) == "fee ≥ " + std::string(std::string_view(fee["expected"])));

  simdjson::dom::element root_finding = find("state-root-mismatch", 50);
  simdjson::dom::element root = value(root_finding);
  CHECK(std::string_view(root["name"]) == "state_root");
  CHECK(std::string_view(root["unit"]) == "hash");
  CHECK(std::string_view(root["expected"]).size() == 64);
  CHECK(std::string_view(root["expected"]) == std::string_view(root_finding["expected"]));
  CHECK(std::string_view(root["actual"]) == std::string_view(root_finding["actual"]));
  CHECK(std::string_view(root["expected"]) != std::string_view(root["actual"]));

  simdjson::dom::element infl = value(find("inflation-detected", 70));
  CHECK(std::string_view(infl["name"]) == "supply_delta");
  CHECK(std::string_view(infl["unit"]) == "wei");
  CHECK(std::string_view(infl["relation"]) == "=");
  const long long expected = std::stoll(std::string(std::string_view(infl["expected"])));
  const long long actual = std::stoll(std::string(std::string_view(infl["actual"])));
  CHECK(actual - expected == 1'000'000'000);  // one BEANS out of thin air

  // The node's recorded account against the replay: balance and nonce, each typed.
  simdjson::dom::element mismatch = find("state-change-mismatch", 70);
  simdjson::dom::array values = mismatch["values"].get_array();
  REQUIRE(values.size() == 2);
  CHECK(std::string_view(values.at(0)["name"]) == "balance");
  CHECK(std::string_view(values.at(1)["name"]) == "nonce");
  CHECK(std::stoull(std::string(std::string_view(values.at(0)["actual"]))) -
            std::stoull(std::string(std::string_view(values.at(0)["expected"]))) ==
        1'000'000'000);
}
