// Inputs as reports name them (path, size, SHA-256), and block hash prefixes as users and daemon logs give
// them (16 hex digits, a whole hash, any case, optional 0x). Every reader of a chain resolves a prefix here,
// so an export, a store and a replay's index agree on what matches and on the error when nothing or
// several do.
#ifndef FORENSICS_INPUTS_H_
#define FORENSICS_INPUTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/result.h"
#include "forensics/stop.h"
#include "forensics/types.h"

namespace forensics {

struct InputFile {
  std::string path;
  std::string sha256;  // of the file's bytes; for a store directory, of its files in name order
  uint64_t bytes = 0;  // the bytes hashed: all of them unless `hashed` is false
  bool hashed = true;  // false: a stop (time budget, signal) came first; sha256 is empty
};

// SHA-256 and size of an input (a file, or every data file of a directory in name order). A stop is
// asked once a MiB; when it comes first the result says so (`hashed` false).
Result<InputFile> DescribeInput(const std::string& path, const StopCondition& stop = {});

struct BlockRef {
  BlockHeight height = 0;
  Hash32 hash;
  friend bool operator==(const BlockRef&, const BlockRef&) = default;
};

// A block hash or a prefix of one: 1 to 64 hex digits, any case, an optional 0x.
class HashPrefix {
 public:
  // InvalidArgument "'QUERY' is not a hex block hash or prefix (1 to 64 hex digits)".
  static Result<HashPrefix> Parse(std::string_view query);

  bool Matches(const Hash32& hash) const;
  // The lowest 32-byte key that can match, cut after the prefix's bytes (for an ordered index's seek):
  // the whole bytes, then the odd digit as a high nibble.
  std::string SeekKey() const;
  const std::string& query() const { return query_; }  // as given

 private:
  std::string query_;
  uint8_t bytes_[32] = {};
  size_t whole_ = 0;  // whole bytes of the prefix
  bool odd_ = false;  // a last digit matched on the high nibble of byte whole_
};

// How many blocks a prefix named, and the first of them.
enum class PrefixMatch { kUnique, kNone, kAmbiguous };
struct PrefixMatches {
  static constexpr size_t kListed = 20;
  std::vector<BlockRef> listed;  // the first kListed matches, in the reader's order
  size_t count = 0;              // all matches seen
  bool count_is_lower_bound = false;  // the reader stopped looking after kListed + 1

  PrefixMatch match() const {
    return count == 0 ? PrefixMatch::kNone : count == 1 ? PrefixMatch::kUnique : PrefixMatch::kAmbiguous;
  }
  // The one block; NotFound "QUERY: no block in WHERE has a hash starting with it" when none matched,
  // InvalidArgument "QUERY is ambiguous: N blocks match:" and the listed ones when several did. The
  // messages start with the query, so a front end can put the name of its option before them.
  Result<BlockRef> One(const HashPrefix& prefix, std::string_view where) const;
};

}  // namespace forensics

#endif  // FORENSICS_INPUTS_H_
