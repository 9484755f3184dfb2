// CompressedWriter: writes a file as plain text, zstd or gzip, chosen by the file name's extension
// (.zst, .gz, anything else plain), streaming through libzstd / zlib.
#ifndef FORENSICS_COMPRESSED_WRITER_H_
#define FORENSICS_COMPRESSED_WRITER_H_

#include <memory>
#include <string>
#include <string_view>

#include "forensics/result.h"

namespace forensics {

class CompressedWriter {
 public:
  static Result<std::unique_ptr<CompressedWriter>> Create(const std::string& path, int level = 3);
  virtual ~CompressedWriter() = default;
  virtual Status Write(std::string_view data) = 0;
  // Flushes the compressor and closes the file. Must be called; the destructor does not report errors.
  virtual Status Close() = 0;
};

}  // namespace forensics

#endif  // FORENSICS_COMPRESSED_WRITER_H_
