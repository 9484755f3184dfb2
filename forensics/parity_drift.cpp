// `forensics --issue parity-drift`: the analysis behind the runbook's "collect the parity lines, run
// a diff analysis" step.
//
// 1. Stream every log through ParityLogParser; keep drifts, failures and report blocks, and count
//    `parity ✓` lines per second and function (never the lines themselves).
// 2. Read the metrics file, if any.
// 3. Give journald short times their year (--year, else the other inputs, else the chain's block
//    timestamps, else 1970 with a warning), then apply --since/--until.
// 4. With --chain: recompute both header encodings of every block (chain.md §1.2, §1.4) and keep the
//    blocks whose core-v4 or legacy hash a drift names.
// 5. Classify every drift (explained, unexplained, not in chain, not verified, no values,
//    malformed), cluster them by cause, count, bucket per minute, and derive verdict and advice
//    from the runbook thresholds.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
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

// --- collection -------------------------------------------------------------------------------

struct MatchKey {
  int64_t second;  // floor(time / 1 s); for yearless times, in year 2000
  bool yearless;
  uint32_t function;
  friend bool operator<(const MatchKey& a, const MatchKey& b) {
    return std::tie(a.second, a.yearless, a.function) < std::tie(b.second, b.yearless, b.function);
  }
  friend bool operator==(const MatchKey&, const MatchKey&) = default;
};

struct MatchKeyHash {
  size_t operator()(const MatchKey& k) const {
    uint64_t h = static_cast<uint64_t>(k.second) * 0x9e3779b97f4a7c15ULL ^ (uint64_t{k.function} << 1 | k.yearless);
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

struct Collector {
  std::vector<std::string> functions;
  std::unordered_map<std::string, uint32_t> function_ids;
  std::unordered_map<MatchKey, uint64_t, MatchKeyHash> timed_matches;  // sorted when read
  std::map<uint32_t, uint64_t> untimed_matches;
  uint64_t file_matches = 0;  // matches of the file being read
  std::map<std::string, uint64_t> matches_by_file;
  // The last match's function, to skip the name lookup when it repeats.
  std::string last_function;
  uint32_t last_function_id = 0;
  std::vector<Drift> drifts;
  std::vector<bool> drift_yearless;
  std::vector<FailureRecord> failures;
  std::vector<bool> failure_yearless;
  std::vector<ParityReportBlock> reports;
  std::vector<bool> report_yearless;
  std::vector<ParityProblem> problems;
  uint64_t problem_count = 0;
  std::map<int, uint64_t> years;
  bool any_yearless = false;

  // Matches of the second being read, by function id: most lines fall in the same second as the
  // previous one, so the hash table is touched once per second and function, not once per line.
  bool current_valid = false;
  int64_t current_second = 0;
  bool current_yearless = false;
  std::vector<uint64_t> current_counts;

  void FlushCurrentSecond() {
    for (uint32_t id = 0; id < current_counts.size(); ++id) {
      if (current_counts[id] == 0) continue;
      timed_matches[MatchKey{current_second, current_yearless, id}] += current_counts[id];
      current_counts[id] = 0;
    }
    current_valid = false;
  }

  uint32_t FunctionId(const std::string& f) {
    auto it = function_ids.find(f);
    if (it != function_ids.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(functions.size());
    functions.push_back(f);
    function_ids.emplace(f, id);
    return id;
  }

  void Problem(ParityProblem&& p) {
    ++problem_count;
    if (problems.size() < kMaxProblems) problems.push_back(std::move(p));
  }

  void Add(const std::string& file, ParityRecord& rec) {
    if (rec.yearless) any_yearless = true;
    switch (rec.kind) {
      case ParityRecordKind::kMatch: {
        ++file_matches;
        uint32_t id;
        if (!last_function.empty() && rec.function == last_function) {
          id = last_function_id;
        } else {
          id = last_function_id = FunctionId(rec.function);
          last_function = rec.function;
        }
        if (rec.time_us) {
          const int64_t second = FloorDiv(*rec.time_us, kUsPerSec);
          if (!current_valid || second != current_second || rec.yearless != current_yearless) {
            FlushCurrentSecond();
            current_valid = true;
            current_second = second;
            current_yearless = rec.yearless;
          }
          if (id >= current_counts.size()) current_counts.resize(id + 1, 0);
          ++current_counts[id];
        } else {
          ++untimed_matches[id];
        }
        return;
      }
      case ParityRecordKind::kDrift: {
        Drift d;
        d.function = std::move(rec.function);
        d.file = file;
        d.line = rec.line;
        d.offset = rec.offset;
        d.time_us = rec.time_us;
        d.prefix = rec.prefix;
        d.legacy_repr = std::move(rec.legacy_repr);
        d.refactored_repr = std::move(rec.refactored_repr);
        if (rec.legacy_ms && *rec.legacy_ms >= 0) d.legacy_ms = rec.legacy_ms;
        if (rec.refactored_ms && *rec.refactored_ms >= 0) d.refactored_ms = rec.refactored_ms;
        FunctionId(d.function);
        drifts.push_back(std::move(d));
        drift_yearless.push_back(rec.yearless);
        return;
      }
      case ParityRecordKind::kReport: {
        ParityReportBlock b;
        b.file = file;
        b.line = rec.line;
        b.time_us = rec.time_us;
        b.codec_mode = rec.codec_mode;
        b.rust_available = rec.rust_available;
        b.matches = rec.report_matches;
        b.drifts = rec.report_drifts;
        b.closed = rec.report_closed;
        reports.push_back(std::move(b));
        report_yearless.push_back(rec.yearless);
        return;
      }
      default: {
        FailureRecord f;
        f.kind = rec.kind;
        f.function = std::move(rec.function);
        f.error = std::move(rec.error);
        f.file = file;
        f.line = rec.line;
        f.time_us = rec.time_us;
        FunctionId(f.function);
        failures.push_back(std::move(f));
        failure_yearless.push_back(rec.yearless);
        return;
      }
    }
  }
};

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

struct ChainIndex {
  bool loaded = false;
  std::map<std::string, ChainBlock> by_core_v4;  // raw 32-byte hash → block (only wanted ones)
  std::map<std::string, BlockHeight> legacy_to_height;  // raw legacy hash → height (only wanted ones)
  std::optional<int> first_year;
};

ChainIndex LoadChain(const std::string& path, std::optional<Profile> profile, const std::set<std::string>& wanted,
                     ParityDriftReport* r) {
  ChainIndex idx;
  auto src = OpenChain(path, profile);
  if (!src) {
    r->warnings.push_back(fmt::format("--chain {}: cannot be read: {}", path, src.error().message()));
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
      r->warnings.push_back(fmt::format("--chain {}: reading stopped: {}", path, more.error().message()));
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
    if (wanted.count(core_raw)) idx.by_core_v4[core_raw] = ChainBlock{b->header.height, *c, b->source + ":" + std::to_string(b->line)};
    Hash32 legacy = sha256::Hash(EncodeCoreV4Header(*c, ExtraDataEncoding::kBin));
    std::string legacy_raw(reinterpret_cast<const char*>(legacy.data()), 32);
    if (wanted.count(legacy_raw)) idx.legacy_to_height[legacy_raw] = b->header.height;
  }
  for (const ReadIssue& issue : (*src)->read_issues())
    r->warnings.push_back(fmt::format("--chain {} at byte {}: {}", issue.file, issue.offset, issue.what));
  if (missing)
    r->warnings.push_back(fmt::format("--chain: {} block(s) lack core-v4 header fields and cannot be hashed ({}); "
                                      "header drifts cannot be tied to them",
                                      missing, first_missing));
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

// Classifies one drift; sets status, cause, cluster and explanation. Adds problems for bad input.
void Classify(Drift* d, const ChainIndex* chain, Collector* c) {
  auto problem = [&](std::string what, std::string_view excerpt) {
    c->Problem(ParityProblem{d->file, d->line, d->offset, std::move(what), std::string(excerpt.substr(0, 120))});
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
               "not verified without --chain";
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
    d->cause = "no block in --chain has this refactored (core-v4) hash";
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
    case DriftStatus::kNotInChain: return "the refactored (core-v4) hash names no block in --chain";
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

bool Before(const Drift& a, const Drift& b, const std::map<std::string, size_t>& file_order) {
  // By time (unknown last), then file order, then line.
  if (a.time_us.has_value() != b.time_us.has_value()) return a.time_us.has_value();
  if (a.time_us && *a.time_us != *b.time_us) return *a.time_us < *b.time_us;
  size_t fa = file_order.at(a.file), fb = file_order.at(b.file);
  if (fa != fb) return fa < fb;
  return a.line < b.line;
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

Result<ParityDriftReport> AnalyzeParityDrift(const ParityDriftOptions& options) {
  ParityDriftReport r;
  Collector c;
  std::map<std::string, size_t> file_order;
  size_t opened = 0;
  bool damaged = false;
  std::vector<std::string> open_errors;

  // 1. Logs.
  for (const std::string& path : options.log_files) {
    file_order.emplace(path, file_order.size());
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
        path, [&](ParityRecord&& rec) { c.Add(path, rec); },
        [&](ParityProblem&& p) { c.Problem(std::move(p)); });
    Line line;
    while ((*reader)->Next(&line)) {
      parser.AddLine(line.text, line.number, line.offset);
      ++r.lines_read;
    }
    parser.Finish();
    c.FlushCurrentSecond();
    c.matches_by_file[path] += c.file_matches;
    c.file_matches = 0;
    for (const auto& [y, n] : parser.years_seen()) c.years[y] += n;
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
      r.warnings.push_back(fmt::format("--metrics {}: cannot be read: {}", *options.metrics_path,
                                       readable.error().message()));
      damaged = true;
    } else if (!in) {
      r.warnings.push_back(fmt::format("--metrics {}: cannot be read", *options.metrics_path));
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

  // 4a. Which hashes the chain lookup needs.
  std::set<std::string> wanted;
  for (const Drift& d : c.drifts) {
    if (!d.legacy_repr || !d.refactored_repr) continue;
    auto lv = DecodePyRepr(*d.legacy_repr);
    auto rv = DecodePyRepr(*d.refactored_repr);
    std::string why;
    if (lv) if (auto h = AsHash(*lv, &why)) wanted.insert(*h);
    if (rv) if (auto h = AsHash(*rv, &why)) wanted.insert(*h);
  }
  ChainIndex chain;
  if (options.chain_path) {
    if (auto in = DescribeInput(*options.chain_path)) r.inputs.push_back(*in);
    chain = LoadChain(*options.chain_path, options.profile, wanted, &r);
    if (!chain.loaded) damaged = true;
  }

  // 3. Years for journald short times, then the time window.
  if (c.any_yearless) {
    int year = 1970;
    if (options.year) {
      year = *options.year;
    } else if (!c.years.empty()) {
      year = std::max_element(c.years.begin(), c.years.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
      r.warnings.push_back(fmt::format("journald times carry no year; took {} from the other log lines (use --year to set it)", year));
    } else if (chain.first_year) {
      year = *chain.first_year;
      r.warnings.push_back(fmt::format("journald times carry no year; took {} from the chain's block timestamps (use --year to set it)", year));
    } else {
      r.warnings.push_back("journald times carry no year and no input tells it; 1970 is shown (use --year)");
    }
    r.year_used = year;
    for (size_t i = 0; i < c.drifts.size(); ++i)
      if (c.drift_yearless[i] && c.drifts[i].time_us) c.drifts[i].time_us = ResolveYearlessTime(*c.drifts[i].time_us, year);
    for (size_t i = 0; i < c.failures.size(); ++i)
      if (c.failure_yearless[i] && c.failures[i].time_us) c.failures[i].time_us = ResolveYearlessTime(*c.failures[i].time_us, year);
    for (size_t i = 0; i < c.reports.size(); ++i)
      if (c.report_yearless[i] && c.reports[i].time_us) c.reports[i].time_us = ResolveYearlessTime(*c.reports[i].time_us, year);
    std::unordered_map<MatchKey, uint64_t, MatchKeyHash> resolved;
    for (const auto& [k, n] : c.timed_matches) {
      MatchKey nk = k;
      if (k.yearless) nk = MatchKey{FloorDiv(ResolveYearlessTime(k.second * kUsPerSec, year), kUsPerSec), false, k.function};
      resolved[nk] += n;
    }
    c.timed_matches = std::move(resolved);
  }
  auto in_window = [&](const std::optional<int64_t>& t) {
    if (!t) return true;
    if (options.since_us && *t < *options.since_us) return false;
    if (options.until_us && *t > *options.until_us) return false;
    return true;
  };
  if (options.since_us || options.until_us) {
    std::erase_if(c.drifts, [&](const Drift& d) { return !in_window(d.time_us); });
    std::erase_if(c.failures, [&](const FailureRecord& f) { return !in_window(f.time_us); });
    std::erase_if(c.reports, [&](const ParityReportBlock& b) { return !in_window(b.time_us); });
    std::erase_if(c.timed_matches, [&](const auto& kv) {
      // A second is kept when any part of it is inside the window.
      int64_t a = kv.first.second * kUsPerSec, b = a + kUsPerSec - 1;
      return (options.since_us && b < *options.since_us) || (options.until_us && a > *options.until_us);
    });
  }

  // 5. Classify, cluster, count.
  for (Drift& d : c.drifts) Classify(&d, options.chain_path ? &chain : nullptr, &c);
  r.drifts = c.drifts.size();
  std::map<std::string, FunctionCounts> fns;
  auto fn = [&](const std::string& name) -> FunctionCounts& {
    FunctionCounts& f = fns[name];
    f.function = name;
    return f;
  };
  std::map<std::string, DriftCluster> clusters;
  std::map<int64_t, MinuteBucket> minutes;
  for (const Drift& d : c.drifts) {
    FunctionCounts& f = fn(d.function);
    ++f.drifts;
    switch (d.status) {
      case DriftStatus::kUnexplained: ++r.unexplained; ++f.unexplained; break;
      case DriftStatus::kExplained: ++r.explained; break;
      case DriftStatus::kNotInChain: ++r.not_in_chain; break;
      case DriftStatus::kNotVerified: ++r.not_verified; break;
      case DriftStatus::kNoValues: ++r.no_values; break;
      case DriftStatus::kMalformed: ++r.malformed; break;
    }
    DriftCluster& cl = clusters[d.cluster];
    if (cl.count == 0) {
      cl.key = d.cluster;
      cl.function = d.function;
      cl.status = d.status;
      cl.cause = ClusterCause(d);
      cl.first_file = d.file;
      cl.first_line = d.line;
    }
    ++cl.count;
    if (d.time_us) {
      if (!cl.first_time_us || *d.time_us < *cl.first_time_us) cl.first_time_us = d.time_us;
      if (!cl.last_time_us || *d.time_us > *cl.last_time_us) cl.last_time_us = d.time_us;
      MinuteBucket& m = minutes[FloorDiv(*d.time_us, kUsPerMinute)];
      ++m.drifts;
    } else {
      ++r.drifts_without_time;
    }
    if (d.explanation) {
      BlockHeight h = d.explanation->height;
      if (!cl.min_height || h < *cl.min_height) cl.min_height = h;
      if (!cl.max_height || h > *cl.max_height) cl.max_height = h;
    }
  }
  uint64_t logged_matches = 0;
  std::vector<std::pair<MatchKey, uint64_t>> timed(c.timed_matches.begin(), c.timed_matches.end());
  std::sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, n] : timed) {
    logged_matches += n;
    FunctionCounts& f = fn(c.functions[k.function]);
    f.matches = f.matches.value_or(0) + n;
    minutes[FloorDiv(k.second * kUsPerSec, kUsPerMinute)].matches += n;
  }
  for (const auto& [id, n] : c.untimed_matches) {
    logged_matches += n;
    FunctionCounts& f = fn(c.functions[id]);
    f.matches = f.matches.value_or(0) + n;
  }
  for (const FailureRecord& f : c.failures) {
    FunctionCounts& fc = fn(f.function);
    switch (f.kind) {
      case ParityRecordKind::kLegacyFailed: ++fc.legacy_failures; ++r.legacy_failures; break;
      case ParityRecordKind::kRefactoredFailed: ++fc.refactored_failures; ++r.refactored_failures; break;
      case ParityRecordKind::kRefactoredFallback:
        ++fc.refactored_failures;
        ++r.refactored_failures;
        ++fc.fallbacks;
        ++r.fallbacks;
        break;
      case ParityRecordKind::kFallingBack: ++fc.fallbacks; ++r.fallbacks; break;
      case ParityRecordKind::kFallbackSuccess: ++fc.fallback_successes; ++r.fallback_successes; break;
      default: break;
    }
    if (f.time_us) ++minutes[FloorDiv(*f.time_us, kUsPerMinute)].failures;
  }
  if (r.metrics) {
    for (const auto& [name, v] : r.metrics->drifts_by_function)
      if (!name.empty()) fn(name).metrics_drifts = static_cast<uint64_t>(std::llround(v));
  }
  for (auto& [name, f] : fns) {
    if (logged_matches > 0) {
      f.matches = f.matches.value_or(0);
      f.comparisons = *f.matches + f.drifts;
      if (*f.comparisons > 0) f.drift_rate = static_cast<double>(f.drifts) / static_cast<double>(*f.comparisons);
    }
    r.by_function.push_back(f);
  }
  for (auto& [k, m] : minutes) {
    m.minute_us = k * kUsPerMinute;
    r.per_minute.push_back(m);
  }
  for (auto& [k, cl] : clusters) r.clusters.push_back(cl);
  std::stable_sort(r.clusters.begin(), r.clusters.end(), [](const DriftCluster& a, const DriftCluster& b) {
    if (StatusRank(a.status) != StatusRank(b.status)) return StatusRank(a.status) < StatusRank(b.status);
    if (a.count != b.count) return a.count > b.count;
    return a.key < b.key;
  });

  // Report blocks: the last one of each file holds that process's cumulative counts.
  r.report_blocks = c.reports;
  std::map<std::string, const ParityReportBlock*> last_report;
  for (const ParityReportBlock& b : c.reports)
    if (b.matches && b.drifts) last_report[b.file] = &b;

  // Counts: parity ✓ lines, else the PARITY REPORT blocks, else metrics.
  if (logged_matches > 0) {
    r.counts_source = "parity ✓ lines";
    r.matches = logged_matches;
    r.source_drifts = r.drifts;
  } else if (!last_report.empty()) {
    r.counts_source = "PARITY REPORT block";
    uint64_t m = 0, d = 0;
    for (const auto& [file, b] : last_report) {
      m += *b->matches;
      d += *b->drifts;
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
    std::set<std::string> files_with_matches;
    for (const auto& [file, n] : c.matches_by_file)
      if (n) files_with_matches.insert(file);
    uint64_t outside = 0;
    for (const Drift& d : c.drifts) outside += files_with_matches.count(d.file) ? 0 : 1;
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

  // Drifts listed: unexplained first (then the other doubtful ones), by time within a status.
  std::vector<Drift> all = std::move(c.drifts);
  for (const Drift& d : all)
    if (!r.first_drift || Before(d, *r.first_drift, file_order)) r.first_drift = d;
  std::stable_sort(all.begin(), all.end(), [&](const Drift& a, const Drift& b) {
    if (StatusRank(a.status) != StatusRank(b.status)) return StatusRank(a.status) < StatusRank(b.status);
    return Before(a, b, file_order);
  });
  if (all.size() > kMaxDriftsListed) {
    r.drifts_listed_cap = kMaxDriftsListed;
    all.resize(kMaxDriftsListed);
  }
  r.drifts_list = std::move(all);
  r.failures = std::move(c.failures);
  if (r.failures.size() > kMaxFailuresListed) r.failures.resize(kMaxFailuresListed);
  r.problems = std::move(c.problems);
  r.problem_count = c.problem_count;
  if (r.problem_count > r.problems.size())
    r.warnings.push_back(fmt::format("{} input problem(s); the first {} are listed", r.problem_count, r.problems.size()));
  if (r.not_in_chain)
    r.warnings.push_back(fmt::format("{} drift(s) name a hash that is not in the chain data", r.not_in_chain));
  if (r.malformed) r.warnings.push_back(fmt::format("{} drift record(s) hold a value that cannot be used", r.malformed));

  // Verdict and advice (runbook thresholds).
  const bool any_parity = r.drifts > 0 || logged_matches > 0 || !c.reports.empty() || !r.failures.empty() ||
                          (r.metrics && (r.metrics->matches_total || r.metrics->drifts_total));
  const bool drift_seen = r.drifts > 0 || (r.source_drifts && *r.source_drifts > 0) ||
                          (r.metrics && r.metrics->drifts_total && *r.metrics->drifts_total > 0);
  if (drift_seen) {
    r.verdict = "violation";
  } else if (!any_parity || !r.comparisons || damaged) {
    r.verdict = "inconclusive";
  } else {
    r.verdict = "clean";
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
                                   "(coinjecture_state_violations_total); run `forensics --issue state-violation`.",
                                   static_cast<uint64_t>(std::llround(*r.metrics->state_violations_total))));
  if (drift_seen)
    r.advice.push_back("**Parity is below 100%**: the current rollout phase is blocked until the drift is resolved.");
  if (drift_seen && !r.drift_rate)
    r.advice.push_back("The drift rate is unknown, so the 1% emergency threshold cannot be evaluated: enable DEBUG "
                       "logging (parity ✓ lines), keep the PARITY REPORT block, or pass --metrics.");
  if (r.unexplained)
    r.advice.push_back(fmt::format("{} drift(s) are not explained by any known codec difference: investigate them "
                                   "first (listed first in the report).",
                                   r.unexplained));
  if (r.explained)
    r.advice.push_back(fmt::format("{} header drift(s) are the known systematic codec difference (legacy packs "
                                   "`extra_data` as msgpack bin, core-v4 as an array; chain.md §1.4), confirmed by "
                                   "recomputing both hashes from chain data. They recur on every header until the "
                                   "two encodings agree.",
                                   r.explained));
  if (r.not_verified)
    r.advice.push_back(fmt::format("{} header drift(s) could not be tied to blocks: pass --chain to confirm their cause.",
                                   r.not_verified));
  if (r.no_values)
    r.advice.push_back(fmt::format("{} drift(s) have no values (grep excerpt keeping only the first line): collect the "
                                   "full records (journalctl without grep) to explain them.",
                                   r.no_values));
  if (r.verdict == "inconclusive")
    r.advice.push_back(any_parity ? "Not enough was readable to call parity clean: see the warnings."
                                  : "No parity record was found in the inputs: check that CODEC_MODE=shadow and that "
                                    "the right unit and time window were collected.");
  if (r.verdict == "violation")
    r.advice.push_back("File this report as a GitHub issue labelled `parity-drift` (the command is printed by forensics).");
  return r;
}

}  // namespace forensics
