// Digests of a content file: regular files are mapped read-only and hashed in place, so a file of
// several GiB costs address space, not memory; a FIFO is read once in chunk-sized pieces.
#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "forensics/cid.h"
#include "forensics/sha256.h"

namespace forensics::cid {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<ContentDigests> DigestContentFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IoError(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(fmt::format("{}: is a directory, not content", path));
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("{}: not a regular file", path));
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::IoError(fmt::format("{}: {}", path, std::strerror(errno)));

  ContentDigests d;
  CidV0Builder builder;
  if (S_ISREG(st.st_mode)) {
    d.size = static_cast<uint64_t>(st.st_size);
    if (d.size == 0) {
      d.sha256 = sha256::Hash(std::span<const uint8_t>{});
      d.unixfs = builder.Finish();
      return d;
    }
    void* map = ::mmap(nullptr, d.size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (map == MAP_FAILED) return Status::IoError(fmt::format("{}: mmap: {}", path, std::strerror(errno)));
    ::madvise(map, d.size, MADV_SEQUENTIAL);
    const std::span<const uint8_t> bytes{static_cast<const uint8_t*>(map), d.size};
    // The raw SHA-256 is one message over the whole mapping (the hash API is one-shot), after the DAG.
    builder.Update(bytes);
    d.unixfs = builder.Finish();
    d.sha256 = sha256::Hash(bytes);
    ::munmap(map, d.size);
    return d;
  }
  // A FIFO: one pass. The raw SHA-256 needs the whole message, so the bytes are kept for it.
  std::vector<uint8_t> all;
  for (;;) {
    std::span<uint8_t> space = builder.Space();
    const ssize_t n = ::read(fd.get(), space.data(), space.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    all.insert(all.end(), space.data(), space.data() + n);
    builder.Commit(static_cast<size_t>(n));
  }
  d.size = all.size();
  d.unixfs = builder.Finish();
  d.sha256 = sha256::Hash(all);
  return d;
}

}  // namespace forensics::cid
