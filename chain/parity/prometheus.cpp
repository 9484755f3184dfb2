// Prometheus text exposition format (version 0.0.4): `name{label="value",…} value [timestamp]`,
// comments and HELP/TYPE lines. Only what the parity analysis reads is kept: every sample.
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "forensics/parity_log.h"

namespace forensics {
namespace {

bool NameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool NameChar(char c) { return NameStart(c) || (c >= '0' && c <= '9'); }

std::optional<double> ParseValue(std::string_view s) {
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Parses one sample line; returns an error text or "".
std::string ParseSample(std::string_view s, PromSample* out) {
  size_t i = 0;
  if (i >= s.size() || !NameStart(s[i])) return "metric name expected";
  while (i < s.size() && NameChar(s[i])) ++i;
  out->name = std::string(s.substr(0, i));
  while (i < s.size() && s[i] == ' ') ++i;
  if (i < s.size() && s[i] == '{') {
    ++i;
    while (true) {
      while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
      if (i >= s.size()) return "unterminated label set";
      if (s[i] == '}') {
        ++i;
        break;
      }
      size_t k = i;
      if (!NameStart(s[i])) return "label name expected";
      while (i < s.size() && NameChar(s[i])) ++i;
      std::string key(s.substr(k, i - k));
      while (i < s.size() && s[i] == ' ') ++i;
      if (i >= s.size() || s[i] != '=') return "'=' expected after a label name";
      ++i;
      while (i < s.size() && s[i] == ' ') ++i;
      if (i >= s.size() || s[i] != '"') return "'\"' expected before a label value";
      ++i;
      std::string value;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i >= s.size()) return "backslash at the end of a label value";
          char e = s[i++];
          if (e == 'n') value.push_back('\n');
          else if (e == '\\' || e == '"') value.push_back(e);
          else return fmt::format("unknown escape \\{} in a label value", std::string(1, e));
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return "unterminated label value";
      out->labels.emplace_back(std::move(key), std::move(value));
    }
  }
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  size_t v = i;
  while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
  auto value = ParseValue(s.substr(v, i - v));
  if (!value) return "value is not a number";
  out->value = *value;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  if (i < s.size()) {  // optional timestamp (integer milliseconds)
    std::string_view ts = s.substr(i);
    while (!ts.empty() && (ts.back() == ' ' || ts.back() == '\t')) ts.remove_suffix(1);
    int64_t t;
    auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), t);
    if (ec != std::errc() || p != ts.data() + ts.size()) return "text after the value is not a timestamp";
  }
  return "";
}

}  // namespace

std::optional<std::string_view> PromSample::Label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

PromParseResult ParsePrometheusText(std::string_view text) {
  PromParseResult r;
  uint64_t line_no = 0;
  uint64_t offset = 0;
  while (offset < text.size()) {
    size_t nl = text.find('\n', offset);
    std::string_view line = text.substr(offset, nl == std::string_view::npos ? std::string_view::npos : nl - offset);
    const uint64_t line_offset = offset;
    offset = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos || line[b] == '#') continue;
    line.remove_prefix(b);
    PromSample s;
    std::string err = ParseSample(line, &s);
    if (!err.empty()) {
      std::string ex(line.substr(0, 120));
      r.problems.push_back(ParityProblem{"", line_no, line_offset, "metrics line does not parse: " + err, ex});
      continue;
    }
    s.line = line_no;
    r.samples.push_back(std::move(s));
  }
  return r;
}

}  // namespace forensics
