// Parity-log generator (see parity_gen.h). The record order is drawn from the remaining counts with
// a splitmix64 stream, so the same options always give the same bytes.
#include "forensics/parity_gen.h"

#include <algorithm>

#include <fmt/format.h>

#include "forensics/chain_source.h"
#include "forensics/sha256.h"

#include "split_mix.h"

namespace forensics {
namespace {

// One Next() per byte (the sample files depend on this exact consumption).
struct SplitMix : SplitMix64 {
  template <size_t N>
  Bytes<N> Fill() {
    Bytes<N> b;
    for (size_t i = 0; i < N; ++i) b[i] = static_cast<uint8_t>(Next());
    return b;
  }
};

std::string Raw(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), 32); }

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
  int64_t y;
  unsigned m, d;
  int64_t sec_of_day, us;
};

Civil ToCivil(int64_t t) {
  // FormatParityTime gives "YYYY-MM-DDTHH:MM:SS[.fff]Z"; reuse it rather than a second calendar.
  std::string s = FormatParityTime(t - (t % 1000000 + 1000000) % 1000000);
  Civil c;
  c.y = std::stoll(s.substr(0, 4));
  c.m = static_cast<unsigned>(std::stoi(s.substr(5, 2)));
  c.d = static_cast<unsigned>(std::stoi(s.substr(8, 2)));
  c.sec_of_day = std::stoll(s.substr(11, 2)) * 3600 + std::stoll(s.substr(14, 2)) * 60 + std::stoll(s.substr(17, 2));
  c.us = (t % 1000000 + 1000000) % 1000000;
  return c;
}

std::string JsonString(std::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"') o += "\\\"";
    else if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else if (c < 0x20) o += fmt::format("\\u{:04x}", c);
    else o.push_back(static_cast<char>(c));
  }
  return o + "\"";
}

// Python's json.dumps (ensure_ascii): non-ASCII as \uXXXX, surrogate pairs above U+FFFF.
std::string PyJsonString(std::string_view s) {
  std::string o = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"') o += "\\\"";
      else if (c == '\\') o += "\\\\";
      else if (c == '\n') o += "\\n";
      else if (c == '\r') o += "\\r";
      else if (c == '\t') o += "\\t";
      else if (c == '\b') o += "\\b";
      else if (c == '\f') o += "\\f";
      else if (c < 0x20) o += fmt::format("\\u{:04x}", c);
      else o.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // The generator writes valid UTF-8 only.
    const size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    uint32_t cp = c & (n == 4 ? 0x07 : n == 3 ? 0x0f : 0x1f);
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      o += fmt::format("\\u{:04x}\\u{:04x}", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      o += fmt::format("\\u{:04x}", cp);
    }
    i += n;
  }
  return o + "\"";
}

constexpr std::string_view kShimLogger = "coinjecture.legacy_compat";

class Writer {
 public:
  Writer(const ParityGenOptions& o, const std::function<void(std::string_view)>& sink, ParityGenSummary* s)
      : o_(o), sink_(sink), s_(s) {}

  // One record: `lines[0]` is the message's first line, the rest its continuation lines; `exc` the
  // lines of a traceback logged with it (logger.exception).
  void Record(int64_t t, std::string_view level, const std::vector<std::string>& lines,
              std::string_view logger = kShimLogger, const std::vector<std::string>& exc = {}) {
    ParityPrefix style = o_.styles.empty() ? ParityPrefix::kNone : o_.styles[n_++ % o_.styles.size()];
    Civil c = ToCivil(t);
    std::string first;
    auto asctime = [&] {
      return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}", c.y, c.m, c.d, c.sec_of_day / 3600,
                         c.sec_of_day / 60 % 60, c.sec_of_day % 60, c.us / 1000);
    };
    switch (style) {
      case ParityPrefix::kNone: first = lines[0]; break;
      case ParityPrefix::kPythonDefault: first = fmt::format("{}:{}:{}", level, logger, lines[0]); break;
      case ParityPrefix::kPythonAsctime: first = fmt::format("{} - {} - {} - {}", asctime(), logger, level, lines[0]); break;
      case ParityPrefix::kPythonJson: {
        std::string msg;
        for (size_t i = 0; i < lines.size(); ++i) msg += (i ? "\n" : "") + lines[i];
        std::string line = fmt::format("{{\"asctime\": \"{}\", \"name\": {}, \"levelname\": \"{}\", \"message\": {}", asctime(),
                                       PyJsonString(logger), level, PyJsonString(msg));
        if (!exc.empty()) {
          std::string tb;
          for (size_t i = 0; i < exc.size(); ++i) tb += (i ? "\n" : "") + exc[i];
          line += ", \"exc_info\": " + PyJsonString(tb);
        }
        Emit(line + "}");
        return;
      }
      case ParityPrefix::kJournaldShort: {
        std::string prefix = fmt::format("{} {:02} {:02}:{:02}:{:02} {} coinjectured[{}]: ", kMonths[c.m - 1], c.d,
                                         c.sec_of_day / 3600, c.sec_of_day / 60 % 60, c.sec_of_day % 60, o_.host, o_.pid);
        Emit(prefix + lines[0]);
        std::string indent(prefix.size(), ' ');
        for (size_t i = 1; i < lines.size(); ++i) Emit(indent + lines[i]);
        for (const std::string& l : exc) Emit(indent + l);
        return;
      }
      case ParityPrefix::kJournalJson: {
        std::string msg;
        for (size_t i = 0; i < lines.size(); ++i) msg += (i ? "\n" : "") + lines[i];
        for (const std::string& l : exc) msg += "\n" + l;
        int prio = level == "ERROR" ? 3 : level == "WARNING" ? 4 : level == "INFO" ? 6 : 7;
        Emit(fmt::format("{{\"__REALTIME_TIMESTAMP\":\"{}\",\"_HOSTNAME\":{},\"SYSLOG_IDENTIFIER\":\"coinjectured\","
                         "\"_PID\":\"{}\",\"PRIORITY\":\"{}\",\"MESSAGE\":{}}}",
                         t, JsonString(o_.host), o_.pid, prio, JsonString(msg)));
        return;
      }
    }
    Emit(first);
    for (size_t i = 1; i < lines.size(); ++i) Emit(lines[i]);
    for (const std::string& l : exc) Emit(l);
  }

  void Flush() {
    if (!buf_.empty()) sink_(buf_);
    buf_.clear();
  }

 private:
  void Emit(const std::string& line) {
    if (o_.grep_only && line.find("PARITY") == std::string::npos) return;
    buf_ += line;
    buf_.push_back('\n');
    ++s_->lines;
    s_->bytes += line.size() + 1;
    if (buf_.size() >= (1u << 20)) Flush();
  }

  const ParityGenOptions& o_;
  const std::function<void(std::string_view)>& sink_;
  ParityGenSummary* s_;
  std::string buf_;
  uint64_t n_ = 0;
};

std::string Ms(double ms) { return fmt::format("{:.2f}ms", ms); }

std::vector<std::string> DriftLines(std::string_view function, const std::string& legacy_repr,
                                    const std::string& refactored_repr, double lms, double rms) {
  return {fmt::format("{}: PARITY DRIFT ✗", function), fmt::format("  Legacy:      {}", legacy_repr),
          fmt::format("  Refactored:  {}", refactored_repr), fmt::format("  Legacy time: {}", Ms(lms)),
          fmt::format("  Refactored time: {}", Ms(rms))};
}

// str() of a Python float holding a count: "4.0", "1e+16" from 10^16 on.
std::string PyFloatCount(uint64_t n) {
  if (n < 10000000000000000ULL) return fmt::format("{}.0", n);
  std::string s = fmt::format("{:.16e}", static_cast<double>(n));  // d.dddde+XX: trim the mantissa's zeros
  size_t e = s.find('e');
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  while (mant.back() == '0') mant.pop_back();
  if (mant.back() == '.') mant.pop_back();
  return mant + "e+" + exp.substr(exp[0] == '+' ? 1 : 0);
}

// What upstream's log_parity_report() writes: with no drift counted yet, the block (its message
// starts with a newline, so the prefix stands alone on its line; matches are a float, drifts the
// int 0 of an empty sum); once a drift was counted it raises (an int plus a Counter), and the
// caller logs the exception.
void LogParityReport(Writer& w, int64_t t, ParityGenSummary& s) {
  if (s.drifts == 0) {
    ++s.report_blocks;
    w.Record(t, "INFO",
             {"", "========== PARITY REPORT ==========", "Codec Mode:      shadow", "Rust Available:  True",
              "Parity Matches:  " + PyFloatCount(s.matches), "Parity Drifts:   0", "===================================",
              ""});
    return;
  }
  ++s.failed_reports;
  w.Record(t, "ERROR", {"parity report failed"}, "coinjecture.node",
           {"Traceback (most recent call last):", "  File \"/srv/coinjecture/shadow_run.py\", line 79, in <module>",
            "    lc.log_parity_report()",
            "  File \"/srv/coinjecture/python/src/coinjecture/legacy_compat.py\", line 302, in log_parity_report",
            "    stats = get_parity_stats()", "            ^^^^^^^^^^^^^^^^^^",
            "  File \"/srv/coinjecture/python/src/coinjecture/legacy_compat.py\", line 294, in get_parity_stats",
            "    \"parity_drifts\": sum(", "                     ^^^^",
            "TypeError: unsupported operand type(s) for +: 'int' and 'Counter'"});
}

constexpr std::string_view kMatchFunctions[] = {"verify_subset_sum", "compute_merkle_root", "verify_signature"};
constexpr std::string_view kErrors[] = {
    "ValueError('extra_data longer than 256 bytes')",
    "RuntimeError(\"rust core unavailable: libcoinjecture_core.so: cannot open shared object file\")",
    "TypeError('expected bytes, got NoneType')",
};

}  // namespace

std::vector<CoreV4Header> SyntheticCoreV4Headers(size_t n, uint64_t seed) {
  SplitMix rng{seed ^ 0x5eedc0de};
  std::vector<CoreV4Header> out;
  out.reserve(n);
  Address miner = rng.Fill<32>();
  Hash32 parent;
  for (size_t i = 0; i < n; ++i) {
    CoreV4Header h;
    h.block_index = i;
    h.timestamp = 1762263000 + static_cast<int64_t>(i) * 10;
    h.parent_hash = parent;
    h.miner_address = miner;
    h.commitment = rng.Fill<32>();
    h.difficulty_target = 100 + (i % 7);
    h.nonce = rng.Next() >> (i % 64);
    size_t len = i % 4 == 0 ? 0 : i % 4 == 1 ? 1 + rng.Below(15) : i % 4 == 2 ? 16 + rng.Below(48) : 32;
    for (size_t k = 0; k < len; ++k) h.extra_data.push_back(static_cast<char>(rng.Next()));
    parent = sha256::Hash(EncodeCoreV4Header(h, ExtraDataEncoding::kArray));
    out.push_back(std::move(h));
  }
  return out;
}

Result<std::vector<CoreV4Header>> CoreV4HeadersFromChain(const std::string& path) {
  auto src = OpenChain(path);
  if (!src) return src.error();
  std::vector<CoreV4Header> out;
  ChainRecord rec;
  while (true) {
    auto more = (*src)->Next(&rec);
    if (!more) return more.error();
    if (!*more) break;
    if (const Block* b = std::get_if<Block>(&rec)) {
      if (auto c = ToCoreV4Header(b->header)) out.push_back(std::move(*c));
    }
  }
  return out;
}

std::string CoreV4ExportNdjson(std::span<const CoreV4Header> headers) {
  std::string o;
  std::string miner = headers.empty() ? std::string(64, '0') : headers[0].miner_address.Hex();
  o += fmt::format("{{\"record\":\"chain\",\"format\":\"coinjecture-chain-export/1\",\"profile\":\"core-v4\","
                   "\"validators\":[\"{}\"],\"genesis_accounts\":[]}}\n",
                   miner);
  for (const CoreV4Header& h : headers) {
    Hash32 hash = sha256::Hash(EncodeCoreV4Header(h, ExtraDataEncoding::kArray));
    o += fmt::format("{{\"record\":\"block\",\"height\":{},\"hash\":\"{}\",\"codec_version\":{},\"timestamp\":{},"
                     "\"parent_hash\":\"{}\",\"merkle_root\":\"{}\",\"miner_address\":\"{}\",\"commitment\":\"{}\","
                     "\"difficulty_target\":{},\"nonce\":{},\"extra_data\":\"{}\",\"transactions\":[]}}\n",
                     h.block_index, hash.Hex(), h.codec_version, h.timestamp, h.parent_hash.Hex(), h.merkle_root.Hex(),
                     h.miner_address.Hex(), h.commitment.Hex(), h.difficulty_target, h.nonce,
                     ToHex({reinterpret_cast<const uint8_t*>(h.extra_data.data()), h.extra_data.size()}));
  }
  return o;
}

Status GenerateParityLog(std::span<const CoreV4Header> headers, const ParityGenOptions& o,
                         const std::function<void(std::string_view)>& sink, ParityGenSummary* summary) {
  ParityGenSummary local;
  ParityGenSummary* s = summary ? summary : &local;
  *s = ParityGenSummary();
  if (headers.empty() && (o.header_drifts || o.unexplained_drifts))
    return Status::InvalidArgument("header drifts need at least one header");
  SplitMix rng{o.seed};
  Writer w(o, sink, s);
  enum Kind { kMatch, kHeader, kUnexplained, kOther, kNotInChain, kFallback, kLegacyFail, kKinds };
  uint64_t left[kKinds] = {o.matches, o.header_drifts, o.unexplained_drifts, o.other_drifts, o.not_in_chain_drifts,
                           o.fallbacks, o.legacy_failures};
  uint64_t total = 0;
  for (uint64_t n : left) total += n;
  int64_t t = o.start_time_us;
  size_t next_header = 0;
  auto ms = [&]() { return static_cast<double>(5 + rng.Below(400)) / 100.0; };
  // Warm-up matches first, then a report (a block: no drift yet).
  const uint64_t warmup = std::min(o.warmup_matches, left[kMatch]);
  for (uint64_t i = 0; i < warmup; ++i) {
    t += o.step_us / 2 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(o.step_us) + 1));
    ++s->matches;
    --left[kMatch];
    --total;
    if (!o.log_matches) continue;
    std::string_view f = kMatchFunctions[0];
    w.Record(t, "DEBUG", {fmt::format("{}: parity ✓ (legacy={}, refactored={})", f, Ms(ms()), Ms(ms()))});
  }
  if (warmup && o.report_block) {
    t += o.step_us;
    LogParityReport(w, t, *s);
  }
  for (uint64_t done = 0; done < total; ++done) {
    if (o.report_every && done && done % o.report_every == 0) {
      t += o.step_us / 2;
      LogParityReport(w, t, *s);
    }
    uint64_t pick = rng.Below(total - done);
    int kind = 0;
    while (pick >= left[kind]) pick -= left[kind++];
    --left[kind];
    t += o.step_us / 2 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(o.step_us) + 1));
    switch (kind) {
      case kMatch: {
        ++s->matches;
        if (!o.log_matches) break;
        std::string_view f = kMatchFunctions[rng.Below(3)];
        w.Record(t, "DEBUG", {fmt::format("{}: parity ✓ (legacy={}, refactored={})", f, Ms(ms()), Ms(ms()))});
        break;
      }
      case kHeader: {
        const CoreV4Header& h = headers[next_header++ % headers.size()];
        Hash32 legacy = sha256::Hash(EncodeCoreV4Header(h, ExtraDataEncoding::kBin));
        Hash32 core = sha256::Hash(EncodeCoreV4Header(h, ExtraDataEncoding::kArray));
        ++s->drifts;
        ++s->explained;
        s->explained_heights.push_back(h.block_index);
        w.Record(t, "ERROR", DriftLines("compute_header_hash", EncodePyBytesRepr(Raw(legacy)), EncodePyBytesRepr(Raw(core)), ms(), ms()));
        break;
      }
      case kUnexplained: {
        const CoreV4Header& h = headers[rng.Below(headers.size())];
        Hash32 core = sha256::Hash(EncodeCoreV4Header(h, ExtraDataEncoding::kArray));
        Hash32 bogus = rng.Fill<32>();
        ++s->drifts;
        ++s->unexplained;
        w.Record(t, "ERROR", DriftLines("compute_header_hash", EncodePyBytesRepr(Raw(bogus)), EncodePyBytesRepr(Raw(core)), ms(), ms()));
        break;
      }
      case kOther:
        ++s->drifts;
        ++s->other;
        w.Record(t, "ERROR", DriftLines("verify_subset_sum", "True", "False", ms(), ms()));
        break;
      case kNotInChain: {
        ++s->drifts;
        ++s->not_in_chain;
        Hash32 a = rng.Fill<32>(), b = rng.Fill<32>();
        w.Record(t, "ERROR", DriftLines("compute_header_hash", EncodePyBytesRepr(Raw(a)), EncodePyBytesRepr(Raw(b)), ms(), ms()));
        break;
      }
      case kFallback: {
        ++s->fallbacks;
        std::string_view f = kMatchFunctions[rng.Below(3)];
        std::string_view e = kErrors[rng.Below(3)];
        w.Record(t, "WARNING", {fmt::format("{}: refactored failed ({}), falling back to legacy", f, e)});
        t += 1000;
        w.Record(t, "INFO", {fmt::format("{}: legacy fallback success ({})", f, Ms(ms()))});
        break;
      }
      case kLegacyFail: {
        ++s->legacy_failures;
        std::string_view f = kMatchFunctions[rng.Below(3)];
        w.Record(t, "ERROR", {fmt::format("{}: legacy failed: {}", f, kErrors[rng.Below(3)])});
        break;
      }
    }
  }
  if (o.report_block) {
    t += o.step_us;
    LogParityReport(w, t, *s);
  }
  w.Flush();
  return Status::Ok();
}

std::string ParityMetricsText(const ParityGenSummary& s) {
  std::string o;
  o += "# HELP coinjecture_parity_matches_total Shadow-mode comparisons whose results matched.\n";
  o += "# TYPE coinjecture_parity_matches_total counter\n";
  o += fmt::format("coinjecture_parity_matches_total {}\n", s.matches);
  o += "# HELP coinjecture_parity_drifts_total Shadow-mode comparisons whose results differed.\n";
  o += "# TYPE coinjecture_parity_drifts_total counter\n";
  o += fmt::format("coinjecture_parity_drifts_total{{function=\"compute_header_hash\"}} {}\n",
                   s.explained + s.unexplained + s.not_in_chain);
  o += fmt::format("coinjecture_parity_drifts_total{{function=\"verify_subset_sum\"}} {}\n", s.other);
  o += "# HELP coinjecture_pin_quorum_success_total Pins that reached quorum.\n";
  o += "# TYPE coinjecture_pin_quorum_success_total counter\n";
  o += "coinjecture_pin_quorum_success_total 42\n";
  o += "# TYPE coinjecture_pin_quorum_failures_total counter\n";
  o += "coinjecture_pin_quorum_failures_total 0\n";
  o += "# TYPE coinjecture_state_violations_total counter\n";
  o += "coinjecture_state_violations_total 0\n";
  return o;
}

}  // namespace forensics
