// `forensics --issue parity-drift`: the analysis behind the runbook's "collect the parity lines, run
// a diff analysis" step.
//
// 1. Stream every log through ParityLogParser; keep drifts, failures and report blocks, and count
//    `parity ✓` lines per second and function (never the lines themselves).
// 2. Read the metrics file, if any.
// 3. Give journald short times their year (--year, else logs::YearlessResolver over the full times of
//    the inputs, as the log scan does; with none, the chain's block timestamps, else 1970 with a
//    warning), then apply --since/--until.
// 4. With --chain: recompute both header encodings of every block (docs/chain.md §1.2, §1.4) and keep the
//    blocks whose core-v4 or legacy hash a drift names.
// 5. Classify every drift (explained, unexplained, not in chain, not verified, no values,
//    malformed), cluster them by cause, count, bucket per minute, and derive verdict and advice
//    from the runbook thresholds (Judge).
// A stop request ends step 1 at the next kStopCheckLines lines; the report is then partial.
// The parts: drift_classify (the chain index and the classification of one drift), parity_pass.h (one
// streaming reading: counts, clusters, the drifts listed), this file (the steps and the report).
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
#include "forensics/stop.h"
#include "forensics/yearless.h"
#include "parity_pass.h"

namespace forensics {
namespace {

constexpr double kEmergencyRate = 0.01;  // runbook: drift rate above 1% → emergency rollback

constexpr uint64_t kStopCheckLines = 4096;

std::string Percent(double rate) { return fmt::format("{:.2f}%", rate * 100.0); }

// The parity counters of a Prometheus text scrape, summed over their labels.
ParityMetrics MetricsOf(const std::vector<PromSample>& samples) {
  ParityMetrics m;
  for (const PromSample& s : samples) {
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
  return m;
}

// The verdict, the runbook's triggers and the advice, from the counts of a reading.
void Judge(const ParityDriftOptions& options, uint64_t logged_matches, bool damaged, ParityDriftReport* r) {
  const bool any_parity = r->drifts > 0 || logged_matches > 0 || !r->report_blocks.empty() || !r->failures.empty() ||
                          (r->metrics && (r->metrics->matches_total || r->metrics->drifts_total));
  const bool drift_seen = r->drifts > 0 || (r->source_drifts && *r->source_drifts > 0) ||
                          (r->metrics && r->metrics->drifts_total && *r->metrics->drifts_total > 0);
  if (drift_seen) {
    r->verdict = Verdict::kViolation;
  } else if (!any_parity || !r->comparisons || damaged) {
    r->verdict = Verdict::kInconclusive;
  } else {
    r->verdict = Verdict::kClean;
  }
  const bool state_violation = r->metrics && r->metrics->state_violations_total && *r->metrics->state_violations_total > 0;
  r->emergency_rollback = (r->drift_rate && *r->drift_rate > kEmergencyRate) || state_violation;
  r->rollout_blocked = drift_seen;
  if (r->drift_rate && *r->drift_rate > kEmergencyRate)
    r->advice.push_back(fmt::format("**Emergency rollback trigger**: the drift rate {} is above the runbook's 1% threshold. "
                                   "Keep `CODEC_MODE=legacy_only` until the cause is fixed.",
                                   Percent(*r->drift_rate)));
  if (state_violation)
    r->advice.push_back(fmt::format("**Emergency rollback trigger**: metrics count {} state violation(s) "
                                   "(coinjecture_state_violations_total); run `{}`.",
                                   static_cast<uint64_t>(std::llround(*r->metrics->state_violations_total)),
                                   options.option_names(OptionName::kStateViolation)));
  if (drift_seen)
    r->advice.push_back("**Parity is below 100%**: the current rollout phase is blocked until the drift is resolved.");
  if (drift_seen && !r->drift_rate)
    r->advice.push_back(fmt::format("The drift rate is unknown, so the 1% emergency threshold cannot be evaluated: enable "
                                   "DEBUG logging (parity ✓ lines), keep the PARITY REPORT block, or pass {}.",
                                   options.option_names(OptionName::kMetrics)));
  if (r->unexplained)
    r->advice.push_back(fmt::format("{} drift(s) are not explained by any known codec difference: investigate them "
                                   "first (listed first in the report).",
                                   r->unexplained));
  if (r->explained)
    r->advice.push_back(fmt::format("{} header drift(s) are the known systematic codec difference (legacy packs "
                                   "`extra_data` as msgpack bin, core-v4 as an array; docs/chain.md §1.4), confirmed by "
                                   "recomputing both hashes from chain data. They recur on every header until the "
                                   "two encodings agree.",
                                   r->explained));
  if (r->not_verified)
    r->advice.push_back(fmt::format("{} header drift(s) could not be tied to blocks: pass {} to confirm their cause.",
                                   r->not_verified, options.option_names(OptionName::kChain)));
  if (r->no_values)
    r->advice.push_back(fmt::format("{} drift(s) have no values (grep excerpt keeping only the first line): collect the "
                                   "full records (journalctl without grep) to explain them.",
                                   r->no_values));
  if (r->verdict == Verdict::kInconclusive)
    r->advice.push_back(any_parity ? "Not enough was readable to call parity clean: see the warnings."
                                  : "No parity record was found in the inputs: check that CODEC_MODE=shadow and that "
                                    "the right unit and time window were collected.");
  if (r->verdict == Verdict::kViolation)
    r->advice.push_back("File this report as a GitHub issue labelled `parity-drift` (the command is printed by forensics).");
}

// One reading of every input, with journald times dated by `final_years` (when set; else by the full
// times read before them). When some were dated otherwise than all the full times date them, the
// report is left unfinished and *years_wanted (when given, and the reading was not stopped) gets
// those times, to read again with.
Result<ParityDriftReport> AnalyzeOnce(const ParityDriftOptions& options, const logs::YearlessResolver* final_years,
                                      std::optional<logs::YearlessResolver>* years_wanted) {
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

  // 1. Logs, until a stop is requested (checked every kStopCheckLines lines).
  const StopCondition stop(0, options.stop_requested);
  ParityPass c(options, chain, final_years, &r);
  for (const std::string& path : options.log_files) c.file_order.emplace(path, c.file_order.size());
  for (const std::string& path : options.log_files) {
    if (r.partial) break;
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
        path, [&](ParityRecord&& rec) { c.Add(rec); }, [&](ParityProblem&& p) { c.Problem(std::move(p)); }, &c.years);
    c.BeginFile(path);
    Line line;
    for (uint64_t n = 0; (*reader)->Next(&line); ++n) {
      if (n % kStopCheckLines == 0) {
        if (StopReason why = stop.Check(); why != StopReason::kNone) {
          r.partial = true;
          r.stopped_reason = fmt::format("{} at {}:{}; the lines from there on were not read", stop.Describe(why), path,
                                         line.number);
          break;
        }
      }
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
      for (ParityProblem& p : pr.problems) {
        p.file = *options.metrics_path;
        c.Problem(std::move(p));
      }
      r.metrics = MetricsOf(pr.samples);
    }
  }
  if (opened == 0 && !metrics_read) {
    std::string why = open_errors.empty() ? "no log file was given" : open_errors.front();
    return Status::IoError(fmt::format("nothing could be read: {}", why));
  }
  if (options.chain_path)
    if (auto in = DescribeInput(*options.chain_path)) r.inputs.push_back(*in);
  for (std::string& w : chain_warnings) r.warnings.push_back(std::move(w));

  // 3. The year of journald times: --year, else the full times of the log lines (the year of the
  // latest, or the one before or after where closer), else the chain's blocks. A reading that dated
  // one otherwise than all the full times date it is done again with them.
  if (c.any_yearless) {
    int y = 1970;
    const logs::YearlessResolver& years = final_years ? *final_years : c.years;
    bool other_year = false;
    const bool dated_otherwise = !options.year && c.DatedOtherwise(years, &other_year);
    if (options.year) {
      y = *options.year;
    } else if (years.has_reference()) {
      y = years.reference_year();
      r.warnings.push_back(fmt::format("journald times carry no year; took {}{} from the other log lines (use {} to set it)", y,
                                       other_year ? " (and the adjacent year where closer)" : "",
                                       options.option_names(OptionName::kYear)));
    } else if (chain.first_year) {
      y = *chain.first_year;
      r.warnings.push_back(fmt::format("journald times carry no year; took {} from the chain's block timestamps (use {} to set it)", y, options.option_names(OptionName::kYear)));
    } else {
      r.warnings.push_back(fmt::format("journald times carry no year and no input tells it; 1970 is shown (use {})", options.option_names(OptionName::kYear)));
    }
    r.year_used = y;
    if (dated_otherwise && years_wanted && !r.partial) {
      *years_wanted = years;
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
  enum class Counts { kUnknown, kMatchLines, kReportBlocks, kMetrics } counts = Counts::kUnknown;
  if (logged_matches > 0) {
    counts = Counts::kMatchLines;
    r.counts_source = "parity ✓ lines";
    r.matches = logged_matches;
    r.source_drifts = r.drifts;
  } else if (!c.last_report.empty()) {
    counts = Counts::kReportBlocks;
    r.counts_source = "PARITY REPORT block";
    uint64_t m = 0, d = 0;
    for (const auto& [file, b] : c.last_report) {
      m += *b.matches;
      d += *b.drifts;
    }
    r.matches = m;
    r.source_drifts = d;
  } else if (r.metrics && r.metrics->matches_total) {
    counts = Counts::kMetrics;
    r.counts_source = "metrics";
    r.matches = static_cast<uint64_t>(std::llround(*r.metrics->matches_total));
    r.source_drifts = r.metrics->drifts_total ? static_cast<uint64_t>(std::llround(*r.metrics->drifts_total)) : r.drifts;
  }
  if (r.matches) {
    r.comparisons = *r.matches + *r.source_drifts;
    if (*r.comparisons > 0) r.drift_rate = static_cast<double>(*r.source_drifts) / static_cast<double>(*r.comparisons);
  }
  if (counts == Counts::kMatchLines) {
    uint64_t outside = 0;
    for (size_t f = 0; f < c.drifts_by_file.size(); ++f)
      if (c.matches_by_file[f] == 0) outside += c.drifts_by_file[f];
    if (outside)
      r.warnings.push_back(fmt::format("{} drift(s) come from logs without parity ✓ lines; the drift rate counts them "
                                       "against the matches of the other logs",
                                       outside));
  }
  if (counts == Counts::kUnknown && r.drifts > 0)
    r.warnings.push_back("the comparison count is unknown (no parity ✓ lines, no PARITY REPORT counts, no metrics): "
                         "the drift rate cannot be computed");
  if (r.source_drifts && *r.source_drifts != r.drifts)
    r.warnings.push_back(fmt::format("the {} states {} drift(s); the logs hold {} drift record(s)", r.counts_source,
                                     *r.source_drifts, r.drifts));
  if (r.metrics && r.metrics->drifts_total && counts != Counts::kMetrics &&
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
    (void)Classify(&d, options.chain_path ? &chain : nullptr, &ignored);
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

  Judge(options, logged_matches, damaged || r.partial, &r);
  return r;
}

}  // namespace

Result<ParityDriftReport> AnalyzeParityDrift(const ParityDriftOptions& options) {
  std::optional<logs::YearlessResolver> years;
  auto r = AnalyzeOnce(options, nullptr, &years);
  if (r && years && !r->partial) return AnalyzeOnce(options, &*years, nullptr);
  return r;
}

}  // namespace forensics
