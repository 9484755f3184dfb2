// Test fixtures for the line reader and log readers: a temporary directory, and zstd / gzip
// members built with the libraries at run time (no binary fixtures in the repository).
#ifndef FORENSICS_TESTS_IO_FIXTURES_H_
#define FORENSICS_TESTS_IO_FIXTURES_H_

#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace forensics::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "forensics-test-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(std::string_view name) const { return (path_ / name).string(); }

  // Writes `bytes` to `name` in this directory and returns the full path.
  std::string Write(std::string_view name, std::string_view bytes) const {
    std::string p = File(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + p);
    return p;
  }

 private:
  std::filesystem::path path_;
};

// One zstd frame holding `text`, with a content checksum (as the zstd CLI writes by default).
inline std::string ZstdFrame(std::string_view text, int level = 3) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(text.size()), '\0');
  size_t n = ZSTD_compress2(cctx, out.data(), out.size(), text.data(), text.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

// A zstd skippable frame with `payload_size` bytes of payload.
inline std::string ZstdSkippableFrame(size_t payload_size) {
  std::string out = {'\x50', '\x2A', '\x4D', '\x18'};
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((payload_size >> (8 * i)) & 0xFF));
  out.append(payload_size, 'S');
  return out;
}

// One gzip member holding `text`.
inline std::string GzipMember(std::string_view text, int level = 6) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(text.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int r = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (r != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(zs.total_out);
  return out;
}

// `s` as a JSON string literal, as a test writes one into an export or a log line: quotes, backslashes
// and C0 controls escaped, every other byte as it is (invalid UTF-8 included).
inline std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The whole content of a file ("" when it cannot be read).
inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string s;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) s.append(buf, static_cast<size_t>(in.gcount()));
  return s;
}

// `count` numbered lines "<prefix> line <i> ...", each ending in "\n".
inline std::string NumberedLines(int first, int count, std::string_view prefix = "log") {
  std::string s;
  for (int i = first; i < first + count; ++i) {
    s += std::string(prefix) + " line " + std::to_string(i) + " payload-" +
         std::to_string(i * 7919 % 100003) + "\n";
  }
  return s;
}

}  // namespace forensics::testing

#endif  // FORENSICS_TESTS_IO_FIXTURES_H_
