// `forensics --issue parity-drift`: the analysis behind the runbook's "collect the parity lines, run
// a diff analysis" step.
//
// 1. Stream every log through ParityLogParser; keep drifts, failures and report blocks, and count
//    `parity ✓` lines per second and function (never the lines themselves).
// 2. Read the metrics file, if any.
// 3. Give journald short times their year (--year, else the other inputs, else the chain's block
//    timestamps, else 1970 with a warning), then apply --since/--until.
// 4. With --chain: recompute both header encodings of every block (docs/chain.md §1.2, §1.4) and keep the
//    blocks whose core-v4 or legacy hash a drift names.
// 5. Classify every drift (explained, unexplained, not in chain, not verified, no values,
//    malformed), cluster them by cause, count, bucket per minute, and derive verdict and advice
//    from the runbook thresholds.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/input_spool.h"
#include "forensics/line_reader.h"
#include "forensics/parity.h"
#include "forensics/sha256.h"

namespace forensics {
namespace {

constexpr int64_t kUsPerSec = 1000000;
constexpr int64_t kUsPerMinute = 60 * kUsPerSec;
constexpr size_t kMaxProblems = 1000;
constexpr size_t kMaxDriftsListed = 500;
constexpr size_t kMaxFailuresListed = 200;
constexpr double kEmergencyRate = 0.01;  // runbook: drift rate above 1% → emergency rollback

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

std::string HexOf(std::string_view s) { return ToHex({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }

// --- msgpack walking, for the field-by-field comparison ----------------------------------------

bool Need(std::string_view s, size_t i, size_t n) { return i <= s.size() && s.size() - i >= n; }

uint64_t Be(std::string_view s, size_t i, size_t n) {
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k) v = v << 8 | static_cast<uint8_t>(s[i + k]);
  return v;
}

// Advances *i past one msgpack value. False when the bytes end early or hold an unknown type.
bool SkipValue(std::string_view s, size_t* i, int depth = 0) {
  if (depth > 8 || !Need(s, *i, 1)) return false;
  const uint8_t b = static_cast<uint8_t>(s[*i]);
  ++*i;
  auto skip = [&](size_t n) {
    if (!Need(s, *i, n)) return false;
    *i += n;
    return true;
  };
  auto items = [&](uint64_t n) {
    for (uint64_t k = 0; k < n; ++k)
      if (!SkipValue(s, i, depth + 1)) return false;
    return true;
  };
  auto sized = [&](size_t len_bytes) {
    if (!Need(s, *i, len_bytes)) return false;
    uint64_t n = Be(s, *i, len_bytes);
    *i += len_bytes;
    return skip(static_cast<size_t>(n));
  };
  auto counted = [&](size_t len_bytes, uint64_t per) {
    if (!Need(s, *i, len_bytes)) return false;
    uint64_t n = Be(s, *i, len_bytes);
    *i += len_bytes;
    return items(n * per);
  };
  if (b <= 0x7f || b >= 0xe0) return true;
  if (b <= 0x8f) return items(static_cast<uint64_t>(b & 0x0f) * 2);
  if (b <= 0x9f) return items(b & 0x0f);
  if (b <= 0xbf) return skip(b & 0x1f);
  switch (b) {
    case 0xc0: case 0xc2: case 0xc3: return true;
    case 0xc4: case 0xd9: return sized(1);
    case 0xc5: case 0xda: return sized(2);
    case 0xc6: case 0xdb: return sized(4);
    case 0xcc: case 0xd0: return skip(1);
    case 0xcd: case 0xd1: return skip(2);
    case 0xce: case 0xd2: case 0xca: return skip(4);
    case 0xcf: case 0xd3: case 0xcb: return skip(8);
    case 0xdc: return counted(2, 1);
    case 0xdd: return counted(4, 1);
    case 0xde: return counted(2, 2);
    case 0xdf: return counted(4, 2);
    default: return false;
  }
}

// A msgpack map with fixstr keys → (key, value bytes) in order.
bool SplitMap(std::string_view s, std::vector<std::pair<std::string, std::string_view>>* out) {
  if (s.empty()) return false;
  const uint8_t h = static_cast<uint8_t>(s[0]);
  if ((h & 0xf0) != 0x80) return false;
  size_t i = 1;
  for (unsigned k = 0; k < (h & 0x0fu); ++k) {
    if (!Need(s, i, 1)) return false;
    const uint8_t kb = static_cast<uint8_t>(s[i]);
    if ((kb & 0xe0) != 0xa0) return false;
    size_t len = kb & 0x1f;
    if (!Need(s, i + 1, len)) return false;
    std::string key(s.substr(i + 1, len));
    i += 1 + len;
    size_t start = i;
    if (!SkipValue(s, &i)) return false;
    out->emplace_back(std::move(key), s.substr(start, i - start));
  }
  return i == s.size();
}

bool IsHashFunction(std::string_view f) { return f.find("hash") != std::string_view::npos; }

// A logged value as a 32-byte hash: bytes of length 32, or a str of 64 hex digits.
std::optional<std::string> AsHash(const PyValue& v, std::string* why) {
  if (v.kind == PyValue::Kind::kBytes) {
    if (v.bytes.size() == 32) return v.bytes;
    *why = fmt::format("a hash of the wrong length: {} bytes, expected 32", v.bytes.size());
    return std::nullopt;
  }
  if (v.kind == PyValue::Kind::kStr) {
    std::string raw;
    std::string_view s = v.bytes;
    if (s.size() == 64 && ParseHex(s, &raw)) return raw;
    if (ParseHex(s, &raw)) {
      *why = fmt::format("a hex hash of the wrong length: {} bytes, expected 32", raw.size());
      return std::nullopt;
    }
  }
  *why = "not a hash (neither 32 bytes nor 64 hex digits)";
  return std::nullopt;
}

struct ChainBlock {
  BlockHeight height = 0;
  CoreV4Header header;
  std::string source;
};

// Every block of --chain by both its hashes: the chain is read before the logs, so that each
// drift is classified as it is read and not kept. Its memory grows with the chain, not the logs.
struct ChainIndex {
  bool loaded = false;
  std::unordered_map<std::string, ChainBlock> by_core_v4;       // raw 32-byte hash → block
  std::unordered_map<std::string, BlockHeight> legacy_to_height;  // raw legacy hash → height
  std::optional<int> first_year;
};

ChainIndex LoadChain(const std::string& path, std::optional<Profile> profile, std::string_view chain_option,
                     ParityDriftReport* r, std::vector<std::string>* warnings) {
  ChainIndex idx;
  auto src = OpenChain(path, profile);
  if (!src) {
    warnings->push_back(fmt::format("{} {}: cannot be read: {}", chain_option, path, src.error().message()));
    return idx;
  }
  idx.loaded = true;
  r->chain_profile = (*src)->meta().profile;
  uint64_t missing = 0;
  std::string first_missing;
  ChainRecord rec;
  while (true) {
    auto more = (*src)->Next(&rec);
    if (!more) {
      warnings->push_back(fmt::format("{} {}: reading stopped: {}", chain_option, path, more.error().message()));
      break;
    }
    if (!*more) break;
    const Block* b = std::get_if<Block>(&rec);
    if (b == nullptr) continue;
    ++r->chain_blocks;
    std::string why;
    auto c = ToCoreV4Header(b->header, &why);
    if (!c) {
      if (missing++ == 0) first_missing = fmt::format("block {} lacks {}", b->header.height, why);
      continue;
    }
    if (!idx.first_year && c->timestamp > 0) {
      // Civil year of the first block, for journald times without a year.
      std::string t = FormatParityTime(c->timestamp * kUsPerSec);
      idx.first_year = std::stoi(t.substr(0, 4));
    }
    Hash32 core = sha256::Hash(EncodeCoreV4Header(*c, ExtraDataEncoding::kArray));
    std::string core_raw(reinterpret_cast<const char*>(core.data()), 32);
    idx.by_core_v4[core_raw] = ChainBlock{b->header.height, *c, b->source + ":" + std::to_string(b->line)};
    Hash32 legacy = sha256::Hash(EncodeCoreV4Header(*c, ExtraDataEncoding::kBin));
    idx.legacy_to_height[std::string(reinterpret_cast<const char*>(legacy.data()), 32)] = b->header.height;
  }
  for (const ReadIssue& issue : (*src)->read_issues())
    warnings->push_back(fmt::format("{} {} at byte {}: {}", chain_option, issue.file, issue.offset, issue.what));
  if (missing)
    warnings->push_back(fmt::format("{}: {} block(s) lack core-v4 header fields and cannot be hashed ({}); "
                                      "header drifts cannot be tied to them",
                                      chain_option, missing, first_missing));
  return idx;
}

DriftExplanation Explain(const ChainBlock& b, const std::string& logged_legacy, const std::string& logged_refactored) {
  DriftExplanation e;
  const std::string legacy = EncodeCoreV4Header(b.header, ExtraDataEncoding::kBin);
  const std::string core = EncodeCoreV4Header(b.header, ExtraDataEncoding::kArray);
  Hash32 lh = sha256::Hash(legacy);
  Hash32 ch = sha256::Hash(core);
  e.height = b.height;
  e.block_hash = HexOf(logged_refactored);
  e.legacy_hash = lh.Hex();
  e.core_v4_hash = ch.Hex();
  e.legacy_confirmed = std::string_view(reinterpret_cast<const char*>(lh.data()), 32) == logged_legacy;
  e.core_v4_confirmed = std::string_view(reinterpret_cast<const char*>(ch.data()), 32) == logged_refactored;
  e.fields = CompareHeaderEncodings(legacy, core);
  size_t i = 0;
  while (i < legacy.size() && i < core.size() && legacy[i] == core[i]) ++i;
  e.first_difference = i;
  e.window_start = i >= 8 ? i - 8 : 0;
  e.legacy_window_hex = HexOf(std::string_view(legacy).substr(e.window_start, std::min<size_t>(24, legacy.size() - e.window_start)));
  e.core_v4_window_hex = HexOf(std::string_view(core).substr(e.window_start, std::min<size_t>(24, core.size() - e.window_start)));
  e.legacy_encoding_hex = HexOf(legacy);
  e.core_v4_encoding_hex = HexOf(core);
  e.chain_source = b.source;
  return e;
}

std::string FieldsSummary(const std::vector<FieldDifference>& fields) {
  std::string s;
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldDifference& f = fields[i];
    std::string lv = f.legacy_hex.size() > 16 ? f.legacy_hex.substr(0, 16) + "…" : f.legacy_hex;
    std::string cv = f.core_v4_hex.size() > 16 ? f.core_v4_hex.substr(0, 16) + "…" : f.core_v4_hex;
    s += fmt::format("{}{}: legacy {} vs core-v4 {}", i ? "; " : "", f.field, lv, cv);
  }
  return s;
}

std::string FieldNames(const std::vector<FieldDifference>& fields) {
  std::string s;
  for (size_t i = 0; i < fields.size(); ++i) s += (i ? "+" : "") + fields[i].field;
  return s.empty() ? "none" : s;
}

// What a drift's values say about the input: the same for every drift with those values.
struct ValueProblem {
  std::string what;
  std::string excerpt;
};

// Classifies one drift; sets status, cause, cluster and explanation, and *problem for bad input.
void Classify(Drift* d, const ChainIndex* chain, std::optional<ValueProblem>* value_problem) {
  auto problem = [&](std::string what, std::string_view excerpt) {
    *value_problem = ValueProblem{std::move(what), std::string(excerpt.substr(0, 120))};
  };
  if (!d->legacy_repr || !d->refactored_repr) {
    d->status = DriftStatus::kNoValues;
    d->cause = d->legacy_repr || d->refactored_repr ? "the record was cut short: a value is missing"
                                                    : "only the first line of the record is present (grep excerpt)";
    d->cluster = d->function + "/no-values";
    return;
  }
  auto lv = DecodePyRepr(*d->legacy_repr);
  auto rv = DecodePyRepr(*d->refactored_repr);
  if (!lv || !rv) {
    d->status = DriftStatus::kMalformed;
    const Status& st = !lv ? lv.error() : rv.error();
    d->cause = fmt::format("the {} value does not parse: {}", !lv ? "Legacy" : "Refactored", st.message());
    d->cluster = d->function + "/malformed/bad-repr";
    problem(d->cause, !lv ? *d->legacy_repr : *d->refactored_repr);
    return;
  }
  d->legacy = *lv;
  d->refactored = *rv;
  const bool hash_like = IsHashFunction(d->function) ||
                         (lv->kind == PyValue::Kind::kBytes && rv->kind == PyValue::Kind::kBytes &&
                          (lv->bytes.size() == 32 || rv->bytes.size() == 32));
  if (!hash_like) {
    d->status = DriftStatus::kUnexplained;
    if (*lv == *rv) {
      d->cause = "the logged values are equal; no value difference to explain";
      d->cluster = d->function + "/unexplained/equal-values";
    } else {
      d->cause = fmt::format("no known codec difference: legacy {} vs refactored {}", PyValueDisplay(*lv).substr(0, 80),
                             PyValueDisplay(*rv).substr(0, 80));
      d->cluster = d->function + "/unexplained/value-differs";
    }
    return;
  }
  std::string why;
  auto lh = AsHash(*lv, &why);
  std::string why_r;
  auto rh = AsHash(*rv, &why_r);
  if (!lh || !rh) {
    d->status = DriftStatus::kMalformed;
    d->cause = fmt::format("the {} value is {}", !lh ? "Legacy" : "Refactored", !lh ? why : why_r);
    d->cluster = d->function + "/malformed/wrong-length";
    problem(d->cause, !lh ? *d->legacy_repr : *d->refactored_repr);
    return;
  }
  if (*lh == *rh) {
    d->status = DriftStatus::kUnexplained;
    d->cause = "the logged hashes are equal; no value difference to explain";
    d->cluster = d->function + "/unexplained/equal-values";
    return;
  }
  if (chain == nullptr || !chain->loaded) {
    d->status = DriftStatus::kNotVerified;
    d->cause = "presumed the known header difference (legacy packs extra_data as bin, core-v4 as an array); "
               "not verified: no chain data was given";
    d->cluster = d->function + "/not-verified";
    return;
  }
  auto it = chain->by_core_v4.find(*rh);
  if (it == chain->by_core_v4.end()) {
    auto lt = chain->legacy_to_height.find(*lh);
    if (lt != chain->legacy_to_height.end()) {
      d->status = DriftStatus::kUnexplained;
      d->cause = fmt::format("the logged legacy hash is block {}'s legacy hash, but the refactored value is not its "
                             "core-v4 hash: the refactored codec produced something else",
                             lt->second);
      d->cluster = d->function + "/unexplained/refactored-differs";
      return;
    }
    d->status = DriftStatus::kNotInChain;
    d->cause = "no block in the chain data has this refactored (core-v4) hash";
    d->cluster = d->function + "/not-in-chain";
    problem(fmt::format("drift hash {} is not in the chain data", HexOf(*rh)), "");
    return;
  }
  DriftExplanation e = Explain(it->second, *lh, *rh);
  if (e.legacy_confirmed && !e.fields.empty()) {
    d->status = DriftStatus::kExplained;
    d->cause = fmt::format("block {}: {} encode differently ({}); recomputed legacy hash equals the logged one",
                           e.height, FieldNames(e.fields), FieldsSummary(e.fields));
    d->cluster = d->function + "/explained/" + FieldNames(e.fields);
  } else {
    d->status = DriftStatus::kUnexplained;
    d->cause = fmt::format("block {}: the recomputed legacy hash {} differs from the logged {}; no known codec "
                           "difference reproduces it",
                           e.height, e.legacy_hash, HexOf(*lh));
    d->cluster = d->function + "/unexplained/legacy-hash-mismatch";
  }
  d->explanation = std::move(e);
}

std::string ClusterCause(const Drift& d) {
  switch (d.status) {
    case DriftStatus::kExplained:
      if (d.explanation && d.explanation->fields.size() == 1 && d.explanation->fields[0].field == "extra_data")
        return "extra_data encodes differently (legacy: msgpack bin, c4 len bytes; core-v4: msgpack array of "
               "integers, 90|n or dc len, then each byte); the recomputed legacy hash equals the logged one";
      return d.explanation ? fmt::format("fields that encode differently: {}; the recomputed legacy hash equals the "
                                         "logged one",
                                         FieldNames(d.explanation->fields))
                           : d.cause;
    case DriftStatus::kUnexplained:
      if (d.cluster.ends_with("/legacy-hash-mismatch"))
        return "the block is in the chain, but neither encoding reproduces the logged legacy hash";
      if (d.cluster.ends_with("/refactored-differs"))
        return "the logged legacy hash is a block's legacy hash, but the refactored value is not its core-v4 hash";
      if (d.cluster.ends_with("/equal-values")) return "drift logged with equal values";
      return "the values differ and no known codec difference explains it";
    case DriftStatus::kNotInChain: return "the refactored (core-v4) hash names no block in the chain data";
    case DriftStatus::kNotVerified: return d.cause;
    case DriftStatus::kNoValues: return "no values in the log (grep excerpt or cut-short record)";
    case DriftStatus::kMalformed:
      return d.cluster.ends_with("/wrong-length") ? "a hash of the wrong length" : "a value that does not parse";
  }
  return d.cause;
}

int StatusRank(DriftStatus s) {
  switch (s) {
    case DriftStatus::kUnexplained: return 0;
    case DriftStatus::kMalformed: return 1;
    case DriftStatus::kNotInChain: return 2;
    case DriftStatus::kNotVerified: return 3;
    case DriftStatus::kNoValues: return 4;
    case DriftStatus::kExplained: return 5;
  }
  return 6;
}

std::string Percent(double rate) { return fmt::format("{:.2f}%", rate * 100.0); }

}  // namespace

std::string_view DriftStatusName(DriftStatus s) {
  switch (s) {
    case DriftStatus::kUnexplained: return "unexplained";
    case DriftStatus::kExplained: return "explained";
    case DriftStatus::kNotInChain: return "not-in-chain";
    case DriftStatus::kNotVerified: return "not-verified";
    case DriftStatus::kNoValues: return "no-values";
    case DriftStatus::kMalformed: return "malformed";
  }
  return "";
}

std::vector<FieldDifference> CompareHeaderEncodings(std::string_view legacy, std::string_view core_v4) {
  std::vector<std::pair<std::string, std::string_view>> a, b;
  std::vector<FieldDifference> out;
  if (!SplitMap(legacy, &a) || !SplitMap(core_v4, &b)) return out;
  for (const auto& [key, value] : a) {
    // key captured by name: clang 14 (the fuzz build) cannot capture a structured binding.
    auto it = std::find_if(b.begin(), b.end(), [&key = key](const auto& p) { return p.first == key; });
    std::string_view other = it == b.end() ? std::string_view() : it->second;
    if (it == b.end() || other != value) out.push_back(FieldDifference{key, HexOf(value), HexOf(other)});
  }
  for (const auto& [key, value] : b) {
    auto it = std::find_if(a.begin(), a.end(), [&key = key](const auto& p) { return p.first == key; });
    if (it == a.end()) out.push_back(FieldDifference{key, "", HexOf(value)});
  }
  return out;
}

namespace {

constexpr size_t kMaxCachedValues = 16384;  // distinct drift values classified and remembered
constexpr size_t kMaxReportsListed = 1000;

// A drift's place in the listing: unexplained first (then the other doubtful ones), then by time
// (unknown last), file order and line.
struct ListKey {
  int rank = 0;
  bool no_time = false;
  int64_t time = 0;
  size_t file = 0;
  uint64_t line = 0;
  friend bool operator<(const ListKey& a, const ListKey& b) {
    return std::tie(a.rank, a.no_time, a.time, a.file, a.line) < std::tie(b.rank, b.no_time, b.time, b.file, b.line);
  }
};

// A drift kept for the report (listed, or the first): what the record said, classified again at
// the end for its explanation.
struct HeldDrift {
  ListKey key;
  std::string function;
  uint64_t offset = 0;
  std::optional<int64_t> time_us;
  ParityPrefix prefix = ParityPrefix::kNone;
  std::optional<std::string> legacy_repr, refactored_repr;
  std::optional<double> legacy_ms, refactored_ms;
};

// The classification of one distinct (function, legacy, refactored) value.
struct ValueClass {
  DriftStatus status = DriftStatus::kUnexplained;
  DriftCluster* cluster = nullptr;
  std::optional<BlockHeight> height;
  std::optional<ValueProblem> problem;
};

struct FunctionStats {
  bool seen = false, has_matches = false;
  uint64_t drifts = 0, unexplained = 0, matches = 0;
  uint64_t legacy_failures = 0, refactored_failures = 0, fallbacks = 0, fallback_successes = 0;
};

// One reading of the logs. Each record is counted and classified as it arrives and then dropped:
// memory holds the report's own aggregates (per minute, per cluster, per function), the drifts it
// lists (at most kMaxDriftsListed, kept in a heap), the first drift, and a cache of value
// classifications; never the drifts or lines themselves.
class Pass {
 public:
  Pass(const ParityDriftOptions& o, const ChainIndex& chain, std::optional<int> year, ParityDriftReport* r)
      : o_(o), chain_(chain), forced_year_(year), r_(*r) {}

  std::map<std::string, size_t> file_order;
  std::map<int, uint64_t> years;
  bool any_yearless = false;
  std::optional<int> year_used;  // the year given to journald times, once one was met
  uint64_t logged_matches = 0;
  std::vector<uint64_t> matches_by_file, drifts_by_file;
  std::map<int64_t, MinuteBucket> minutes;
  std::map<std::string, DriftCluster> clusters;
  std::vector<std::string> functions;
  std::vector<FunctionStats> fn;
  std::vector<HeldDrift> listed;  // a max-heap by key
  std::optional<HeldDrift> first;
  std::vector<FailureRecord> failures;
  std::vector<ParityReportBlock> reports;
  std::map<size_t, ParityReportBlock> last_report;  // by file: the last block with both counts
  uint64_t reports_seen = 0, reports_failed = 0;
  std::optional<ParityReportBlock> first_failed_report;
  std::vector<ParityProblem> problems, value_problems;
  uint64_t problem_count = 0;

  void BeginFile(const std::string& path, const ParityLogParser* parser) {
    file_ = file_order.at(path);
    path_ = &path;
    parser_ = parser;
    if (matches_by_file.size() <= file_) {
      matches_by_file.resize(file_ + 1, 0);
      drifts_by_file.resize(file_ + 1, 0);
    }
  }
  void EndFile() {
    FlushMinute();
    for (const auto& [y, n] : parser_->years_seen()) years[y] += n;
    parser_ = nullptr;
  }

  void Problem(ParityProblem&& p) {
    ++problem_count;
    if (problems.size() < kMaxProblems) problems.push_back(std::move(p));
  }

  void Add(ParityRecord& rec) {
    switch (rec.kind) {
      case ParityRecordKind::kMatch: return AddMatch(rec);
      case ParityRecordKind::kDrift: return AddDrift(rec);
      case ParityRecordKind::kReport:
      case ParityRecordKind::kReportFailed: return AddReport(rec);
      default: return AddFailure(rec);
    }
  }

  std::string Path(size_t file) const {
    for (const auto& [path, i] : file_order)
      if (i == file) return path;
    return "";
  }

  // The year of journald times: fixed at the first one met, from --year (or the year a first
  // reading settled on), else the years of the lines read so far, else the chain's, else 1970.
  int Year() {
    if (year_used) return *year_used;
    if (forced_year_) return *(year_used = forced_year_);
    if (o_.year) return *(year_used = o_.year);
    std::map<int, uint64_t> so_far = years;
    if (parser_)
      for (const auto& [y, n] : parser_->years_seen()) so_far[y] += n;
    if (!so_far.empty())
      return *(year_used = std::max_element(so_far.begin(), so_far.end(), [](auto& a, auto& b) { return a.second < b.second; })->first);
    return *(year_used = chain_.first_year.value_or(1970));
  }

  FunctionStats& Fn(const std::string& f) {
    if (f == last_function_ && !last_function_.empty()) return fn[last_function_id_];
    auto it = function_ids_.find(f);
    uint32_t id;
    if (it != function_ids_.end()) {
      id = it->second;
    } else {
      id = static_cast<uint32_t>(functions.size());
      functions.push_back(f);
      fn.emplace_back();
      function_ids_.emplace(f, id);
    }
    last_function_ = f;
    last_function_id_ = id;
    return fn[id];
  }

  void FlushMinute() {
    if (minute_matches_) minutes[minute_].matches += minute_matches_;
    minute_matches_ = 0;
  }

 private:
  std::optional<int64_t> Time(const ParityRecord& rec) {
    if (rec.yearless) any_yearless = true;
    if (!rec.time_us || !rec.yearless) return rec.time_us;
    return ResolveYearlessTime(*rec.time_us, Year());
  }
  bool InWindow(const std::optional<int64_t>& t) const {
    if (!t) return true;
    if (o_.since_us && *t < *o_.since_us) return false;
    if (o_.until_us && *t > *o_.until_us) return false;
    return true;
  }

  void AddMatch(ParityRecord& rec) {
    ++matches_by_file[file_];
    FunctionStats& f = Fn(rec.function);
    std::optional<int64_t> t = Time(rec);
    if (t) {
      // A second is kept when any part of it is inside the window.
      const int64_t a = FloorDiv(*t, kUsPerSec) * kUsPerSec, b = a + kUsPerSec - 1;
      if ((o_.since_us && b < *o_.since_us) || (o_.until_us && a > *o_.until_us)) return;
      const int64_t minute = FloorDiv(*t, kUsPerMinute);
      if (minute != minute_) {
        FlushMinute();
        minute_ = minute;
      }
      ++minute_matches_;
    }
    ++logged_matches;
    f.seen = f.has_matches = true;
    ++f.matches;
  }

  const ValueClass& Classified(const ParityRecord& rec) {
    key_.assign(rec.function);
    key_.push_back('\0');
    if (rec.legacy_repr) key_.append("L").append(*rec.legacy_repr);
    key_.push_back('\0');
    if (rec.refactored_repr) key_.append("R").append(*rec.refactored_repr);
    auto it = cache_.find(key_);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCachedValues) cache_.clear();
    Drift d;
    d.function = rec.function;
    d.legacy_repr = rec.legacy_repr;
    d.refactored_repr = rec.refactored_repr;
    ValueClass v;
    Classify(&d, o_.chain_path ? &chain_ : nullptr, &v.problem);
    v.status = d.status;
    if (d.explanation) v.height = d.explanation->height;
    DriftCluster& cl = clusters[d.cluster];
    if (cl.key.empty()) {
      cl.key = d.cluster;
      cl.function = d.function;
      cl.status = d.status;
      cl.cause = ClusterCause(d);
    }
    v.cluster = &cl;
    return cache_.emplace(key_, std::move(v)).first->second;
  }

  HeldDrift Hold(const ParityRecord& rec, const ListKey& key, const std::optional<int64_t>& t) const {
    HeldDrift h;
    h.key = key;
    h.function = rec.function;
    h.offset = rec.offset;
    h.time_us = t;
    h.prefix = rec.prefix;
    h.legacy_repr = rec.legacy_repr;
    h.refactored_repr = rec.refactored_repr;
    if (rec.legacy_ms && *rec.legacy_ms >= 0) h.legacy_ms = rec.legacy_ms;
    if (rec.refactored_ms && *rec.refactored_ms >= 0) h.refactored_ms = rec.refactored_ms;
    return h;
  }

  void AddDrift(ParityRecord& rec) {
    std::optional<int64_t> t = Time(rec);
    if (!InWindow(t)) return;
    const ValueClass& v = Classified(rec);
    if (v.problem && value_problems.size() < kMaxProblems)
      value_problems.push_back(ParityProblem{*path_, rec.line, rec.offset, v.problem->what, v.problem->excerpt});
    if (v.problem) ++problem_count;
    ++r_.drifts;
    ++drifts_by_file[file_];
    FunctionStats& f = Fn(rec.function);
    f.seen = true;
    ++f.drifts;
    switch (v.status) {
      case DriftStatus::kUnexplained: ++r_.unexplained; ++f.unexplained; break;
      case DriftStatus::kExplained: ++r_.explained; break;
      case DriftStatus::kNotInChain: ++r_.not_in_chain; break;
      case DriftStatus::kNotVerified: ++r_.not_verified; break;
      case DriftStatus::kNoValues: ++r_.no_values; break;
      case DriftStatus::kMalformed: ++r_.malformed; break;
    }
    DriftCluster& cl = *v.cluster;
    if (cl.count++ == 0) {
      cl.first_file = *path_;
      cl.first_line = rec.line;
    }
    if (t) {
      if (!cl.first_time_us || *t < *cl.first_time_us) cl.first_time_us = t;
      if (!cl.last_time_us || *t > *cl.last_time_us) cl.last_time_us = t;
      ++minutes[FloorDiv(*t, kUsPerMinute)].drifts;
    } else {
      ++r_.drifts_without_time;
    }
    if (v.height) {
      if (!cl.min_height || *v.height < *cl.min_height) cl.min_height = v.height;
      if (!cl.max_height || *v.height > *cl.max_height) cl.max_height = v.height;
    }
    ListKey key{StatusRank(v.status), !t.has_value(), t.value_or(0), file_, rec.line};
    ListKey when = key;
    when.rank = 0;
    if (!first || when < first->key) {
      first = Hold(rec, when, t);
    }
    auto by_key = [](const HeldDrift& a, const HeldDrift& b) { return a.key < b.key; };
    if (listed.size() < kMaxDriftsListed) {
      listed.push_back(Hold(rec, key, t));
      std::push_heap(listed.begin(), listed.end(), by_key);
    } else if (key < listed.front().key) {
      std::pop_heap(listed.begin(), listed.end(), by_key);
      listed.back() = Hold(rec, key, t);
      std::push_heap(listed.begin(), listed.end(), by_key);
    }
  }

  void AddFailure(ParityRecord& rec) {
    std::optional<int64_t> t = Time(rec);
    if (!InWindow(t)) return;
    FunctionStats& fc = Fn(rec.function);
    fc.seen = true;
    switch (rec.kind) {
      case ParityRecordKind::kLegacyFailed: ++fc.legacy_failures; ++r_.legacy_failures; break;
      case ParityRecordKind::kRefactoredFailed: ++fc.refactored_failures; ++r_.refactored_failures; break;
      case ParityRecordKind::kRefactoredFallback:
        ++fc.refactored_failures;
        ++r_.refactored_failures;
        ++fc.fallbacks;
        ++r_.fallbacks;
        break;
      case ParityRecordKind::kFallingBack: ++fc.fallbacks; ++r_.fallbacks; break;
      case ParityRecordKind::kFallbackSuccess: ++fc.fallback_successes; ++r_.fallback_successes; break;
      default: break;
    }
    if (t) ++minutes[FloorDiv(*t, kUsPerMinute)].failures;
    if (failures.size() < kMaxFailuresListed) {
      FailureRecord f;
      f.kind = rec.kind;
      f.function = rec.function;
      f.error = std::move(rec.error);
      f.file = *path_;
      f.line = rec.line;
      f.time_us = t;
      failures.push_back(std::move(f));
    }
  }

  void AddReport(ParityRecord& rec) {
    std::optional<int64_t> t = Time(rec);
    if (!InWindow(t)) return;
    ParityReportBlock b;
    b.file = *path_;
    b.line = rec.line;
    b.time_us = t;
    b.codec_mode = rec.codec_mode;
    b.rust_available = rec.rust_available;
    b.matches = rec.report_matches;
    b.drifts = rec.report_drifts;
    b.closed = rec.report_closed;
    if (rec.kind == ParityRecordKind::kReportFailed) {
      b.error = rec.error;
      if (reports_failed++ == 0) first_failed_report = b;
    }
    ++reports_seen;
    if (b.matches && b.drifts) last_report[file_] = b;
    if (reports.size() < kMaxReportsListed) reports.push_back(std::move(b));
  }

  const ParityDriftOptions& o_;
  const ChainIndex& chain_;
  std::optional<int> forced_year_;
  ParityDriftReport& r_;
  size_t file_ = 0;
  const std::string* path_ = nullptr;
  const ParityLogParser* parser_ = nullptr;
  std::unordered_map<std::string, uint32_t> function_ids_;
  std::string last_function_;
  uint32_t last_function_id_ = 0;
  int64_t minute_ = 0;
  uint64_t minute_matches_ = 0;
  std::string key_;
  std::unordered_map<std::string, ValueClass> cache_;
};

// One reading of every input with journald times dated in `year` (when set).
Result<ParityDriftReport> AnalyzeOnce(const ParityDriftOptions& options, std::optional<int> year,
                                      std::optional<int>* year_wanted) {
  ParityDriftReport r;
  size_t opened = 0;
  bool damaged = false;
  std::vector<std::string> open_errors;

  // The chain first: drifts are classified as they are read. Its input entry and warnings follow
  // those of the logs and the metrics.
  ChainIndex chain;
  std::vector<std::string> chain_warnings;
  if (options.chain_path) {
    chain = LoadChain(*options.chain_path, options.profile, options.option_names(OptionName::kChain), &r, &chain_warnings);
    if (!chain.loaded) damaged = true;
  }

  // 1. Logs.
  Pass c(options, chain, year, &r);
  for (const std::string& path : options.log_files) c.file_order.emplace(path, c.file_order.size());
  for (const std::string& path : options.log_files) {
    auto reader = LineReader::Open(path, LineReaderOptions{.decode_in_background = true});
    if (!reader) {
      open_errors.push_back(reader.error().message());
      r.warnings.push_back(fmt::format("log {}: cannot be read: {}", path, reader.error().message()));
      damaged = true;
      continue;
    }
    ++opened;
    if (auto in = DescribeInput(path)) r.inputs.push_back(*in);
    ParityLogParser parser(
        path, [&](ParityRecord&& rec) { c.Add(rec); }, [&](ParityProblem&& p) { c.Problem(std::move(p)); });
    c.BeginFile(path, &parser);
    Line line;
    while ((*reader)->Next(&line)) {
      parser.AddLine(line.text, line.number, line.offset);
      ++r.lines_read;
    }
    parser.Finish();
    c.EndFile();
    for (const ReadIssue& issue : (*reader)->issues()) {
      damaged = damaged || issue.kind == ReadIssue::Kind::kTruncatedFrame || issue.kind == ReadIssue::Kind::kCorruptFrame ||
                issue.kind == ReadIssue::Kind::kIoError;
      c.Problem(ParityProblem{path, issue.line, issue.offset, issue.what, ""});
      r.warnings.push_back(fmt::format("log {} at byte {}: {}", path, issue.offset, issue.what));
    }
  }

  // 2. Metrics.
  bool metrics_read = false;
  if (options.metrics_path) {
    auto readable = ReadablePath(*options.metrics_path);
    std::ifstream in;
    if (readable) in.open(*readable, std::ios::binary);
    if (!readable) {
      r.warnings.push_back(fmt::format("{} {}: cannot be read: {}", options.option_names(OptionName::kMetrics), *options.metrics_path,
                                       readable.error().message()));
      damaged = true;
    } else if (!in) {
      r.warnings.push_back(fmt::format("{} {}: cannot be read", options.option_names(OptionName::kMetrics), *options.metrics_path));
      damaged = true;
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      metrics_read = true;
      if (auto d = DescribeInput(*options.metrics_path)) r.inputs.push_back(*d);
      PromParseResult pr = ParsePrometheusText(ss.str());
      ParityMetrics m;
      for (ParityProblem& p : pr.problems) {
        p.file = *options.metrics_path;
        c.Problem(std::move(p));
      }
      for (const PromSample& s : pr.samples) {
        ++m.samples;
        auto add = [&](std::optional<double>* dst) { *dst = dst->value_or(0) + s.value; };
        if (s.name == "coinjecture_parity_matches_total") {
          add(&m.matches_total);
        } else if (s.name == "coinjecture_parity_drifts_total") {
          add(&m.drifts_total);
          auto f = s.Label("function");
          m.drifts_by_function[f ? std::string(*f) : std::string()] += s.value;
        } else if (s.name == "coinjecture_pin_quorum_success_total") {
          add(&m.pin_quorum_success_total);
        } else if (s.name == "coinjecture_pin_quorum_failures_total") {
          add(&m.pin_quorum_failures_total);
        } else if (s.name == "coinjecture_state_violations_total") {
          add(&m.state_violations_total);
        }
      }
      r.metrics = std::move(m);
    }
  }
  if (opened == 0 && !metrics_read) {
    std::string why = open_errors.empty() ? "no log file was given" : open_errors.front();
    return Status::IoError(fmt::format("nothing could be read: {}", why));
  }
  if (options.chain_path)
    if (auto in = DescribeInput(*options.chain_path)) r.inputs.push_back(*in);
  for (std::string& w : chain_warnings) r.warnings.push_back(std::move(w));

  // 3. The year of journald times: --year, else the other log lines, else the chain's blocks. A
  // reading that dated them before all years were seen is done again with the year settled on.
  if (c.any_yearless) {
    int y = 1970;
    if (options.year) {
      y = *options.year;
    } else if (!c.years.empty()) {
      y = std::max_element(c.years.begin(), c.years.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
      r.warnings.push_back(fmt::format("journald times carry no year; took {} from the other log lines (use {} to set it)", y, options.option_names(OptionName::kYear)));
    } else if (chain.first_year) {
      y = *chain.first_year;
      r.warnings.push_back(fmt::format("journald times carry no year; took {} from the chain's block timestamps (use {} to set it)", y, options.option_names(OptionName::kYear)));
    } else {
      r.warnings.push_back(fmt::format("journald times carry no year and no input tells it; 1970 is shown (use {})", options.option_names(OptionName::kYear)));
    }
    r.year_used = y;
    if (c.year_used && *c.year_used != y) {
      *year_wanted = y;
      return r;
    }
  }

  // 4. Counts.
  for (size_t id = 0; id < c.functions.size(); ++id) {
    const FunctionStats& s = c.fn[id];
    if (!s.seen) continue;
    FunctionCounts f;
    f.function = c.functions[id];
    f.drifts = s.drifts;
    f.unexplained = s.unexplained;
    if (s.has_matches) f.matches = s.matches;
    f.legacy_failures = s.legacy_failures;
    f.refactored_failures = s.refactored_failures;
    f.fallbacks = s.fallbacks;
    f.fallback_successes = s.fallback_successes;
    r.by_function.push_back(std::move(f));
  }
  if (r.metrics) {
    for (const auto& [name, v] : r.metrics->drifts_by_function) {
      if (name.empty()) continue;
      const std::string& function = name;  // a lambda may not capture a structured binding (C++17, clang 14)
      auto it = std::find_if(r.by_function.begin(), r.by_function.end(),
                             [&](const FunctionCounts& f) { return f.function == function; });
      if (it == r.by_function.end()) {
        r.by_function.emplace_back();
        it = r.by_function.end() - 1;
        it->function = name;
      }
      it->metrics_drifts = static_cast<uint64_t>(std::llround(v));
    }
  }
  std::sort(r.by_function.begin(), r.by_function.end(),
            [](const FunctionCounts& a, const FunctionCounts& b) { return a.function < b.function; });
  const uint64_t logged_matches = c.logged_matches;
  for (FunctionCounts& f : r.by_function) {
    if (logged_matches > 0) {
      f.matches = f.matches.value_or(0);
      f.comparisons = *f.matches + f.drifts;
      if (*f.comparisons > 0) f.drift_rate = static_cast<double>(f.drifts) / static_cast<double>(*f.comparisons);
    }
  }
  for (auto& [k, m] : c.minutes) {
    m.minute_us = k * kUsPerMinute;
    r.per_minute.push_back(m);
  }
  for (auto& [k, cl] : c.clusters)
    if (cl.count) r.clusters.push_back(cl);
  std::stable_sort(r.clusters.begin(), r.clusters.end(), [](const DriftCluster& a, const DriftCluster& b) {
    if (StatusRank(a.status) != StatusRank(b.status)) return StatusRank(a.status) < StatusRank(b.status);
    if (a.count != b.count) return a.count > b.count;
    return a.key < b.key;
  });

  // Report blocks: the last one of each file holds that process's cumulative counts.
  r.report_blocks = std::move(c.reports);
  if (c.reports_seen > r.report_blocks.size())
    r.warnings.push_back(fmt::format("{} PARITY REPORT blocks; the first {} are listed", c.reports_seen, r.report_blocks.size()));
  if (c.first_failed_report)
    r.warnings.push_back(fmt::format("{}:{}: log_parity_report() raised ({}) instead of writing the PARITY REPORT "
                                     "block; {} report(s) raised in all, their counts are not in the log",
                                     c.first_failed_report->file, c.first_failed_report->line,
                                     *c.first_failed_report->error, c.reports_failed));

  // Counts: parity ✓ lines, else the PARITY REPORT blocks, else metrics.
  if (logged_matches > 0) {
    r.counts_source = "parity ✓ lines";
    r.matches = logged_matches;
    r.source_drifts = r.drifts;
  } else if (!c.last_report.empty()) {
    r.counts_source = "PARITY REPORT block";
    uint64_t m = 0, d = 0;
    for (const auto& [file, b] : c.last_report) {
      m += *b.matches;
      d += *b.drifts;
    }
    r.matches = m;
    r.source_drifts = d;
  } else if (r.metrics && r.metrics->matches_total) {
    r.counts_source = "metrics";
    r.matches = static_cast<uint64_t>(std::llround(*r.metrics->matches_total));
    r.source_drifts = r.metrics->drifts_total ? static_cast<uint64_t>(std::llround(*r.metrics->drifts_total)) : r.drifts;
  }
  if (r.matches) {
    r.comparisons = *r.matches + *r.source_drifts;
    if (*r.comparisons > 0) r.drift_rate = static_cast<double>(*r.source_drifts) / static_cast<double>(*r.comparisons);
  }
  if (r.counts_source == "parity ✓ lines") {
    uint64_t outside = 0;
    for (size_t f = 0; f < c.drifts_by_file.size(); ++f)
      if (c.matches_by_file[f] == 0) outside += c.drifts_by_file[f];
    if (outside)
      r.warnings.push_back(fmt::format("{} drift(s) come from logs without parity ✓ lines; the drift rate counts them "
                                       "against the matches of the other logs",
                                       outside));
  }
  if (r.counts_source.empty() && r.drifts > 0)
    r.warnings.push_back("the comparison count is unknown (no parity ✓ lines, no PARITY REPORT counts, no metrics): "
                         "the drift rate cannot be computed");
  if (r.source_drifts && *r.source_drifts != r.drifts)
    r.warnings.push_back(fmt::format("the {} states {} drift(s); the logs hold {} drift record(s)", r.counts_source,
                                     *r.source_drifts, r.drifts));
  if (r.metrics && r.metrics->drifts_total && r.counts_source != "metrics" &&
      static_cast<uint64_t>(std::llround(*r.metrics->drifts_total)) != r.drifts)
    r.warnings.push_back(fmt::format("metrics count {} drift(s) since the process started; the logs hold {}",
                                     static_cast<uint64_t>(std::llround(*r.metrics->drifts_total)), r.drifts));

  // The drifts kept, classified again for their explanations (each only once).
  auto full = [&](const HeldDrift& h) {
    Drift d;
    d.function = h.function;
    d.file = c.Path(h.key.file);
    d.line = h.key.line;
    d.offset = h.offset;
    d.time_us = h.time_us;
    d.prefix = h.prefix;
    d.legacy_repr = h.legacy_repr;
    d.refactored_repr = h.refactored_repr;
    d.legacy_ms = h.legacy_ms;
    d.refactored_ms = h.refactored_ms;
    std::optional<ValueProblem> ignored;
    Classify(&d, options.chain_path ? &chain : nullptr, &ignored);
    return d;
  };
  if (c.first) r.first_drift = full(*c.first);
  std::sort(c.listed.begin(), c.listed.end(), [](const HeldDrift& a, const HeldDrift& b) { return a.key < b.key; });
  if (r.drifts > kMaxDriftsListed) r.drifts_listed_cap = kMaxDriftsListed;
  r.drifts_list.reserve(c.listed.size());
  for (const HeldDrift& h : c.listed) r.drifts_list.push_back(full(h));
  r.failures = std::move(c.failures);
  // Problems of the input's form first, then those of drift values, as read.
  r.problems = std::move(c.problems);
  for (ParityProblem& p : c.value_problems) {
    if (r.problems.size() >= kMaxProblems) break;
    r.problems.push_back(std::move(p));
  }
  r.problem_count = c.problem_count;
  if (r.problem_count > r.problems.size())
    r.warnings.push_back(fmt::format("{} input problem(s); the first {} are listed", r.problem_count, r.problems.size()));
  if (r.not_in_chain)
    r.warnings.push_back(fmt::format("{} drift(s) name a hash that is not in the chain data", r.not_in_chain));
  if (r.malformed) r.warnings.push_back(fmt::format("{} drift record(s) hold a value that cannot be used", r.malformed));

  // Verdict and advice (runbook thresholds).
  const bool any_parity = r.drifts > 0 || logged_matches > 0 || !r.report_blocks.empty() || !r.failures.empty() ||
                          (r.metrics && (r.metrics->matches_total || r.metrics->drifts_total));
  const bool drift_seen = r.drifts > 0 || (r.source_drifts && *r.source_drifts > 0) ||
                          (r.metrics && r.metrics->drifts_total && *r.metrics->drifts_total > 0);
  if (drift_seen) {
    r.verdict = Verdict::kViolation;
  } else if (!any_parity || !r.comparisons || damaged) {
    r.verdict = Verdict::kInconclusive;
  } else {
    r.verdict = Verdict::kClean;
  }
  const bool state_violation = r.metrics && r.metrics->state_violations_total && *r.metrics->state_violations_total > 0;
  r.emergency_rollback = (r.drift_rate && *r.drift_rate > kEmergencyRate) || state_violation;
  r.rollout_blocked = drift_seen;
  if (r.drift_rate && *r.drift_rate > kEmergencyRate)
    r.advice.push_back(fmt::format("**Emergency rollback trigger**: the drift rate {} is above the runbook's 1% threshold. "
                                   "Keep `CODEC_MODE=legacy_only` until the cause is fixed.",
                                   Percent(*r.drift_rate)));
  if (state_violation)
    r.advice.push_back(fmt::format("**Emergency rollback trigger**: metrics count {} state violation(s) "
                                   "(coinjecture_state_violations_total); run `{}`.",
                                   static_cast<uint64_t>(std::llround(*r.metrics->state_violations_total)),
                                   options.option_names(OptionName::kStateViolation)));
  if (drift_seen)
    r.advice.push_back("**Parity is below 100%**: the current rollout phase is blocked until the drift is resolved.");
  if (drift_seen && !r.drift_rate)
    r.advice.push_back(fmt::format("The drift rate is unknown, so the 1% emergency threshold cannot be evaluated: enable "
                                   "DEBUG logging (parity ✓ lines), keep the PARITY REPORT block, or pass {}.",
                                   options.option_names(OptionName::kMetrics)));
  if (r.unexplained)
    r.advice.push_back(fmt::format("{} drift(s) are not explained by any known codec difference: investigate them "
                                   "first (listed first in the report).",
                                   r.unexplained));
  if (r.explained)
    r.advice.push_back(fmt::format("{} header drift(s) are the known systematic codec difference (legacy packs "
                                   "`extra_data` as msgpack bin, core-v4 as an array; docs/chain.md §1.4), confirmed by "
                                   "recomputing both hashes from chain data. They recur on every header until the "
                                   "two encodings agree.",
                                   r.explained));
  if (r.not_verified)
    r.advice.push_back(fmt::format("{} header drift(s) could not be tied to blocks: pass {} to confirm their cause.",
                                   r.not_verified, options.option_names(OptionName::kChain)));
  if (r.no_values)
    r.advice.push_back(fmt::format("{} drift(s) have no values (grep excerpt keeping only the first line): collect the "
                                   "full records (journalctl without grep) to explain them.",
                                   r.no_values));
  if (r.verdict == Verdict::kInconclusive)
    r.advice.push_back(any_parity ? "Not enough was readable to call parity clean: see the warnings."
                                  : "No parity record was found in the inputs: check that CODEC_MODE=shadow and that "
                                    "the right unit and time window were collected.");
  if (r.verdict == Verdict::kViolation)
    r.advice.push_back("File this report as a GitHub issue labelled `parity-drift` (the command is printed by forensics).");
  return r;
}

}  // namespace

Result<ParityDriftReport> AnalyzeParityDrift(const ParityDriftOptions& options) {
  std::optional<int> year;
  auto r = AnalyzeOnce(options, std::nullopt, &year);
  if (r && year) return AnalyzeOnce(options, year, &year);
  return r;
}

}  // namespace forensics
