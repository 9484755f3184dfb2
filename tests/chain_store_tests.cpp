// RocksDB chain store: import of exports, reading back, hash-prefix lookups, snapshot seeks, the
// read-only guarantee, a concurrent writer, and damaged or foreign directories.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <map>
#include <thread>
#include <set>

#include "forensics/chain_source.h"
#include "forensics/chain_store.h"
#include "forensics/codec.h"
#include "forensics/sha256.h"
#include "util/io_fixtures.h"
#include "store/store_format.h"

namespace forensics {
namespace {


namespace fs = std::filesystem;
using testing::TempDir;

std::string Hex32(uint8_t tag, uint64_t n) {
  Bytes<32> b;
  b[0] = tag;
  for (int i = 0; i < 8; ++i) b[24 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return b.Hex();
}

// A small neta chain written as export lines: blocks 0..n-1 with real block hashes, a few
// transactions each, recorded state changes on even heights, one block without transactions
// (height 7), and a snapshot after every `snapshot_every`-th block.
struct TestChain {
  std::string chain_line;
  std::vector<std::string> record_lines;  // blocks and snapshots, in export order
  std::vector<std::pair<BlockHeight, Hash32>> hashes;

  static std::string ChainLine(uint8_t genesis_tag = 0xaa) {
    return fmt::format(
        R"({{"record":"chain","format":"coinjecture-chain-export/1","profile":"neta","validators":["{}","{}"],)"
        R"("genesis_accounts":[{{"address":"{}","balance":5000000000000,"nonce":0}}]}})",
        Hex32(0x01, 1), Hex32(0x01, 2), Hex32(genesis_tag, 1));
  }

  static TestChain Make(uint64_t n, uint64_t snapshot_every = 10, uint64_t seed = 0) {
    TestChain c;
    c.chain_line = ChainLine();
    Hash32 parent;
    for (uint64_t h = 0; h < n; ++h) {
      BlockHeader hd;
      hd.height = h;
      hd.parent_hash = parent;
      hd.state_root = *ParseHexN<32>(Hex32(0x5e, h * 7 + seed));
      hd.tx_root = *ParseHexN<32>(Hex32(0x7e, h + seed));
      hd.timestamp = 1704067200 + static_cast<int64_t>(h) * 5;
      hd.validator = *ParseHexN<32>(Hex32(0x01, 1 + h % 2));
      hd.difficulty = 100;
      hd.nonce = h * 31 + seed;
      hd.gas_limit = 10'000'000;
      const uint64_t n_txs = h == 7 ? 0 : h % 4;
      hd.gas_used = 21'000 * n_txs;
      hd.extra_data = std::string(32, static_cast<char>(h & 0x7f));
      const Hash32 hash = *ComputeBlockHash(Profile::kNeta, hd);
      c.hashes.emplace_back(h, hash);
      std::string txs;
      for (uint64_t i = 0; i < n_txs; ++i) {
        txs += fmt::format(
            R"({}{{"codec_version":1,"tx_type":1,"from":"{}","to":"{}","amount":{},"nonce":{},"gas_limit":21000,)"
            R"("gas_price":{},"signature":"{}","data":"{}","timestamp":{}{}}})",
            i ? "," : "", Hex32(0xaa, 1), Hex32(0xbb, h * 10 + i), 1000 + h * 10 + i, h * 3 + i, 50 + i,
            std::string(128, static_cast<char>('0' + i % 10)), i % 2 ? "c0ffee" : "", 1704067200 + h,
            i == 2 ? fmt::format(R"(,"fee":{},"hash":"{}")", 21000 * 52, Hex32(0xcc, h)) : "");
      }
      std::string changes;
      if (h % 2 == 0)
        changes = fmt::format(R"(,"state_changes":[{{"address":"{}","balance":{},"nonce":{}}}])", Hex32(0xaa, 1),
                              5000000000000 - h, h);
      std::string body = h == 7 ? "" : fmt::format(R"(,"transactions":[{}])", txs);
      c.record_lines.push_back(fmt::format(
          R"({{"record":"block","height":{},"hash":"{}","parent_hash":"{}","state_root":"{}","tx_root":"{}",)"
          R"("timestamp":{},"validator":"{}","difficulty":100,"nonce":{},"gas_limit":10000000,"gas_used":{},)"
          R"("extra_data":"{}"{}{}}})",
          h, hash.Hex(), parent.Hex(), hd.state_root->Hex(), hd.tx_root->Hex(), *hd.timestamp, hd.validator->Hex(),
          *hd.nonce, *hd.gas_used, ToHex({reinterpret_cast<const uint8_t*>(hd.extra_data->data()), 32}), body,
          changes));
      if (snapshot_every && h > 0 && h % snapshot_every == 0) {
        std::string accounts;
        for (uint64_t a = 0; a < 3 + h % 5; ++a)
          accounts += fmt::format(R"({}{{"address":"{}","balance":{},"nonce":{}}})", a ? "," : "",
                                  Hex32(0xdd, a * 13 % 7 + a), 1'000'000 * (a + 1) + h, a);
        c.record_lines.push_back(fmt::format(R"({{"record":"snapshot","height":{},"accounts":[{}]}})", h, accounts));
      }
      parent = hash;
    }
    return c;
  }

  // The export text: the chain line and the record lines [begin, end).
  std::string Text(size_t begin = 0, size_t end = SIZE_MAX) const {
    std::string s = chain_line + "\n";
    for (size_t i = begin; i < std::min(end, record_lines.size()); ++i) s += record_lines[i] + "\n";
    return s;
  }
};

std::vector<ChainRecord> ReadAll(ChainSource& src) {
  std::vector<ChainRecord> out;
  ChainRecord r;
  while (true) {
    auto more = src.Next(&r);
    REQUIRE(more.has_value());
    if (!*more) break;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ChainRecord> ReadExport(const std::string& path) {
  auto src = OpenExport(path);
  REQUIRE(src.has_value());
  return ReadAll(**src);
}

std::vector<ChainRecord> ReadStore(const std::string& dir) {
  auto src = OpenChainStore(dir, std::nullopt);
  INFO((src ? std::string() : src.error().ToString()));
  REQUIRE(src.has_value());
  return ReadAll(**src);
}

bool SameTx(const Transaction& a, const Transaction& b) {
  return a.codec_version == b.codec_version && a.tx_type == b.tx_type && a.from == b.from && a.to == b.to &&
         a.amount == b.amount && a.nonce == b.nonce && a.gas_limit == b.gas_limit && a.gas_price == b.gas_price &&
         a.signature == b.signature && a.data == b.data && a.timestamp == b.timestamp && a.hash == b.hash &&
         a.fee == b.fee && a.message_complete == b.message_complete;
}

bool SameAccounts(const std::vector<AccountEntry>& a, const std::vector<AccountEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].address != b[i].address || a[i].balance != b[i].balance || a[i].nonce != b[i].nonce) return false;
  return true;
}

// Everything but where the record came from.
bool SameRecord(const ChainRecord& x, const ChainRecord& y) {
  if (x.index() != y.index()) return false;
  if (auto* a = std::get_if<Snapshot>(&x)) {
    const auto& b = std::get<Snapshot>(y);
    return a->height == b.height && SameAccounts(a->accounts, b.accounts);
  }
  const auto& a = std::get<Block>(x);
  const auto& b = std::get<Block>(y);
  const BlockHeader& p = a.header;
  const BlockHeader& q = b.header;
  bool same = p.height == q.height && p.hash == q.hash && p.parent_hash == q.parent_hash &&
              p.state_root == q.state_root && p.tx_root == q.tx_root && p.timestamp == q.timestamp &&
              p.validator == q.validator && p.difficulty == q.difficulty && p.nonce == q.nonce &&
              p.gas_limit == q.gas_limit && p.gas_used == q.gas_used && p.extra_data == q.extra_data &&
              p.codec_version == q.codec_version && p.commitment == q.commitment &&
              a.state_fields_missing == b.state_fields_missing && a.txs.size() == b.txs.size() &&
              a.state_changes.has_value() == b.state_changes.has_value();
  if (!same) return false;
  if (a.state_changes && !SameAccounts(*a.state_changes, *b.state_changes)) return false;
  for (size_t i = 0; i < a.txs.size(); ++i)
    if (!SameTx(a.txs[i], b.txs[i])) return false;
  return true;
}

std::string Describe(const ChainRecord& r) {
  if (auto* s = std::get_if<Snapshot>(&r)) return fmt::format("snapshot {}", s->height);
  return fmt::format("block {}", std::get<Block>(r).header.height);
}

void RequireSameRecords(const std::vector<ChainRecord>& got, const std::vector<ChainRecord>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("record " << i << ": got " << Describe(got[i]) << ", want " << Describe(want[i]));
    REQUIRE(SameRecord(got[i], want[i]));
  }
}

Status Import(std::vector<std::string> exports, const std::string& db, size_t batch_bytes = 4u << 20,
              ImportStats* stats = nullptr) {
  ImportOptions o;
  o.exports = std::move(exports);
  o.db_dir = db;
  o.batch_bytes = batch_bytes;
  auto r = ImportExports(o);
  if (!r) return r.error();
  if (stats) *stats = *r;
  return Status::Ok();
}

// Name → SHA-256 of every file under `dir`, recursively.
std::map<std::string, std::string> HashFiles(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) {
      out[fs::relative(e.path(), dir).string()] = "(directory)";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    out[fs::relative(e.path(), dir).string()] = sha256::Hash(std::string_view(bytes)).Hex();
  }
  return out;
}

std::vector<std::string> FilesEndingWith(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> FilesStartingWith(const std::string& dir, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
  return out;
}

// Opens the store as a plain RocksDB primary (what a node process does), with every column family.
struct Primary {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::vector<std::string> names;

  explicit Primary(const std::string& dir) {
    rocksdb::Options o;
    REQUIRE(rocksdb::DB::ListColumnFamilies(o, dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::Status s = rocksdb::DB::Open(o, dir, cfs, &handles, &db);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  rocksdb::ColumnFamilyHandle* cf(std::string_view name) const {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return handles[i];
    FAIL("no column family " << name);
    return nullptr;
  }
  ~Primary() {
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
    (void)db->Close();
    delete db;
  }
};

}  // namespace

TEST_CASE("a store imported from one export reads back the export's records and metadata", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(45);
  const std::string exp = tmp.Write("chain.ndjson", chain.Text());
  ImportStats stats;
  REQUIRE(Import({exp}, tmp.File("db"), 4u << 20, &stats).ok());
  CHECK(stats.blocks == 45);
  CHECK(stats.snapshots == 4);
  CHECK(stats.blocks_replaced == 0);
  CHECK(stats.store_blocks == 45);
  CHECK(stats.store_min_height == 0u);
  CHECK(stats.store_max_height == 44u);
  CHECK(stats.transactions > 0);

  RequireSameRecords(ReadStore(tmp.File("db")), ReadExport(exp));

  auto src = OpenChain(tmp.File("db"));  // a directory dispatches to the store
  REQUIRE(src.has_value());
  const ChainMeta& m = (*src)->meta();
  CHECK(m.format == "coinjecture-chain-export/1");
  CHECK(m.profile == Profile::kNeta);
  REQUIRE(m.validators.size() == 2);
  CHECK(m.validators[1].Hex() == Hex32(0x01, 2));
  REQUIRE(m.genesis_accounts.size() == 1);
  CHECK(m.genesis_accounts[0].balance == 5000000000000u);
  CHECK_FALSE(m.treasury.has_value());
  CHECK((*src)->description().find("45 blocks") != std::string::npos);

  ChainRecord r;
  REQUIRE(*(*src)->Next(&r));
  CHECK(std::get<Block>(r).source == tmp.File("db") + " block 0");
  CHECK(std::get<Block>(r).line == 0);

  auto core = OpenChainStore(tmp.File("db"), Profile::kCoreV4);  // --profile overrides
  REQUIRE(core.has_value());
  CHECK((*core)->meta().profile == Profile::kCoreV4);
}

TEST_CASE("a store keeps absent fields absent and the block without transactions unverifiable", "[chain_store]") {
  TempDir tmp;
  const std::string line =
      R"({"record":"block","block_index":3,"miner_address":"0x)" + Hex32(1, 1) +
      R"(","merkle_root":[)" + [] {
        std::string s;
        for (int i = 0; i < 32; ++i) s += (i ? "," : "") + std::to_string(i);
        return s;
      }() + R"(],"codec_version":1,"extra_data":"","transactions":[{"from":")" + Hex32(2, 2) +
      R"(","to":")" + Hex32(3, 3) + R"(","amount":"18446744073709551615","nonce":0,"gas_limit":21000,"gas_price":1}]})";
  const std::string exp = tmp.Write("core.ndjson", TestChain::ChainLine() + "\n" + line + "\n");
  REQUIRE(Import({exp}, tmp.File("db")).ok());
  auto got = ReadStore(tmp.File("db"));
  RequireSameRecords(got, ReadExport(exp));
  const Block& b = std::get<Block>(got.at(0));
  CHECK_FALSE(b.header.hash.has_value());
  CHECK_FALSE(b.header.timestamp.has_value());
  CHECK(b.header.extra_data == std::string());
  CHECK(b.txs.at(0).amount == UINT64_MAX);
  CHECK_FALSE(b.txs.at(0).message_complete);
  CHECK_FALSE(b.txs.at(0).signature.has_value());
  CHECK_FALSE(b.state_changes.has_value());
}

TEST_CASE("several exports import in height order into one store equal to the whole export", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(60);
  const size_t n = chain.record_lines.size();
  const std::string whole = tmp.Write("whole.ndjson", chain.Text());
  const std::string a = tmp.Write("a.ndjson", chain.Text(0, n / 3));
  const std::string b = tmp.Write("b.ndjson.zst", testing::ZstdFrame(chain.Text(n / 3, 2 * n / 3)));
  const std::string c = tmp.Write("c.ndjson.gz", testing::GzipMember(chain.Text(2 * n / 3, n)));
  ImportStats stats;
  REQUIRE(Import({a, b, c}, tmp.File("db"), 2048, &stats).ok());
  CHECK(stats.files == 3);
  CHECK(stats.blocks == 60);
  RequireSameRecords(ReadStore(tmp.File("db")), ReadExport(whole));

  SECTION("and an export can be appended in a later run") {
    TempDir tmp2;
    REQUIRE(Import({a}, tmp2.File("db")).ok());
    REQUIRE(Import({b, c}, tmp2.File("db")).ok());
    RequireSameRecords(ReadStore(tmp2.File("db")), ReadExport(whole));
  }
  SECTION("exports given out of height order stop the import at the first block that goes back") {
    TempDir tmp2;
    Status st = Import({b, a}, tmp2.File("db"));
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK_THAT(st.message(), Catch::Contains(a + ":2: field height"));
    CHECK_THAT(st.message(), Catch::Contains("increasing height order"));
  }
}

TEST_CASE("re-running an import leaves the store as it was", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(30);
  const std::string exp = tmp.Write("chain.ndjson", chain.Text());
  REQUIRE(Import({exp}, tmp.File("db")).ok());
  const auto first = ReadStore(tmp.File("db"));
  ImportStats stats;
  REQUIRE(Import({exp}, tmp.File("db"), 1024, &stats).ok());
  CHECK(stats.blocks == 30);
  CHECK(stats.blocks_replaced == 30);
  CHECK(stats.store_blocks == 30);
  RequireSameRecords(ReadStore(tmp.File("db")), first);
  auto count_prefix = [&](char c) {
    auto r = FindBlocksByHashPrefix(tmp.File("db"), std::string(1, c), 1000);
    REQUIRE(r.has_value());
    return r->size();
  };
  size_t indexed = 0;
  for (char c : std::string("0123456789abcdef")) indexed += count_prefix(c);
  CHECK(indexed == 30);  // one index entry per block, none doubled

  SECTION("a replaced block gives up its hash index entry, transactions and state changes") {
    TestChain fork = TestChain::Make(30, 10, /*seed=*/99);  // other nonces: other hashes
    // Height 6 of the fork has fewer transactions and no state changes.
    std::string line = fork.record_lines[6];
    const size_t at = line.find(",\"transactions\"");
    line = line.substr(0, at) + ",\"transactions\":[]}";
    const std::string fork_exp = tmp.Write("fork.ndjson", fork.chain_line + "\n" + line + "\n");
    REQUIRE(Import({fork_exp}, tmp.File("db")).ok());
    auto records = ReadStore(tmp.File("db"));
    REQUIRE(records.size() == first.size());
    const Block& b6 = std::get<Block>(records[6]);
    CHECK(b6.header.hash == fork.hashes[6].second);
    CHECK(b6.txs.empty());
    CHECK_FALSE(b6.state_changes.has_value());
    CHECK(FindBlocksByHashPrefix(tmp.File("db"), chain.hashes[6].second.Hex())->empty());
    auto now = FindBlocksByHashPrefix(tmp.File("db"), fork.hashes[6].second.ShortHex());
    REQUIRE(now->size() == 1);
    CHECK(now->front().height == 6u);
    CHECK(SameRecord(records[7], first[7]));
  }
}

TEST_CASE("a bad line stops the import naming file and line, what came before stays usable", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(40);
  auto lines = chain.record_lines;
  // Line 1 is the chain line; record i is on line i + 2. Break the block at height 25.
  size_t bad = 0;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find("\"height\":25,") != std::string::npos) bad = i;
  lines[bad].replace(lines[bad].find("\"gas_limit\":10000000"), 20, "\"gas_limit\":-1");
  std::string text = chain.chain_line + "\n";
  for (const auto& l : lines) text += l + "\n";
  const std::string exp = tmp.Write("broken.ndjson", text);
  const size_t batch = GENERATE(size_t{512}, size_t{64} << 20);  // many batches, or one pending
  Status st = Import({exp}, tmp.File("db"), batch);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK_THAT(st.message(), Catch::Contains(fmt::format("{}:{}: field gas_limit", exp, bad + 2)));

  const auto got = ReadStore(tmp.File("db"));
  const auto want = ReadExport(tmp.Write("good.ndjson", chain.Text(0, bad)));
  RequireSameRecords(got, want);
  CHECK(std::get<Block>(got.back()).header.height == 24u);
  auto src = OpenChainStore(tmp.File("db"), std::nullopt);
  REQUIRE(src.has_value());
  CHECK((*src)->description().find("25 blocks, heights 0..24") != std::string::npos);

  SECTION("and importing the repaired export completes the store") {
    REQUIRE(Import({tmp.Write("fixed.ndjson", chain.Text())}, tmp.File("db")).ok());
    RequireSameRecords(ReadStore(tmp.File("db")), ReadExport(tmp.File("fixed.ndjson")));
  }
}

TEST_CASE("import refuses another chain, a foreign directory, a bad chain line and a held store", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(12);
  const std::string exp = tmp.Write("chain.ndjson", chain.Text());
  REQUIRE(Import({exp}, tmp.File("db")).ok());

  SECTION("another chain") {
    std::string other = chain.Text();
    other.replace(0, chain.chain_line.size(), TestChain::ChainLine(0xab));
    Status st = Import({tmp.Write("other.ndjson", other)}, tmp.File("db"));
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(st.message(), Catch::Contains("genesis_accounts"));
    RequireSameRecords(ReadStore(tmp.File("db")), ReadExport(exp));
  }
  SECTION("a directory holding something else is left alone") {
    fs::create_directories(tmp.File("notes"));
    std::ofstream(tmp.File("notes/readme.txt")) << "hello";
    const auto before = HashFiles(tmp.File("notes"));
    Status st = Import({exp}, tmp.File("notes"));
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(st.message(), Catch::Contains("not a chain store"));
    CHECK(HashFiles(tmp.File("notes")) == before);
  }
  SECTION("a bad chain line creates nothing") {
    Status st = Import({tmp.Write("bad.ndjson", "{\"record\":\"block\",\"height\":0}\n")}, tmp.File("new"));
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK_THAT(st.message(), Catch::Contains("bad.ndjson:1"));
    CHECK_FALSE(fs::exists(tmp.File("new")));
  }
  SECTION("a store another process writes to") {
    Primary writer(tmp.File("db"));
    Status st = Import({exp}, tmp.File("db"));
    CHECK(st.code() == Status::Code::kIoError);
    CHECK_THAT(st.message(), Catch::Contains("in use by another process"));
  }
  SECTION("a truncated compressed export stops at the damage") {
    std::string z = testing::ZstdFrame(chain.Text());
    z.resize(z.size() - 40);
    Status st = Import({tmp.Write("cut.ndjson.zst", z)}, tmp.File("db2"));
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK_THAT(st.message(), Catch::Contains("cut.ndjson.zst"));
  }
}

TEST_CASE("16-hex prefixes resolve through the hash index: unique, ambiguous, none", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(40);
  REQUIRE(Import({tmp.Write("chain.ndjson", chain.Text())}, tmp.File("db")).ok());
  auto src = OpenChainStore(tmp.File("db"), std::nullopt);
  REQUIRE(src.has_value());

  const auto& [h17, hash17] = chain.hashes[17];
  auto one = ResolveBlockHashPrefix(**src, hash17.ShortHex());
  REQUIRE(one.has_value());
  CHECK(one->height == h17);
  CHECK(one->hash == hash17);
  CHECK(ResolveBlockHashPrefix(**src, "0x" + hash17.Hex())->height == h17);  // full hash, 0x, any case
  std::string upper = hash17.ShortHex();
  for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
  CHECK(ResolveBlockHashPrefix(**src, upper)->height == h17);
  CHECK(ResolveBlockHashPrefix(**src, hash17.Hex().substr(0, 15))->height == h17);  // odd length

  // 40 hashes over 16 first digits: some digit starts at least three of them.
  std::map<char, std::vector<BlockHeight>> by_digit;
  for (const auto& [h, hash] : chain.hashes) by_digit[hash.Hex()[0]].push_back(h);
  auto most = std::max_element(by_digit.begin(), by_digit.end(),
                               [](auto& x, auto& y) { return x.second.size() < y.second.size(); });
  auto amb = ResolveBlockHashPrefix(**src, std::string(1, most->first));
  REQUIRE_FALSE(amb.has_value());
  CHECK(amb.error().code() == Status::Code::kInvalidArgument);
  CHECK_THAT(amb.error().message(), Catch::Contains("ambiguous"));
  for (BlockHeight h : most->second)
    CHECK_THAT(amb.error().message(), Catch::Contains(chain.hashes[h].second.Hex()));
  auto list = FindBlocksByHashPrefix(**src, std::string(1, most->first), 100);
  CHECK(list->size() == most->second.size());

  std::string absent = hash17.ShortHex();
  absent[15] = absent[15] == '0' ? '1' : '0';
  bool taken = false;
  for (const auto& [h, hash] : chain.hashes) taken |= hash.Hex().rfind(absent, 0) == 0;
  REQUIRE_FALSE(taken);
  auto none = ResolveBlockHashPrefix(**src, absent);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code() == Status::Code::kNotFound);
  CHECK(FindBlocksByHashPrefix(**src, "ffffffffffffffffff")->empty());
  CHECK(FindBlocksByHashPrefix(**src, "xyz").error().code() == Status::Code::kInvalidArgument);
  CHECK(FindBlocksByHashPrefix(**src, "").error().code() == Status::Code::kInvalidArgument);

  auto exp_src = OpenExport(tmp.File("chain.ndjson"));
  REQUIRE(exp_src.has_value());
  CHECK(FindBlocksByHashPrefix(**exp_src, "ab").error().code() == Status::Code::kNotSupported);
}

TEST_CASE("a snapshot seek starts at the highest snapshot at or below H, then the blocks above it", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(45, /*snapshot_every=*/10);  // snapshots after 10, 20, 30, 40
  REQUIRE(Import({tmp.Write("chain.ndjson", chain.Text())}, tmp.File("db")).ok());
  auto src = OpenChainStore(tmp.File("db"), std::nullopt);
  REQUIRE(src.has_value());

  auto expect_start = [&](BlockHeight seek, BlockHeight snap) {
    INFO("seek " << seek);
    REQUIRE((*src)->SeekToSnapshotAtOrBelow(seek).ok());
    auto records = ReadAll(**src);
    REQUIRE(records.size() >= 1);
    const Snapshot& s = std::get<Snapshot>(records[0]);
    CHECK(s.height == snap);
    CHECK(s.source == tmp.File("db") + " snapshot " + std::to_string(snap));
    CHECK(s.accounts.size() == 3 + snap % 5);
    BlockHeight next = snap + 1;
    for (size_t i = 1; i < records.size(); ++i) {
      if (auto* b = std::get_if<Block>(&records[i])) CHECK(b->header.height == next++);
    }
    CHECK(next == 45);
  };
  expect_start(25, 20);
  expect_start(20, 20);
  expect_start(39, 30);
  expect_start(1000, 40);
  expect_start(10, 10);  // seeking back after reading to the end

  // No snapshot at or below 9: NotFound, and the source still starts from genesis.
  auto fresh = OpenChainStore(tmp.File("db"), std::nullopt);
  Status st = (*fresh)->SeekToSnapshotAtOrBelow(9);
  CHECK(st.code() == Status::Code::kNotFound);
  ChainRecord r;
  REQUIRE(*(*fresh)->Next(&r));
  CHECK(std::get<Block>(r).header.height == 0u);

  SECTION("a snapshot of more accounts than one chunk comes back whole and in order") {
    std::string accounts;
    for (int a = 0; a < 10000; ++a)
      accounts += fmt::format(R"({}{{"address":"{}","balance":{},"nonce":{}}})", a ? "," : "", Hex32(0xee, 9999 - a), a, a % 3);
    TempDir t2;
    const std::string exp = t2.Write("big.ndjson", chain.Text(0, 5) + R"({"record":"snapshot","height":4,"accounts":[)" +
                                                         accounts + "]}\n");
    REQUIRE(Import({exp}, t2.File("db")).ok());
    RequireSameRecords(ReadStore(t2.File("db")), ReadExport(exp));
    auto s2 = OpenChainStore(t2.File("db"), std::nullopt);
    REQUIRE((*s2)->SeekToSnapshotAtOrBelow(4).ok());
    REQUIRE(*(*s2)->Next(&r));
    CHECK(std::get<Snapshot>(r).accounts.size() == 10000);
    CHECK(std::get<Snapshot>(r).accounts[9999].address.Hex() == Hex32(0xee, 0));
  }
}

TEST_CASE("reading a store never changes a byte of it and writes nothing next to it", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(50);
  const std::string exp = tmp.Write("chain.ndjson", chain.Text());
  // Two runs leave several SSTs per column family and an old info log: a lived-in store.
  REQUIRE(Import({exp}, tmp.File("db"), 1024).ok());
  REQUIRE(Import({exp}, tmp.File("db"), 1024).ok());
  const auto before = HashFiles(tmp.File("db"));
  const auto parent_before = HashFiles(tmp.File(""));
  REQUIRE(before.size() > 5);
  {
    auto src = OpenChain(tmp.File("db"));
    REQUIRE(src.has_value());
    (void)ReadAll(**src);
    REQUIRE((*src)->SeekToSnapshotAtOrBelow(30).ok());
    (void)ReadAll(**src);
    REQUIRE(FindBlocksByHashPrefix(**src, chain.hashes[3].second.ShortHex())->size() == 1);
    REQUIRE(FindBlocksByHashPrefix(tmp.File("db"), chain.hashes[3].second.ShortHex())->size() == 1);
    CHECK(HashFiles(tmp.File("db")) == before);  // also while open
  }
  CHECK(HashFiles(tmp.File("db")) == before);
  CHECK(HashFiles(tmp.File("")) == parent_before);
}

TEST_CASE("a store that a writer holds open is read as a secondary while the writer flushes and compacts", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(30);
  const std::string exp = tmp.Write("chain.ndjson", chain.Text());
  REQUIRE(Import({exp}, tmp.File("db"), 1024).ok());
  const auto want = ReadExport(exp);

  Primary writer(tmp.File("db"));  // what a node process holding its store looks like
  REQUIRE(writer.db->Put({}, writer.cf("default"), "node-state", "unflushed").ok());  // only in its WAL

  auto src = OpenChainStore(tmp.File("db"), std::nullopt);
  INFO((src ? std::string() : src.error().ToString()));
  REQUIRE(src.has_value());
  CHECK((*src)->description().find("secondary") != std::string::npos);
  // The writer flushes and compacts while the reader is positioned in the store: files the reader
  // opened disappear from the directory.
  ChainRecord r;
  REQUIRE(*(*src)->Next(&r));
  REQUIRE(writer.db->Flush({}, writer.handles).ok());
  for (auto* h : writer.handles) REQUIRE(writer.db->CompactRange({}, h, nullptr, nullptr).ok());
  std::vector<ChainRecord> got;
  got.push_back(std::move(r));
  for (auto& rec : ReadAll(**src)) got.push_back(std::move(rec));
  RequireSameRecords(got, want);
  CHECK(ResolveBlockHashPrefix(**src, chain.hashes[12].second.ShortHex())->height == 12u);
  // And a fresh reader after the compaction.
  RequireSameRecords(ReadStore(tmp.File("db")), want);
}

TEST_CASE("a store being imported into can be read meanwhile: always whole records, a prefix of the export", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(1500, 100);
  const std::string exp = tmp.Write("chain.ndjson", chain.Text());
  const auto want = ReadExport(exp);
  const std::string db = tmp.File("db");
  // The first part is imported up front, so the store exists; the rest while readers read.
  const std::string head = tmp.Write("head.ndjson", chain.Text(0, 20));
  const std::string tail = tmp.Write("tail.ndjson", chain.Text(20));
  REQUIRE(Import({head}, db).ok());

  std::atomic<bool> done{false};
  Status import_status;
  std::thread writer([&] {
    import_status = Import({tail}, db, 8192);
    done = true;
  });
  int reads = 0;
  size_t longest = 0;
  std::vector<std::string> errors;
  while (!done || reads == 0) {
    auto src = OpenChainStore(db, std::nullopt);
    if (!src) {
      errors.push_back(src.error().ToString());
      continue;
    }
    std::vector<ChainRecord> got;
    ChainRecord r;
    while (true) {
      auto more = (*src)->Next(&r);
      if (!more) {
        errors.push_back(more.error().ToString());
        break;
      }
      if (!*more) break;
      got.push_back(std::move(r));
    }
    REQUIRE(got.size() <= want.size());
    REQUIRE(got.size() >= 20);
    for (size_t i = 0; i < got.size(); i += 97) REQUIRE(SameRecord(got[i], want[i]));
    REQUIRE(SameRecord(got.back(), want[got.size() - 1]));
    longest = std::max(longest, got.size());
    ++reads;
  }
  writer.join();
  REQUIRE(import_status.ok());
  INFO((errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());
  CHECK(reads >= 1);
  RequireSameRecords(ReadStore(db), want);
}

TEST_CASE("a missing store or a directory that is not a chain store is a clear error", "[chain_store]") {
  TempDir tmp;
  auto missing = OpenChain(tmp.File("nope"));
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.error().message(), Catch::Contains(tmp.File("nope")));

  auto direct = OpenChainStore(tmp.File("nope"), std::nullopt);
  CHECK(direct.error().code() == Status::Code::kNotFound);

  fs::create_directories(tmp.File("empty"));
  auto empty = OpenChainStore(tmp.File("empty"), std::nullopt);
  CHECK(empty.error().code() == Status::Code::kNotFound);
  CHECK_THAT(empty.error().message(), Catch::Contains(tmp.File("empty") + ": not a chain store"));

  fs::create_directories(tmp.File("logs"));
  std::ofstream(tmp.File("logs/node.log")) << "hello\n";
  auto logs = OpenChainStore(tmp.File("logs"), std::nullopt);
  CHECK(logs.error().code() == Status::Code::kNotFound);
  CHECK_THAT(logs.error().message(), Catch::Contains("no CURRENT file"));
  CHECK(HashFiles(tmp.File("logs")).size() == 1);

  // A RocksDB database of something else: only the default column family.
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(o, tmp.File("other"), &db).ok());
    REQUIRE(db->Put({}, "k", "v").ok());
    delete db;
  }
  const auto before = HashFiles(tmp.File("other"));
  auto other = OpenChainStore(tmp.File("other"), std::nullopt);
  CHECK(other.error().code() == Status::Code::kNotFound);
  CHECK_THAT(other.error().message(), Catch::Contains("not a forensics chain store"));
  CHECK(HashFiles(tmp.File("other")) == before);
}

TEST_CASE("a store missing a column family is reported as damaged, never opened", "[chain_store]") {
  TempDir tmp;
  REQUIRE(Import({tmp.Write("chain.ndjson", TestChain::Make(15).Text())}, tmp.File("db")).ok());
  {
    Primary p(tmp.File("db"));
    REQUIRE(p.db->DropColumnFamily(p.cf("snapshots")).ok());
  }
  const auto before = HashFiles(tmp.File("db"));
  auto src = OpenChainStore(tmp.File("db"), std::nullopt);
  REQUIRE_FALSE(src.has_value());
  CHECK(src.error().code() == Status::Code::kCorruption);
  CHECK_THAT(src.error().message(), Catch::Contains(tmp.File("db")));
  CHECK_THAT(src.error().message(), Catch::Contains("column family snapshots is missing"));
  CHECK(HashFiles(tmp.File("db")) == before);
  Status st = Import({tmp.File("chain.ndjson")}, tmp.File("db"));
  CHECK(st.code() == Status::Code::kCorruption);
}

TEST_CASE("damaged SST, MANIFEST or CURRENT files give an error naming the store, never a crash", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(200, 50);
  const std::string exp = tmp.Write("chain.ndjson", chain.Text());
  const std::string db = tmp.File("db");
  REQUIRE(Import({exp}, db).ok());

  // Opens and reads everything; returns the first error.
  auto open_and_read = [&]() -> Status {
    auto src = OpenChainStore(db, std::nullopt);
    if (!src) return src.error();
    ChainRecord r;
    while (true) {
      auto more = (*src)->Next(&r);
      if (!more) return more.error();
      if (!*more) return Status::Ok();
    }
  };
  auto flip = [](const std::string& path, int64_t offset, size_t n) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const int64_t size = f.tellg();
    const int64_t at = offset >= 0 ? offset : size + offset;
    std::string bytes(n, '\0');
    f.seekg(at);
    f.read(bytes.data(), static_cast<std::streamsize>(n));
    for (char& c : bytes) c = static_cast<char>(~c);
    f.seekp(at);
    f.write(bytes.data(), static_cast<std::streamsize>(n));
  };
  auto largest_sst = [&] {
    auto ssts = FilesEndingWith(db, ".sst");
    REQUIRE_FALSE(ssts.empty());
    return *std::max_element(ssts.begin(), ssts.end(),
                             [](auto& a, auto& b) { return fs::file_size(a) < fs::file_size(b); });
  };

  SECTION("bytes of a data block flipped") {
    flip(largest_sst(), 100, 64);
    const auto before = HashFiles(db);
    Status st = open_and_read();
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK_THAT(st.message(), Catch::Contains(db));
    CHECK(HashFiles(db) == before);
  }
  SECTION("an SST cut short") {
    fs::resize_file(largest_sst(), fs::file_size(largest_sst()) / 2);
    Status st = open_and_read();
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains(db));
  }
  SECTION("an SST removed") {
    fs::remove(largest_sst());
    Status st = open_and_read();
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains(db));
  }
  SECTION("the MANIFEST overwritten in the middle") {
    auto manifests = FilesStartingWith(db, "MANIFEST-");
    REQUIRE(manifests.size() == 1);
    flip(manifests[0], static_cast<int64_t>(fs::file_size(manifests[0]) / 3), 32);
    const auto before = HashFiles(db);
    Status st = open_and_read();
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK_THAT(st.message(), Catch::Contains(db));
    CHECK(HashFiles(db) == before);
  }
  SECTION("CURRENT names a MANIFEST that is not there") {
    std::ofstream(db + "/CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
    Status st = open_and_read();
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains(db));
  }
  SECTION("CURRENT is empty") {
    std::ofstream(db + "/CURRENT", std::ios::trunc);
    Status st = open_and_read();
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains(db));
  }
}

}  // namespace forensics

namespace forensics {

TEST_CASE("undecodable or missing records inside a store stop reading with the store key named", "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(25);  // block 6 has 2 transactions; snapshots after 10 and 20
  const std::string db = tmp.File("db");
  REQUIRE(Import({tmp.Write("chain.ndjson", chain.Text())}, db).ok());
  auto key = [](uint64_t h, std::optional<uint32_t> i = std::nullopt) {
    std::string k;
    for (int b = 0; b < 8; ++b) k.push_back(static_cast<char>(h >> (56 - 8 * b)));
    if (i)
      for (int b = 0; b < 4; ++b) k.push_back(static_cast<char>(*i >> (24 - 8 * b)));
    return k;
  };
  auto read_error = [&]() -> Status {
    auto src = OpenChainStore(db, std::nullopt);
    if (!src) return src.error();
    ChainRecord r;
    while (true) {
      auto more = (*src)->Next(&r);
      if (!more) return more.error();
      if (!*more) return Status::Ok();
    }
  };
  const std::string cut = GENERATE(std::string("truncated block"), std::string("garbage block"),
                                   std::string("missing transaction"), std::string("truncated transaction"),
                                   std::string("missing snapshot chunk"), std::string("garbage state changes"),
                                   std::string("huge transaction count"), std::string("huge snapshot account count"));
  std::string expect;
  {
    Primary p(db);
    std::string v;
    if (cut == "truncated block" || cut == "garbage block") {
      REQUIRE(p.db->Get({}, p.cf("blocks"), key(6), &v).ok());
      v = cut == "truncated block" ? v.substr(0, v.size() / 2) : std::string(v.size(), '\xff');
      REQUIRE(p.db->Put({}, p.cf("blocks"), key(6), v).ok());
      expect = db + " block 6: undecodable block value";
    } else if (cut == "huge transaction count") {
      // The value ends with varint(2 transactions) and varint(0 missing fields): claim 2^32 - 1.
      REQUIRE(p.db->Get({}, p.cf("blocks"), key(6), &v).ok());
      REQUIRE(v.substr(v.size() - 2) == std::string("\x02\x00", 2));
      v = v.substr(0, v.size() - 2) + std::string("\xff\xff\xff\xff\x0f\x00", 6);
      REQUIRE(p.db->Put({}, p.cf("blocks"), key(6), v).ok());
      expect = db + " block 6: transaction 2 of 4294967295 is missing";
    } else if (cut == "huge snapshot account count") {
      // A consistent header claiming 2^40 accounts in 2^28 chunks, over the one chunk present.
      const uint64_t claimed = uint64_t{1} << 40;
      REQUIRE(p.db->Put({}, p.cf("snapshots"), key(10),
                        store::EncodeSnapshotHeader(claimed, static_cast<uint32_t>(claimed / store::kSnapshotChunkAccounts)))
                  .ok());
      expect = db + " snapshot 10: account chunk 1 of 268435456 is missing";
    } else if (cut == "missing transaction") {
      REQUIRE(p.db->Delete({}, p.cf("transactions"), key(6, 1)).ok());
      expect = db + " block 6: transaction 1 of 2 is missing";
    } else if (cut == "truncated transaction") {
      REQUIRE(p.db->Get({}, p.cf("transactions"), key(6, 0), &v).ok());
      REQUIRE(p.db->Put({}, p.cf("transactions"), key(6, 0), v.substr(0, 100)).ok());
      expect = db + " block 6 transaction 0: undecodable transaction value";
    } else if (cut == "missing snapshot chunk") {
      REQUIRE(p.db->Delete({}, p.cf("snapshots"), key(10, 0)).ok());
      expect = db + " snapshot 10: account chunk 0 of 1 is missing";
    } else {
      REQUIRE(p.db->Put({}, p.cf("state_changes"), key(6), std::string("\x05") + "abc").ok());
      expect = db + " block 6 state changes: undecodable account list";
    }
  }
  Status st = read_error();
  INFO(cut);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK_THAT(st.message(), Catch::Contains(expect));
}

}  // namespace forensics

// End to end through the state-violation replay: the store gives the export's verdict, and --from
// near the tip starts at a snapshot instead of genesis.
#include "forensics/generate.h"
#include "forensics/state_violation.h"

namespace forensics {

TEST_CASE("state-violation analysis of a store equals that of its export, and --from starts at a snapshot",
          "[chain_store]") {
  TempDir tmp;
  GenerateOptions g;
  g.out_path = tmp.File("gen.ndjson");
  g.blocks = 300;
  g.txs_per_block = 3;
  g.snapshot_every = 50;
  g.seed = 7;
  const bool faulty = GENERATE(false, true);
  if (faulty) g.faults.push_back(*ParseFault("inflation@210"));
  REQUIRE(GenerateChain(g).has_value());
  REQUIRE(Import({g.out_path}, tmp.File("db")).ok());

  auto analyze = [&](const std::string& path, std::optional<BlockHeight> from) {
    StateViolationOptions o;
    o.chain_path = path;
    o.from = from;
    o.verify_signatures = false;
    auto r = AnalyzeStateViolation(o);
    INFO((r ? std::string() : r.error().ToString()));
    REQUIRE(r.has_value());
    return *r;
  };
  const auto from_export = analyze(g.out_path, std::nullopt);
  const auto from_store = analyze(tmp.File("db"), std::nullopt);
  CHECK(from_store.verdict == from_export.verdict);
  CHECK(from_store.verdict == (faulty ? Verdict::kViolation : Verdict::kClean));
  CHECK(from_store.blocks_checked == from_export.blocks_checked);
  CHECK(from_store.txs_checked == from_export.txs_checked);
  CHECK(from_store.first_bad.has_value() == from_export.first_bad.has_value());
  if (from_store.first_bad) {
    CHECK(from_store.first_bad->height == from_export.first_bad->height);
    CHECK(from_store.first_bad->hash == from_export.first_bad->hash);
    CHECK(from_store.first_bad->findings.size() == from_export.first_bad->findings.size());
    CHECK(from_store.reorg.has_value() == from_export.reorg.has_value());
  }
  CHECK(from_store.blocks == from_export.blocks);

  const auto near_tip = analyze(tmp.File("db"), 270);
  CHECK(near_tip.replay_start_snapshot == 250u);
  CHECK(near_tip.blocks_checked < 60);
  CHECK(near_tip.verdict == forensics::Verdict::kClean);  // the fault at 210 lies before the snapshot
  const auto across = analyze(tmp.File("db"), 205);
  CHECK(across.replay_start_snapshot == 200u);
  CHECK(across.verdict == (faulty ? Verdict::kViolation : Verdict::kClean));
  if (faulty) {
    REQUIRE(across.first_bad.has_value());
    CHECK(across.first_bad->height == 210u);
  }
}

}  // namespace forensics

namespace forensics {

TEST_CASE("a store that cannot be read is unreadable with the system's reason, an empty MANIFEST is damage",
          "[chain_store]") {
  TempDir tmp;
  TestChain chain = TestChain::Make(12);
  const std::string db = tmp.File("db");
  REQUIRE(Import({tmp.Write("chain.ndjson", chain.Text())}, db).ok());
  SECTION("no permission to read the directory") {
    if (::geteuid() != 0) {
      WARN("not root: cannot drop to another user to read without permission");
      return;
    }
    REQUIRE(::chmod(fs::path(db).parent_path().c_str(), 0755) == 0);
    REQUIRE(::chmod(db.c_str(), 0) == 0);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      // As nobody: 0 = IoError naming the directory and the system's reason, else what went wrong.
      if (::setuid(65534) != 0) _exit(10);
      auto src = OpenChainStore(db, std::nullopt);
      if (src) _exit(11);
      const std::string m = src.error().message();
      _exit(src.error().code() != Status::Code::kIoError ? 12
            : m.find(db) == std::string::npos || m.find("Permission denied") == std::string::npos ? 13
                                                                                                  : 0);
    }
    int rc = 0;
    REQUIRE(waitpid(pid, &rc, 0) == pid);
    ::chmod(db.c_str(), 0755);
    REQUIRE(WIFEXITED(rc));
    CHECK(WEXITSTATUS(rc) == 0);
  }
  SECTION("an empty MANIFEST") {
    std::ifstream current(db + "/CURRENT");
    std::string manifest;
    REQUIRE(std::getline(current, manifest));
    std::ofstream(db + "/" + manifest, std::ios::trunc);
    auto src = OpenChainStore(db, std::nullopt);
    REQUIRE_FALSE(src.has_value());
    CHECK(src.error().code() == Status::Code::kCorruption);
    CHECK_THAT(src.error().message(), Catch::Contains(manifest + " is empty"));
  }
}

}  // namespace forensics

namespace forensics {

// A varint has one spelling in the store, the shortest: a longer one, or one with bits beyond 64,
// is damage (found by tests/fuzz/fuzz_store_values, which re-encodes what decodes).
TEST_CASE("store values decode only as their encoder spells them: no overlong or overflowing varint",
          "[chain_store]") {
  using std::string_literals::operator""s;
  uint64_t accounts = 0;
  uint32_t chunks = 0;
  REQUIRE(store::DecodeSnapshotHeader("\x01\x00\x00"s, "DIR snapshot 1", &accounts, &chunks).ok());
  for (const std::string& v : {"\x01\x80\x00\x00"s, "\x01\x00\x80\x00"s, "\x01\x81\x80\x00\x01"s}) {
    Status s = store::DecodeSnapshotHeader(v, "DIR snapshot 1", &accounts, &chunks);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK_THAT(s.message(), Catch::StartsWith("DIR snapshot 1: undecodable snapshot header value"));
  }
  std::vector<AccountEntry> list;
  REQUIRE(store::DecodeAccounts("\x00"s, "DIR state changes", &list).ok());
  CHECK(store::DecodeAccounts("\x80\x00"s, "DIR state changes", &list).code() == Status::Code::kCorruption);
  // 2^64 + 1 in ten bytes: the tenth byte may only hold bit 63.
  const std::string ten = "\x81\x80\x80\x80\x80\x80\x80\x80\x80\x02"s;
  CHECK(store::DecodeAccounts(ten, "DIR state changes", &list).code() == Status::Code::kCorruption);
  // A header's chunk count is checked without overflow: 2^64 - 1 accounts are not in 0 chunks.
  const std::string max = store::EncodeSnapshotHeader(UINT64_MAX, 0);
  REQUIRE(max.size() == 12);
  CHECK(store::DecodeSnapshotHeader(max, "DIR snapshot 1", &accounts, &chunks).code() == Status::Code::kCorruption);
  const std::string big = store::EncodeSnapshotHeader(5000, 2);
  REQUIRE(store::DecodeSnapshotHeader(big, "DIR snapshot 1", &accounts, &chunks).ok());
  CHECK((accounts == 5000 && chunks == 2));
  Block b;
  uint32_t n_txs = 0;
  REQUIRE(store::DecodeBlock("\x01\x00\x00\x00"s, "DIR block 1", &b, &n_txs).ok());
  CHECK(store::DecodeBlock("\x01\x80\x00\x00\x00"s, "DIR block 1", &b, &n_txs).code() == Status::Code::kCorruption);
}

TEST_CASE("a hash prefix parses any case and 0x, matches on the odd digit's high nibble, and names its outcome",
          "[chain_store][inputs]") {
  Hash32 h{};
  h[0] = 0xab;
  h[1] = 0xcd;
  auto odd = HashPrefix::Parse("0xABc");
  REQUIRE(odd.has_value());
  CHECK(odd->Matches(h));
  CHECK(odd->SeekKey() == std::string("\xab\xc0", 2));
  h[1] = 0xbd;
  CHECK_FALSE(odd->Matches(h));
  CHECK(HashPrefix::Parse(h.Hex())->Matches(h));  // the whole hash
  for (const char* bad : {"", "0x", "abg", "-1"})
    CHECK(HashPrefix::Parse(bad).error().code() == Status::Code::kInvalidArgument);
  CHECK_FALSE(HashPrefix::Parse(std::string(65, 'a')).has_value());

  PrefixMatches none;
  CHECK(none.match() == PrefixMatch::kNone);
  CHECK(none.One(*odd, "the input").error().code() == Status::Code::kNotFound);
  PrefixMatches two;
  two.listed = {{4, h}, {9, h}};
  two.count = 2;
  CHECK(two.match() == PrefixMatch::kAmbiguous);
  auto amb = two.One(*odd, "the input");
  CHECK(amb.error().code() == Status::Code::kInvalidArgument);
  CHECK(amb.error().message().rfind("0xABc is ambiguous: 2 blocks match:", 0) == 0);
  PrefixMatches one;
  one.listed = {{7, h}};
  one.count = 1;
  CHECK(one.One(*odd, "the input")->height == 7u);
}

}  // namespace forensics
