// The fingerprint file: making it from a replay, and reading it back byte-exactly.
//
// Lines (docs/fleet.md):
//   {"format":"coinjecture-fingerprint/1","node":…,"source":…,"tool":…}
//   {"h":H,"b":"<64 hex>","r":"<64 hex>"|null,"v":"verified|violation|unverifiable"[,"s":true][,"c":["code",…]]}
//   {"end":{"blocks":N,"tip_height":H|null,"tip_hash":"<64 hex>","profile":…,"signatures_checked":…,"verdict":…,
//           "scope":…,"partial":false,"stopped_reason":"","sha256":"<64 hex>"}}
// The block lines are written in exactly that layout and read by a parser that accepts only it (a
// hundred nodes of a million blocks are read in seconds); the checksum covers every byte before the
// end line, newlines included.
#include "forensics/fingerprint.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "forensics/compressed_writer.h"
#include "forensics/json_writer.h"
#include "forensics/line_reader.h"

namespace forensics {

// Streaming SHA-256 (OpenSSL).
class FingerprintDigest {
 public:
  FingerprintDigest() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~FingerprintDigest() { EVP_MD_CTX_free(ctx_); }
  FingerprintDigest(const FingerprintDigest&) = delete;
  FingerprintDigest& operator=(const FingerprintDigest&) = delete;
  void Update(std::string_view s) { EVP_DigestUpdate(ctx_, s.data(), s.size()); }
  std::string HexFinal() {
    Hash32 h;
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_, h.data(), &len);
    return h.Hex();
  }

 private:
  EVP_MD_CTX* ctx_;
};

namespace {

constexpr std::string_view kHeaderStart = R"({"format":"coinjecture-fingerprint/)";
constexpr std::string_view kEndStart = R"({"end":)";

std::optional<FindingCode> CodeByName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(FindingCode::kFeeLedgerMismatch); ++i) {
    const auto c = static_cast<FindingCode>(i);
    if (FindingCodeName(c) == name) return c;
  }
  return std::nullopt;
}

std::string EndLine(const FingerprintEnd& e, const std::string& sha256) {
  JsonWriter w(false);
  w.BeginObject().Key("end").BeginObject();
  w.Field("blocks", e.blocks);
  w.Key("tip_height");
  if (e.tip_height) w.Uint(*e.tip_height); else w.Null();
  w.Field("tip_hash", e.tip_hash.Hex());
  w.Field("profile", ProfileName(e.profile));
  w.Field("signatures_checked", e.signatures_checked);
  w.Field("verdict", VerdictName(e.verdict));
  w.Field("scope", e.scope);
  w.Field("partial", e.partial);
  w.Field("stopped_reason", e.stopped_reason);
  w.Field("sha256", sha256);
  w.EndObject().EndObject();
  return w.str();
}

// A strict cursor over one block line.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool Lit(std::string_view lit) {
    if (s.substr(i, lit.size()) != lit) return false;
    i += lit.size();
    return true;
  }
  bool Uint(uint64_t* v) {
    size_t start = i;
    uint64_t x = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      const uint64_t d = static_cast<uint64_t>(s[i] - '0');
      if (x > (UINT64_MAX - d) / 10) return false;
      x = x * 10 + d;
      ++i;
    }
    if (i == start || (s[start] == '0' && i - start > 1)) return false;
    *v = x;
    return true;
  }
  // 64 lower-case hex digits (the only case written), decoded into *h when h is given. Branch-free
  // arithmetic on each digit, so the compiler can do 16 at a time.
  bool Hash(Hash32* h) {
    if (i + 64 > s.size()) return false;
    const auto* p = reinterpret_cast<const uint8_t*>(s.data() + i);
    uint8_t nib[64];
    uint8_t bad = 0;
    for (size_t k = 0; k < 64; ++k) {
      const uint8_t c = p[k];
      const uint8_t digit = static_cast<uint8_t>(c - '0') < 10, letter = static_cast<uint8_t>(c - 'a') < 6;
      bad |= static_cast<uint8_t>(!(digit | letter));
      nib[k] = static_cast<uint8_t>((c & 0xF) + 9 * (c >> 6));
    }
    i += 64;
    if (bad) return false;
    if (h)
      for (size_t k = 0; k < 32; ++k) (*h)[k] = static_cast<uint8_t>((nib[2 * k] << 4) | nib[2 * k + 1]);
    return true;
  }
  bool Word(std::string_view* w) {
    size_t end = s.find('"', i);
    if (end == std::string_view::npos) return false;
    *w = s.substr(i, end - i);
    i = end + 1;
    return true;
  }
};

bool ParseBlockLine(std::string_view line, bool decode_root, FingerprintBlock* b) {
  Cursor c{line};
  b->codes.clear();
  b->state_verified = false;
  if (!c.Lit(R"({"h":)") || !c.Uint(&b->height) || !c.Lit(R"(,"b":")") || !c.Hash(&b->hash) || !c.Lit(R"(","r":)"))
    return false;
  if (c.Lit("null")) {
    b->state_root.reset();
  } else {
    Hash32 r;
    if (!c.Lit("\"") || !c.Hash(decode_root ? &r : nullptr) || !c.Lit("\"")) return false;
    if (decode_root) b->state_root = r;
    else b->state_root.reset();
  }
  std::string_view v;
  if (!c.Lit(R"(,"v":")") || !c.Word(&v)) return false;
  if (v == "verified") b->check = BlockCheck::kVerified;
  else if (v == "violation") b->check = BlockCheck::kViolation;
  else if (v == "unverifiable") b->check = BlockCheck::kUnverifiable;
  else return false;
  if (c.Lit(R"(,"s":true)")) b->state_verified = true;
  if (c.Lit(R"(,"c":[)")) {
    do {
      std::string_view name;
      if (!c.Lit("\"") || !c.Word(&name)) return false;
      auto code = CodeByName(name);
      if (!code) return false;
      b->codes.push_back(*code);
    } while (c.Lit(","));
    if (!c.Lit("]")) return false;
  }
  if (!c.Lit("}") || c.i != line.size()) return false;
  // Codes belong to a violation, and a violation has codes.
  return (b->check == BlockCheck::kViolation) == !b->codes.empty();
}

class Reader final : public FingerprintReader {
 public:
  Reader(std::unique_ptr<LineReader> lines, std::string path, bool decode_roots)
      : lines_(std::move(lines)), path_(std::move(path)), decode_roots_(decode_roots) {}

  Status ReadHeader() {
    Line line;
    if (!lines_->Next(&line)) return Corrupt(1, 0, "empty file: not a fingerprint");
    if (line.text.substr(0, kHeaderStart.size()) != kHeaderStart)
      return Corrupt(line.number, line.offset, fmt::format("not a fingerprint (it does not start with {})", kHeaderStart));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(line.text.data(), line.text.size()).get(doc) != simdjson::SUCCESS)
      return Corrupt(line.number, line.offset, "the header line is not JSON");
    std::string_view format, node, source, tool;
    if (doc["format"].get(format) || doc["node"].get(node) || doc["source"].get(source) || doc["tool"].get(tool))
      return Corrupt(line.number, line.offset, "the header line lacks a field (format, node, source, tool)");
    if (format != kFingerprintFormat)
      return Corrupt(line.number, line.offset, fmt::format("format {} is not {}", format, kFingerprintFormat));
    if (Status s = CheckNodeName(node); !s.ok()) return Corrupt(line.number, line.offset, s.message());
    header_ = {std::string(node), std::string(source), std::string(tool)};
    if (FingerprintHeaderLine(header_) != line.text)
      return Corrupt(line.number, line.offset, "the header line is not in the fingerprint's own layout (edited?)");
    digest_.Update(line.text);
    digest_.Update("\n");
    return Status::Ok();
  }

  const FingerprintHeader& header() const override { return header_; }
  const FingerprintEnd& end() const override { return end_; }
  uint64_t file_bytes() const override { return lines_->file_bytes_read(); }
  uint64_t decoded_bytes() const override { return bytes_; }

  // Lines are taken a block of up to 1 MiB at a time (LineReader::NextBlock) and hashed a block
  // at a time: one digest call per block, not two per line.
  Result<bool> Next(FingerprintBlock* b) override {
    if (done_) return false;
    if (pos_ >= block_.text.size()) {
      DigestPending();
      if (!lines_->NextBlock(&block_, 1u << 20, 1u << 16)) {
        if (!lines_->issues().empty()) {
          const ReadIssue& is = lines_->issues().front();
          return Status::Corruption(fmt::format("{}: byte {}: {}: the fingerprint is damaged", path_, is.offset, is.what));
        }
        return Corrupt(next_number_, bytes_, "the file ends without its end line: the fingerprint is truncated");
      }
      pos_ = 0;
      digest_from_ = 0;
      next_number_ = block_.first_number;
    }
    const std::string_view text = block_.text;
    const size_t nl = text.find('\n', pos_);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    Line line;
    line.text = text.substr(pos_, end - pos_);
    line.number = next_number_++;
    line.offset = block_.offset + pos_;
    pos_ = end + 1;
    bytes_ = line.offset + line.text.size() + 1;
    if (ParseBlockLine(line.text, decode_roots_, b)) {
      if (have_last_ && b->height <= last_height_)
        return Corrupt(line.number, line.offset, fmt::format("block {} follows block {} (heights must increase)", b->height, last_height_));
      have_last_ = true;
      last_height_ = b->height;
      last_hash_ = b->hash;
      ++blocks_;
      return true;
    }
    if (line.text.substr(0, kEndStart.size()) != kEndStart)
      return Corrupt(line.number, line.offset, "not a fingerprint block line (edited?)");
    // The checksum covers the lines before this one.
    digest_.Update(text.substr(digest_from_, line.offset - block_.offset - digest_from_));
    digest_from_ = text.size();
    auto r = ReadEnd(line);
    pos_ = text.size();
    return r;
  }

 private:
  void DigestPending() {
    if (digest_from_ < block_.text.size()) digest_.Update(block_.text.substr(digest_from_));
    digest_from_ = block_.text.size();
  }

  Result<bool> ReadEnd(const Line& line) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(line.text.data(), line.text.size()).get(doc) != simdjson::SUCCESS)
      return Corrupt(line.number, line.offset, "the end line is not JSON");
    simdjson::dom::element e;
    uint64_t blocks = 0;
    std::string_view tip_hash, sha, reason, profile, verdict, scope;
    bool partial = false, sigs = false;
    if (doc["end"].get(e) || e["blocks"].get(blocks) || e["tip_hash"].get(tip_hash) || e["profile"].get(profile) ||
        e["signatures_checked"].get(sigs) || e["verdict"].get(verdict) || e["scope"].get(scope) ||
        e["partial"].get(partial) || e["stopped_reason"].get(reason) || e["sha256"].get(sha))
      return Corrupt(line.number, line.offset,
                     "the end line lacks a field (blocks, tip_height, tip_hash, profile, signatures_checked, verdict, "
                     "scope, partial, stopped_reason, sha256)");
    const std::string actual = digest_.HexFinal();
    if (sha != actual)
      return Corrupt(line.number, line.offset,
                     fmt::format("checksum mismatch: the end line says sha256 {}, the lines before it hash to {} (the "
                                 "fingerprint was edited or damaged)",
                                 sha, actual));
    if (blocks != blocks_)
      return Corrupt(line.number, line.offset, fmt::format("the end line counts {} blocks, the file holds {}", blocks, blocks_));
    end_.blocks = blocks;
    if (have_last_) {
      end_.tip_height = last_height_;
      end_.tip_hash = last_hash_;
    }
    auto p = ParseProfile(profile);
    if (!p) return Corrupt(line.number, line.offset, fmt::format("unknown profile {}", profile));
    end_.profile = *p;
    end_.signatures_checked = sigs;
    end_.verdict = verdict == "clean" ? Verdict::kClean : verdict == "violation" ? Verdict::kViolation : Verdict::kInconclusive;
    end_.scope = std::string(scope);
    end_.partial = partial;
    end_.stopped_reason = std::string(reason);
    end_.sha256 = actual;
    if (EndLine(end_, actual) != line.text)
      return Corrupt(line.number, line.offset, "the end line is not in the fingerprint's own layout (edited?)");
    // Nothing may follow but empty lines: in this block, then in the rest of the file.
    for (size_t p = line.offset - block_.offset + line.text.size(); p < block_.text.size(); ++p)
      if (block_.text[p] != '\n')
        return Corrupt(next_number_, block_.offset + p, "a line after the end line");
    Line extra;
    while (lines_->Next(&extra))
      if (!extra.text.empty()) return Corrupt(extra.number, extra.offset, "a line after the end line");
    done_ = true;
    return false;
  }

  Status Corrupt(uint64_t line, uint64_t offset, std::string_view what) const {
    return Status::Corruption(fmt::format("{}:{}: byte {}: {}", path_, line, offset, what));
  }

  std::unique_ptr<LineReader> lines_;
  std::string path_;
  bool decode_roots_ = true;
  FingerprintHeader header_;
  FingerprintEnd end_;
  FingerprintDigest digest_;
  LineBlock block_;
  size_t pos_ = 0, digest_from_ = 0;  // in block_.text: the next line, the first byte not yet hashed
  uint64_t next_number_ = 2;          // the line number of the next line (the header was line 1)
  uint64_t blocks_ = 0, bytes_ = 0;
  bool have_last_ = false, done_ = false;
  BlockHeight last_height_ = 0;
  Hash32 last_hash_;
};

}  // namespace

std::string_view BlockCheckName(BlockCheck c) {
  switch (c) {
    case BlockCheck::kVerified: return "verified";
    case BlockCheck::kViolation: return "violation";
    case BlockCheck::kUnverifiable: return "unverifiable";
  }
  return "";
}

Status CheckNodeName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (ok) return Status::Ok();
  return Status::InvalidArgument("a node name is 1 to 64 characters of letters, digits, '.', '_' and '-'");
}

std::string FingerprintHeaderLine(const FingerprintHeader& h) {
  JsonWriter w(false);
  w.BeginObject();
  w.Field("format", kFingerprintFormat);
  w.Field("node", h.node);
  w.Field("source", h.source);
  w.Field("tool", h.tool);
  w.EndObject();
  return w.str();
}

namespace {

void AppendHex(std::string* s, const Hash32& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t at = s->size();
  s->resize(at + 64);
  char* p = s->data() + at;
  for (size_t i = 0; i < 32; ++i) {
    p[2 * i] = kDigits[h[i] >> 4];
    p[2 * i + 1] = kDigits[h[i] & 15];
  }
}

// Appends the block's line, without its newline: a million a replay, so no temporary strings.
void AppendBlockLine(std::string* s, const FingerprintBlock& b) {
  *s += R"({"h":)";
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, b.height);
  (void)ec;
  s->append(digits, end);
  *s += R"(,"b":")";
  AppendHex(s, b.hash);
  *s += R"(","r":)";
  if (b.state_root) {
    *s += '"';
    AppendHex(s, *b.state_root);
    *s += '"';
  } else {
    *s += "null";
  }
  *s += R"(,"v":")";
  *s += BlockCheckName(b.check);
  *s += '"';
  if (b.state_verified) *s += R"(,"s":true)";
  if (!b.codes.empty()) {
    *s += R"(,"c":[)";
    for (size_t i = 0; i < b.codes.size(); ++i) {
      if (i) *s += ',';
      *s += '"';
      *s += FindingCodeName(b.codes[i]);
      *s += '"';
    }
    *s += ']';
  }
  *s += '}';
}

}  // namespace

std::string FingerprintBlockLine(const FingerprintBlock& b) {
  std::string s;
  AppendBlockLine(&s, b);
  return s;
}

void FingerprintCollector::Add(const BlockOutcome& o) {
  if (o.from_snapshot && pending_ && pending_->height == o.height) {
    for (FindingCode c : o.codes)
      if (std::find(pending_->codes.begin(), pending_->codes.end(), c) == pending_->codes.end()) pending_->codes.push_back(c);
    pending_->state_verified = pending_->state_verified || o.state_verified;
    if (!pending_->codes.empty()) pending_->check = BlockCheck::kViolation;
    return;
  }
  Flush();
  FingerprintBlock b;
  b.height = o.height;
  b.hash = o.hash;
  b.state_root = o.claimed_root;
  b.codes = o.codes;
  b.state_verified = o.state_verified;
  b.check = !o.codes.empty() ? BlockCheck::kViolation : o.replayed ? BlockCheck::kVerified : BlockCheck::kUnverifiable;
  pending_ = std::move(b);
}

void FingerprintCollector::Flush() {
  if (pending_) sink_(*pending_);
  pending_.reset();
}

Result<std::unique_ptr<FingerprintWriter>> FingerprintWriter::Create(const std::string& path,
                                                                    const FingerprintHeader& header) {
  FORENSICS_RETURN_IF_ERROR(CheckNodeName(header.node));
  // Beside the file, compressed as it will be (the writer goes by the name's ending).
  auto ends = [&](std::string_view e) { return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0; };
  const std::string tmp = path + ".partial" + (ends(".zst") ? ".zst" : ends(".gz") ? ".gz" : "");
  auto out = CompressedWriter::Create(tmp);
  if (!out) return out.error();
  auto w = std::unique_ptr<FingerprintWriter>(new FingerprintWriter(path, tmp, std::move(*out)));
  w->Put(FingerprintHeaderLine(header));
  return w;
}

FingerprintWriter::FingerprintWriter(std::string path, std::string tmp, std::unique_ptr<CompressedWriter> out)
    : path_(std::move(path)), tmp_(std::move(tmp)), out_(std::move(out)), digest_(std::make_unique<FingerprintDigest>()) {}

FingerprintWriter::~FingerprintWriter() {
  if (!finished_) {
    (void)out_->Close();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void FingerprintWriter::Put(const std::string& line) {
  buffer_ += line;
  buffer_ += '\n';
  Flush(false);
}

// Hashes and writes the buffered lines once 64 KiB are waiting (or now, when `all`).
void FingerprintWriter::Flush(bool all) {
  if (buffer_.size() < (1u << 16) && !all) return;
  if (status_.ok()) {
    digest_->Update(buffer_);
    status_ = out_->Write(buffer_);
  }
  buffer_.clear();
}

Status FingerprintWriter::Add(const FingerprintBlock& b) {
  if (blocks_ && b.height <= tip_height_)
    return Status::InvalidArgument(fmt::format("block {} after block {}: heights must increase", b.height, tip_height_));
  AppendBlockLine(&buffer_, b);
  buffer_ += '\n';
  Flush(false);
  ++blocks_;
  tip_height_ = b.height;
  tip_hash_ = b.hash;
  return status_;
}

Result<std::string> FingerprintWriter::Finish(FingerprintEnd end) {
  end.blocks = blocks_;
  end.tip_height = blocks_ ? std::optional<BlockHeight>(tip_height_) : std::nullopt;
  end.tip_hash = blocks_ ? tip_hash_ : Hash32{};
  Flush(true);
  const std::string sha = digest_->HexFinal();
  if (status_.ok()) status_ = out_->Write(EndLine(end, sha) + "\n");
  Status closed = out_->Close();
  finished_ = true;
  if (status_.ok()) status_ = closed;
  std::error_code ec;
  if (status_.ok()) {
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) status_ = Status::IoError(fmt::format("{}: {}", path_, ec.message()));
  }
  if (!status_.ok()) {
    std::filesystem::remove(tmp_, ec);
    return status_;
  }
  return sha;
}

Result<FingerprintSummary> MakeFingerprint(const FingerprintOptions& options) {
  FingerprintSummary summary;
  FingerprintHeader& h = summary.header;
  h.node = options.node;
  h.source = options.replay.chain_path;
  h.tool = fmt::format("forensics {}", FORENSICS_VERSION);
  FORENSICS_ASSIGN_OR_RETURN(std::unique_ptr<FingerprintWriter> writer, FingerprintWriter::Create(options.out_path, h));
  Status added;
  FingerprintCollector collector([&](const FingerprintBlock& b) {
    if (added.ok()) added = writer->Add(b);
  });
  StateViolationOptions replay = options.replay;
  replay.on_block = [&](const BlockOutcome& o) { collector.Add(o); };
  auto report = AnalyzeStateViolation(replay);
  if (!report) return report.error();  // the writer removes what it wrote
  collector.Flush();
  FORENSICS_RETURN_IF_ERROR(added);
  FingerprintEnd& end = summary.end;
  end.profile = report->profile;
  end.signatures_checked = report->signatures_checked;
  end.verdict = report->verdict;
  end.scope = ScopeSentence(*report);
  end.partial = report->partial;
  end.stopped_reason = report->stopped_reason;
  summary.warnings = report->warnings;
  end.blocks = writer->blocks();
  if (end.blocks) {
    end.tip_height = writer->tip_height();
    end.tip_hash = writer->tip_hash();
  }
  FORENSICS_ASSIGN_OR_RETURN(summary.sha256, writer->Finish(end));
  return summary;
}

bool IsFingerprintFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return false;
  auto lines = LineReader::Open(path);
  if (!lines) return false;
  Line line;
  return (*lines)->Next(&line) && line.text.substr(0, kHeaderStart.size()) == kHeaderStart;
}

Result<std::unique_ptr<FingerprintReader>> FingerprintReader::Open(const std::string& path, bool decode_roots) {
  LineReaderOptions lo;
  lo.max_line_bytes = 1u << 20;
  lo.decode_in_background = true;
  auto lines = LineReader::Open(path, lo);
  if (!lines) return lines.error();
  auto r = std::make_unique<Reader>(std::move(*lines), path, decode_roots);
  FORENSICS_RETURN_IF_ERROR(r->ReadHeader());
  return std::unique_ptr<FingerprintReader>(std::move(r));
}

}  // namespace forensics
