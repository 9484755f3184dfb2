// Memory per record and per block (README, "Hostile and broken input"): the CLI's own peak RSS
// (cli_run.h) on one long export line of each shape, and on a long chain of tiny blocks.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "util/cli_run.h"
#include "forensics/block_index.h"
#include "forensics/chain_source.h"
#include "forensics/generate.h"
#include "util/io_fixtures.h"
#include "store/store_format.h"

namespace forensics {
namespace {

using testing::RunCli;
using testing::TempDir;

std::string Q(const std::string& s) { return "'" + s + "'"; }

// The CLI's peak on a chain without a long line: what every run costs anyway, and one member
// parsed alone. Two long-line bounds below are 2 × the line plus this.
constexpr long kBaseKb = 48 << 10;

// The text of a generated chain of one block without transactions, the start of the exports below.
std::string BaseChain(const TempDir& dir) {
  GenerateOptions g;
  g.out_path = dir.File("base.ndjson");
  g.blocks = 1;
  g.txs_per_block = 0;
  REQUIRE(GenerateChain(g).has_value());
  const std::string base = testing::ReadWholeFile(g.out_path);
  return base;
}

// An export: the chain line and block 0 of a generated chain, then block 1 as `block_head` (a
// JSON object without its closing brace) followed by `tail` written `count` times and "]}".
std::string WriteLongLineChain(const TempDir& dir, const std::string& block_head, const std::string& element,
                               size_t count, const std::string& close) {
  const std::string base = BaseChain(dir);
  const std::string path = dir.File("long.ndjson");
  std::ofstream out(path, std::ios::binary);
  out << base << block_head;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out << ',';
    out << element;
  }
  out << close << '\n';
  REQUIRE(out.good());
  return path;
}

const std::string kBlockHead =
    R"({"record":"block","height":1,"parent_hash":")" + std::string(64, '0') +
    R"(","timestamp":1762263500,"validator":")" + std::string(64, '1') + R"(","gas_limit":30000000,"gas_used":0,)";

// A transfer with 1 MiB of data (2 MiB of hex): 32 of them make a 64 MiB line.
std::string DataTx(size_t i) {
  return R"({"codec_version":1,"tx_type":1,"from":")" + std::string(64, 'a') + R"(","to":")" + std::string(64, 'b') +
         R"(","amount":1,"nonce":)" + std::to_string(i) + R"(,"gas_limit":21000,"gas_price":1,"signature":")" +
         std::string(128, 'c') + R"(","data":")" + std::string(2u << 20, 'd') + R"(","timestamp":1762263500})";
}

long LineKb(const std::string& path) { return static_cast<long>(std::filesystem::file_size(path) / 1024); }

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer's shadow memory and quarantine make RSS meaningless, and LeakSanitizer cannot stop
// a traced process: under it the cases run the same work and check its outcome, not its peak.
constexpr bool kMeasurePeak = false;
#else
constexpr bool kMeasurePeak = true;
#endif

// The peak against its bound, where a peak is measured.
void CheckPeak(long peak_kb, long bound_kb) {
  if (!kMeasurePeak) {
    WARN("peak RSS not measured under AddressSanitizer");
    return;
  }
  REQUIRE(peak_kb > 0);
  CHECK(peak_kb <= bound_kb);
}

// The CLI analyses the chain at `path` (its `blocks` blocks) within twice its long line plus the base.
void CheckAnalysedWithinBound(const std::string& path, int blocks = 2) {
  auto r = RunCli("--issue state-violation --skip-signatures --format json --chain " + Q(path), /*measure_peak=*/kMeasurePeak);
  INFO(r.err);
  CHECK((r.status == 0 || r.status == 1 || r.status == 4));  // analysed, whatever the verdict
  CHECK(r.out.find(fmt::format("\"blocks_checked\": {}", blocks)) != std::string::npos);
  INFO("peak " << r.peak_rss_kb / 1024 << " MB for a line of " << LineKb(path) / 1024 << " MB");
  CheckPeak(r.peak_rss_kb, 2 * LineKb(path) + kBaseKb);
}

// The CLI imports the export at `path` within twice its long line plus the base.
void CheckImportedWithinBound(const std::string& path) {
  TempDir store;
  auto r = RunCli("import --from " + Q(path) + " --db " + Q(store.File("db")), /*measure_peak=*/kMeasurePeak);
  INFO(r.err);
  CHECK(r.status == 0);
  INFO("peak " << r.peak_rss_kb / 1024 << " MB for a line of " << LineKb(path) / 1024 << " MB");
  CheckPeak(r.peak_rss_kb, 2 * LineKb(path) + kBaseKb);
}

TEST_CASE("a 64 MiB block line of transactions peaks within twice the line plus the base", "[memory][slow]") {
  TempDir dir;
  const std::string path = WriteLongLineChain(dir, kBlockHead + R"("transactions":[)", DataTx(0), 32, "]}");
  CheckAnalysedWithinBound(path);
}

TEST_CASE("a 64 MiB string in a block line peaks within twice the line plus the base", "[memory][slow]") {
  TempDir dir;
  const std::string path = WriteLongLineChain(dir, kBlockHead + R"("transactions":[],"memo":")", std::string(1u << 20, 'x'),
                                              64, "\"}");
  CheckAnalysedWithinBound(path);
}

// "{}" decodes to a whole transaction (about 280 bytes) from 3 bytes of line: the number a block
// record may hold is bounded, and a line beyond it is an error naming file, line and field.
TEST_CASE("a block line of 16 million empty transactions is refused within twice the line plus the base",
          "[memory][slow]") {
  TempDir dir;
  const std::string path = WriteLongLineChain(dir, kBlockHead + R"("transactions":[)", "{}", 16u << 20, "]}");
  auto r = RunCli("--issue state-violation --skip-signatures --format json --chain " + Q(path), /*measure_peak=*/kMeasurePeak);
  CHECK(r.status == 4);
  CHECK(r.out.find("long.ndjson:3: field transactions: 16777216 transactions, more than the 16000") != std::string::npos);
  INFO("peak " << r.peak_rss_kb / 1024 << " MB for a line of " << LineKb(path) / 1024 << " MB");
  CheckPeak(r.peak_rss_kb, 2 * LineKb(path) + kBaseKb);

  TempDir store;
  auto imp = RunCli("import --from " + Q(path) + " --db " + Q(store.File("db")), /*measure_peak=*/kMeasurePeak);
  CHECK(imp.status == 3);
  CHECK(imp.err.find("long.ndjson:3: field transactions: 16777216 transactions") != std::string::npos);
  INFO("import peak " << imp.peak_rss_kb / 1024 << " MB");
  CheckPeak(imp.peak_rss_kb, 2 * LineKb(path) + kBaseKb);
}

// "1" counts as an element of an accounts or state_changes array but is not an account: a line of
// 64 million of them must not reserve room for 64 million accounts (3 GB) before the first is
// decoded. The CLI runs with 1 GiB of address space (it needs about 450 MB here), so a reservation
// sized by the count fails as it would on a smaller machine; the run ends with the element's error.
void CheckRefusedWithinAddressSpace(const std::string& path, const std::string& error) {
  constexpr long kAddressSpaceMb = kMeasurePeak ? 1024 : 0;  // AddressSanitizer maps terabytes of shadow
  auto r = RunCli("--issue state-violation --skip-signatures --format json --chain " + Q(path), false, kAddressSpaceMb);
  INFO(r.err);
  CHECK(r.status == 4);
  CHECK(r.out.find(error) != std::string::npos);
  TempDir store;
  auto imp = RunCli("import --from " + Q(path) + " --db " + Q(store.File("db")), false, kAddressSpaceMb);
  INFO(imp.err);
  CHECK(imp.status == 3);
  CHECK(imp.err.find(error) != std::string::npos);
}

TEST_CASE("a snapshot line of 64 million non-accounts reserves no room for them", "[memory][slow]") {
  TempDir dir;
  const std::string path =
      WriteLongLineChain(dir, R"({"record":"snapshot","height":1,"accounts":[)", "1", 64u << 20, "]}");
  CheckRefusedWithinAddressSpace(path, "long.ndjson:3: field accounts[0]: expected an object");
}

TEST_CASE("a block line of 64 million non-changes reserves no room for them", "[memory][slow]") {
  TempDir dir;
  const std::string path =
      WriteLongLineChain(dir, kBlockHead + R"("transactions":[],"state_changes":[)", "1", 64u << 20, "]}");
  CheckRefusedWithinAddressSpace(path, "long.ndjson:3: field state_changes[0]: expected an object");
}

// A machine (or an address-space limit) too small for an input the limits allow: the analysis
// ends with a message and exit 3, never an abort. (Import under such a limit may still abort inside
// RocksDB, whose WriteBatch::Put asserts when an allocation fails within it; the README says so.)
TEST_CASE("memory the analysis may not have is a message and exit 3, not an abort", "[memory][slow]") {
  if (!kMeasurePeak) {  // AddressSanitizer maps terabytes of shadow: no address-space limit under it
    WARN("address-space limit not applied under AddressSanitizer");
    return;
  }
  TempDir dir;
  const std::string path = WriteLongLineChain(dir, kBlockHead + R"("transactions":[)", DataTx(0), 32, "]}");
  for (int run = 0; run < 3; ++run) {
    auto r = RunCli("--issue state-violation --skip-signatures --chain " + Q(path), false, /*address_space_mb=*/120);
    CHECK(r.status == 3);
    CHECK(r.err.find("forensics: out of memory") != std::string::npos);
  }
}

TEST_CASE("importing a 64 MiB block line peaks within twice the line plus the base", "[memory][slow]") {
  TempDir dir;
  const std::string path = WriteLongLineChain(dir, kBlockHead + R"("transactions":[)", DataTx(0), 32, "]}");
  CheckImportedWithinBound(path);
}

// An export whose chain line holds `count` genesis accounts more than the generated chain's (each
// a distinct address with nothing in it), then that chain's block 0.
std::string WriteLongChainLine(const TempDir& dir, size_t count) {
  const std::string base = BaseChain(dir);
  const std::string key = R"("genesis_accounts":[)";
  const size_t at = base.find(key);
  REQUIRE(at != std::string::npos);
  const std::string path = dir.File("long.ndjson");
  std::ofstream out(path, std::ios::binary);
  out << base.substr(0, at + key.size());
  char address[65];
  for (size_t i = 0; i < count; ++i) {
    std::snprintf(address, sizeof address, "%064zx", i + 1);
    out << R"({"address":")" << address << R"(","balance":0,"nonce":0},)";
  }
  out << base.substr(at + key.size());
  REQUIRE(out.good());
  return path;
}

// 665,000 accounts of 101 bytes: a chain line of 64 MiB.
TEST_CASE("a 64 MiB chain line of genesis accounts peaks within twice the line plus the base", "[memory][slow]") {
  TempDir dir;
  CheckAnalysedWithinBound(WriteLongChainLine(dir, 665000), /*blocks=*/1);
}

TEST_CASE("importing a 64 MiB chain line of genesis accounts peaks within twice the line plus the base",
          "[memory][slow]") {
  TempDir dir;
  CheckImportedWithinBound(WriteLongChainLine(dir, 665000));
}

// What the replay keeps of every block is its hash and replayed root (block_index.h): 64 bytes.
TEST_CASE("the replay keeps at most 64 bytes a block", "[memory][slow]") {
  TempDir dir;
  auto peak = [&](uint64_t blocks) {
    GenerateOptions g;
    g.out_path = dir.File("c" + std::to_string(blocks) + ".ndjson");
    g.blocks = blocks;
    g.txs_per_block = 0;
    REQUIRE(GenerateChain(g).has_value());
    auto r = RunCli("--issue state-violation --format json --chain " + Q(g.out_path), /*measure_peak=*/kMeasurePeak);
    CHECK(r.status == 0);
    return r.peak_rss_kb;
  };
  const long small = peak(1000);
  const long large = peak(101000);
  INFO("peak " << small / 1024 << " MB for 1,000 blocks, " << large / 1024 << " MB for 101,000");
  // Plus the last chunk of each of the two arrays (HeightArray::kChunk entries of 32 bytes).
  CheckPeak(large, small + (64 * 100000 + 2 * 32 * static_cast<long>(HeightArray::kChunk)) / 1024);
}

// The same record, parsed whole and walked as a long line (a member of 1 MiB it ignores makes it
// one), decodes to the same bytes.
TEST_CASE("a long line decodes to the same record as the line parsed whole", "[memory]") {
  const auto lines = [] {
    std::vector<std::string> out;
    std::istringstream in(testing::ReadWholeFile(FORENSICS_SAMPLES_DIR "/chains/inflation-137.ndjson"));
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }();
  REQUIRE(lines.size() > 140);
  for (size_t n : {size_t{1}, size_t{2}, size_t{138}}) {
    const std::string& line = lines[n];
    const std::string padded = line.substr(0, line.size() - 1) + R"(,"memo":")" + std::string(1u << 20, 'x') + "\"}";
    auto whole = ParseRecordLine(line, Profile::kNeta, "t:1");
    auto walked = ParseRecordLine(padded, Profile::kNeta, "t:1");
    REQUIRE(whole.has_value());
    REQUIRE(walked.has_value());
    REQUIRE(whole->index() == walked->index());
    if (const auto* b = std::get_if<Block>(&*whole)) {
      const auto& w = std::get<Block>(*walked);
      CHECK(store::EncodeBlock(*b) == store::EncodeBlock(w));
      REQUIRE(b->txs.size() == w.txs.size());
      for (size_t i = 0; i < b->txs.size(); ++i) CHECK(store::EncodeTx(b->txs[i]) == store::EncodeTx(w.txs[i]));
      CHECK(b->state_changes.has_value() == w.state_changes.has_value());
      if (b->state_changes) CHECK(store::EncodeAccounts(b->state_changes->data(), b->state_changes->size()) ==
                                  store::EncodeAccounts(w.state_changes->data(), w.state_changes->size()));
    }
  }
}

TEST_CASE("a long chain line decodes to the same chain as the line parsed whole", "[memory]") {
  const std::string all = testing::ReadWholeFile(FORENSICS_SAMPLES_DIR "/chains/inflation-137.ndjson");
  const std::string line = all.substr(0, all.find('\n'));
  const std::string padded = line.substr(0, line.size() - 1) + R"(,"memo":")" + std::string(1u << 20, 'x') + "\"}";
  auto whole = ParseChainLine(line, "t:1");
  auto walked = ParseChainLine(padded, "t:1");
  REQUIRE(whole.has_value());
  REQUIRE(walked.has_value());
  CHECK(whole->format == walked->format);
  CHECK(whole->profile == walked->profile);
  CHECK(whole->validators == walked->validators);
  CHECK(whole->treasury == walked->treasury);
  REQUIRE(whole->genesis_accounts.size() > 10);
  CHECK(store::EncodeAccounts(whole->genesis_accounts.data(), whole->genesis_accounts.size()) ==
        store::EncodeAccounts(walked->genesis_accounts.data(), walked->genesis_accounts.size()));
}

TEST_CASE("a long chain line's damage is named as on the line parsed whole", "[memory]") {
  const std::string pad = R"("memo":")" + std::string(1u << 20, 'x') + R"(",)";
  // The message for `members` (the chain line's without its braces), parsed whole and walked.
  auto error = [&](const std::string& members) {
    auto whole = ParseChainLine("{" + members + "}", "f.ndjson:1");
    auto walked = ParseChainLine("{" + pad + members + "}", "f.ndjson:1");
    REQUIRE_FALSE(whole.has_value());
    REQUIRE_FALSE(walked.has_value());
    CHECK(walked.error().message() == whole.error().message());
    return walked.error().message();
  };
  const std::string head = R"("record":"chain","format":"coinjecture-chain-export/1",)";
  const std::string a = std::string(64, 'a');
  CHECK(error(head + R"("validators":[")" + a + R"(",")" + a + R"(","zz"])") ==
        "f.ndjson:1: field validators[2]: 'zz' is not hex");
  CHECK(error(head + R"("validators":"x")") == "f.ndjson:1: field validators: expected an array");
  CHECK(error(head + R"("genesis_accounts":[{"address":")" + a + R"(","balance":1},{"address":")" + a +
              R"(","balance":-1}])") ==
        "f.ndjson:1: field genesis_accounts[1].balance: negative value -1 where an unsigned 64-bit integer is required");
  CHECK(error(head + R"("genesis_accounts":[{"address":")" + a + R"(","balance":1},7])") ==
        "f.ndjson:1: field genesis_accounts[1]: expected an object");
  CHECK(error(head + R"("genesis_accounts":{})") ==
        "f.ndjson:1: field genesis_accounts: expected an array of accounts, found an object");
  CHECK(error(head + R"("profile":"neta","profile":"neta")") == "f.ndjson:1: field profile: given twice");
  CHECK(error(R"("record":"chain","profile":"neta")") ==
        "f.ndjson:1: field format: missing (expected coinjecture-chain-export/1)");
  CHECK(error(R"("record":"block","height":1)") ==
        "f.ndjson:1: field record: the first line of an export must be the \"chain\" record");
}

TEST_CASE("a long line's damage is named by field or byte of the line", "[memory]") {
  const std::string pad = R"("memo":")" + std::string(1u << 20, 'x') + R"(",)";
  auto error = [](const std::string& line) {
    auto r = ParseRecordLine(line, Profile::kNeta, "f.ndjson:7");
    REQUIRE_FALSE(r.has_value());
    return r.error().message();
  };
  CHECK(error("{" + pad + R"("record":"block","height":1 "hash":null})") ==
        "f.ndjson:7: not valid JSON at byte 1048616 of the line (expected ',')");
  CHECK(error("{" + pad + R"("record":"block","height":-1})") ==
        "f.ndjson:7: field height: negative value -1 where an unsigned 64-bit integer is required");
  CHECK(error("{" + pad + R"("record":"block","height":1,"height":2})") ==
        "f.ndjson:7: field height: given twice (directly or through an alias)");
  CHECK(error("{" + pad + R"("record":"block","height":1,"extra_data":")" + std::string(100000, 'a') + "\"}")
            .find("f.ndjson:7: field extra_data: 100002 bytes of JSON at byte") == 0);
  CHECK(error("{" + pad + R"("record":"block","height":1,"transactions":[)" + std::string(16001 * 3 - 1, ',') + "]}")
            .find("not valid JSON at byte") != std::string::npos);
  std::string many;
  for (int i = 0; i < 16001; ++i) many += i ? ",{}" : "{}";
  CHECK(error("{" + pad + R"("record":"block","height":1,"transactions":[)" + many + "]}") ==
        "f.ndjson:7: field transactions: 16001 transactions, more than the 16000 a block record may hold (16 times "
        "the daemon's limit of 1000); the block is not decoded");
  CHECK(error("{" + pad + R"("record":"snapshot","height":1})") == "f.ndjson:7: field accounts: missing");
  CHECK(error("[\"" + std::string(1u << 20, 'x') + "\"]") == "f.ndjson:7: expected a JSON object, found an array");
}

}  // namespace
}  // namespace forensics
