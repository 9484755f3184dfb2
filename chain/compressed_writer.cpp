// Plain, zstd and gzip file writers.
#include "forensics/compressed_writer.h"

#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <vector>

#include <fmt/format.h>

namespace forensics {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class FileSink {
 public:
  explicit FileSink(std::string path) : path_(std::move(path)) {}
  ~FileSink() {
    if (f_) std::fclose(f_);
  }
  Status Open() {
    f_ = std::fopen(path_.c_str(), "wb");
    if (!f_) return Status::IoError(fmt::format("{}: cannot create", path_));
    return Status::Ok();
  }
  Status Put(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) return Status::IoError(fmt::format("{}: write failed", path_));
    return Status::Ok();
  }
  Status CloseFile() {
    int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return Status::IoError(fmt::format("{}: close failed", path_));
    return Status::Ok();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  FILE* f_ = nullptr;
};

class PlainWriter final : public CompressedWriter {
 public:
  explicit PlainWriter(std::string path) : sink_(std::move(path)) {}
  Status Init() { return sink_.Open(); }
  Status Write(std::string_view d) override { return sink_.Put(d.data(), d.size()); }
  Status Close() override { return sink_.CloseFile(); }

 private:
  FileSink sink_;
};

class ZstdWriter final : public CompressedWriter {
 public:
  ZstdWriter(std::string path, int level) : sink_(std::move(path)), level_(level) {}
  ~ZstdWriter() override { ZSTD_freeCCtx(ctx_); }
  Status Init() {
    ctx_ = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level_);
    out_.resize(ZSTD_CStreamOutSize());
    return sink_.Open();
  }
  Status Write(std::string_view d) override { return Pump(d, ZSTD_e_continue); }
  Status Close() override {
    FORENSICS_RETURN_IF_ERROR(Pump({}, ZSTD_e_end));
    return sink_.CloseFile();
  }

 private:
  Status Pump(std::string_view d, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{d.data(), d.size(), 0};
    while (true) {
      ZSTD_outBuffer o{out_.data(), out_.size(), 0};
      size_t rem = ZSTD_compressStream2(ctx_, &o, &in, mode);
      if (ZSTD_isError(rem)) return Status::IoError(fmt::format("{}: zstd: {}", sink_.path(), ZSTD_getErrorName(rem)));
      FORENSICS_RETURN_IF_ERROR(sink_.Put(out_.data(), o.pos));
      if (mode == ZSTD_e_end ? rem == 0 : in.pos == in.size) break;
    }
    return Status::Ok();
  }
  FileSink sink_;
  int level_;
  ZSTD_CCtx* ctx_ = nullptr;
  std::vector<char> out_;
};

class GzipWriter final : public CompressedWriter {
 public:
  GzipWriter(std::string path, int level) : sink_(std::move(path)), level_(level) {}
  ~GzipWriter() override {
    if (init_) deflateEnd(&z_);
  }
  Status Init() {
    if (deflateInit2(&z_, level_ > 9 ? 9 : level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return Status::IoError("zlib: deflateInit2 failed");
    init_ = true;
    out_.resize(1 << 16);
    return sink_.Open();
  }
  Status Write(std::string_view d) override { return Pump(d, Z_NO_FLUSH); }
  Status Close() override {
    FORENSICS_RETURN_IF_ERROR(Pump({}, Z_FINISH));
    return sink_.CloseFile();
  }

 private:
  Status Pump(std::string_view d, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(d.data()));
    z_.avail_in = static_cast<uInt>(d.size());
    while (true) {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      int rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return Status::IoError(fmt::format("{}: zlib deflate failed", sink_.path()));
      FORENSICS_RETURN_IF_ERROR(sink_.Put(out_.data(), out_.size() - z_.avail_out));
      if (flush == Z_FINISH ? rc == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out != 0)) break;
    }
    return Status::Ok();
  }
  FileSink sink_;
  int level_;
  z_stream z_{};
  bool init_ = false;
  std::vector<char> out_;
};

}  // namespace

Result<std::unique_ptr<CompressedWriter>> CompressedWriter::Create(const std::string& path, int level) {
  if (EndsWith(path, ".zst")) {
    auto w = std::make_unique<ZstdWriter>(path, level);
    FORENSICS_RETURN_IF_ERROR(w->Init());
    return std::unique_ptr<CompressedWriter>(std::move(w));
  }
  if (EndsWith(path, ".gz")) {
    auto w = std::make_unique<GzipWriter>(path, level < 1 ? 6 : level);
    FORENSICS_RETURN_IF_ERROR(w->Init());
    return std::unique_ptr<CompressedWriter>(std::move(w));
  }
  auto w = std::make_unique<PlainWriter>(path);
  FORENSICS_RETURN_IF_ERROR(w->Init());
  return std::unique_ptr<CompressedWriter>(std::move(w));
}

}  // namespace forensics
