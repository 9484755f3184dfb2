// InputFile digests and block hash prefixes (inputs.h).
#include "forensics/inputs.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

#include "forensics/input_spool.h"

namespace forensics {

Result<InputFile> DescribeInput(const std::string& path, const StopCondition& stop) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  const bool dir = fs::is_directory(path, ec);
  if (dir) {
    // A store's data files; LOCK and the info logs change while a node runs and say nothing of the data.
    for (auto& e : fs::directory_iterator(path, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name != "LOCK" && name.rfind("LOG", 0) != 0) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
  } else {
    auto readable = ReadablePath(path);  // the bytes a reader of a pipe or "-" read
    if (!readable) return readable.error();
    files.push_back(*readable);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  InputFile in;
  in.path = path;
  std::vector<char> buf(1 << 20);
  for (const fs::path& f : files) {
    if (!in.hashed) break;
    std::ifstream is(f, std::ios::binary);
    if (!is && dir) continue;  // removed by the node (compaction) since the listing
    if (!is) return Status::IoError(fmt::format("{}: cannot open", path));
    while (is) {
      is.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      std::streamsize n = is.gcount();
      if (n <= 0) break;
      EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
      in.bytes += static_cast<uint64_t>(n);
      // A stop is asked once a MiB: hashing a large input must not outlast a budget or a signal.
      if (stop.Check() != StopReason::kNone) {
        in.hashed = false;
        break;
      }
    }
  }
  unsigned char md[32];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  if (in.hashed) in.sha256 = ToHex({md, 32});
  return in;
}

Result<HashPrefix> HashPrefix::Parse(std::string_view query) {
  std::string_view q = query;
  if (q.size() >= 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) q.remove_prefix(2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const bool hex = std::all_of(q.begin(), q.end(), [&](char c) { return nibble(c) >= 0; });
  if (q.empty() || q.size() > 64 || !hex)
    return Status::InvalidArgument(fmt::format("'{}' is not a hex block hash or prefix (1 to 64 hex digits)", query));
  HashPrefix p;
  p.query_ = std::string(query);
  for (size_t i = 0; i < q.size(); ++i) {
    const auto v = static_cast<uint8_t>(nibble(q[i]));
    p.bytes_[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? v << 4 : v);
  }
  p.whole_ = q.size() / 2;
  p.odd_ = q.size() % 2 == 1;
  return p;
}

bool HashPrefix::Matches(const Hash32& hash) const {
  if (std::memcmp(hash.data(), bytes_, whole_) != 0) return false;
  return !odd_ || (hash[whole_] & 0xf0) == bytes_[whole_];
}

std::string HashPrefix::SeekKey() const {
  return std::string(reinterpret_cast<const char*>(bytes_), whole_ + (odd_ ? 1 : 0));
}

Result<BlockRef> PrefixMatches::One(const HashPrefix& prefix, std::string_view where) const {
  switch (match()) {
    case PrefixMatch::kUnique: return listed.front();
    case PrefixMatch::kNone:
      return Status::NotFound(fmt::format("{}: no block in {} has a hash starting with it", prefix.query(), where));
    case PrefixMatch::kAmbiguous: break;
  }
  std::string list;
  for (const BlockRef& b : listed) list += fmt::format("\n  height {} {}", b.height, b.hash.Hex());
  return Status::InvalidArgument(fmt::format("{} is ambiguous: {}{} blocks match:{}", prefix.query(),
                                             count_is_lower_bound ? "more than " : "",
                                             count_is_lower_bound ? listed.size() : count, list));
}

}  // namespace forensics
