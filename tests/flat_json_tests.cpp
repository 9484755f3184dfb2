// ParseFlatObject, the line parser's fast path for flat JSON objects: the members as views into
// the line, and a refusal (for the full parser) for anything it does not read exactly.
#include "logs/flat_json.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace forensics::logs {
namespace {

TEST_CASE("ParseFlatObject reads flat objects into views and refuses the rest", "[log_events]") {
  std::vector<KeyValue> kv;
  const std::string line = R"({"level":"info","height":42,"ok":true,"x":null, "f":-1.5e3 ,"neg":false})";
  REQUIRE(ParseFlatObject(line, &kv));
  REQUIRE(kv.size() == 6);
  CHECK(kv[0] == KeyValue{"level", "info"});
  CHECK(kv[1] == KeyValue{"height", "42"});
  CHECK(kv[2] == KeyValue{"ok", "true"});
  CHECK(kv[3] == KeyValue{"x", "null"});
  CHECK(kv[4] == KeyValue{"f", "-1.5e3"});
  CHECK(kv[5] == KeyValue{"neg", "false"});
  CHECK(kv[0].second.data() >= line.data());
  CHECK(kv[0].second.data() < line.data() + line.size());  // a view into the line

  CHECK(ParseFlatObject(" { } ", &kv) == false);  // must start with '{'
  CHECK(ParseFlatObject("{ }", &kv));
  CHECK(kv.empty());
  CHECK_FALSE(ParseFlatObject(R"({"a":"b\"c"})", &kv));  // an escape
  CHECK_FALSE(ParseFlatObject(R"({"a":{"b":1}})", &kv));  // nested
  CHECK_FALSE(ParseFlatObject(R"({"a":[1]})", &kv));
  CHECK_FALSE(ParseFlatObject(R"({"a":01})", &kv));       // not JSON's number grammar
  CHECK_FALSE(ParseFlatObject(R"({"a":1.})", &kv));
  CHECK_FALSE(ParseFlatObject(R"({"a":1} x)", &kv));      // trailing text
  CHECK_FALSE(ParseFlatObject(R"({"a":1,})", &kv));
  CHECK_FALSE(ParseFlatObject(R"({"a" 1})", &kv));
  CHECK_FALSE(ParseFlatObject(R"({"a":tru})", &kv));
  // Strings past the sixteen-byte blocks, with and without room before the end.
  const std::string longer = R"({"message":"a message longer than thirty-two bytes, to cross blocks"})";
  REQUIRE(ParseFlatObject(longer, &kv));
  CHECK(kv[0].second == "a message longer than thirty-two bytes, to cross blocks");
}

}  // namespace
}  // namespace forensics::logs
