// LineReader: containers (plain, zstd, gzip, concatenations), damage (truncation, bit flips),
// line edge cases (empty, NUL, CRLF, no final newline, over-long lines) and bounded memory.
#include "forensics/line_reader.h"

#include <catch2/catch.hpp>
#include <zstd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "util/io_fixtures.h"

namespace forensics {
namespace {

using testing::GzipMember;
using testing::NumberedLines;
using testing::TempDir;
using testing::ZstdFrame;
using testing::ZstdSkippableFrame;

struct ReadAll {
  std::vector<std::string> lines;
  std::vector<uint64_t> numbers;
  std::vector<uint64_t> offsets;
  std::vector<ReadIssue> issues;
};

// Every line of `path`; with `release`, each is released (ReleaseLine) once taken.
ReadAll ReadFile(const std::string& path, LineReaderOptions options = {}, bool release = false) {
  auto reader = LineReader::Open(path, options);
  REQUIRE(reader.has_value());
  ReadAll all;
  Line line;
  while ((*reader)->Next(&line)) {
    all.lines.emplace_back(line.text);
    all.numbers.push_back(line.number);
    all.offsets.push_back(line.offset);
    if (release) (*reader)->ReleaseLine();
  }
  all.issues = (*reader)->issues();
  return all;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// Peak resident memory of this process, in bytes (Linux).
uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      uint64_t kb = 0;
      status >> kb;
      return kb * 1024;
    }
    std::string rest;
    std::getline(status, rest);
  }
  return 0;
}

TEST_CASE("plain file yields every line with 1-based numbers and byte offsets", "[line_reader]") {
  TempDir dir;
  std::string path = dir.Write("plain.log", "alpha\nbeta\n\ngamma\n");
  ReadAll all = ReadFile(path);
  CHECK(all.lines == std::vector<std::string>{"alpha", "beta", "", "gamma"});
  CHECK(all.numbers == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(all.offsets == std::vector<uint64_t>{0, 6, 11, 12});
  CHECK(all.issues.empty());
}

TEST_CASE("file size and bytes read are reported for progress", "[line_reader]") {
  TempDir dir;
  std::string text = NumberedLines(0, 1000);
  std::string path = dir.Write("p.zst", ZstdFrame(text));
  auto reader = LineReader::Open(path);
  REQUIRE(reader.has_value());
  Line line;
  while ((*reader)->Next(&line)) {
  }
  CHECK((*reader)->file_size() == ZstdFrame(text).size());
  CHECK((*reader)->file_bytes_read() == (*reader)->file_size());
  CHECK((*reader)->path() == path);
}

TEST_CASE("zstd single frame decodes to the original lines", "[line_reader]") {
  TempDir dir;
  std::string text = NumberedLines(0, 5000);
  ReadAll all = ReadFile(dir.Write("one.log.zst", ZstdFrame(text)));
  CHECK(all.lines == SplitLines(text));
  CHECK(all.issues.empty());
}

TEST_CASE("zstd multi-frame with a skippable frame joins a line split across frames",
          "[line_reader]") {
  TempDir dir;
  std::string text = NumberedLines(0, 3000);
  size_t cut1 = text.size() / 3 + 5;  // mid-line on purpose
  size_t cut2 = 2 * text.size() / 3 + 3;
  std::string file = ZstdFrame(text.substr(0, cut1)) + ZstdSkippableFrame(100) +
                     ZstdFrame(text.substr(cut1, cut2 - cut1)) + ZstdFrame(text.substr(cut2));
  ReadAll all = ReadFile(dir.Write("multi.zst", file));
  CHECK(all.lines == SplitLines(text));
  CHECK(all.issues.empty());
  // Offsets are in the decoded stream.
  CHECK(all.offsets.back() == text.size() - SplitLines(text).back().size() - 1);
}

TEST_CASE("gzip multi-member decodes every member", "[line_reader]") {
  TempDir dir;
  std::string a = NumberedLines(0, 2000, "first");
  std::string b = NumberedLines(0, 10, "second");
  std::string c = NumberedLines(0, 2000, "third");
  ReadAll all = ReadFile(dir.Write("multi.gz", GzipMember(a) + GzipMember(b) + GzipMember(c)));
  CHECK(all.lines == SplitLines(a + b + c));
  CHECK(all.issues.empty());
}

TEST_CASE("mixed concatenation of zstd, gzip and plain members reads as one stream",
          "[line_reader]") {
  TempDir dir;
  std::string a = NumberedLines(0, 500, "zstd");
  std::string b = NumberedLines(0, 500, "gzip");
  std::string c = NumberedLines(0, 500, "plain");
  std::string d = NumberedLines(0, 500, "zstd-again");
  std::string e = NumberedLines(0, 5, "plain-tail");
  std::string file = ZstdFrame(a) + GzipMember(b) + c + ZstdFrame(d) + e;
  std::string path = dir.Write("mixed.log", file);
  ReadAll all = ReadFile(path);
  CHECK(all.lines == SplitLines(a + b + c + d + e));
  CHECK(all.issues.empty());

  SECTION("decoding in the background gives the same lines, offsets and issues") {
    LineReaderOptions options;
    options.decode_in_background = true;
    ReadAll bg = ReadFile(path, options);
    CHECK(bg.lines == all.lines);
    CHECK(bg.offsets == all.offsets);
    CHECK(bg.issues.size() == all.issues.size());
  }
}

TEST_CASE("plain text followed by a zstd frame switches container at the magic",
          "[line_reader]") {
  TempDir dir;
  std::string a = "plain one\nplain two\n";
  std::string b = NumberedLines(0, 100, "compressed");
  ReadAll all = ReadFile(dir.Write("plain-then-zstd.log", a + ZstdFrame(b)));
  CHECK(all.lines == SplitLines(a + b));
  CHECK(all.issues.empty());
}

TEST_CASE("truncated last zstd frame is reported at its first byte and earlier lines are kept",
          "[line_reader]") {
  TempDir dir;
  std::string a = NumberedLines(0, 1000, "complete");
  std::string b = NumberedLines(0, 40000, "cut");  // > 1 MB: several zstd blocks
  std::string fa = ZstdFrame(a);
  std::string fb = ZstdFrame(b, 1);
  std::string file = fa + fb.substr(0, fb.size() / 2);
  LineReaderOptions options;
  options.decode_in_background = GENERATE(false, true);
  ReadAll all = ReadFile(dir.Write("cut.log.zst", file), options);

  REQUIRE(all.issues.size() == 1);
  CHECK(all.issues[0].kind == ReadIssue::Kind::kTruncatedFrame);
  CHECK(all.issues[0].offset == fa.size());
  CHECK(all.issues[0].line == 0);

  std::vector<std::string> want = SplitLines(a + b);
  REQUIRE(all.lines.size() > SplitLines(a).size());  // part of the cut frame was decoded
  REQUIRE(all.lines.size() < want.size());
  for (size_t i = 0; i + 1 < all.lines.size(); ++i) CHECK(all.lines[i] == want[i]);
  // The last delivered line may be partial, but it is a prefix of the real one.
  const std::string& last = all.lines.back();
  CHECK(want[all.lines.size() - 1].compare(0, last.size(), last) == 0);
}

TEST_CASE("truncated last gzip member is reported at its first byte and earlier lines are kept",
          "[line_reader]") {
  TempDir dir;
  std::string a = NumberedLines(0, 1000, "complete");
  std::string b = NumberedLines(0, 40000, "cut");
  std::string ga = GzipMember(a);
  std::string gb = GzipMember(b);
  ReadAll all = ReadFile(dir.Write("cut.log.gz", ga + gb.substr(0, gb.size() / 2)));

  REQUIRE(all.issues.size() == 1);
  CHECK(all.issues[0].kind == ReadIssue::Kind::kTruncatedFrame);
  CHECK(all.issues[0].offset == ga.size());
  std::vector<std::string> want = SplitLines(a + b);
  REQUIRE(all.lines.size() > SplitLines(a).size());
  REQUIRE(all.lines.size() < want.size());
  for (size_t i = 0; i + 1 < all.lines.size(); ++i) CHECK(all.lines[i] == want[i]);
}

TEST_CASE("a file cut inside the first frame header reports truncation at offset 0",
          "[line_reader]") {
  TempDir dir;
  std::string f = ZstdFrame("hello\n");
  ReadAll all = ReadFile(dir.Write("stub.zst", f.substr(0, 6)));
  CHECK(all.lines.empty());
  REQUIRE(all.issues.size() == 1);
  CHECK(all.issues[0].kind == ReadIssue::Kind::kTruncatedFrame);
  CHECK(all.issues[0].offset == 0);
}

TEST_CASE("bit flip inside a zstd frame is a corrupt frame, reading resumes at the next frame",
          "[line_reader]") {
  TempDir dir;
  std::string a = NumberedLines(0, 1000, "before");
  std::string b = NumberedLines(0, 1000, "damaged");
  std::string c = NumberedLines(0, 1000, "after");
  std::string fa = ZstdFrame(a);
  std::string fb = ZstdFrame(b);
  std::string fc = ZstdFrame(c);
  uint64_t flip_at = GENERATE(0, 1, 3, 10);  // magic, header, and data bytes
  size_t pos = flip_at < 10 ? flip_at : fb.size() / 2;
  fb[pos] = static_cast<char>(fb[pos] ^ 0x10);
  ReadAll all = ReadFile(dir.Write("flip.zst", fa + fb + fc));

  REQUIRE_FALSE(all.issues.empty());
  CHECK(all.issues[0].kind == ReadIssue::Kind::kCorruptFrame);
  CHECK(all.issues[0].offset == fa.size());
  std::vector<std::string> want_a = SplitLines(a);
  std::vector<std::string> want_c = SplitLines(c);
  REQUIRE(all.lines.size() >= want_a.size() + want_c.size());
  CHECK(std::vector<std::string>(all.lines.begin(), all.lines.begin() + want_a.size()) == want_a);
  CHECK(std::vector<std::string>(all.lines.end() - want_c.size(), all.lines.end()) == want_c);
}

TEST_CASE("bit flip inside a gzip member is a corrupt frame, reading resumes at the next member",
          "[line_reader]") {
  TempDir dir;
  std::string a = NumberedLines(0, 1000, "before");
  std::string b = NumberedLines(0, 1000, "damaged");
  std::string c = NumberedLines(0, 1000, "after");
  std::string ga = GzipMember(a);
  std::string gb = GzipMember(b);
  std::string gc = GzipMember(c);
  size_t pos = GENERATE(as<size_t>{}, 1, 20);
  if (pos == 20) pos = gb.size() / 2;
  gb[pos] = static_cast<char>(gb[pos] ^ 0x04);
  LineReaderOptions options;
  options.decode_in_background = GENERATE(false, true);
  ReadAll all = ReadFile(dir.Write("flip.gz", ga + gb + gc), options);

  REQUIRE_FALSE(all.issues.empty());
  CHECK(all.issues[0].kind == ReadIssue::Kind::kCorruptFrame);
  CHECK(all.issues[0].offset == ga.size());
  std::vector<std::string> want_a = SplitLines(a);
  std::vector<std::string> want_c = SplitLines(c);
  REQUIRE(all.lines.size() >= want_a.size() + want_c.size());
  CHECK(std::vector<std::string>(all.lines.begin(), all.lines.begin() + want_a.size()) == want_a);
  CHECK(std::vector<std::string>(all.lines.end() - want_c.size(), all.lines.end()) == want_c);
}

TEST_CASE("corrupt last zstd frame with no later magic stops cleanly", "[line_reader]") {
  TempDir dir;
  std::string a = NumberedLines(0, 100, "before");
  std::string fa = ZstdFrame(a);
  std::string fb = ZstdFrame(NumberedLines(0, 100, "damaged"));
  for (size_t i = fb.size() / 3; i < 2 * fb.size() / 3; i += 7) fb[i] = static_cast<char>(fb[i] ^ 0x5A);
  ReadAll all = ReadFile(dir.Write("bad-tail.zst", fa + fb));
  REQUIRE_FALSE(all.issues.empty());
  CHECK(all.issues[0].kind == ReadIssue::Kind::kCorruptFrame);
  CHECK(all.issues[0].offset == fa.size());
  std::vector<std::string> want_a = SplitLines(a);
  REQUIRE(all.lines.size() >= want_a.size());
  CHECK(std::vector<std::string>(all.lines.begin(), all.lines.begin() + want_a.size()) == want_a);
}

TEST_CASE("trailing zero padding after a compressed member is ignored", "[line_reader]") {
  TempDir dir;
  std::string a = "one\ntwo\n";
  ReadAll all = ReadFile(dir.Write("padded.gz", GzipMember(a) + std::string(512, '\0')));
  CHECK(all.lines == SplitLines(a));
  CHECK(all.issues.empty());
}

TEST_CASE("empty file yields no lines and no issues", "[line_reader]") {
  TempDir dir;
  ReadAll all = ReadFile(dir.Write("empty.log", ""));
  CHECK(all.lines.empty());
  CHECK(all.issues.empty());
  ReadAll zst = ReadFile(dir.Write("empty.zst", ZstdFrame("")));
  CHECK(zst.lines.empty());
  CHECK(zst.issues.empty());
}

TEST_CASE("NUL bytes inside a plain line are kept", "[line_reader]") {
  TempDir dir;
  std::string text("a\0b\n\0\0\nc\n", 9);
  ReadAll all = ReadFile(dir.Write("nul.log", text));
  REQUIRE(all.lines.size() == 3);
  CHECK(all.lines[0] == std::string("a\0b", 3));
  CHECK(all.lines[1] == std::string("\0\0", 2));
  CHECK(all.lines[2] == "c");
  CHECK(all.issues.empty());
}

TEST_CASE("last line without a trailing newline is delivered", "[line_reader]") {
  TempDir dir;
  ReadAll all = ReadFile(dir.Write("nonl.log", "one\ntwo"));
  CHECK(all.lines == std::vector<std::string>{"one", "two"});
  CHECK(all.offsets == std::vector<uint64_t>{0, 4});
  ReadAll zst = ReadFile(dir.Write("nonl.zst", ZstdFrame("one\ntwo")));
  CHECK(zst.lines == std::vector<std::string>{"one", "two"});
}

TEST_CASE("CRLF line ends are stripped, a lone CR is kept", "[line_reader]") {
  TempDir dir;
  ReadAll all = ReadFile(dir.Write("crlf.log", "one\r\ntwo\r\nthr\ree\r\n\r\n"));
  CHECK(all.lines == std::vector<std::string>{"one", "two", "thr\ree", ""});
  CHECK(all.offsets == std::vector<uint64_t>{0, 5, 10, 18});
}

TEST_CASE("lines spanning the reader's buffer boundaries are joined", "[line_reader]") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 40000; ++i) {
    text += std::to_string(i) + std::string(static_cast<size_t>(i % 251), 'x') + "\n";
  }
  ReadAll all = ReadFile(dir.Write("many.log", text));
  CHECK(all.lines == SplitLines(text));
  ReadAll zst = ReadFile(dir.Write("many.zst", ZstdFrame(text)));
  CHECK(zst.lines == SplitLines(text));
}

// ReleaseLine() after every line, on a reader whose buffer long lines grow: the lines after each
// long one are either fewer than half a buffer (the buffer is replaced) or many buffers' worth
// (they move to the front and the buffer is cut to them). Every line, number and offset is still
// the plain reading's.
TEST_CASE("ReleaseLine after a long line keeps every line read past it", "[line_reader]") {
  TempDir dir;
  std::string text;
  for (int round = 0; round < 6; ++round) {
    text += std::string(20000 + static_cast<size_t>(round), static_cast<char>('a' + round)) + "\n";
    const int short_lines = round % 2 == 0 ? 3 : 3000;
    for (int i = 0; i < short_lines; ++i) text += std::to_string(round * 10000 + i) + "\n";
  }
  for (const std::string& path : {dir.Write("long.log", text), dir.Write("long.zst", ZstdFrame(text))}) {
    for (bool background : {false, true}) {
      INFO(path << (background ? " decoded in the background" : ""));
      LineReaderOptions options;
      options.buffer_bytes = 1024;
      options.decode_in_background = background;
      const ReadAll plain = ReadFile(path, options);
      const ReadAll released = ReadFile(path, options, /*release=*/true);
      CHECK(released.issues.empty());
      CHECK(released.lines == SplitLines(text));
      CHECK(released.numbers == plain.numbers);
      CHECK(released.offsets == plain.offsets);
    }
  }
}

TEST_CASE("a line of exactly max_line_bytes is kept and one byte more is skipped",
          "[line_reader]") {
  TempDir dir;
  LineReaderOptions options;
  options.max_line_bytes = 10;
  std::string text = "0123456789\n0123456789A\nok\n";
  ReadAll all = ReadFile(dir.Write("limit.log", text), options);
  CHECK(all.lines == std::vector<std::string>{"0123456789", "ok"});
  CHECK(all.numbers == std::vector<uint64_t>{1, 3});
  REQUIRE(all.issues.size() == 1);
  CHECK(all.issues[0].kind == ReadIssue::Kind::kLineTooLong);
  CHECK(all.issues[0].line == 2);
  CHECK(all.issues[0].offset == 11);
}

// Writes "before\n" + `long_bytes` of 'x' (+ "\n" unless unterminated) + "after\n" in pieces.
std::string WriteLongLineFile(const TempDir& dir, const std::string& name, size_t long_bytes,
                              bool compress, bool terminated) {
  std::string path = dir.File(name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  ZSTD_CCtx* cctx = compress ? ZSTD_createCCtx() : nullptr;
  std::string outbuf(ZSTD_CStreamOutSize(), '\0');
  auto emit = [&](std::string_view piece, bool last) {
    if (!compress) {
      std::fwrite(piece.data(), 1, piece.size(), f);
      return;
    }
    ZSTD_inBuffer in{piece.data(), piece.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{outbuf.data(), outbuf.size(), 0};
      size_t rem = ZSTD_compressStream2(cctx, &out, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      REQUIRE_FALSE(ZSTD_isError(rem));
      std::fwrite(outbuf.data(), 1, out.pos, f);
      if (last ? rem == 0 : in.pos == in.size) break;
    }
  };
  emit("before\n", false);
  std::string block(1 << 20, 'x');
  for (size_t done = 0; done < long_bytes; done += block.size()) {
    emit(std::string_view(block).substr(0, std::min(block.size(), long_bytes - done)), false);
  }
  if (terminated) {
    emit("\nafter\n", true);
  } else {
    emit("", true);
  }
  ZSTD_freeCCtx(cctx);
  std::fclose(f);
  return path;
}

TEST_CASE("a 100 MB line is skipped with bounded memory and numbering continues",
          "[line_reader]") {
  TempDir dir;
  const size_t kLong = 100u << 20;
  bool compress = GENERATE(false, true);
  std::string path = WriteLongLineFile(dir, compress ? "long.zst" : "long.log", kLong, compress,
                                       /*terminated=*/true);
  LineReaderOptions options;
  options.max_line_bytes = 1u << 20;
  uint64_t peak_before = PeakRssBytes();
  ReadAll all = ReadFile(path, options);
  uint64_t peak_after = PeakRssBytes();

  CHECK(all.lines == std::vector<std::string>{"before", "after"});
  CHECK(all.numbers == std::vector<uint64_t>{1, 3});
  CHECK(all.offsets == std::vector<uint64_t>{0, 7 + kLong + 1});
  REQUIRE(all.issues.size() == 1);
  CHECK(all.issues[0].kind == ReadIssue::Kind::kLineTooLong);
  CHECK(all.issues[0].line == 2);
  CHECK(all.issues[0].offset == 7);
  CHECK(all.issues[0].what.find(std::to_string(kLong)) != std::string::npos);
  // Far below the line's size: buffers are a few MB at most.
  CHECK(peak_after - peak_before < (24u << 20));
}

TEST_CASE("an endless line at the end of the input is reported as unterminated",
          "[line_reader]") {
  TempDir dir;
  std::string path = WriteLongLineFile(dir, "endless.zst", 8u << 20, true, /*terminated=*/false);
  LineReaderOptions options;
  options.max_line_bytes = 64u << 10;
  ReadAll all = ReadFile(path, options);
  CHECK(all.lines == std::vector<std::string>{"before"});
  REQUIRE(all.issues.size() == 1);
  CHECK(all.issues[0].kind == ReadIssue::Kind::kLineTooLong);
  CHECK(all.issues[0].line == 2);
  CHECK(all.issues[0].what.find("unterminated") != std::string::npos);
}

TEST_CASE("invalid UTF-8 is reported when asked and the line is still delivered",
          "[line_reader]") {
  TempDir dir;
  std::string path = dir.Write("utf8.log", "ok \xE2\x9C\x93\nbad \xC3\x28\nover \xC0\xAF\nfine\n");
  LineReaderOptions options;
  options.check_utf8 = true;
  ReadAll all = ReadFile(path, options);
  CHECK(all.lines.size() == 4);
  REQUIRE(all.issues.size() == 2);
  CHECK(all.issues[0].kind == ReadIssue::Kind::kInvalidUtf8);
  CHECK(all.issues[0].line == 2);
  CHECK(all.issues[1].line == 3);
  CHECK(ReadFile(path).issues.empty());
}

TEST_CASE("nonexistent file is an IoError", "[line_reader]") {
  auto reader = LineReader::Open("/nonexistent/dir/forensics.log");
  REQUIRE_FALSE(reader.has_value());
  CHECK(reader.error().code() == Status::Code::kIoError);
  TempDir dir;
  auto dir_reader = LineReader::Open(dir.File(""));
  REQUIRE_FALSE(dir_reader.has_value());
  CHECK(dir_reader.error().code() == Status::Code::kIoError);
}

TEST_CASE("an over-long CRLF line has the same length whichever buffer or chunk the CR ends", "[line_reader]") {
  TempDir dir;
  // Lines of 5119 bytes and their CR: at every chunk size below, some CR is the last byte of a chunk.
  std::string text;
  for (int i = 0; i < 40; ++i) text += std::string(5119 + static_cast<size_t>(i), 'a') + "\r\n" + "short\n";
  const std::string path = dir.File("crlf.log");
  std::ofstream(path, std::ios::binary) << text;
  LineReaderOptions plain;
  plain.max_line_bytes = 4096;
  const ReadAll want = ReadFile(path, plain);
  REQUIRE(want.issues.size() == 40);
  for (size_t i = 0; i < want.issues.size(); ++i)
    CHECK_THAT(want.issues[i].what, Catch::StartsWith("line of " + std::to_string(5119 + i) + " bytes"));
  for (size_t chunk : {16, 32, 48, 4096, 5120}) {
    INFO("chunk " << chunk);
    LineReaderOptions threaded = plain;
    threaded.decode_in_background = true;
    threaded.background_chunk_bytes = chunk;
    const ReadAll got = ReadFile(path, threaded);
    CHECK(got.lines == want.lines);
    REQUIRE(got.issues.size() == want.issues.size());
    for (size_t i = 0; i < got.issues.size(); ++i) CHECK(got.issues[i].what == want.issues[i].what);
  }
}

TEST_CASE("a CRLF line of exactly max_line_bytes is read whichever buffer or chunk its CR ends", "[line_reader]") {
  TempDir dir;
  // Filler puts the first long line's CR at the last byte of the reader's first 1 MiB read; the lines
  // after it, of max_line_bytes and their CRLF, put some CR at the end of a chunk at every size below.
  const size_t max = 4096;
  std::string text;
  const size_t filler = (1u << 20) - 1 - max;
  while (text.size() + 100 <= filler) text += std::string(99, 'x') + "\n";
  text += std::string(filler - text.size() - 1, 'y') + "\n";
  REQUIRE(text.size() == filler);
  for (int i = 0; i < 40; ++i) text += std::string(max, 'a') + "\r\n" + std::string(static_cast<size_t>(i), 'b') + "\n";
  const std::string path = dir.File("exact.log");
  std::ofstream(path, std::ios::binary) << text;
  LineReaderOptions plain;
  plain.max_line_bytes = max;
  const ReadAll want = ReadFile(path, plain);
  CHECK(want.issues.empty());
  size_t long_lines = 0;
  for (const std::string& l : want.lines) long_lines += l.size() == max;
  CHECK(long_lines == 40);
  for (size_t chunk : {16, 48, 4097, 4098, 4099, 8195}) {
    INFO("chunk " << chunk);
    LineReaderOptions threaded = plain;
    threaded.decode_in_background = true;
    threaded.background_chunk_bytes = chunk;
    const ReadAll got = ReadFile(path, threaded);
    CHECK(got.issues.empty());
    CHECK(got.lines == want.lines);
  }
}

TEST_CASE("a small line buffer reads the same lines, offsets and issues as the default one", "[line_reader]") {
  TempDir dir;
  // Short lines, lines longer than the buffer, an over-long one, CRLF, no final newline; plain,
  // zstd, gzip and a truncated frame.
  std::string text;
  for (int i = 0; i < 300; ++i)
    text += std::to_string(i) + std::string(static_cast<size_t>(i * 7 % 700), 'x') + (i % 3 ? "\n" : "\r\n");
  text += std::string(5000, 'y') + "\nlast";
  const std::string zst = ZstdFrame(text);
  const std::string damaged = ZstdFrame(NumberedLines(1, 50)) + zst.substr(0, zst.size() / 2);
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"plain.log", text}, {"one.zst", zst}, {"one.gz", GzipMember(text)}, {"cut.zst", damaged}}) {
    const std::string path = dir.Write(name, bytes);
    LineReaderOptions big;
    big.max_line_bytes = 4096;
    const ReadAll want = ReadFile(path, big);
    for (size_t buffer : {1, 64, 100, 1000, 4096}) {
      INFO(name << ", buffer " << buffer);
      LineReaderOptions small = big;
      small.buffer_bytes = buffer;
      const ReadAll got = ReadFile(path, small);
      CHECK(got.lines == want.lines);
      CHECK(got.numbers == want.numbers);
      CHECK(got.offsets == want.offsets);
      REQUIRE(got.issues.size() == want.issues.size());
      for (size_t i = 0; i < got.issues.size(); ++i) {
        CHECK(got.issues[i].kind == want.issues[i].kind);
        CHECK(got.issues[i].offset == want.issues[i].offset);
        CHECK(got.issues[i].what == want.issues[i].what);
      }
    }
  }
}

}  // namespace
}  // namespace forensics
