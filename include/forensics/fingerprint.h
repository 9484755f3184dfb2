// A node's fingerprint (`coinjecture-fingerprint/1`, docs/fleet.md): what one node sends so that a
// network's chains can be compared without their data. Per block read: its height, hash, claimed state
// root and this replay's verdict for it; no balance, key or transaction. NDJSON, written and read
// byte-exactly: a header line, one line per block, and an end line that carries the SHA-256 of every
// byte before it, so a truncated or edited file is refused. zstd-compressed when the name ends `.zst`.
#ifndef FORENSICS_FINGERPRINT_H_
#define FORENSICS_FINGERPRINT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/finding.h"
#include "forensics/result.h"
#include "forensics/state_violation.h"

namespace forensics {

inline constexpr std::string_view kFingerprintFormat = "coinjecture-fingerprint/1";

// This replay's word on one block.
enum class BlockCheck : uint8_t {
  kVerified,      // replayed with every check; none failed
  kViolation,     // a check failed (codes)
  kUnverifiable,  // read but not replayed: the state before it was unknown
};
// "verified", "violation", "unverifiable".
std::string_view BlockCheckName(BlockCheck c);

struct FingerprintBlock {
  BlockHeight height = 0;
  Hash32 hash;
  std::optional<Hash32> state_root;  // claimed by the block; nullopt when it claims none
  BlockCheck check = BlockCheck::kUnverifiable;
  bool state_verified = false;  // its state matched a committed root, the recorded state or a snapshot
  std::vector<FindingCode> codes;  // kViolation: the findings' codes, each once
};

struct FingerprintHeader {
  std::string node;
  std::string source;  // the chain path the node read
  std::string tool;    // "forensics <version>"
};

// What the replay found as a whole: known at its end, so written last.
struct FingerprintEnd {
  uint64_t blocks = 0;
  std::optional<BlockHeight> tip_height;
  Hash32 tip_hash;
  Profile profile = Profile::kNeta;
  bool signatures_checked = true;
  Verdict verdict = Verdict::kInconclusive;  // of the whole replay
  std::string scope;                          // ScopeSentence of the replay
  bool partial = false;  // the replay stopped before the end of its input
  std::string stopped_reason;
  std::string sha256;  // read: the checksum the end line carries (it matched the lines before it)
};

// One fingerprint line (without its "\n").
std::string FingerprintHeaderLine(const FingerprintHeader& h);
std::string FingerprintBlockLine(const FingerprintBlock& b);

// Turns a replay's block outcomes (StateViolationOptions::on_block) into fingerprint blocks: a
// block is handed on once the next block arrives (a snapshot after a block adds to it) or at Flush().
class FingerprintCollector {
 public:
  explicit FingerprintCollector(std::function<void(const FingerprintBlock&)> sink) : sink_(std::move(sink)) {}
  void Add(const BlockOutcome& o);
  void Flush();

 private:
  std::function<void(const FingerprintBlock&)> sink_;
  std::optional<FingerprintBlock> pending_;
};

struct FingerprintOptions {
  StateViolationOptions replay;  // chain_path, profile, genesis, signatures, …
  std::string node;              // the node's name ([A-Za-z0-9._-], 1 to 64 characters)
  std::string out_path;          // plain, or zstd when it ends .zst
};

struct FingerprintSummary {
  FingerprintHeader header;
  FingerprintEnd end;
  std::vector<std::string> warnings;          // the replay's
  std::string sha256;                         // the checksum the end line carries
};

class CompressedWriter;
class FingerprintDigest;

// Writes a fingerprint: the header line at Create, a line per Add, the end line (with the block
// count, the tip and the checksum) at Finish, which then renames the file from its temporary name
// beside `path` into place. A writer destroyed before Finish removes what it wrote.
class FingerprintWriter {
 public:
  static Result<std::unique_ptr<FingerprintWriter>> Create(const std::string& path, const FingerprintHeader& header);
  ~FingerprintWriter();
  FingerprintWriter(const FingerprintWriter&) = delete;
  FingerprintWriter& operator=(const FingerprintWriter&) = delete;
  // InvalidArgument for a height not above the last one; the write's error otherwise.
  Status Add(const FingerprintBlock& b);
  // `end`'s blocks and tip are replaced by what was added. Returns the checksum written.
  Result<std::string> Finish(FingerprintEnd end);
  uint64_t blocks() const { return blocks_; }
  BlockHeight tip_height() const { return tip_height_; }  // when blocks() > 0
  const Hash32& tip_hash() const { return tip_hash_; }

 private:
  FingerprintWriter(std::string path, std::string tmp, std::unique_ptr<CompressedWriter> out);
  void Put(const std::string& line);
  void Flush(bool all);

  std::string path_, tmp_;
  std::unique_ptr<CompressedWriter> out_;
  std::unique_ptr<FingerprintDigest> digest_;
  std::string buffer_;
  Status status_;
  uint64_t blocks_ = 0;
  BlockHeight tip_height_ = 0;
  Hash32 tip_hash_;
  bool finished_ = false;
};

// InvalidArgument unless `name` is 1 to 64 characters of [A-Za-z0-9._-] (it goes into shell commands,
// Markdown and diagrams unquoted).
Status CheckNodeName(std::string_view name);

// Replays options.replay.chain_path (AnalyzeStateViolation) and writes its fingerprint as it goes: the
// cost of the replay and a line per block. The file is written to a temporary name beside out_path
// and renamed when whole.
Result<FingerprintSummary> MakeFingerprint(const FingerprintOptions& options);

// True when the file at `path` (plain or compressed) starts like a fingerprint.
bool IsFingerprintFile(const std::string& path);

class FingerprintReader {
 public:
  // Reads the header line. Corruption naming the file when it is not a fingerprint header.
  // decode_roots false: block lines' state roots are checked to be hex but not decoded (state_root
  // stays nullopt), for readers that only compare hashes.
  static Result<std::unique_ptr<FingerprintReader>> Open(const std::string& path, bool decode_roots = true);
  virtual ~FingerprintReader() = default;
  virtual const FingerprintHeader& header() const = 0;
  // Sets *b to the next block and returns true; false after the end line, once the checksum it
  // carries matched. Corruption naming file, line and byte offset for a line not of the format, a
  // block out of height order, a file that ends without its end line (truncated), a checksum that
  // does not match (edited) or a block count that does not.
  virtual Result<bool> Next(FingerprintBlock* b) = 0;
  virtual const FingerprintEnd& end() const = 0;  // valid after Next returned false
  virtual uint64_t file_bytes() const = 0;
  virtual uint64_t decoded_bytes() const = 0;  // the text read so far
};

}  // namespace forensics

#endif  // FORENSICS_FINGERPRINT_H_
