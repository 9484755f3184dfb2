// One streaming reading of parity logs (ParityPass): every record is counted and classified as it arrives
// and then dropped, into the report's aggregates (per minute, per cluster, per function), the drifts
// it lists, the first drift and a cache of value classifications. Private to the forensics library;
// forensics/parity_drift.cpp runs it over the inputs and derives the report.
#ifndef FORENSICS_PARITY_PASS_H_
#define FORENSICS_PARITY_PASS_H_

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "drift_classify.h"
#include "forensics/parity.h"
#include "forensics/yearless.h"

namespace forensics {

inline constexpr int64_t kUsPerMinute = 60 * kUsPerSec;
inline constexpr size_t kMaxProblems = 1000;
inline constexpr size_t kMaxDriftsListed = 500;
inline constexpr size_t kMaxFailuresListed = 200;
inline constexpr size_t kMaxCachedValues = 16384;  // distinct drift values classified and remembered
inline constexpr size_t kMaxReportsListed = 1000;

inline int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

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
class ParityPass {
 public:
  // `final_years`: the full times of a whole first reading, to date every journald time by (see Time).
  ParityPass(const ParityDriftOptions& o, const ChainIndex& chain, const logs::YearlessResolver* final_years,
             ParityDriftReport* r)
      : o_(o), chain_(chain), final_years_(final_years), r_(*r) {}

  std::map<std::string, size_t> file_order;
  logs::YearlessResolver years;  // every full time of the logs read so far (the parsers feed it)
  bool any_yearless = false;
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

  void BeginFile(const std::string& path) {
    file_ = file_order.at(path);
    path_ = &path;
    if (matches_by_file.size() <= file_) {
      matches_by_file.resize(file_ + 1, 0);
      drifts_by_file.resize(file_ + 1, 0);
    }
  }
  void EndFile() { FlushMinute(); }

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

  // A journald time by `by`'s rule (forensics/yearless.h); before any full time, in the chain's first
  // year, else 1970. *other_year as YearlessResolver::Resolve sets it.
  int64_t Resolve(const logs::YearlessResolver& by, const logs::YearlessTime& t, bool* other_year = nullptr) const {
    if (!by.has_reference()) return logs::ResolveYearless(t, chain_.first_year.value_or(1970));
    return by.Resolve(t, other_year);
  }

  // Whether a journald time was dated otherwise than `final_years` dates it (a reading that did so is
  // done again with them). *other_year is set when, by `final_years`, some time takes the year before
  // or after the reference. Exact from the dates met: within one day the distances of the three candidate
  // times to the span differ monotonically, so the choice at the earliest and latest time met on a
  // day is the choice for every time between.
  bool DatedOtherwise(const logs::YearlessResolver& final_years, bool* other_year) const {
    bool differs = false;
    for (size_t i = 0; i < dates_.size(); ++i) {
      const DateChoice& d = dates_[i];
      if (!d.seen) continue;
      differs = differs || d.mixed;
      for (int64_t tod : {d.min_tod, d.max_tod}) {
        const logs::YearlessTime t{static_cast<unsigned>(i / 32), static_cast<unsigned>(i % 32), tod};
        bool other = false;
        if (Resolve(final_years, t, &other) - tod != d.day_start) differs = true;
        *other_year = *other_year || other;
      }
    }
    return differs;
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
  // The time of a record. A journald time takes --year, else the year YearlessResolver gives it
  // from the full times read so far (or, read again, from all of them); the date it took is noted
  // for DatedOtherwise.
  std::optional<int64_t> Time(const ParityRecord& rec) {
    if (rec.yearless) any_yearless = true;
    if (!rec.time_us || !rec.yearless) return rec.time_us;
    const logs::YearlessTime& yt = rec.yearless_time;
    if (o_.year) return logs::ResolveYearless(yt, *o_.year);
    const int64_t t = Resolve(final_years_ ? *final_years_ : years, yt);
    DateChoice& d = dates_[yt.month * 32 + yt.day];
    const int64_t day_start = t - yt.time_of_day_us;
    if (!d.seen) {
      d = DateChoice{true, false, day_start, yt.time_of_day_us, yt.time_of_day_us};
    } else {
      d.mixed = d.mixed || day_start != d.day_start;
      d.min_tod = std::min(d.min_tod, yt.time_of_day_us);
      d.max_tod = std::max(d.max_tod, yt.time_of_day_us);
    }
    return t;
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
    const DriftReason reason = Classify(&d, o_.chain_path ? &chain_ : nullptr, &v.problem);
    v.status = d.status;
    if (d.explanation) v.height = d.explanation->height;
    DriftCluster& cl = clusters[d.cluster];
    if (cl.key.empty()) {
      cl.key = d.cluster;
      cl.function = d.function;
      cl.status = d.status;
      cl.cause = ClusterCause(d, reason);
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

  // The journald dates met (by month * 32 + day): the start of the day each was given (UTC
  // microseconds), whether times on it were given different years, and the earliest and latest
  // time of day met on it.
  struct DateChoice {
    bool seen = false, mixed = false;
    int64_t day_start = 0;
    int64_t min_tod = 0, max_tod = 0;
  };

  const ParityDriftOptions& o_;
  const ChainIndex& chain_;
  const logs::YearlessResolver* final_years_;
  ParityDriftReport& r_;
  size_t file_ = 0;
  const std::string* path_ = nullptr;
  std::array<DateChoice, 13 * 32> dates_{};
  std::unordered_map<std::string, uint32_t> function_ids_;
  std::string last_function_;
  uint32_t last_function_id_ = 0;
  int64_t minute_ = 0;
  uint64_t minute_matches_ = 0;
  std::string key_;
  std::unordered_map<std::string, ValueClass> cache_;
};

}  // namespace forensics

#endif  // FORENSICS_PARITY_PASS_H_
