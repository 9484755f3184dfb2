// Streaming reader of coinjecture-chain-export/1 NDJSON files (docs/chain.md §5): one simdjson parse per
// line through a LineReader, so plain, .zst and .gz inputs of any size stream in bounded memory.
//
// Every field is looked up by iterating the object once: aliases map to one canonical field, a
// field given twice (directly or through an alias) is an error, unknown fields are ignored.
//
// Here: the walk of a line parsed whole and the reader over the lines. Its pieces: export_json.h
// (simdjson helpers), export_field_decoder.h (fields), export_record_decoders.h (records, a member
// at a time) and export_long_line.h (lines too long to parse whole).
#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "export_field_decoder.h"
#include "export_json.h"
#include "export_long_line.h"
#include "export_record_decoders.h"
#include "forensics/chain_source.h"
#include "forensics/codec.h"

namespace forensics {

using namespace export_json;  // NOLINT(google-build-using-namespace): the reader's own pieces

namespace {

Result<Block> ParseBlock(const FieldDecoder& d, const object& o) {
  BlockDecoder block(d);
  for (auto [k, v] : o) {
    const Alias* a = BlockDecoder::Find(k);
    if (a == nullptr) continue;
    bool take = false;
    FORENSICS_RETURN_IF_ERROR(block.Begin(*a, k, v.is_null(), &take));
    if (take) FORENSICS_RETURN_IF_ERROR(block.Field(*a, k, v));
  }
  return block.Finish();
}

Result<Snapshot> ParseSnapshot(const FieldDecoder& d, const object& o) {
  SnapshotDecoder snap(d);
  for (auto [k, v] : o) {
    if (SnapshotDecoder::IsHeight(k)) {
      FORENSICS_RETURN_IF_ERROR(snap.Height(k, v));
    } else if (k == "accounts") {
      FORENSICS_RETURN_IF_ERROR(snap.Accounts(k, v));
    }
  }
  return snap.Finish();
}

Result<object> ParseObject(simdjson::dom::parser& parser, std::string_view line, const FieldDecoder& d,
                           element* root) {
  simdjson::error_code err = parser.parse(line.data(), line.size(), true).get(*root);
  if (err != simdjson::SUCCESS)
    return Status::Corruption(fmt::format("{}: {}", d.where(), DiagnoseJson(line, err)));
  object o;
  if (root->get_object().get(o) != simdjson::SUCCESS)
    return Status::Corruption(fmt::format("{}: expected a JSON object, found {}", d.where(), TypeName(*root)));
  return o;
}

std::string_view RecordKind(const object& o) {
  std::string_view kind;
  element e;
  if (o.at_key("record").get(e) == simdjson::SUCCESS && e.get_string().get(kind) != simdjson::SUCCESS) kind = {};
  return kind;
}

class ExportReader final : public ChainSource {
 public:
  ExportReader(std::unique_ptr<LineReader> lines, ChainMeta meta, LineReaderOptions options)
      : lines_(std::move(lines)), meta_(std::move(meta)), options_(options) {}

  const ChainMeta& meta() const override { return meta_; }

  Result<bool> Next(ChainRecord* record) override {
    Line line;
    while (lines_->Next(&line)) {
      if (IsBlank(line.text)) continue;
      if (seek_ && line.number < seek_->snapshot_line) {
        if (line.number == seek_->block_line) FORENSICS_RETURN_IF_ERROR(TakeSeekHeader(line));
        continue;
      }
      auto r = Parse(line);
      if (!r) return r.error();
      if (seek_ && line.number == seek_->snapshot_line) {
        std::get<Snapshot>(*r).header = std::move(seek_->header);
        seek_.reset();
      }
      *record = std::move(*r);
      return true;
    }
    return false;
  }

  // An export cannot seek: the file is read once more, up to the first snapshot above h, for the
  // last snapshot at or below it. Next() then skips every line before that snapshot undecoded, but
  // the line just before it, which holds the snapshot's block (its header comes with the snapshot).
  Status SeekToSnapshotAtOrBelow(BlockHeight h) override {
    // A pipe or FIFO was copied once to a private file (input_spool.h); opening its name again reads the copy.
    auto scan = LineReader::Open(lines_->path(), options_);
    if (!scan) return scan.error();
    std::optional<Seek> best;
    uint64_t previous = 0;
    Line line;
    while ((*scan)->Next(&line)) {
      if (IsBlank(line.text)) continue;
      // Only a line naming a snapshot is decoded; the chain line is never one.
      if (line.number > 1 && line.text.find("\"snapshot\"") != std::string_view::npos) {
        auto r = ParseRecordLine(line.text, meta_.profile, fmt::format("{}:{}", lines_->path(), line.number));
        if (r && std::holds_alternative<Snapshot>(*r)) {
          const BlockHeight s = std::get<Snapshot>(*r).height;
          if (s > h) break;
          best = Seek{s, line.number, previous, std::nullopt};
        }
      }
      previous = line.number;
    }
    if (!best) return Status::NotFound(fmt::format("{}: no snapshot at or below height {}", lines_->path(), h));
    seek_ = std::move(best);
    return Status::Ok();
  }

  std::vector<ReadIssue> read_issues() const override { return lines_->issues(); }
  std::string description() const override { return lines_->path(); }
  uint64_t bytes_read() const override { return lines_->file_bytes_read(); }
  uint64_t bytes_total() const override { return lines_->file_size(); }

  static bool IsBlank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
  }

 private:
  // Where SeekToSnapshotAtOrBelow positioned the reader.
  struct Seek {
    BlockHeight height = 0;    // of the snapshot
    uint64_t snapshot_line = 0;
    uint64_t block_line = 0;   // the line before it: the snapshot's block, if it is that block
    std::optional<BlockHeader> header;
  };

  Result<ChainRecord> Parse(const Line& line) const {
    auto r = ParseRecordLine(line.text, meta_.profile, fmt::format("{}:{}", lines_->path(), line.number));
    if (!r) return r;
    std::visit(
        [&](auto& rec) {
          rec.source = lines_->path();
          rec.line = line.number;
        },
        *r);
    return r;
  }

  Status TakeSeekHeader(const Line& line) {
    auto r = Parse(line);
    if (!r) return r.error();
    if (auto* b = std::get_if<Block>(&*r); b != nullptr && b->header.height == seek_->height)
      seek_->header = std::move(b->header);
    return Status::Ok();
  }

  std::unique_ptr<LineReader> lines_;
  ChainMeta meta_;
  LineReaderOptions options_;
  std::optional<Seek> seek_;
};

Result<ChainMeta> ParseChainObject(std::string_view line, const FieldDecoder& d) {
  element root;
  auto obj = ParseObject(ThreadParser(), line, d, &root);
  if (!obj) return obj.error();
  if (RecordKind(*obj) != "chain")
    return d.Error("record", "the first line of an export must be the \"chain\" record");
  ChainDecoder chain(d);
  for (auto [k, v] : *obj) FORENSICS_RETURN_IF_ERROR(chain.Field(ChainDecoder::Find(k), k, v));
  return chain.Finish();
}

}  // namespace


Result<ChainMeta> ParseChainLine(std::string_view line, std::string_view where) {
  FieldDecoder d{std::string(where)};
  if (line.size() > kWholeLineBytes) {
    auto meta = DecodeLongChainLine(line, d);
    // The parser grows to the longest member it parsed; a long line's is let go.
    if (ThreadParser().capacity() > kWholeLineBytes) ThreadParser() = simdjson::dom::parser();
    return meta;
  }
  return ParseChainObject(line, d);
}

Result<ChainRecord> ParseRecordLine(std::string_view line, Profile profile, std::string_view where) {
  (void)profile;
  FieldDecoder d{std::string(where)};
  if (line.size() > kWholeLineBytes) {
    auto r = DecodeLongLine(line, d);
    // The parser grows to the longest member it parsed; a long line's is let go.
    if (ThreadParser().capacity() > kWholeLineBytes) ThreadParser() = simdjson::dom::parser();
    return r;
  }
  element root;
  auto obj = ParseObject(ThreadParser(), line, d, &root);
  if (!obj) return obj.error();
  std::string_view kind = RecordKind(*obj);
  if (kind == "block") {
    auto b = ParseBlock(d, *obj);
    if (!b) return b.error();
    return ChainRecord(std::move(*b));
  }
  if (kind == "snapshot") {
    auto s = ParseSnapshot(d, *obj);
    if (!s) return s.error();
    return ChainRecord(std::move(*s));
  }
  if (kind.empty()) return d.Error("record", "missing (expected \"block\" or \"snapshot\")");
  return d.Error("record", fmt::format("unknown record kind '{}'", FieldDecoder::Clip(kind)));
}

Result<std::unique_ptr<ChainSource>> OpenExport(const std::string& path, const ExportReaderOptions& options) {
  LineReaderOptions lo;
  lo.max_line_bytes = options.max_line_bytes;
  auto lines = LineReader::Open(path, lo);
  if (!lines) return lines.error();
  Line first;
  bool got = false;
  while ((got = (*lines)->Next(&first)) && ExportReader::IsBlank(first.text)) {
  }
  if (!got) {
    std::string why = (*lines)->issues().empty() ? "" : " (" + (*lines)->issues().front().what + ")";
    return Status::Corruption(fmt::format("{}: empty export: no chain record{}", path, why));
  }
  auto meta = ParseChainLine(first.text, fmt::format("{}:{}", path, first.number));
  if (!meta) return meta.error();
  if (options.profile) meta->profile = *options.profile;
  return std::unique_ptr<ChainSource>(new ExportReader(std::move(*lines), std::move(*meta), lo));
}

}  // namespace forensics
