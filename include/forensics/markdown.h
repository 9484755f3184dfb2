// Markdown for GitHub issue bodies: escaping of untrusted text (from logs or chain data) so that it
// cannot mention people, reference or close issues, inject HTML or break tables; and the 65,536
// character cap, met by cutting the longest tables first.
#ifndef FORENSICS_MARKDOWN_H_
#define FORENSICS_MARKDOWN_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace forensics::md {

inline constexpr size_t kGitHubBodyLimit = 65536;

// Untrusted text as inline Markdown: one line, ASCII punctuation backslash-escaped, HTML
// characters as entities, and a word joiner (U+2060) after '@' and '#' and inside closing keywords'
// reach so GitHub links nothing. Control characters, bidirectional controls and zero-width
// characters become U+FFFD; length capped at max_chars.
std::string Escape(std::string_view untrusted, size_t max_chars = 500);
// Untrusted text in a code span (safe for hashes and hex; other text is escaped first).
std::string Code(std::string_view text);
// A table cell: Escape() plus pipes escaped.
std::string Cell(std::string_view untrusted, size_t max_chars = 200);

// A document assembled from parts, some of them tables that may be cut.
class Document {
 public:
  void Text(std::string s);  // trusted Markdown written by the tool
  // A table: header row (trusted), rows of already-escaped cells.
  void Table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows,
             std::string cut_note_suffix = "see report.json for every row");
  // Renders; if over `limit` characters, halves the longest table repeatedly (noting how many rows
  // were cut) until it fits; as a last resort truncates the text with a note.
  std::string Render(size_t limit = kGitHubBodyLimit) const;

 private:
  struct Part {
    bool is_table = false;
    std::string text;
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::string cut_note;
  };
  std::vector<Part> parts_;
};

// Number of Unicode characters (code points) in UTF-8 text, as GitHub counts.
size_t CharCount(std::string_view utf8);

}  // namespace forensics::md

#endif  // FORENSICS_MARKDOWN_H_
