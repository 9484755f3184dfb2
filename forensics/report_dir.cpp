// The report directory: the checks made before the analysis, and the pair of reports replaced in
// one rename (the design is described in forensics/report_dir.h).
#include "forensics/report_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>

namespace forensics {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCurrent = ".report";          // link to the directory of the current pair
constexpr std::string_view kPairPrefix = ".report-";      // + 6 characters: a pair's directory
constexpr std::string_view kLinkPrefix = ".report.tmp-";  // + 6 characters: a link about to be renamed
constexpr size_t kSuffixLength = 6;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string RandomSuffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(::getpid()));
  std::string s;
  for (size_t i = 0; i < kSuffixLength; ++i) s.push_back(kChars[rng() % (sizeof kChars - 1)]);
  return s;
}

bool HasOurSuffix(std::string_view name, std::string_view prefix) {
  return name.size() == prefix.size() + kSuffixLength && name.substr(0, prefix.size()) == prefix &&
         std::all_of(name.begin() + prefix.size(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

std::string ReadLink(int dir, std::string_view name) {
  char buf[4096];
  ssize_t n = ::readlinkat(dir, std::string(name).c_str(), buf, sizeof buf);
  return n <= 0 || static_cast<size_t>(n) == sizeof buf ? std::string() : std::string(buf, static_cast<size_t>(n));
}

// Removes the pair directory `name` in `dir`: its entries that are not directories, then itself.
// Best effort; a directory holding anything else stays.
void RemovePairDir(int dir, const std::string& name) {
  int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  if (DIR* d = ::fdopendir(fd)) {
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n != "." && n != "..") ::unlinkat(fd, e->d_name, 0);
    }
    ::closedir(d);
  } else {
    ::close(fd);
  }
  ::unlinkat(dir, name.c_str(), AT_REMOVEDIR);
}

// What an interrupted run leaves in `dir`: pair directories other than `current`, links about to
// be renamed, and the temporaries of earlier versions (".report.md.tmp-PID").
void RemoveStale(int dir, const std::string& current, const std::vector<std::pair<std::string, std::string>>& files) {
  int fd = ::dup(dir);
  if (fd < 0) return;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return;
  }
  std::vector<std::string> pairs, links;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (HasOurSuffix(n, kPairPrefix) && n != current) pairs.push_back(n);
    if (HasOurSuffix(n, kLinkPrefix)) links.push_back(n);
    for (const auto& f : files)
      if (n.rfind("." + f.first + ".tmp-", 0) == 0) links.push_back(n);
  }
  ::closedir(d);
  for (const auto& n : pairs) RemovePairDir(dir, n);
  for (const auto& n : links) ::unlinkat(dir, n.c_str(), 0);
}

// One write of a report set, step by step, each step open to fault injection.
class Write {
 public:
  Write(std::string dir, const ReportWriteFaults& faults) : dir_(std::move(dir)), faults_(faults) {}

  // Runs `op` (a system call returning -1 with errno on failure) unless a fault is injected.
  template <typename Op>
  int Step(Op op) {
    ++step_;
    if (faults_.inject) {
      if (int e = faults_.inject(step_)) {
        crashed_ = faults_.crash;
        errno = e;
        return -1;
      }
    }
    return op();
  }
  bool crashed() const { return crashed_; }

  // The error for the step that just failed, naming `path` in the directory.
  Status Error(std::string_view what, std::string_view path) const {
    const int e = errno;
    return Status::IoError(fmt::format("{}: {}: {}", (fs::path(dir_) / path).string(), what, std::strerror(e)));
  }

  // Points `name` in `dir` at `target` with a new link renamed over it.
  Status Link(int dir, const std::string& target, const std::string& name) {
    std::string tmp;
    for (int tries = 0;; ++tries) {
      tmp = std::string(kLinkPrefix) + RandomSuffix();
      if (Step([&] { return ::symlinkat(target.c_str(), dir, tmp.c_str()); }) == 0) break;
      if (errno != EEXIST || tries >= 100) return Error("cannot create link", tmp);
    }
    if (Step([&] { return ::renameat(dir, tmp.c_str(), dir, name.c_str()); }) != 0) {
      Status s = Error("cannot rename into place", name);
      if (!crashed_) ::unlinkat(dir, tmp.c_str(), 0);
      return s;
    }
    return Status::Ok();
  }

 private:
  std::string dir_;
  const ReportWriteFaults& faults_;
  int step_ = 0;
  bool crashed_ = false;
};

}  // namespace

Status CheckReportDir(const std::string& dir, const std::vector<std::string>& inputs) {
  std::error_code ec;
  const fs::path path = fs::absolute(dir, ec);
  if (ec) return Status::InvalidArgument(fmt::format("output directory {}: {}", dir, ec.message()));
  fs::path existing = path;
  while (fs::symlink_status(existing, ec).type() == fs::file_type::not_found && existing.has_relative_path())
    existing = existing.parent_path();
  if (!fs::is_directory(existing, ec))
    return Status::InvalidArgument(existing == path ? fmt::format("output directory {}: not a directory", dir)
                                                    : fmt::format("output directory {}: {} is not a directory", dir,
                                                                  existing.string()));
  if (::faccessat(AT_FDCWD, existing.c_str(), W_OK | X_OK, AT_EACCESS) != 0)
    return Status::InvalidArgument(
        fmt::format("output directory {}: cannot write in {}: {}", dir, existing.string(), std::strerror(errno)));

  const fs::path out = fs::weakly_canonical(path, ec);
  for (const std::string& input : inputs) {
    if (!fs::is_directory(input, ec)) continue;
    const fs::path in = fs::canonical(input, ec);
    if (ec) continue;
    auto [i, o] = std::mismatch(in.begin(), in.end(), out.begin(), out.end());
    if (i == in.end())
      return Status::InvalidArgument(fmt::format(
          "output directory {} is {} {}; write the report outside it", dir, o == out.end() ? "the input" : "inside the input",
          input));
  }
  return Status::Ok();
}

Status WriteReportFiles(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files,
                        const ReportWriteFaults& faults) {
  Write w(dir, faults);
  std::error_code ec;
  if (w.Step([&] {
        fs::create_directories(dir, ec);
        return ec ? (errno = ec.value(), -1) : 0;
      }) != 0)
    return Status::IoError(fmt::format("{}: cannot create directory: {}", dir, std::strerror(errno)));
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0) return w.Error("cannot open directory", "");
  if (::flock(d.get(), LOCK_EX) != 0) return w.Error("cannot lock directory", "");

  std::string previous = ReadLink(d.get(), kCurrent);
  if (!HasOurSuffix(previous, kPairPrefix)) previous.clear();
  RemoveStale(d.get(), previous, files);

  // The new pair, in a directory of its own: nobody else can have a name in it.
  std::string pair;
  for (int tries = 0;; ++tries) {
    pair = std::string(kPairPrefix) + RandomSuffix();
    if (w.Step([&] { return ::mkdirat(d.get(), pair.c_str(), 0777); }) == 0) break;
    if (errno != EEXIST || tries >= 100) return w.Error("cannot create directory", pair);
  }
  std::vector<std::string> made_links;
  auto abandon = [&](Status s) {
    if (w.crashed()) return s;
    RemovePairDir(d.get(), pair);
    if (previous.empty())  // no pair before: links made now would point at nothing
      for (const auto& n : made_links) ::unlinkat(d.get(), n.c_str(), 0);
    return s;
  };
  Fd p(::openat(d.get(), pair.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (p.get() < 0) return abandon(w.Error("cannot open directory", pair));
  for (const auto& file : files) {
    // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture one.
    const std::string& name = file.first;
    const std::string& content = file.second;
    const std::string path = pair + "/" + name;
    Fd f(w.Step([&] {
      return ::openat(p.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    }));
    if (f.get() < 0) return abandon(w.Error("cannot create", path));
    for (size_t done = 0; done < content.size();) {
      const ssize_t n = w.Step([&] { return ::write(f.get(), content.data() + done, content.size() - done); });
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return abandon(w.Error("cannot write", path));
      done += static_cast<size_t>(n);
    }
    if (w.Step([&] { return ::fsync(f.get()); }) != 0) return abandon(w.Error("cannot sync", path));
    if (w.Step([&] { return ::close(f.release()); }) != 0) return abandon(w.Error("cannot write", path));
  }
  if (w.Step([&] { return ::fsync(p.get()); }) != 0) return abandon(w.Error("cannot sync", pair));

  // The names the user reads, made once: NAME -> .report/NAME.
  for (const auto& [name, content] : files) {
    const std::string target = std::string(kCurrent) + "/" + name;
    if (ReadLink(d.get(), name) == target) continue;
    if (Status s = w.Link(d.get(), target, name); !s.ok()) return abandon(s);
    made_links.push_back(name);
  }
  // The switch: one rename.
  if (Status s = w.Link(d.get(), pair, std::string(kCurrent)); !s.ok()) return abandon(s);
  if (w.Step([&] { return ::fsync(d.get()); }) != 0) return w.Error("cannot sync", "");
  // A failure or a crash here leaves the previous pair's directory to the next run.
  if (!previous.empty())
    w.Step([&] {
      RemovePairDir(d.get(), previous);
      return 0;
    });
  return Status::Ok();
}

}  // namespace forensics
