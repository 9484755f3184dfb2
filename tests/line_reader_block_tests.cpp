// LineReader::NextBlock against Next(): the lines a block splits into, their numbers and offsets,
// and the issues (with the point at which each was reported) must be exactly those of Next(), for
// every container, damaged or not, over-long lines, CRLF, invalid UTF-8 and a last line without
// "\n", whatever the block limits; and the two may be mixed.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "forensics/line_reader.h"
#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::GzipMember;
using testing::TempDir;
using testing::ZstdFrame;

struct Read {
  std::vector<std::string> lines;
  std::vector<uint64_t> numbers;
  std::vector<uint64_t> offsets;
  std::vector<size_t> issues_after;  // issues().size() once the line was handed out
  std::vector<ReadIssue> issues;
};

void Add(Read* r, std::string_view text, uint64_t number, uint64_t offset, size_t issues) {
  r->lines.emplace_back(text);
  r->numbers.push_back(number);
  r->offsets.push_back(offset);
  r->issues_after.push_back(issues);
}

Read ByLine(const std::string& path, const LineReaderOptions& options) {
  auto reader = LineReader::Open(path, options);
  REQUIRE(reader.has_value());
  Read r;
  Line line;
  while ((*reader)->Next(&line)) Add(&r, line.text, line.number, line.offset, (*reader)->issues().size());
  r.issues = (*reader)->issues();
  return r;
}

constexpr size_t kNotCompared = ~size_t{0};

// Splits a block as line_reader.h says. The block's last line gets the issue count at the block's
// end, which is what Next() has reported once it handed out that line; the lines before it are
// not compared on that.
void SplitBlock(const LineBlock& block, size_t issues, Read* r) {
  std::string_view text = block.text;
  uint64_t n = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    size_t len = end - pos;
    if (nl != std::string_view::npos && len > 0 && text[end - 1] == '\r') --len;
    Add(r, text.substr(pos, len), block.first_number + n, block.offset + pos,
        next == text.size() ? issues : kNotCompared);
    ++n;
    pos = next;
  }
  CHECK(n == block.lines);
}

// Blocks with random limits, and now and then a Next() in between when `mix`.
Read ByBlock(const std::string& path, const LineReaderOptions& options, std::mt19937_64& rng,
             bool mix) {
  auto reader = LineReader::Open(path, options);
  REQUIRE(reader.has_value());
  Read r;
  for (;;) {
    if (mix && rng() % 4 == 0) {
      Line line;
      if (!(*reader)->Next(&line)) break;
      Add(&r, line.text, line.number, line.offset, (*reader)->issues().size());
      continue;
    }
    size_t max_bytes = rng() % 3 == 0 ? 1 + rng() % 64 : 1 + rng() % (256u << 10);
    size_t max_lines = rng() % 3 == 0 ? 1 + rng() % 4 : 1 + rng() % 4000;
    LineBlock block;
    if (!(*reader)->NextBlock(&block, max_bytes, max_lines)) break;
    REQUIRE(block.lines >= 1);
    REQUIRE(block.lines <= max_lines);
    if (block.lines > 1) CHECK(block.text.size() <= max_bytes);
    SplitBlock(block, (*reader)->issues().size(), &r);
  }
  r.issues = (*reader)->issues();
  return r;
}

void CheckSame(const Read& a, const Read& b) {
  REQUIRE(a.lines.size() == b.lines.size());
  for (size_t i = 0; i < a.lines.size(); ++i) {
    INFO("line " << i);
    REQUIRE(a.lines[i] == b.lines[i]);
    REQUIRE(a.numbers[i] == b.numbers[i]);
    REQUIRE(a.offsets[i] == b.offsets[i]);
    if (b.issues_after[i] != kNotCompared) REQUIRE(a.issues_after[i] == b.issues_after[i]);
  }
  REQUIRE(a.issues.size() == b.issues.size());
  for (size_t i = 0; i < a.issues.size(); ++i) {
    INFO("issue " << i);
    CHECK(a.issues[i].kind == b.issues[i].kind);
    CHECK(a.issues[i].offset == b.issues[i].offset);
    CHECK(a.issues[i].line == b.issues[i].line);
    CHECK(a.issues[i].what == b.issues[i].what);
  }
}

// Lines of random length (some far over the limits used), CRLF and lone CR, blank lines, bytes
// that are not UTF-8, and with or without a final "\n".
std::string RandomText(std::mt19937_64& rng, size_t lines) {
  std::string text;
  for (size_t i = 0; i < lines; ++i) {
    size_t len = rng() % 50 == 0 ? rng() % 20000 : rng() % 300;
    for (size_t k = 0; k < len; ++k) {
      uint64_t x = rng() % 1000;
      text.push_back(x == 0 ? '\r' : x == 1 ? '\xC3' : x == 2 ? '\xFF' : static_cast<char>('a' + x % 26));
    }
    if (rng() % 10 == 0) text.push_back('\r');
    text.push_back('\n');
  }
  if (rng() % 2 == 0) {
    text += "last line";
    if (rng() % 2 == 0) text.push_back('\r');
  }
  return text;
}

TEST_CASE("NextBlock splits into exactly the lines, numbers, offsets and issues of Next",
          "[line_reader][line_block]") {
  std::mt19937_64 rng(5);
  TempDir dir;
  for (int round = 0; round < 60; ++round) {
    std::string text = RandomText(rng, 200 + rng() % 8000);
    std::string file;
    switch (round % 5) {
      case 0:
        file = text;
        break;
      case 1: {  // zstd frames cut mid-line
        size_t cut = rng() % (text.size() + 1);
        file = ZstdFrame(text.substr(0, cut)) + ZstdFrame(text.substr(cut));
        break;
      }
      case 2: {  // the second frame truncated
        size_t cut = rng() % (text.size() + 1);
        std::string second = ZstdFrame(text.substr(cut), 1);
        file = ZstdFrame(text.substr(0, cut)) + second.substr(0, second.size() / 2);
        break;
      }
      case 3: {  // a damaged zstd frame between two good ones
        size_t a = rng() % (text.size() + 1);
        size_t b = a + rng() % (text.size() - a + 1);
        std::string mid = ZstdFrame(text.substr(a, b - a));
        mid[mid.size() / 2] = static_cast<char>(mid[mid.size() / 2] ^ 0x21);
        file = ZstdFrame(text.substr(0, a)) + mid + ZstdFrame(text.substr(b));
        break;
      }
      default: {  // gzip then plain
        size_t cut = rng() % (text.size() + 1);
        file = GzipMember(text.substr(0, cut)) + text.substr(cut);
        break;
      }
    }
    std::string path = dir.Write("r" + std::to_string(round) + ".log", file);
    LineReaderOptions options;
    switch (rng() % 4) {
      case 0: options.max_line_bytes = 1 + rng() % 64; break;
      case 1: options.max_line_bytes = 100 + rng() % 5000; break;
      case 2: options.max_line_bytes = 4u << 20; break;
      default: break;
    }
    options.check_utf8 = rng() % 2 == 0;
    options.decode_in_background = rng() % 2 == 0;
    if (rng() % 2 == 0) options.background_chunk_bytes = 64 + rng() % 4096;
    INFO("round " << round << " max_line_bytes " << options.max_line_bytes << " utf8 "
                  << options.check_utf8 << " chunk " << options.background_chunk_bytes);
    Read want = ByLine(path, options);
    CheckSame(want, ByBlock(path, options, rng, /*mix=*/false));
    CheckSame(want, ByBlock(path, options, rng, /*mix=*/true));
  }
}

TEST_CASE("a block whose owner is kept stays valid and unchanged after later reads",
          "[line_reader][line_block]") {
  std::mt19937_64 rng(11);
  TempDir dir;
  for (int round = 0; round < 12; ++round) {
    std::string text = RandomText(rng, 2000 + rng() % 20000);
    std::string path = dir.Write("held" + std::to_string(round) + ".log",
                                 round % 2 == 0 ? text : ZstdFrame(text));
    LineReaderOptions options;
    options.max_line_bytes = round % 3 == 0 ? 100 + rng() % 5000 : 4u << 20;
    options.decode_in_background = round % 4 < 2;
    // Small chunks: many blocks point into chunks the reader took from the decoding thread,
    // whose buffers go back to its pool once no block holds them.
    if (round % 2 == 0) options.background_chunk_bytes = 64 + rng() % 8192;
    INFO("round " << round << " chunk " << options.background_chunk_bytes);
    Read want = ByLine(path, options);

    auto reader = LineReader::Open(path, options);
    REQUIRE(reader.has_value());
    std::vector<std::pair<LineBlock, std::string>> held;  // blocks (owner included) and copies
    LineBlock block;
    while ((*reader)->NextBlock(&block, 1 + rng() % (64u << 10), 1 + rng() % 500)) {
      // Some blocks are let go at once, so that their buffers can be reused.
      if (rng() % 3 != 0) held.emplace_back(block, std::string(block.text));
    }
    Read got;
    for (const auto& [b, copy] : held) {
      REQUIRE(b.text == copy);  // the bytes behind the view did not change
      SplitBlock(b, kNotCompared, &got);
    }
    // The lines of the held blocks are those of Next(), in order.
    size_t j = 0;
    for (size_t i = 0; i < got.lines.size(); ++i) {
      while (j < want.numbers.size() && want.numbers[j] != got.numbers[i]) ++j;
      REQUIRE(j < want.numbers.size());
      CHECK(want.lines[j] == got.lines[i]);
      CHECK(want.offsets[j] == got.offsets[i]);
    }
  }
}

// The lines (with numbers and offsets) and issues of splitting `text` the way Next() does,
// with no line too long.
Read Expected(const std::string& text) {
  Read r;
  size_t pos = 0;
  uint64_t number = 1;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    size_t len = end - pos;
    if (nl != std::string::npos && len > 0 && text[end - 1] == '\r') --len;
    Add(&r, std::string_view(text).substr(pos, len), number++, pos, kNotCompared);
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return r;
}

TEST_CASE("lines read from the decoding thread's chunks are those of the text, for any chunk size",
          "[line_reader][line_block]") {
  // The reader takes each chunk whole and puts the partial line before it (when it fits in the
  // room the chunk leaves), or copies the chunk behind a longer one: lines spanning one or many
  // chunk boundaries, frame ends inside chunks, a truncated last frame.
  std::mt19937_64 rng(23);
  TempDir dir;
  for (int round = 0; round < 40; ++round) {
    std::string text = RandomText(rng, 100 + rng() % 1000);
    std::string file;
    size_t cut = rng() % (text.size() + 1);
    bool truncated = round % 4 == 3;
    switch (round % 4) {
      case 0: file = text; break;
      case 1: file = ZstdFrame(text.substr(0, cut)) + ZstdFrame(text.substr(cut)); break;
      case 2: file = GzipMember(text.substr(0, cut)) + ZstdFrame(text.substr(cut)); break;
      default: {
        std::string second = ZstdFrame(text.substr(cut), 1);
        file = ZstdFrame(text.substr(0, cut)) + second.substr(0, second.size() / 2);
        break;
      }
    }
    std::string path = dir.Write("c" + std::to_string(round) + ".log", file);
    LineReaderOptions inline_options;
    Read want = truncated ? ByLine(path, inline_options) : Expected(text);
    if (!truncated) REQUIRE(ByLine(path, inline_options).lines == want.lines);
    // 0: the default, whose buffers are mapped as 2 MiB huge pages, as are those of 3 MiB.
    for (size_t chunk : {size_t{32}, 64 + rng() % 512, 512 + rng() % 8192, size_t{1} << 20,
                         size_t{0}, size_t{3} << 20}) {
      LineReaderOptions options;
      options.decode_in_background = true;
      options.background_chunk_bytes = chunk;
      INFO("round " << round << " chunk " << chunk);
      Read got = ByLine(path, options);
      REQUIRE(got.lines.size() == want.lines.size());
      for (size_t i = 0; i < got.lines.size(); ++i) {
        INFO("line " << i);
        REQUIRE(got.lines[i] == want.lines[i]);
        REQUIRE(got.numbers[i] == want.numbers[i]);
        REQUIRE(got.offsets[i] == want.offsets[i]);
      }
      Read inline_read = ByLine(path, inline_options);
      REQUIRE(got.issues.size() == inline_read.issues.size());
      for (size_t i = 0; i < got.issues.size(); ++i) {
        CHECK(got.issues[i].kind == inline_read.issues[i].kind);
        CHECK(got.issues[i].offset == inline_read.issues[i].offset);
        CHECK(got.issues[i].what == inline_read.issues[i].what);
      }
      if (truncated) REQUIRE_FALSE(got.issues.empty());
      // The same lines by blocks, all kept until the end: none of the chunk buffers they point
      // into may be reused while held.
      auto reader = LineReader::Open(path, options);
      REQUIRE(reader.has_value());
      std::vector<std::pair<LineBlock, std::string>> held;
      LineBlock block;
      while ((*reader)->NextBlock(&block, 1 + rng() % 4096, 1 + rng() % 100)) {
        held.emplace_back(block, std::string(block.text));
      }
      Read blocks;
      for (const auto& [b, copy] : held) {
        REQUIRE(b.text == copy);
        SplitBlock(b, kNotCompared, &blocks);
      }
      REQUIRE(blocks.lines == want.lines);
      REQUIRE(blocks.offsets == want.offsets);
    }
  }
}

TEST_CASE("the decoding thread does the idle work it is given while it is ahead, and the lines stay",
          "[line_reader][line_block]") {
  // Small chunks and a slow reader: the decoding thread is soon as far ahead as it may go, and
  // then calls the idle work instead of sleeping, from its own thread.
  std::mt19937_64 rng(31);
  TempDir dir;
  std::string text = RandomText(rng, 3000);
  std::string path = dir.Write("idle.log.zst", ZstdFrame(text.substr(0, text.size() / 2)) +
                                                   ZstdFrame(text.substr(text.size() / 2)));
  std::atomic<uint64_t> calls{0}, worked{0};
  std::atomic<bool> on_reader_thread{false};
  const std::thread::id reader_thread = std::this_thread::get_id();
  LineReaderOptions options;
  options.decode_in_background = true;
  options.background_chunk_bytes = 256;
  options.background_idle_work = [&] {
    if (std::this_thread::get_id() == reader_thread) on_reader_thread = true;
    // Every other call has work to do, as a parse pool would now and then.
    return ++calls % 2 == 0 && ++worked != 0;
  };
  auto reader = LineReader::Open(path, options);
  REQUIRE(reader.has_value());
  Read got;
  Line line;
  while ((*reader)->Next(&line)) {
    got.lines.emplace_back(line.text);
    if (got.lines.size() % 500 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(got.lines == Expected(text).lines);
  CHECK((*reader)->issues().empty());
  CHECK(calls > 2);
  CHECK(worked > 0);
  CHECK_FALSE(on_reader_thread);
}

TEST_CASE("NextBlock edge cases: CRLF, last line without newline, over-long lines", "[line_reader][line_block]") {
  TempDir dir;
  LineReaderOptions options;
  options.max_line_bytes = 10;
  std::string path = dir.Write("edge.log", "one\r\n0123456789ABC\r\n\r\n0123456789\ntail\r");
  auto reader = LineReader::Open(path, options);
  REQUIRE(reader.has_value());
  LineBlock block;
  REQUIRE((*reader)->NextBlock(&block, 1 << 20, 100));
  CHECK(block.text == "one\r\n");  // stops before the over-long line
  CHECK(block.first_number == 1);
  CHECK(block.offset == 0);
  CHECK(block.lines == 1);
  REQUIRE((*reader)->NextBlock(&block, 1 << 20, 100));
  CHECK(block.text == "\r\n0123456789\n");
  CHECK(block.first_number == 3);
  CHECK(block.offset == 20);
  CHECK(block.lines == 2);
  REQUIRE((*reader)->NextBlock(&block, 1 << 20, 100));
  CHECK(block.text == "tail\r");  // the unterminated last line keeps its "\r"
  CHECK(block.first_number == 5);
  CHECK(block.offset == 33);
  CHECK(block.lines == 1);
  REQUIRE((*reader)->issues().size() == 1);
  CHECK((*reader)->issues()[0].kind == ReadIssue::Kind::kLineTooLong);
  CHECK((*reader)->issues()[0].line == 2);
  CHECK((*reader)->issues()[0].offset == 5);
  CHECK_FALSE((*reader)->NextBlock(&block, 1 << 20, 100));
}

TEST_CASE("NextBlock keeps to max_bytes and max_lines and hands a longer line alone",
          "[line_reader][line_block]") {
  TempDir dir;
  std::string path = dir.Write("limits.log", "a\nbb\nccc\n" + std::string(50, 'x') + "\nd\n");
  auto reader = LineReader::Open(path);
  REQUIRE(reader.has_value());
  LineBlock block;
  REQUIRE((*reader)->NextBlock(&block, 100, 2));
  CHECK(block.text == "a\nbb\n");
  REQUIRE((*reader)->NextBlock(&block, 8, 100));
  CHECK(block.text == "ccc\n");
  CHECK(block.first_number == 3);
  REQUIRE((*reader)->NextBlock(&block, 8, 100));
  CHECK(block.text == std::string(50, 'x') + "\n");
  CHECK(block.lines == 1);
  REQUIRE((*reader)->NextBlock(&block, 8, 100));
  CHECK(block.text == "d\n");
  CHECK(block.offset == 60);
  CHECK_FALSE((*reader)->NextBlock(&block, 8, 100));
}

}  // namespace
}  // namespace forensics
