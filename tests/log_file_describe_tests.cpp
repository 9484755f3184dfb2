// NodeOfPath and LineExcerpt, how the log scan describes a file: rotation and compression
// suffixes off the node name, and a first line shown with its unprintable bytes escaped.
#include "logs/file_describe.h"

#include <catch2/catch.hpp>

#include <string>

namespace forensics::logs {
namespace {

TEST_CASE("NodeOfPath drops the directory, a compression suffix and a rotation number", "[log_events]") {
  CHECK(NodeOfPath("/var/log/node-03.log") == "node-03.log");
  CHECK(NodeOfPath("logs/node-03.log.1.zst") == "node-03.log");
  CHECK(NodeOfPath("node-03.log.12") == "node-03.log");
  CHECK(NodeOfPath("node-03.log.gz") == "node-03.log");
  CHECK(NodeOfPath("node-03.log.v2") == "node-03.log.v2");  // not a number
  CHECK(NodeOfPath("dir/.7") == ".7");                      // a leading dot is no rotation
  CHECK(NodeOfPath("a.zst") == "a");
}

TEST_CASE("LineExcerpt escapes what cannot be shown and cuts at a character", "[log_events]") {
  CHECK(LineExcerpt("plain text", 80) == "plain text");
  CHECK(LineExcerpt("a\tb\rc\\d", 80) == "a\\tb\\rc\\\\d");
  CHECK(LineExcerpt(std::string("x\x01y\x7f", 4), 80) == "x\\x01y\\x7f");
  CHECK(LineExcerpt("caf\xc3\xa9", 80) == "caf\xc3\xa9");        // valid UTF-8 as it is
  CHECK(LineExcerpt("caf\xe9", 80) == "caf\\xe9");               // not UTF-8: escaped
  CHECK(LineExcerpt("caf\xc3\xa9!", 4) == "caf...");            // no half character
  CHECK(LineExcerpt("abcdef", 3) == "abc...");
}

}  // namespace
}  // namespace forensics::logs
