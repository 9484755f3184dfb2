// Markdown for GitHub issue bodies: escaping of untrusted text and the body-size cap.
#include "forensics/markdown.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace forensics::md {
namespace {

constexpr std::string_view kWordJoiner = "\xe2\x81\xa0";  // U+2060
constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

// The length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7: no overlong form, no
// surrogate, nothing above U+10FFFF), 0 if there is none.
size_t Utf8Seq(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  const unsigned char c1 = n > 1 ? static_cast<unsigned char>(s[i + 1]) : 0;
  if (n == 2 && c < 0xc2) return 0;
  if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f)) return 0;
  if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f) || c > 0xf4) return 0;
  return n;
}

bool IsHexish(std::string_view s) {
  return !s.empty() && s.size() <= 200 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == 'x'; });
}

}  // namespace

std::string Escape(std::string_view in, size_t max_chars) {
  std::string out;
  out.reserve(in.size() + 16);
  size_t chars = 0;
  for (size_t i = 0; i < in.size();) {
    if (chars >= max_chars) {
      out.append("…");
      break;
    }
    ++chars;
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c >= 0x80) {
      size_t n = Utf8Seq(in, i);
      if (n == 0) {
        out.append(kReplacement);
        ++i;
      } else {
        // C1 controls, line and paragraph separators, the bidirectional controls and marks
        // (U+061C, U+200E-F, U+202A-E, U+2066-9) and the zero-width characters (U+180E,
        // U+200B-D, U+2060-4, U+FEFF) would hide or reorder text: replaced like the C0
        // controls. The only word joiners left are those added below.
        const std::string_view seq = in.substr(i, n);
        const bool invisible = (n == 2 && static_cast<unsigned char>(seq[0]) == 0xc2 &&
                                static_cast<unsigned char>(seq[1]) <= 0x9f) ||
                               seq == "\xd8\x9c" || seq == "\xe1\xa0\x8e" || seq == "\xef\xbb\xbf" ||
                               (seq >= "\xe2\x80\x8b" && seq <= "\xe2\x80\x8f") ||
                               (seq >= "\xe2\x80\xa8" && seq <= "\xe2\x80\xae") ||
                               (seq >= "\xe2\x81\xa0" && seq <= "\xe2\x81\xa9");
        out.append(invisible ? kReplacement : seq);
        i += n;
      }
      continue;
    }
    ++i;
    if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
      continue;
    }
    if (c < 0x20 || c == 0x7f) {
      out.append(kReplacement);
      continue;
    }
    switch (c) {
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '&': out.append("&amp;"); break;
      case '@':
      case '#':
        out.push_back(static_cast<char>(c));
        out.append(kWordJoiner);  // no mention, no issue reference, no closing keyword target
        break;
      case ':': {
        // No autolinked URL ("scheme://") and no script or data scheme that a renderer might link.
        bool dangerous = i < in.size() && in[i] == '/';
        for (std::string_view scheme : {"javascript", "vbscript", "data", "file"}) {
          if (out.size() < scheme.size()) continue;
          std::string_view tail(out.data() + out.size() - scheme.size(), scheme.size());
          bool eq = std::equal(tail.begin(), tail.end(), scheme.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          });
          dangerous |= eq;
        }
        out.push_back(':');
        if (dangerous) out.append(kWordJoiner);
        break;
      }
      case '.':
        // No "www." autolink: the joiner goes before the dot, since GitHub's autolinker takes any
        // character after "www." for part of the domain, a joiner included.
        if (out.size() >= 3 && (out.size() == 3 || !std::isalnum(static_cast<unsigned char>(out[out.size() - 4]))) &&
            std::tolower(static_cast<unsigned char>(out[out.size() - 3])) == 'w' &&
            std::tolower(static_cast<unsigned char>(out[out.size() - 2])) == 'w' &&
            std::tolower(static_cast<unsigned char>(out[out.size() - 1])) == 'w')
          out.append(kWordJoiner);
        out.push_back('.');
        break;
      case '-':
        out.push_back('-');
        // GH-123 is an issue reference.
        if (out.size() >= 3 && std::tolower(static_cast<unsigned char>(out[out.size() - 3])) == 'g' &&
            std::tolower(static_cast<unsigned char>(out[out.size() - 2])) == 'h')
          out.append(kWordJoiner);
        break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~': case '!':
      case '{': case '}': case '(': case ')': case '+': case '=':
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
        break;
      default:
        out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string Code(std::string_view text) {
  if (IsHexish(text)) return fmt::format("`{}`", text);
  return Escape(text);
}

std::string Cell(std::string_view untrusted, size_t max_chars) { return Escape(untrusted, max_chars); }

size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

void Document::Text(std::string s) {
  Part p;
  p.text = std::move(s);
  parts_.push_back(std::move(p));
}

void Document::Table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows,
                     std::string cut_note_suffix) {
  Part p;
  p.is_table = true;
  p.header = std::move(header);
  p.rows = std::move(rows);
  p.cut_note = std::move(cut_note_suffix);
  parts_.push_back(std::move(p));
}

std::string Document::Render(size_t limit) const {
  std::vector<size_t> keep(parts_.size());
  for (size_t i = 0; i < parts_.size(); ++i) keep[i] = parts_[i].rows.size();
  auto render_table = [](const Part& p, size_t rows) {
    std::string s = "|";
    for (const auto& h : p.header) s += " " + h + " |";
    s += "\n|";
    for (size_t i = 0; i < p.header.size(); ++i) s += " --- |";
    s += "\n";
    for (size_t r = 0; r < rows; ++r) {
      s += "|";
      for (const auto& c : p.rows[r]) s += " " + c + " |";
      s += "\n";
    }
    if (rows < p.rows.size())
      s += fmt::format("\n_{} of {} rows cut to fit GitHub's issue size limit; {}._\n", p.rows.size() - rows,
                       p.rows.size(), p.cut_note);
    return s;
  };
  auto render = [&]() {
    std::string out;
    for (size_t i = 0; i < parts_.size(); ++i)
      out += parts_[i].is_table ? render_table(parts_[i], keep[i]) : parts_[i].text;
    return out;
  };
  std::string out = render();
  while (CharCount(out) > limit) {
    // Cut the longest table (by rendered size) that still has rows.
    size_t best = parts_.size(), best_size = 0;
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (!parts_[i].is_table || keep[i] == 0) continue;
      size_t sz = render_table(parts_[i], keep[i]).size();
      if (sz > best_size) {
        best_size = sz;
        best = i;
      }
    }
    if (best == parts_.size()) break;
    keep[best] /= 2;
    out = render();
  }
  if (CharCount(out) > limit) {
    const std::string note = "\n\n_The report was cut here to fit GitHub's issue size limit; see report.json._\n";
    size_t budget = limit - CharCount(note);
    size_t bytes = 0, chars = 0;
    while (bytes < out.size() && chars < budget) {
      ++bytes;
      while (bytes < out.size() && (static_cast<unsigned char>(out[bytes]) & 0xc0) == 0x80) ++bytes;
      ++chars;
    }
    size_t nl = out.rfind('\n', bytes);
    out = out.substr(0, nl == std::string::npos ? bytes : nl) + note;
  }
  return out;
}

}  // namespace forensics::md
