// libFuzzer target: the Markdown escaper (forensics/markdown.h) under cmark-gfm with GitHub's
// extensions (autolink, table, strikethrough, tagfilter), raw HTML let through by the renderer so
// that only the escaper stands in its way. Untrusted text is placed where the reports place it: in
// a paragraph, a list item, a table cell and a code span. What the escaper promises must hold in
// the parsed document: no link (autolinked URL, www. or e-mail address), no raw HTML, no @mention,
// no #123 or GH-123 reference, the table keeps its two columns, and no bidirectional or
// zero-width control reaches the output but the word joiners the escaper puts after '@', '#',
// ':' and '-' and before the dot of "www.".
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "forensics/markdown.h"

namespace {

// The code point of the UTF-8 sequence at s[i] and its length (1 and the byte for anything else).
char32_t Decode(std::string_view s, size_t i, size_t* len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
  if (i + n > s.size()) n = 1;
  char32_t cp = n == 1 ? c : c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  *len = n;
  return cp;
}

bool Invisible(char32_t cp) {
  return cp == 0x061c || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

// No bidi or zero-width control in the rendered HTML, but a word joiner right after @ # : - or
// right before a dot (the escaper's own).
void CheckInvisible(std::string_view html) {
  for (size_t i = 0, n = 0; i < html.size(); i += n) {
    const char32_t cp = Decode(html, i, &n);
    if (!Invisible(cp)) continue;
    if (cp == 0x2060 && i > 0 && std::strchr("@#:-", html[i - 1]) != nullptr) continue;
    if (cp == 0x2060 && i + n < html.size() && html[i + n] == '.') continue;
    std::abort();
  }
}

// Text as GitHub reads it for mentions and references (U+2060 breaks both).
void CheckText(std::string_view t) {
  for (size_t i = 0; i < t.size(); ++i) {
    const unsigned char next = i + 1 < t.size() ? static_cast<unsigned char>(t[i + 1]) : 0;
    if (t[i] == '@' && (std::isalnum(next) || next == '-' || next == '_')) std::abort();
    if (t[i] == '#' && std::isdigit(next)) std::abort();
    if (i >= 2 && t[i] == '-' && std::tolower(static_cast<unsigned char>(t[i - 2])) == 'g' &&
        std::tolower(static_cast<unsigned char>(t[i - 1])) == 'h' && std::isdigit(next)) {
      std::abort();
    }
  }
}

// Walks the tree: no link, image or raw HTML; the text of each block checked as one string.
void CheckTree(cmark_node* root) {
  cmark_iter* it = cmark_iter_new(root);
  std::string text;
  int table_cells = 0, table_rows = 0;
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(it);
    const cmark_node_type type = cmark_node_get_type(node);
    const std::string_view name = cmark_node_get_type_string(node);
    if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE || type == CMARK_NODE_HTML_INLINE ||
        type == CMARK_NODE_HTML_BLOCK) {
      std::abort();
    }
    if (ev == CMARK_EVENT_ENTER && (name == "table_header" || name == "table_row")) ++table_rows;
    if (ev == CMARK_EVENT_ENTER && name == "table_cell") ++table_cells;
    if (type == CMARK_NODE_TEXT) {
      text += cmark_node_get_literal(node);
    } else if (ev == CMARK_EVENT_EXIT || type == CMARK_NODE_CODE || type == CMARK_NODE_SOFTBREAK) {
      CheckText(text);
      text.clear();
    }
  }
  CheckText(text);
  cmark_iter_free(it);
  if (table_rows != 2 || table_cells != 4) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool registered = (cmark_gfm_core_extensions_ensure_registered(), true);
  (void)registered;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t cap = size % 2 ? 1 + size % 61 : 500;
  std::string doc = "Seen in the log: " + forensics::md::Escape(in, cap) + " (line 3)\n\n";
  doc += "- " + forensics::md::Escape(in) + "\n\n";
  doc += "| node | message |\n| --- | --- |\n| " + forensics::md::Cell(in, cap) + " | " + forensics::md::Code(in) +
         " |\n";

  const int options = CMARK_OPT_UNSAFE;
  cmark_parser* parser = cmark_parser_new(options);
  for (const char* ext : {"autolink", "table", "strikethrough", "tagfilter"})
    cmark_parser_attach_syntax_extension(parser, cmark_find_syntax_extension(ext));
  cmark_parser_feed(parser, doc.data(), doc.size());
  cmark_node* root = cmark_parser_finish(parser);
  CheckTree(root);
  char* html = cmark_render_html(root, options, cmark_parser_get_syntax_extensions(parser));
  const std::string_view out(html);
  if (out.find("<a ") != std::string_view::npos) std::abort();
  CheckInvisible(out);
  free(html);
  cmark_node_free(root);
  cmark_parser_free(parser);
  return 0;
}
