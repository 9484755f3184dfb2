// RocksDB chain store vs NDJSON export of the same generated chain, side by side: import throughput,
// reading every record, the JSON decoding share of reading an export, state-violation analysis from
// genesis, and analysis of a range near the tip (the store starts at a snapshot; an export cannot
// seek). Also checks that both inputs give the same records and the same verdict.
// Then the daemon's SQLite coinjecture.db of the same chain against the export that holds exactly what
// it holds (no state changes, one snapshot at the head): reading every record and the analysis.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench.h"
#include "forensics/chain_source.h"
#include "forensics/chain_store.h"
#include "forensics/generate.h"
#include "forensics/line_reader.h"
#include "forensics/node_store.h"
#include "forensics/state_violation.h"
#include "../util/node_db_fixture.h"

namespace forensics::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kBlocks = 20'000;
constexpr uint64_t kTxsPerBlock = 5;
constexpr uint64_t kSnapshotEvery = 1'000;

template <typename Fn>
double Time(Fn&& fn) {
  const auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

struct ReadCount {
  uint64_t records = 0, blocks = 0, txs = 0;
  bool ok = true;
};

ReadCount ReadAll(ChainSource& src) {
  ReadCount c;
  ChainRecord r;
  while (true) {
    auto more = src.Next(&r);
    if (!more) {
      std::fprintf(stderr, "bench_store: %s\n", more.error().ToString().c_str());
      c.ok = false;
      break;
    }
    if (!*more) break;
    ++c.records;
    if (auto* b = std::get_if<Block>(&r)) {
      ++c.blocks;
      c.txs += b->txs.size();
    }
  }
  return c;
}

// The SQLite store against the export that holds what it holds, for the same chain.
int RunSqlite(const std::string& dir, const std::string& export_path) {
  const std::string db = dir + "/coinjecture.db", same = dir + "/same.ndjson";
  testing::NodeDbOptions o;  // P2P tx_data (arrays of integers), upstream's daemon shape
  auto written = testing::WriteNodeDb(export_path, db, o);
  if (!written) {
    std::fprintf(stderr, "bench_store: writing coinjecture.db: %s\n", written.error().ToString().c_str());
    return 1;
  }
  if (Status s = testing::WriteEquivalentExport(export_path, same); !s.ok()) {
    std::fprintf(stderr, "bench_store: writing the equivalent export: %s\n", s.ToString().c_str());
    return 1;
  }
  ReadCount from_export, from_db;
  const double read_export_s = SecondsPerBatch([&] {
    auto src = OpenExport(same);
    if (src) from_export = ReadAll(**src);
  }, 1.0);
  const double read_db_s = SecondsPerBatch([&] {
    auto src = OpenNodeStore(db);
    if (src) from_db = ReadAll(**src);
  }, 1.0);
  auto analyze = [&](const std::string& path, std::optional<std::string> genesis, StateViolationReport* out) {
    StateViolationOptions a;
    a.chain_path = path;
    a.genesis_path = std::move(genesis);
    a.verify_signatures = false;
    auto r = AnalyzeStateViolation(a);
    if (r) *out = std::move(*r);
    return r.has_value();
  };
  StateViolationReport rep_export, rep_db;
  bool ok = true;
  double an_export_s = 1e30, an_db_s = 1e30;
  for (int round = 0; round < 2; ++round) {
    an_export_s = std::min(an_export_s, Time([&] { ok &= analyze(same, std::nullopt, &rep_export); }));
    an_db_s = std::min(an_db_s, Time([&] { ok &= analyze(db, export_path, &rep_db); }));
  }
  const double blocks = static_cast<double>(from_export.blocks);
  auto rate = [&](double s) { return Fmt("%.0f blocks/s", blocks / s); };
  auto ratio = [](double a, double b) { return Fmt("%.2fx", b / a); };
  Table t({"operation", "export (same content)", "coinjecture.db", "db/export"});
  t.Add({"size on disk", Fmt("%.1f MB", static_cast<double>(fs::file_size(same)) / 1e6),
         Fmt("%.1f MB", static_cast<double>(fs::file_size(db)) / 1e6), "-"});
  t.Add({"read every record", rate(read_export_s), rate(read_db_s), ratio(read_db_s, read_export_s)});
  t.Add({"analysis from genesis (no signatures)", rate(an_export_s), rate(an_db_s), ratio(an_db_s, an_export_s)});
  t.Print();
  std::printf("  (db/export: how many times faster reading coinjecture.db is; target: reading it is no slower,\n"
              "  >= 1.00x. tx_data in the P2P shape, Go's [32]byte as arrays of integers.)\n");
  int rc = ok && from_export.ok && from_db.ok ? 0 : 1;
  if (from_export.records != from_db.records || from_export.txs != from_db.txs) {
    std::printf("  MISMATCH: export %llu records / %llu txs, coinjecture.db %llu / %llu\n",
                static_cast<unsigned long long>(from_export.records), static_cast<unsigned long long>(from_export.txs),
                static_cast<unsigned long long>(from_db.records), static_cast<unsigned long long>(from_db.txs));
    rc = 1;
  }
  if (rep_export.verdict != rep_db.verdict || rep_export.blocks_checked != rep_db.blocks_checked) {
    std::printf("  MISMATCH: export verdict %s, coinjecture.db %s\n", std::string(VerdictName(rep_export.verdict)).c_str(),
                std::string(VerdictName(rep_db.verdict)).c_str());
    rc = 1;
  }
  return rc;
}

}  // namespace

int RunStore() {
  std::string dir = (fs::temp_directory_path() / "forensics-bench-store-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "bench_store: mkdtemp failed\n");
    return 1;
  }
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup{dir};

  GenerateOptions g;
  g.out_path = dir + "/chain.ndjson";
  g.blocks = kBlocks;
  g.txs_per_block = kTxsPerBlock;
  g.accounts = 200;
  g.snapshot_every = kSnapshotEvery;
  g.seed = 11;
  Result<GenerateStats> gen = Status::IoError("not run");
  const double gen_s = Time([&] { gen = GenerateChain(g); });
  if (!gen) {
    std::fprintf(stderr, "bench_store: generate: %s\n", gen.error().ToString().c_str());
    return 1;
  }
  const double export_mb = static_cast<double>(fs::file_size(g.out_path)) / 1e6;
  std::printf("  chain: %llu blocks, %llu txs, a snapshot every %llu blocks; export %.1f MB (generated in %.1f s)\n",
              static_cast<unsigned long long>(kBlocks), static_cast<unsigned long long>(gen->transactions),
              static_cast<unsigned long long>(kSnapshotEvery), export_mb, gen_s);

  // Import (a fresh store, then a re-run over it).
  ImportOptions io;
  io.exports = {g.out_path};
  io.db_dir = dir + "/db";
  Result<ImportStats> st = Status::IoError("not run");
  const double import_s = Time([&] { st = ImportExports(io); });
  if (!st) {
    std::fprintf(stderr, "bench_store: import: %s\n", st.error().ToString().c_str());
    return 1;
  }
  const double reimport_s = Time([&] { st = ImportExports(io); });
  if (!st) {
    std::fprintf(stderr, "bench_store: re-import: %s\n", st.error().ToString().c_str());
    return 1;
  }
  const double store_mb = static_cast<double>(DirBytes(io.db_dir)) / 1e6;

  // Reading every record.
  ReadCount from_export, from_store;
  const double read_export_s = SecondsPerBatch([&] {
    auto src = OpenExport(g.out_path);
    if (src) from_export = ReadAll(**src);
  }, 1.0);
  const double read_store_s = SecondsPerBatch([&] {
    auto src = OpenChainStore(io.db_dir, std::nullopt);
    if (src) from_store = ReadAll(**src);
  }, 1.0);
  // The JSON share of reading an export: ParseRecordLine alone on lines already in memory.
  std::vector<std::string> lines;
  {
    auto lr = LineReader::Open(g.out_path);
    Line l;
    while (lr && (*lr)->Next(&l))
      if (l.number > 1) lines.emplace_back(l.text);
  }
  const double parse_s = SecondsPerBatch([&] {
    for (const std::string& l : lines) (void)ParseRecordLine(l, Profile::kNeta, "bench");
  }, 1.0);

  // Analysis: whole chain, and the last 100 blocks (--from tip-100).
  auto analyze = [&](const std::string& path, std::optional<BlockHeight> from, StateViolationReport* out) {
    StateViolationOptions o;
    o.chain_path = path;
    o.from = from;
    o.verify_signatures = false;
    auto r = AnalyzeStateViolation(o);
    if (r) *out = std::move(*r);
    return r.has_value();
  };
  StateViolationReport rep_export, rep_store, tip_export, tip_store;
  bool ok = true;
  // Best of two runs each, alternating, so that load from other processes hits both sides alike.
  double an_export_s = 1e30, an_store_s = 1e30, tip_export_s = 1e30, tip_store_s = 1e30;
  const BlockHeight tip_from = kBlocks - 100;
  for (int round = 0; round < 2; ++round) {
    an_export_s = std::min(an_export_s, Time([&] { ok &= analyze(g.out_path, std::nullopt, &rep_export); }));
    an_store_s = std::min(an_store_s, Time([&] { ok &= analyze(io.db_dir, std::nullopt, &rep_store); }));
    tip_export_s = std::min(tip_export_s, Time([&] { ok &= analyze(g.out_path, tip_from, &tip_export); }));
    tip_store_s = std::min(tip_store_s, Time([&] { ok &= analyze(io.db_dir, tip_from, &tip_store); }));
  }

  const double blocks = static_cast<double>(kBlocks);
  Table t({"operation", "export", "store", "store/export"});
  auto rate = [&](double s) { return Fmt("%.0f blocks/s", blocks / s); };
  auto ratio = [](double a, double b) { return Fmt("%.2fx", b / a); };
  t.Add({"import (export → store)", "-", Fmt("%.2f s", import_s) + ", " + rate(import_s) + ", " +
                                             Fmt("%.1f MB/s", export_mb / import_s), "-"});
  t.Add({"import re-run (idempotent)", "-", Fmt("%.2f s", reimport_s) + ", " + rate(reimport_s), "-"});
  t.Add({"size on disk", Fmt("%.1f MB", export_mb), Fmt("%.1f MB", store_mb), Fmt("%.2f", store_mb / export_mb)});
  t.Add({"read every record", rate(read_export_s), rate(read_store_s), ratio(read_store_s, read_export_s)});
  t.Add({"  JSON parsing alone (lines in memory)", rate(parse_s), "-", "-"});
  t.Add({"analysis from genesis (no signatures)", rate(an_export_s), rate(an_store_s), ratio(an_store_s, an_export_s)});
  t.Add({"analysis --from tip-100", Fmt("%.3f s", tip_export_s), Fmt("%.3f s", tip_store_s),
         ratio(tip_store_s, tip_export_s)});
  t.Print();
  std::printf("  (store/export: how many times faster the store is. Signature checks are off: they cost the same\n"
              "  from either input. Analysis includes hashing the input for the report's stamp.)\n");
  std::printf("  --from tip-100: the store replays %llu blocks from snapshot %s, the export %llu from genesis\n",
              static_cast<unsigned long long>(tip_store.blocks_checked),
              tip_store.replay_start_snapshot ? std::to_string(*tip_store.replay_start_snapshot).c_str() : "none",
              static_cast<unsigned long long>(tip_export.blocks_checked));

  int rc = 0;
  if (!ok || !from_export.ok || !from_store.ok) rc = 1;
  rc |= RunSqlite(dir, g.out_path);
  if (from_export.records != from_store.records || from_export.txs != from_store.txs) {
    std::printf("  MISMATCH: export %llu records / %llu txs, store %llu / %llu\n",
                static_cast<unsigned long long>(from_export.records), static_cast<unsigned long long>(from_export.txs),
                static_cast<unsigned long long>(from_store.records), static_cast<unsigned long long>(from_store.txs));
    rc = 1;
  }
  if (rep_export.verdict != rep_store.verdict || rep_export.blocks_checked != rep_store.blocks_checked) {
    std::printf("  MISMATCH: export verdict %s (%llu blocks), store %s (%llu blocks)\n", std::string(forensics::VerdictName(rep_export.verdict)).c_str(),
                static_cast<unsigned long long>(rep_export.blocks_checked), std::string(forensics::VerdictName(rep_store.verdict)).c_str(),
                static_cast<unsigned long long>(rep_store.blocks_checked));
    rc = 1;
  }
  return rc;
}

}  // namespace forensics::bench
