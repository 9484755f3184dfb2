// The classification of parity drifts against the chain's blocks (drift_classify.h).
#include "drift_classify.h"

#include <algorithm>

#include <fmt/format.h>

#include "forensics/chain_source.h"
#include "forensics/sha256.h"

namespace forensics {

namespace {

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



}  // namespace

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

namespace {

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


}  // namespace

// Classifies one drift; sets status, cause, cluster and explanation, and *problem for bad input.
DriftReason Classify(Drift* d, const ChainIndex* chain, std::optional<ValueProblem>* value_problem) {
  DriftReason reason = DriftReason::kValueDiffers;
  auto problem = [&](std::string what, std::string_view excerpt) {
    *value_problem = ValueProblem{std::move(what), std::string(excerpt.substr(0, 120))};
  };
  if (!d->legacy_repr || !d->refactored_repr) {
    d->status = DriftStatus::kNoValues;
    d->cause = d->legacy_repr || d->refactored_repr ? "the record was cut short: a value is missing"
                                                    : "only the first line of the record is present (grep excerpt)";
    reason = DriftReason::kNoValues;
    d->cluster = d->function + "/no-values";
    return reason;
  }
  auto lv = DecodePyRepr(*d->legacy_repr);
  auto rv = DecodePyRepr(*d->refactored_repr);
  if (!lv || !rv) {
    d->status = DriftStatus::kMalformed;
    const Status& st = !lv ? lv.error() : rv.error();
    d->cause = fmt::format("the {} value does not parse: {}", !lv ? "Legacy" : "Refactored", st.message());
    reason = DriftReason::kBadRepr;
    d->cluster = d->function + "/malformed/bad-repr";
    problem(d->cause, !lv ? *d->legacy_repr : *d->refactored_repr);
    return reason;
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
      reason = DriftReason::kEqualValues;
      d->cluster = d->function + "/unexplained/equal-values";
    } else {
      d->cause = fmt::format("no known codec difference: legacy {} vs refactored {}", PyValueDisplay(*lv).substr(0, 80),
                             PyValueDisplay(*rv).substr(0, 80));
      reason = DriftReason::kValueDiffers;
      d->cluster = d->function + "/unexplained/value-differs";
    }
    return reason;
  }
  std::string why;
  auto lh = AsHash(*lv, &why);
  std::string why_r;
  auto rh = AsHash(*rv, &why_r);
  if (!lh || !rh) {
    d->status = DriftStatus::kMalformed;
    d->cause = fmt::format("the {} value is {}", !lh ? "Legacy" : "Refactored", !lh ? why : why_r);
    reason = DriftReason::kWrongLength;
    d->cluster = d->function + "/malformed/wrong-length";
    problem(d->cause, !lh ? *d->legacy_repr : *d->refactored_repr);
    return reason;
  }
  if (*lh == *rh) {
    d->status = DriftStatus::kUnexplained;
    d->cause = "the logged hashes are equal; no value difference to explain";
    reason = DriftReason::kEqualValues;
    d->cluster = d->function + "/unexplained/equal-values";
    return reason;
  }
  if (chain == nullptr || !chain->loaded) {
    d->status = DriftStatus::kNotVerified;
    d->cause = "presumed the known header difference (legacy packs extra_data as bin, core-v4 as an array); "
               "not verified: no chain data was given";
    reason = DriftReason::kNotVerified;
    d->cluster = d->function + "/not-verified";
    return reason;
  }
  auto it = chain->by_core_v4.find(*rh);
  if (it == chain->by_core_v4.end()) {
    auto lt = chain->legacy_to_height.find(*lh);
    if (lt != chain->legacy_to_height.end()) {
      d->status = DriftStatus::kUnexplained;
      d->cause = fmt::format("the logged legacy hash is block {}'s legacy hash, but the refactored value is not its "
                             "core-v4 hash: the refactored codec produced something else",
                             lt->second);
      reason = DriftReason::kRefactoredDiffers;
      d->cluster = d->function + "/unexplained/refactored-differs";
      return reason;
    }
    d->status = DriftStatus::kNotInChain;
    d->cause = "no block in the chain data has this refactored (core-v4) hash";
    reason = DriftReason::kNotInChain;
    d->cluster = d->function + "/not-in-chain";
    problem(fmt::format("drift hash {} is not in the chain data", HexOf(*rh)), "");
    return reason;
  }
  DriftExplanation e = Explain(it->second, *lh, *rh);
  if (e.legacy_confirmed && !e.fields.empty()) {
    d->status = DriftStatus::kExplained;
    d->cause = fmt::format("block {}: {} encode differently ({}); recomputed legacy hash equals the logged one",
                           e.height, FieldNames(e.fields), FieldsSummary(e.fields));
    reason = DriftReason::kExplained;
    d->cluster = d->function + "/explained/" + FieldNames(e.fields);
  } else {
    d->status = DriftStatus::kUnexplained;
    d->cause = fmt::format("block {}: the recomputed legacy hash {} differs from the logged {}; no known codec "
                           "difference reproduces it",
                           e.height, e.legacy_hash, HexOf(*lh));
    reason = DriftReason::kLegacyHashMismatch;
    d->cluster = d->function + "/unexplained/legacy-hash-mismatch";
  }
  d->explanation = std::move(e);
  return reason;
}

std::string ClusterCause(const Drift& d, DriftReason reason) {
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
      if (reason == DriftReason::kLegacyHashMismatch)
        return "the block is in the chain, but neither encoding reproduces the logged legacy hash";
      if (reason == DriftReason::kRefactoredDiffers)
        return "the logged legacy hash is a block's legacy hash, but the refactored value is not its core-v4 hash";
      if (reason == DriftReason::kEqualValues) return "drift logged with equal values";
      return "the values differ and no known codec difference explains it";
    case DriftStatus::kNotInChain: return "the refactored (core-v4) hash names no block in the chain data";
    case DriftStatus::kNotVerified: return d.cause;
    case DriftStatus::kNoValues: return "no values in the log (grep excerpt or cut-short record)";
    case DriftStatus::kMalformed:
      return reason == DriftReason::kWrongLength ? "a hash of the wrong length" : "a value that does not parse";
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

}  // namespace forensics
