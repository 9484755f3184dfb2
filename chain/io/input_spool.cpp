// Copies of the inputs that can be read only once, made on first use. See input_spool.h.
#include "forensics/input_spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include <fmt/format.h>

namespace forensics {
namespace {

constexpr size_t kCopyBytes = 1u << 20;

struct Spool {
  dev_t dev = 0;
  ino_t ino = 0;
  int fd = -1;        // keeps the copy alive once its name is gone
  std::string path;   // what readers open
  bool linked = false;  // the name is still in the directory: removed at exit
};

// Every copy made by this process; they live until it exits.
struct Spools {
  ~Spools() {
    for (const Spool& s : list) {
      if (s.linked) ::unlink(s.path.c_str());
      ::close(s.fd);
    }
  }
  std::mutex mu;
  std::vector<Spool> list;
};

Spools& Registry() {
  static Spools spools;
  return spools;
}

std::string NameOf(const std::string& path) {
  return path == kStandardInput ? std::string("standard input (-)") : path;
}

std::string TemporaryDirectory() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? std::string(dir) : std::string("/tmp");
}

// Makes the copy of `path` (standard input when `from_stdin`) and returns it, or an IoError
// naming the input and what failed. The temporary file is gone again on error.
Result<Spool> Copy(const std::string& path, bool from_stdin, const struct stat& st) {
  const std::string name = NameOf(path);
  const std::string dir = TemporaryDirectory();
  std::string file = dir + "/forensics-input-XXXXXX";
  Spool s;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.fd = ::mkostemp(file.data(), O_CLOEXEC);
  if (s.fd < 0) {
    return Status::IoError(fmt::format("{}: can be read only once, and no temporary file could be created in {} "
                                       "to keep it: {} (set TMPDIR to a writable directory)",
                                       name, dir, std::strerror(errno)));
  }
  // Unlinked at once where /proc reopens the open file; else removed at exit.
  const std::string proc = fmt::format("/proc/self/fd/{}", s.fd);
  if (int probe = ::open(proc.c_str(), O_RDONLY | O_CLOEXEC); probe >= 0) {
    ::close(probe);
    ::unlink(file.c_str());
    s.path = proc;
  } else {
    s.path = file;
    s.linked = true;
  }
  auto fail = [&](std::string why) -> Status {
    if (s.linked) ::unlink(s.path.c_str());
    ::close(s.fd);
    return Status::IoError(std::move(why));
  };

  int in = STDIN_FILENO;
  if (!from_stdin) {
    do {
      in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (in < 0 && errno == EINTR);
    if (in < 0) return fail(fmt::format("{}: {}", name, std::strerror(errno)));
  }
  auto close_in = [&] {
    if (!from_stdin) ::close(in);
  };
  std::unique_ptr<char[]> buf(new char[kCopyBytes]);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(in, buf.get(), kCopyBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close_in();
      return fail(fmt::format("{}: read error after {} bytes: {}", name, total, std::strerror(err)));
    }
    if (n == 0) break;
    for (size_t done = 0; done < static_cast<size_t>(n);) {
      ssize_t w = ::write(s.fd, buf.get() + done, static_cast<size_t>(n) - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        const int err = errno;
        close_in();
        return fail(fmt::format("{}: can be read only once, and keeping it in a temporary file in {} failed after "
                                "{} bytes: {} (set TMPDIR to a directory with room)",
                                name, dir, total + done, std::strerror(err)));
      }
      done += static_cast<size_t>(w);
    }
    total += static_cast<uint64_t>(n);
  }
  close_in();
  return s;
}

}  // namespace

Result<std::string> ReadablePath(const std::string& path) {
  const bool from_stdin = path == kStandardInput;
  struct stat st;
  if (from_stdin ? ::fstat(STDIN_FILENO, &st) != 0 : ::stat(path.c_str(), &st) != 0) {
    if (from_stdin) return Status::IoError(fmt::format("-: standard input is not open: {}", std::strerror(errno)));
    return path;  // the opener says what is wrong with it
  }
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))
    return from_stdin ? std::string("/dev/stdin") : path;

  Spools& spools = Registry();
  std::lock_guard<std::mutex> lock(spools.mu);
  for (const Spool& s : spools.list)
    if (s.dev == st.st_dev && s.ino == st.st_ino) return s.path;
  auto copy = Copy(path, from_stdin, st);
  if (!copy) return copy.error();
  spools.list.push_back(std::move(*copy));
  return spools.list.back().path;
}

}  // namespace forensics
