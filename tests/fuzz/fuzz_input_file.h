// For the fuzz targets that read files: writes each input to one temporary file per process, in
// memory (tmpfs) when there is one, and returns its path; and a hash of the input.
#ifndef FORENSICS_TESTS_FUZZ_FUZZ_INPUT_FILE_H_
#define FORENSICS_TESTS_FUZZ_FUZZ_INPUT_FILE_H_

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace forensics::fuzz {

inline const std::string& WriteInputFile(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    std::string templ = std::string(access("/dev/shm", W_OK) == 0 ? "/dev/shm/" : "/tmp/") + "forensics-fuzz-XXXXXX";
    int fd = mkstemp(templ.data());
    if (fd < 0) std::abort();
    close(fd);
    return templ;
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

// FNV-1a of the input: picks, the same way on every run, the inputs that take a target's slow checks.
inline uint32_t Hash(const uint8_t* data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 16777619u;
  return h;
}

}  // namespace forensics::fuzz

#endif  // FORENSICS_TESTS_FUZZ_FUZZ_INPUT_FILE_H_
