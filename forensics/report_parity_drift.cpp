// Rendering of the parity-drift report as text, JSON (docs/cli.md) and a GitHub issue body. Everything
// taken from logs (function names, reprs, error texts, paths) goes through md::Escape / md::Cell.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "forensics/json_writer.h"
#include "forensics/markdown.h"
#include "forensics/parity.h"

namespace forensics {
namespace {

std::string Percent(double rate) { return fmt::format("{:.2f}%", rate * 100.0); }

std::string TimeOr(const std::optional<int64_t>& t, std::string_view none = "—") {
  return t ? FormatParityTime(*t) : std::string(none);
}

std::string Where(const std::string& file, uint64_t line) { return fmt::format("{}:{}", file, line); }

std::string KindLabel(ParityRecordKind k) {
  switch (k) {
    case ParityRecordKind::kLegacyFailed: return "legacy failed";
    case ParityRecordKind::kRefactoredFailed: return "refactored failed";
    case ParityRecordKind::kFallingBack: return "falling back to legacy";
    case ParityRecordKind::kRefactoredFallback: return "refactored failed, falling back";
    case ParityRecordKind::kFallbackSuccess: return "legacy fallback success";
    default: return std::string(ParityRecordKindName(k));
  }
}

std::string Spaced(std::string_view hex) {
  std::string s;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (i) s.push_back(' ');
    s.append(hex.substr(i, 2));
  }
  return s;
}

// A bar of width proportional to value/max, in eighths of a block.
std::string Bar(uint64_t value, uint64_t max, int width = 20) {
  if (max == 0 || value == 0) return "";
  static constexpr std::string_view kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  uint64_t eighths = (value * static_cast<uint64_t>(width) * 8 + max - 1) / max;
  std::string s;
  for (uint64_t i = 0; i < eighths / 8; ++i) s += "█";
  s += kEighths[eighths % 8];
  return s;
}

void OptU(JsonWriter& w, std::string_view key, const std::optional<uint64_t>& v) {
  w.Key(key);
  if (v) w.Uint(*v); else w.Null();
}
void OptD(JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.Key(key);
  if (v) w.Double(*v); else w.Null();
}
void OptS(JsonWriter& w, std::string_view key, const std::optional<std::string>& v) {
  w.Key(key);
  if (v) w.String(*v); else w.Null();
}
void OptT(JsonWriter& w, std::string_view key, const std::optional<int64_t>& t) {
  w.Key(key);
  if (t) w.String(FormatParityTime(*t)); else w.Null();
}
void OptB(JsonWriter& w, std::string_view key, const std::optional<bool>& v) {
  w.Key(key);
  if (v) w.Bool(*v); else w.Null();
}

std::string ValueText(const std::optional<PyValue>& v, const std::optional<std::string>& repr) {
  if (v) return PyValueDisplay(*v);
  return repr ? *repr : "";
}

void WriteExplanation(JsonWriter& w, const DriftExplanation& e) {
  w.BeginObject();
  w.Key("height").Uint(e.height);
  w.Field("block_hash", e.block_hash);
  w.Field("recomputed_core_v4_hash", e.core_v4_hash);
  w.Field("recomputed_legacy_hash", e.legacy_hash);
  w.Field("core_v4_confirmed", e.core_v4_confirmed);
  w.Field("legacy_confirmed", e.legacy_confirmed);
  w.Key("fields").BeginArray();
  for (const FieldDifference& f : e.fields)
    w.BeginObject().Field("field", f.field).Field("legacy", f.legacy_hex).Field("core_v4", f.core_v4_hex).EndObject();
  w.EndArray();
  w.Key("first_difference").Uint(e.first_difference);
  w.Key("window").BeginObject();
  w.Key("offset").Uint(e.window_start);
  w.Field("legacy", e.legacy_window_hex);
  w.Field("core_v4", e.core_v4_window_hex);
  w.EndObject();
  w.Field("legacy_encoding", e.legacy_encoding_hex);
  w.Field("core_v4_encoding", e.core_v4_encoding_hex);
  w.Field("chain_source", e.chain_source);
  w.EndObject();
}

void WriteDrift(JsonWriter& w, const Drift& d) {
  w.BeginObject();
  w.Field("status", DriftStatusName(d.status));
  w.Field("function", d.function);
  OptT(w, "time", d.time_us);
  w.Field("file", d.file);
  w.Key("line").Uint(d.line);
  w.Key("offset").Uint(d.offset);
  w.Field("prefix", ParityPrefixName(d.prefix));
  OptS(w, "legacy_repr", d.legacy_repr);
  OptS(w, "refactored_repr", d.refactored_repr);
  w.Key("legacy");
  if (d.legacy) w.String(PyValueDisplay(*d.legacy)); else w.Null();
  w.Key("refactored");
  if (d.refactored) w.String(PyValueDisplay(*d.refactored)); else w.Null();
  OptD(w, "legacy_ms", d.legacy_ms);
  OptD(w, "refactored_ms", d.refactored_ms);
  w.Field("cause", d.cause);
  w.Field("cluster", d.cluster);
  w.Key("block_height");
  if (d.explanation) w.Uint(d.explanation->height); else w.Null();
  w.Key("block_hash");
  if (d.explanation) w.String(d.explanation->block_hash); else w.Null();
  w.EndObject();
}

std::string CountsLine(const ParityDriftReport& r) {
  if (!r.comparisons)
    return fmt::format("{} drift(s); comparisons unknown (no parity ✓ lines, PARITY REPORT counts or metrics)", r.drifts);
  return fmt::format("{} drift(s) logged; {} comparison(s), {} match(es), drift rate {} (counts from {})", r.drifts,
                     *r.comparisons, *r.matches, r.drift_rate ? Percent(*r.drift_rate) : "n/a", r.counts_source);
}

}  // namespace

std::string ParityDriftTitle(const ParityDriftReport& r) {
  if (r.verdict == Verdict::kViolation) {
    std::vector<std::pair<uint64_t, std::string>> fns;
    for (const FunctionCounts& f : r.by_function)
      if (f.drifts) fns.emplace_back(f.drifts, f.function);
    std::stable_sort(fns.begin(), fns.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::string list;
    for (size_t i = 0; i < fns.size() && i < 2; ++i) list += (i ? ", " : "") + fns[i].second.substr(0, 40);
    if (fns.size() > 2) list += ", …";
    std::string t = fmt::format("Parity drift: {} drift(s)", r.drifts);
    if (!list.empty()) t += " in " + list;
    if (r.drift_rate) t += fmt::format(" ({} of {})", Percent(*r.drift_rate), *r.comparisons);
    if (r.unexplained) t += fmt::format(", {} unexplained", r.unexplained);
    if (r.emergency_rollback) t += " — emergency rollback trigger";
    return t;
  }
  return fmt::format("Parity-drift analysis: {}", VerdictName(r.verdict));
}

std::string RenderParityDriftText(const ParityDriftReport& r) {
  std::string o;
  std::string verdict(VerdictName(r.verdict));
  std::transform(verdict.begin(), verdict.end(), verdict.begin(), ::toupper);
  o += fmt::format("forensics parity-drift: {}\n", verdict);
  if (r.partial) o += fmt::format("PARTIAL: analysis stopped early: {}\n", r.stopped_reason);
  for (const InputFile& in : r.inputs) o += fmt::format("input: {} ({} bytes)\n", in.path, in.bytes);
  o += CountsLine(r) + "\n";
  if (r.first_drift) {
    const Drift& d = *r.first_drift;
    o += fmt::format("first drift: {} {} at {}", TimeOr(d.time_us, "(no time)"), d.function, Where(d.file, d.line));
    if (d.explanation) o += fmt::format(", block {} {}", d.explanation->height, d.explanation->block_hash);
    o += "\n";
  }
  o += fmt::format("drifts: {} unexplained, {} explained, {} not in chain, {} not verified, {} without values, {} malformed\n",
                   r.unexplained, r.explained, r.not_in_chain, r.not_verified, r.no_values, r.malformed);
  if (!r.clusters.empty()) {
    o += "\nclusters:\n";
    for (const DriftCluster& c : r.clusters)
      o += fmt::format("  {:>6}  {} [{}]: {}\n", c.count, c.function, DriftStatusName(c.status), c.cause);
  }
  if (r.legacy_failures || r.refactored_failures || r.fallbacks || r.fallback_successes)
    o += fmt::format("\nfailures: legacy {}, refactored {}; fallbacks {}, fallback successes {}\n", r.legacy_failures,
                     r.refactored_failures, r.fallbacks, r.fallback_successes);
  if (!r.advice.empty()) {
    o += "\nadvice:\n";
    for (std::string a : r.advice) {
      for (size_t p = a.find("**"); p != std::string::npos; p = a.find("**")) a.erase(p, 2);  // Markdown emphasis
      o += "  - " + a + "\n";
    }
  }
  if (r.problem_count) o += fmt::format("\nbad input: {} problem(s) (see the report)\n", r.problem_count);
  if (!r.warnings.empty()) {
    o += "\nwarnings:\n";
    for (const auto& w : r.warnings) o += "  " + w + "\n";
  }
  return o;
}

// Integers (docs/cli.md): this document holds no amounts; its integers are counts (comparisons, matches,
// drifts, failures, events), line numbers, byte offsets and heights, far below 2^53, so they stay
// numbers. Metric values are Prometheus floats and stay doubles. An amount added here goes through
// JsonWriter::Amount.
std::string RenderParityDriftJson(const ParityDriftReport& r, const ReportStamp& stamp) {
  JsonWriter w;
  w.BeginObject();
  WriteJsonHead(w, "parity-drift", VerdictName(r.verdict), stamp, r.inputs, r.warnings);
  OptU(w, "comparisons", r.comparisons);
  OptU(w, "matches", r.matches);
  w.Key("drifts").Uint(r.drifts);
  OptD(w, "drift_rate", r.drift_rate);
  w.Key("counts_source");
  if (r.counts_source.empty()) w.Null(); else w.String(r.counts_source);
  OptU(w, "source_drifts", r.source_drifts);
  w.Field("emergency_rollback", r.emergency_rollback);
  w.Field("rollout_blocked", r.rollout_blocked);
  w.Field("partial", r.partial);
  w.Key("stopped_reason");
  if (r.partial) w.String(r.stopped_reason); else w.Null();
  w.Key("advice").BeginArray();
  for (const auto& a : r.advice) w.String(a);
  w.EndArray();
  w.Key("first_drift");
  if (r.first_drift) {
    const Drift& d = *r.first_drift;
    w.BeginObject();
    OptT(w, "time", d.time_us);
    w.Field("function", d.function);
    w.Field("file", d.file);
    w.Key("line").Uint(d.line);
    w.Field("status", DriftStatusName(d.status));
    w.Key("block_height");
    if (d.explanation) w.Uint(d.explanation->height); else w.Null();
    w.Key("block_hash");
    if (d.explanation) w.String(d.explanation->block_hash); else w.Null();
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("drift_status").BeginObject();
  w.Key("unexplained").Uint(r.unexplained).Key("explained").Uint(r.explained).Key("not_in_chain").Uint(r.not_in_chain);
  w.Key("not_verified").Uint(r.not_verified).Key("no_values").Uint(r.no_values).Key("malformed").Uint(r.malformed);
  w.EndObject();
  w.Key("by_function").BeginArray();
  for (const FunctionCounts& f : r.by_function) {
    w.BeginObject();
    w.Field("function", f.function);
    OptU(w, "comparisons", f.comparisons);
    OptU(w, "matches", f.matches);
    w.Key("drifts").Uint(f.drifts);
    OptD(w, "drift_rate", f.drift_rate);
    w.Key("unexplained").Uint(f.unexplained);
    w.Key("legacy_failures").Uint(f.legacy_failures);
    w.Key("refactored_failures").Uint(f.refactored_failures);
    w.Key("fallbacks").Uint(f.fallbacks);
    w.Key("fallback_successes").Uint(f.fallback_successes);
    OptU(w, "metrics_drifts", f.metrics_drifts);
    w.EndObject();
  }
  w.EndArray();
  w.Key("per_minute").BeginArray();
  for (const MinuteBucket& m : r.per_minute) {
    w.BeginObject();
    w.Field("minute", FormatParityTime(m.minute_us));
    w.Key("drifts").Uint(m.drifts).Key("matches").Uint(m.matches).Key("failures").Uint(m.failures);
    w.EndObject();
  }
  w.EndArray();
  w.Key("drifts_without_time").Uint(r.drifts_without_time);
  w.Key("clusters").BeginArray();
  for (const DriftCluster& c : r.clusters) {
    w.BeginObject();
    w.Field("key", c.key);
    w.Field("function", c.function);
    w.Field("status", DriftStatusName(c.status));
    w.Field("cause", c.cause);
    w.Key("count").Uint(c.count);
    OptT(w, "first_time", c.first_time_us);
    OptT(w, "last_time", c.last_time_us);
    OptU(w, "min_height", c.min_height);
    OptU(w, "max_height", c.max_height);
    w.Key("first_seen").BeginObject().Field("file", c.first_file).Key("line").Uint(c.first_line).EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("explanations").BeginArray();
  for (const Drift& d : r.drifts_list) {
    if (!d.explanation) continue;
    w.BeginObject();
    w.Field("function", d.function);
    w.Field("status", DriftStatusName(d.status));
    OptT(w, "time", d.time_us);
    w.Field("file", d.file);
    w.Key("line").Uint(d.line);
    w.Field("logged_legacy", d.legacy ? PyValueDisplay(*d.legacy) : "");
    w.Field("logged_refactored", d.refactored ? PyValueDisplay(*d.refactored) : "");
    w.Key("explanation");
    WriteExplanation(w, *d.explanation);
    w.EndObject();
  }
  w.EndArray();
  w.Key("drifts_listed").Uint(r.drifts_list.size());
  w.Key("drift_list").BeginArray();
  for (const Drift& d : r.drifts_list) WriteDrift(w, d);
  w.EndArray();
  w.Key("failures").BeginObject();
  w.Key("legacy_failures").Uint(r.legacy_failures);
  w.Key("refactored_failures").Uint(r.refactored_failures);
  w.Key("fallbacks").Uint(r.fallbacks);
  w.Key("fallback_successes").Uint(r.fallback_successes);
  w.Key("listed").BeginArray();
  for (const FailureRecord& f : r.failures) {
    w.BeginObject();
    w.Field("kind", ParityRecordKindName(f.kind));
    w.Field("function", f.function);
    w.Field("error", f.error);
    OptT(w, "time", f.time_us);
    w.Field("file", f.file);
    w.Key("line").Uint(f.line);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.Key("report_blocks").BeginArray();
  for (const ParityReportBlock& b : r.report_blocks) {
    w.BeginObject();
    w.Field("file", b.file);
    w.Key("line").Uint(b.line);
    OptT(w, "time", b.time_us);
    OptS(w, "codec_mode", b.codec_mode);
    OptB(w, "rust_available", b.rust_available);
    OptU(w, "matches", b.matches);
    OptU(w, "drifts", b.drifts);
    w.Field("closed", b.closed);
    OptS(w, "error", b.error);
    w.EndObject();
  }
  w.EndArray();
  w.Key("metrics");
  if (r.metrics) {
    const ParityMetrics& m = *r.metrics;
    w.BeginObject();
    OptD(w, "parity_matches_total", m.matches_total);
    OptD(w, "parity_drifts_total", m.drifts_total);
    w.Key("parity_drifts_by_function").BeginObject();
    for (const auto& [k, v] : m.drifts_by_function) w.Key(k.empty() ? "(unlabelled)" : k).Double(v);
    w.EndObject();
    OptD(w, "pin_quorum_success_total", m.pin_quorum_success_total);
    OptD(w, "pin_quorum_failures_total", m.pin_quorum_failures_total);
    OptD(w, "state_violations_total", m.state_violations_total);
    w.Key("samples").Uint(m.samples);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("chain");
  if (r.chain_profile) {
    w.BeginObject().Field("profile", ProfileName(*r.chain_profile)).Key("blocks").Uint(r.chain_blocks).EndObject();
  } else {
    w.Null();
  }
  w.Key("bad_input").BeginObject();
  w.Key("count").Uint(r.problem_count);
  w.Key("listed").BeginArray();
  for (const ParityProblem& p : r.problems) {
    w.BeginObject().Field("file", p.file).Key("line").Uint(p.line).Key("offset").Uint(p.offset);
    w.Field("what", p.what).Field("excerpt", p.excerpt).EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.Key("lines_read").Uint(r.lines_read);
  w.Key("year_used");
  if (r.year_used) w.Int(*r.year_used); else w.Null();
  w.EndObject();
  return w.Finish();
}

std::string RenderParityDriftMarkdown(const ParityDriftReport& r, const ReportStamp& stamp) {
  using md::Cell;
  using md::Escape;
  md::Document doc;
  std::string head = "## Parity-drift analysis\n\n";
  head += fmt::format("**Verdict: {}**", VerdictName(r.verdict));
  if (r.drifts) {
    head += fmt::format(" — {} drift(s)", r.drifts);
    if (r.drift_rate) head += fmt::format(", drift rate **{}** of {} comparison(s)", Percent(*r.drift_rate), *r.comparisons);
    if (r.unexplained) head += fmt::format(", **{} unexplained**", r.unexplained);
  }
  head += "\n\n";
  if (r.emergency_rollback) {
    head += "> [!CAUTION]\n> **Emergency rollback trigger** (runbook: drift rate above 1% or any state violation).\n\n";
  } else if (r.rollout_blocked) {
    head += "> [!WARNING]\n> **Parity below 100%: the rollout phase is blocked.**\n\n";
  }
  head += "| What | Value |\n| --- | --- |\n";
  for (const InputFile& in : r.inputs) head += fmt::format("| Input | {} ({} bytes) |\n", Cell(in.path), in.bytes);
  if (r.partial) head += fmt::format("| **Partial** | {} |\n", Cell(r.stopped_reason));
  if (r.chain_profile)
    head += fmt::format("| Chain | `{}`, {} block(s) |\n", ProfileName(*r.chain_profile), r.chain_blocks);
  head += fmt::format("| Comparisons | {} |\n",
                      r.comparisons ? fmt::format("{} (from {})", *r.comparisons, Escape(r.counts_source))
                                    : "unknown — no `parity ✓` lines, PARITY REPORT counts or metrics");
  head += fmt::format("| Matches | {} |\n", r.matches ? fmt::format("{}", *r.matches) : "unknown");
  head += fmt::format("| Drifts (logged) | {} |\n", r.drifts);
  if (r.source_drifts && *r.source_drifts != r.drifts)
    head += fmt::format("| Drifts ({}) | {} |\n", Escape(r.counts_source), *r.source_drifts);
  head += fmt::format("| Drift rate | {} |\n", r.drift_rate ? Percent(*r.drift_rate) : "unknown");
  if (r.first_drift) {
    const Drift& d = *r.first_drift;
    std::string where = fmt::format("{} {} at {}", TimeOr(d.time_us, "(no time)"), Cell(d.function, 80), Cell(Where(d.file, d.line)));
    if (d.explanation) where += fmt::format(", block {} `{}`", d.explanation->height, d.explanation->block_hash);
    head += fmt::format("| First drift | {} |\n", where);
  }
  head += fmt::format("| Drift causes | {} unexplained, {} explained, {} not in chain, {} not verified, {} without values, {} malformed |\n",
                      r.unexplained, r.explained, r.not_in_chain, r.not_verified, r.no_values, r.malformed);
  head += fmt::format("| Failures / fallbacks | legacy failed {}, refactored failed {}, fallbacks {}, fallback successes {} |\n",
                      r.legacy_failures, r.refactored_failures, r.fallbacks, r.fallback_successes);
  if (r.problem_count) head += fmt::format("| Bad input | {} problem(s), see below |\n", r.problem_count);
  head += "\n";
  doc.Text(head);

  if (!r.advice.empty()) {
    std::string a = "### Advice\n\n";
    for (const auto& s : r.advice) a += "- " + s + "\n";  // written by the tool from counts only
    doc.Text(a + "\n");
  }

  // Unexplained drifts first.
  std::vector<std::vector<std::string>> unexplained_rows;
  for (const Drift& d : r.drifts_list) {
    if (d.status != DriftStatus::kUnexplained) continue;
    unexplained_rows.push_back({TimeOr(d.time_us), Cell(d.function, 80), Cell(Where(d.file, d.line)),
                                Cell(ValueText(d.legacy, d.legacy_repr), 100), Cell(ValueText(d.refactored, d.refactored_repr), 100),
                                Cell(d.cause, 300)});
  }
  if (!unexplained_rows.empty()) {
    doc.Text(fmt::format("### ⚠ Unexplained drifts ({})\n\nNo known codec difference explains these; look at them first.\n\n",
                         r.unexplained));
    doc.Table({"Time (UTC)", "Function", "Where", "Legacy", "Refactored", "Why unexplained"}, std::move(unexplained_rows));
    doc.Text("\n");
  }

  if (!r.clusters.empty()) {
    doc.Text("### Drifts by cause\n\n");
    std::vector<std::vector<std::string>> rows;
    for (const DriftCluster& c : r.clusters) {
      std::string heights = c.min_height ? (*c.min_height == *c.max_height ? fmt::format("{}", *c.min_height)
                                                                          : fmt::format("{}..{}", *c.min_height, *c.max_height))
                                         : "—";
      rows.push_back({fmt::format("`{}`", DriftStatusName(c.status)), Cell(c.function, 80), fmt::format("{}", c.count),
                      Cell(c.cause, 400), TimeOr(c.first_time_us), TimeOr(c.last_time_us), heights,
                      Cell(Where(c.first_file, c.first_line))});
    }
    doc.Table({"Status", "Function", "Drifts", "Cause", "First (UTC)", "Last (UTC)", "Blocks", "First seen"}, std::move(rows));
    doc.Text("\n");
  }

  // Explanations: one worked example per cluster, then every explained drift in a table.
  std::vector<std::string> shown;
  std::string worked;
  for (const Drift& d : r.drifts_list) {
    if (!d.explanation || std::find(shown.begin(), shown.end(), d.cluster) != shown.end()) continue;
    shown.push_back(d.cluster);
    const DriftExplanation& e = *d.explanation;
    worked += fmt::format("#### Block {} — {} ({})\n\n", e.height, Cell(d.function, 80), DriftStatusName(d.status));
    worked += fmt::format("Logged at {} ({}). Block from {}.\n\n", Cell(Where(d.file, d.line)), TimeOr(d.time_us, "no time"),
                          Cell(e.chain_source));
    worked += "| | Logged | Recomputed from chain data | Equal |\n| --- | --- | --- | --- |\n";
    worked += fmt::format("| Refactored (core-v4, extra_data as array) | `{}` | `{}` | {} |\n", e.block_hash, e.core_v4_hash,
                          e.core_v4_confirmed ? "✓" : "✗");
    worked += fmt::format("| Legacy (extra_data as bin) | `{}` | `{}` | {} |\n\n",
                          d.legacy ? PyValueDisplay(*d.legacy) : "", e.legacy_hash, e.legacy_confirmed ? "✓" : "✗");
    if (!e.fields.empty()) {
      worked += "Fields that encode differently:\n\n| Field | Legacy bytes | Core-v4 bytes |\n| --- | --- | --- |\n";
      for (const FieldDifference& f : e.fields)
        worked += fmt::format("| `{}` | `{}` | `{}` |\n", f.field, f.legacy_hex.empty() ? "(absent)" : Spaced(f.legacy_hex.substr(0, 96)),
                              f.core_v4_hex.empty() ? "(absent)" : Spaced(f.core_v4_hex.substr(0, 96)));
      worked += "\n";
    }
    worked += fmt::format("Bytes around the first difference (byte {} of the encodings, window from byte {}):\n\n```\n",
                          e.first_difference, e.window_start);
    worked += fmt::format("legacy   {}\ncore-v4  {}\n```\n\n", Spaced(e.legacy_window_hex), Spaced(e.core_v4_window_hex));
  }
  if (!worked.empty()) {
    doc.Text("### Explanations\n\n" + worked);
    std::vector<std::vector<std::string>> rows;
    for (const Drift& d : r.drifts_list) {
      if (!d.explanation) continue;
      const DriftExplanation& e = *d.explanation;
      std::string fields;
      for (size_t i = 0; i < e.fields.size(); ++i) fields += (i ? ", " : "") + e.fields[i].field;
      rows.push_back({fmt::format("{}", e.height), fmt::format("`{}`", e.block_hash.substr(0, 16)),
                      fmt::format("`{}`", e.legacy_hash.substr(0, 16)), e.legacy_confirmed ? "✓" : "✗",
                      fields.empty() ? "—" : fmt::format("`{}`", fields), TimeOr(d.time_us), Cell(Where(d.file, d.line))});
    }
    doc.Text("Every drift tied to a block:\n\n");
    doc.Table({"Height", "Core-v4 hash", "Legacy hash", "Legacy confirmed", "Fields", "Time (UTC)", "Where"}, std::move(rows));
    doc.Text("\n");
  }
  if (r.drifts_listed_cap)
    doc.Text(fmt::format("_Only {} of {} drifts are listed individually (unexplained first); the counts cover all._\n\n",
                         r.drifts_list.size(), r.drifts));

  if (!r.by_function.empty()) {
    doc.Text("### By function\n\n");
    std::vector<std::vector<std::string>> rows;
    auto opt = [](const std::optional<uint64_t>& v) { return v ? fmt::format("{}", *v) : std::string("unknown"); };
    for (const FunctionCounts& f : r.by_function)
      rows.push_back({Cell(f.function, 80), opt(f.comparisons), opt(f.matches), fmt::format("{}", f.drifts),
                      f.drift_rate ? Percent(*f.drift_rate) : "unknown", fmt::format("{}", f.unexplained),
                      fmt::format("{} / {}", f.legacy_failures, f.refactored_failures),
                      fmt::format("{} / {}", f.fallbacks, f.fallback_successes),
                      f.metrics_drifts ? fmt::format("{}", *f.metrics_drifts) : "—"});
    doc.Table({"Function", "Comparisons", "Matches", "Drifts", "Drift rate", "Unexplained", "Failures (legacy / refactored)",
               "Fallbacks / successes", "Metrics drifts"},
              std::move(rows));
    doc.Text("\n");
  }

  if (!r.per_minute.empty()) {
    // At most kChartRows rows: per minute when the span allows, else wider buckets (JSON keeps minutes).
    constexpr int64_t kMinute = 60 * 1000000LL;
    constexpr int64_t kChartRows = 120;
    constexpr int64_t kWidths[] = {1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 2880, 10080};
    const int64_t first = r.per_minute.front().minute_us, last = r.per_minute.back().minute_us;
    int64_t width = kWidths[std::size(kWidths) - 1];
    for (int64_t w : kWidths) {
      if ((last - first) / (w * kMinute) + 1 <= kChartRows) {
        width = w;
        break;
      }
    }
    const int64_t step = width * kMinute;
    auto floor_div = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
    std::map<int64_t, MinuteBucket> buckets;
    for (int64_t k = floor_div(first, step); k <= floor_div(last, step) && buckets.size() < 400; ++k)
      buckets[k].minute_us = k * step;
    for (const MinuteBucket& m : r.per_minute) {
      MinuteBucket& b = buckets[floor_div(m.minute_us, step)];
      b.minute_us = floor_div(m.minute_us, step) * step;
      b.drifts += m.drifts;
      b.matches += m.matches;
      b.failures += m.failures;
    }
    uint64_t max = 0;
    for (const auto& [k, m] : buckets) max = std::max(max, m.drifts);
    doc.Text(width == 1 ? std::string("### Drift over time (per minute, UTC)\n\n")
                        : fmt::format("### Drift over time (per {} minutes, UTC; report.json has every minute)\n\n", width));
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, m] : buckets) {
      std::string rate = m.matches > 0 ? Percent(static_cast<double>(m.drifts) / static_cast<double>(m.matches + m.drifts))
                                       : "—";
      std::string t = FormatParityTime(m.minute_us);
      rows.push_back({t.substr(0, 16) + "Z", fmt::format("{}", m.drifts), fmt::format("{}", m.matches), rate,
                      fmt::format("{}", m.failures), m.drifts ? "`" + Bar(m.drifts, max) + "`" : ""});
    }
    doc.Table({width == 1 ? "Minute" : "From", "Drifts", "Matches", "Drift rate", "Failures", "Drifts (chart)"},
              std::move(rows));
    if (r.drifts_without_time) doc.Text(fmt::format("\n_{} drift(s) carry no time and are not in this table._\n", r.drifts_without_time));
    doc.Text("\n");
  } else if (r.drifts) {
    doc.Text("### Drift over time\n\nThe log lines carry no timestamps, so drift cannot be placed in time.\n\n");
  }

  if (!r.failures.empty()) {
    doc.Text("### Failures and fallbacks\n\n");
    std::vector<std::vector<std::string>> rows;
    for (const FailureRecord& f : r.failures)
      rows.push_back({TimeOr(f.time_us), Cell(f.function, 80), KindLabel(f.kind), f.error.empty() ? "—" : Cell(f.error, 200),
                      Cell(Where(f.file, f.line))});
    doc.Table({"Time (UTC)", "Function", "What", "Error", "Where"}, std::move(rows));
    doc.Text("\n");
  }

  if (!r.report_blocks.empty()) {
    doc.Text("### PARITY REPORT blocks\n\n");
    std::vector<std::vector<std::string>> rows;
    auto opt = [](const std::optional<uint64_t>& v) { return v ? fmt::format("{}", *v) : std::string("—"); };
    for (const ParityReportBlock& b : r.report_blocks)
      rows.push_back({Cell(Where(b.file, b.line)), TimeOr(b.time_us), b.codec_mode ? Cell(*b.codec_mode, 40) : "—",
                      b.rust_available ? (*b.rust_available ? "True" : "False") : "—", opt(b.matches), opt(b.drifts),
                      b.error ? "no: raised " + Cell(*b.error, 200) : b.closed ? "yes" : "no"});
    doc.Table({"Where", "Time (UTC)", "Codec mode", "Rust available", "Matches", "Drifts", "Complete"}, std::move(rows));
    doc.Text("\n");
  }

  if (r.metrics) {
    const ParityMetrics& m = *r.metrics;
    auto num = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string("absent"); };
    std::string t = "### Metrics\n\n| Counter | Value |\n| --- | --- |\n";
    t += fmt::format("| `coinjecture_parity_matches_total` | {} |\n", num(m.matches_total));
    t += fmt::format("| `coinjecture_parity_drifts_total` | {} |\n", num(m.drifts_total));
    for (const auto& [k, v] : m.drifts_by_function)
      if (!k.empty()) t += fmt::format("| `coinjecture_parity_drifts_total` function={} | {} |\n", Cell(k, 80), v);
    t += fmt::format("| `coinjecture_pin_quorum_success_total` | {} |\n", num(m.pin_quorum_success_total));
    t += fmt::format("| `coinjecture_pin_quorum_failures_total` | {} |\n", num(m.pin_quorum_failures_total));
    t += fmt::format("| `coinjecture_state_violations_total` | {} |\n\n", num(m.state_violations_total));
    doc.Text(t);
  }

  if (!r.problems.empty()) {
    doc.Text(fmt::format("### Bad input ({})\n\n", r.problem_count));
    std::vector<std::vector<std::string>> rows;
    for (const ParityProblem& p : r.problems)
      rows.push_back({Cell(p.file), fmt::format("{}", p.line), fmt::format("{}", p.offset), Cell(p.what, 300),
                      p.excerpt.empty() ? "—" : Cell(p.excerpt, 120)});
    doc.Table({"File", "Line", "Byte offset", "Problem", "Excerpt"}, std::move(rows));
    doc.Text("\n");
  }
  if (!r.warnings.empty()) {
    std::string w = "### Warnings\n\n";
    for (const auto& s : r.warnings) w += "- " + Escape(s, 1000) + "\n";
    doc.Text(w);
  }

  return RenderWithStamp(doc, stamp, r.inputs);
}

}  // namespace forensics
