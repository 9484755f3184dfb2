// The finding-code table (chain/finding.cpp): every code has its own name, and the upstream names and
// dependences the replay's causality labels rely on.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "forensics/finding.h"
#include "forensics/unchecked.h"

using namespace forensics;

TEST_CASE("every finding code has a distinct kebab-case name", "[finding]") {
  std::set<std::string> names;
  const auto last = static_cast<int>(FindingCode::kStateRootMismatch);
  for (int i = 0; i <= last; ++i) {
    const std::string name(FindingCodeName(static_cast<FindingCode>(i)));
    INFO("code " << i << " is named " << name);
    CHECK(!name.empty());
    CHECK(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos);
    CHECK(names.insert(name).second);
  }
  CHECK(names.size() == static_cast<size_t>(last) + 1);
}

TEST_CASE("finding codes carry their upstream error and what they depend on", "[finding]") {
  CHECK(FindingCodeName(FindingCode::kStateRootMismatch) == "state-root-mismatch");
  CHECK(UpstreamName(FindingCode::kStateRootMismatch) == "StateRootMismatch (E9007)");
  CHECK(UpstreamName(FindingCode::kInflationDetected) == "InflationDetected (E9008)");
  CHECK(UpstreamName(FindingCode::kTxRootMismatch) == "MerkleRootMismatch (E6002)");
  CHECK(UpstreamName(FindingCode::kSupplyDeficit).empty());
  CHECK(DependenceOf(FindingCode::kStateRootMismatch) == StateDependence::kWholeState);
  CHECK(DependenceOf(FindingCode::kInvalidNonce) == StateDependence::kAccounts);
  CHECK(DependenceOf(FindingCode::kInflationDetected) == StateDependence::kNone);
  CHECK(DependenceOf(FindingCode::kBadSignature) == StateDependence::kNone);
}

TEST_CASE("each check that could not run has its own wording, and only unreplayed or unhashed blocks forbid clean",
          "[unchecked]") {
  std::set<std::string> texts;
  int forbid = 0;
  for (int k = 0; k <= static_cast<int>(UncheckedKind::kSignatureMissing); ++k) {
    Unchecked u{static_cast<UncheckedKind>(k), "height"};
    std::string text = CheckText(u);
    CHECK(!text.empty());
    texts.insert(text);
    if (!AllowsClean(u.kind)) ++forbid;
  }
  CHECK(texts.size() == static_cast<size_t>(UncheckedKind::kSignatureMissing) + 1);
  CHECK(forbid == 2);
  CHECK(!AllowsClean(UncheckedKind::kTransactionRules));
  CHECK(CheckText({UncheckedKind::kBlockHashFieldMissing, "nonce"}) == "block hash (missing nonce)");
}
