// Streaming reader of coinjecture-chain-export/1 NDJSON files (chain.md §5): one simdjson parse per
// line through a LineReader, so plain, .zst and .gz inputs of any size stream in bounded memory.
//
// Every field is looked up by iterating the object once: aliases map to one canonical field, a
// field given twice (directly or through an alias) is an error, unknown fields are ignored.
#include <simdjson.h>

#include <cstring>

#include "forensics/chain_source.h"
#include "forensics/codec.h"

namespace forensics {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string TypeName(const element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "an integer";
    case simdjson::dom::element_type::DOUBLE: return "a non-integer number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

// A field's name as messages spell it ("height", "transactions[3].from", "state_changes[2].nonce"),
// spelled out only when a message needs it: decoding a valid record builds no names.
struct FieldName {
  FieldName(std::string_view name) : head(name) {}  // NOLINT(google-explicit-constructor): a plain name
  FieldName(const std::string& name) : head(name) {}  // NOLINT(google-explicit-constructor)
  FieldName(const char* name) : head(name) {}  // NOLINT(google-explicit-constructor)
  FieldName(std::string_view array, size_t i, std::string_view key = {}) : head(array), index(i), tail(key) {}

  std::string str() const {
    std::string out(head);
    if (index != kNone) out += fmt::format("[{}]", index);
    if (!tail.empty()) out += fmt::format(".{}", tail);
    return out;
  }

  static constexpr size_t kNone = SIZE_MAX;
  std::string_view head;
  size_t index = kNone;
  std::string_view tail;
};

// Field-level decoding with messages of the form "<where>: field <name>: <problem>".
class FieldDecoder {
 public:
  explicit FieldDecoder(std::string where) : where_(std::move(where)) {}

  Status Error(const FieldName& field, std::string_view problem) const {
    return Status::Corruption(fmt::format("{}: field {}: {}", where_, field.str(), problem));
  }

  Status U64(const element& e, const FieldName& field, uint64_t* out) const {
    uint64_t u;
    int64_t i;
    std::string_view s;
    if (e.get_uint64().get(u) == simdjson::SUCCESS) {
      *out = u;
      return Status::Ok();
    }
    if (e.get_int64().get(i) == simdjson::SUCCESS)  // only negatives reach here
      return Error(field, fmt::format("negative value {} where an unsigned 64-bit integer is required", i));
    if (e.is_double()) return Error(field, "not an unsigned 64-bit integer (fractional, or beyond 2^64-1)");
    if (e.get_string().get(s) == simdjson::SUCCESS) {  // decimal string, as some encoders write u64
      if (s.empty() || s.size() > 20) return Error(field, fmt::format("'{}' is not an unsigned 64-bit integer", Clip(s)));
      unsigned __int128 v = 0;
      for (char c : s) {
        if (c < '0' || c > '9') return Error(field, fmt::format("'{}' is not an unsigned 64-bit integer", Clip(s)));
        v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v > UINT64_MAX) return Error(field, fmt::format("{} is beyond 2^64-1", s));
      *out = static_cast<uint64_t>(v);
      return Status::Ok();
    }
    return Error(field, fmt::format("expected an unsigned 64-bit integer, found {}", TypeName(e)));
  }

  Status I64(const element& e, const FieldName& field, int64_t* out) const {
    int64_t i;
    if (e.get_int64().get(i) == simdjson::SUCCESS) {
      *out = i;
      return Status::Ok();
    }
    if (e.is_uint64() || e.is_double()) return Error(field, "beyond the signed 64-bit range");
    return Error(field, fmt::format("expected a signed 64-bit integer, found {}", TypeName(e)));
  }

  Status U8(const element& e, const FieldName& field, uint8_t* out) const {
    uint64_t v;
    FORENSICS_RETURN_IF_ERROR(U64(e, field, &v));
    if (v > 255) return Error(field, fmt::format("{} does not fit in a byte", v));
    *out = static_cast<uint8_t>(v);
    return Status::Ok();
  }

  // Raw bytes: a hex string (optional 0x) or an array of integers 0..255 (Go's [N]byte).
  Status RawBytes(const element& e, const FieldName& field, std::string* out) const {
    std::string_view s;
    simdjson::dom::array arr;
    if (e.get_string().get(s) == simdjson::SUCCESS) {
      if (!ParseHex(s, out)) return Error(field, fmt::format("'{}' is not hex", Clip(s)));
      return Status::Ok();
    }
    if (e.get_array().get(arr) == simdjson::SUCCESS) {
      out->clear();
      size_t i = 0;
      for (element x : arr) {
        uint64_t v;
        if (x.get_uint64().get(v) != simdjson::SUCCESS || v > 255)
          return Error(field, fmt::format("element {} is not a byte (0..255)", i));
        out->push_back(static_cast<char>(v));
        ++i;
      }
      return Status::Ok();
    }
    return Error(field, fmt::format("expected hex or an array of bytes, found {}", TypeName(e)));
  }

  template <size_t N>
  Status Fixed(const element& e, const FieldName& field, Bytes<N>* out) const {
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) {  // the common case: hex of the right length
      if (auto b = ParseHexN<N>(s)) {
        *out = *b;
        return Status::Ok();
      }
    }
    std::string raw;
    FORENSICS_RETURN_IF_ERROR(RawBytes(e, field, &raw));
    if (raw.size() != N)
      return Error(field, fmt::format("expected {} bytes ({} hex), found {} bytes", N, 2 * N, raw.size()));
    std::memcpy(out->data(), raw.data(), N);
    return Status::Ok();
  }

  Status Accounts(const element& e, std::string_view field, std::vector<AccountEntry>* out) const {
    simdjson::dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS)
      return Error(field, fmt::format("expected an array of accounts, found {}", TypeName(e)));
    size_t i = 0;
    for (element x : arr) {
      const size_t index = i++;
      object o;
      if (x.get_object().get(o) != simdjson::SUCCESS) return Error(FieldName(field, index), "expected an object");
      AccountEntry a{};
      bool have_addr = false, have_bal = false, have_nonce = false;
      const FieldName address(field, index, "address"), balance(field, index, "balance"),
          nonce(field, index, "nonce");
      for (auto [k, v] : o) {
        if (k == "address") {
          if (have_addr) return Error(address, "given twice");
          have_addr = true;
          FORENSICS_RETURN_IF_ERROR(Fixed(v, address, &a.address));
        } else if (k == "balance") {
          if (have_bal) return Error(balance, "given twice");
          have_bal = true;
          FORENSICS_RETURN_IF_ERROR(U64(v, balance, &a.balance));
        } else if (k == "nonce") {
          if (have_nonce) return Error(nonce, "given twice");
          have_nonce = true;
          FORENSICS_RETURN_IF_ERROR(U64(v, nonce, &a.nonce));
        }
      }
      if (!have_addr) return Error(address, "missing");
      if (!have_bal) return Error(balance, "missing");
      // A missing nonce means 0 (genesis allocations commonly omit it).
      out->push_back(a);
    }
    return Status::Ok();
  }

  const std::string& where() const { return where_; }

  static std::string Clip(std::string_view s) {
    return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "…";
  }

 private:
  std::string where_;
};

// Canonical block fields and their accepted spellings.
enum BlockField {
  kFHeight, kFHash, kFParent, kFStateRoot, kFTxRoot, kFTimestamp, kFValidator, kFDifficulty,
  kFNonce, kFGasLimit, kFGasUsed, kFExtra, kFCodec, kFCommitment, kFTxs, kFStateChanges, kFCount
};
struct Alias {
  std::string_view name;
  BlockField field;
};
constexpr Alias kBlockAliases[] = {
    {"height", kFHeight}, {"block_number", kFHeight}, {"block_index", kFHeight},
    {"hash", kFHash}, {"block_hash", kFHash},
    {"parent_hash", kFParent}, {"prev_hash", kFParent},
    {"state_root", kFStateRoot},
    {"tx_root", kFTxRoot}, {"merkle_root", kFTxRoot},
    {"timestamp", kFTimestamp},
    {"validator", kFValidator}, {"miner", kFValidator}, {"miner_address", kFValidator},
    {"difficulty", kFDifficulty}, {"difficulty_target", kFDifficulty},
    {"nonce", kFNonce},
    {"gas_limit", kFGasLimit}, {"gas_used", kFGasUsed},
    {"extra_data", kFExtra},
    {"codec_version", kFCodec},
    {"commitment", kFCommitment},
    {"transactions", kFTxs}, {"txs", kFTxs},
    {"state_changes", kFStateChanges},
};

Status ParseTx(const FieldDecoder& d, const element& e, size_t index, Transaction* tx,
               std::vector<std::string>* state_missing) {
  const FieldName base("transactions", index);
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return d.Error(base, "expected an object");
  enum { kCodec, kType, kFrom, kTo, kAmount, kNonce, kGasLimit, kGasPrice, kSig, kData, kTime, kHash, kFee, kN };
  static constexpr std::pair<std::string_view, int> kNames[] = {
      {"codec_version", kCodec}, {"tx_type", kType}, {"type", kType}, {"from", kFrom}, {"to", kTo},
      {"amount", kAmount}, {"nonce", kNonce}, {"gas_limit", kGasLimit}, {"gas_price", kGasPrice},
      {"signature", kSig}, {"data", kData}, {"timestamp", kTime}, {"hash", kHash},
      {"tx_hash", kHash}, {"fee", kFee}};
  bool seen[kN] = {};
  for (auto [k, v] : o) {
    int f = -1;
    for (auto& [n, id] : kNames)
      if (k == n) f = id;
    if (f < 0) continue;
    const FieldName name("transactions", index, k);
    if (seen[f]) return d.Error(name, "given twice (directly or through an alias)");
    seen[f] = true;
    if (v.is_null()) {
      seen[f] = false;  // null is the same as absent
      continue;
    }
    switch (f) {
      case kCodec: FORENSICS_RETURN_IF_ERROR(d.U8(v, name, &tx->codec_version)); break;
      case kType: FORENSICS_RETURN_IF_ERROR(d.U8(v, name, &tx->tx_type)); break;
      case kFrom: FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &tx->from)); break;
      case kTo: FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &tx->to)); break;
      case kAmount: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->amount)); break;
      case kNonce: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->nonce)); break;
      case kGasLimit: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->gas_limit)); break;
      case kGasPrice: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &tx->gas_price)); break;
      case kSig: {
        Signature s;
        FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &s));
        tx->signature = s;
        break;
      }
      case kData:
        FORENSICS_RETURN_IF_ERROR(d.RawBytes(v, name, &tx->data));
        if (tx->data.size() > kMaxTxData) return d.Error(name, "longer than 1 MiB");
        break;
      case kTime: FORENSICS_RETURN_IF_ERROR(d.I64(v, name, &tx->timestamp)); break;
      case kHash: {
        Hash32 h;
        FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &h));
        tx->hash = h;
        break;
      }
      case kFee: {
        uint64_t fee;
        FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &fee));
        tx->fee = fee;
        break;
      }
    }
  }
  static constexpr std::pair<int, std::string_view> kForState[] = {
      {kType, "tx_type"}, {kFrom, "from"}, {kTo, "to"}, {kAmount, "amount"},
      {kNonce, "nonce"}, {kGasLimit, "gas_limit"}, {kGasPrice, "gas_price"}};
  for (auto& [f, n] : kForState)
    if (!seen[f]) state_missing->push_back(FieldName("transactions", index, n).str());
  tx->message_complete = seen[kCodec] && seen[kType] && seen[kTime] && seen[kFrom] && seen[kTo] &&
                         seen[kAmount] && seen[kNonce] && seen[kGasLimit] && seen[kGasPrice];
  // Absent data is empty data only when everything else of the message is there.
  if (!seen[kCodec]) tx->codec_version = 1;
  return Status::Ok();
}

Result<Block> ParseBlock(const FieldDecoder& d, const object& o) {
  Block b;
  BlockHeader& h = b.header;
  bool seen[kFCount] = {};
  bool have_txs = false;
  for (auto [k, v] : o) {
    const Alias* alias = nullptr;
    for (const Alias& a : kBlockAliases)
      if (a.name == k) alias = &a;
    if (alias == nullptr) continue;
    const std::string_view name = k;
    if (seen[alias->field]) return d.Error(name, "given twice (directly or through an alias)");
    if (v.is_null()) continue;
    seen[alias->field] = true;
    // [&, &v = v]: clang 14 cannot capture a structured binding implicitly.
    auto hash_field = [&, &v = v](std::optional<Hash32>* out) -> Status {
      Hash32 x;
      FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &x));
      *out = x;
      return Status::Ok();
    };
    auto u64_field = [&, &v = v](std::optional<uint64_t>* out) -> Status {
      uint64_t x;
      FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &x));
      *out = x;
      return Status::Ok();
    };
    switch (alias->field) {
      case kFHeight: FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &h.height)); break;
      case kFHash: FORENSICS_RETURN_IF_ERROR(hash_field(&h.hash)); break;
      case kFParent: FORENSICS_RETURN_IF_ERROR(hash_field(&h.parent_hash)); break;
      case kFStateRoot: FORENSICS_RETURN_IF_ERROR(hash_field(&h.state_root)); break;
      case kFTxRoot: FORENSICS_RETURN_IF_ERROR(hash_field(&h.tx_root)); break;
      case kFCommitment: FORENSICS_RETURN_IF_ERROR(hash_field(&h.commitment)); break;
      case kFValidator: FORENSICS_RETURN_IF_ERROR(hash_field(&h.validator)); break;
      case kFTimestamp: {
        int64_t t;
        FORENSICS_RETURN_IF_ERROR(d.I64(v, name, &t));
        h.timestamp = t;
        break;
      }
      case kFDifficulty: FORENSICS_RETURN_IF_ERROR(u64_field(&h.difficulty)); break;
      case kFNonce: FORENSICS_RETURN_IF_ERROR(u64_field(&h.nonce)); break;
      case kFGasLimit: FORENSICS_RETURN_IF_ERROR(u64_field(&h.gas_limit)); break;
      case kFGasUsed: FORENSICS_RETURN_IF_ERROR(u64_field(&h.gas_used)); break;
      case kFExtra: {
        std::string x;
        FORENSICS_RETURN_IF_ERROR(d.RawBytes(v, name, &x));
        if (x.size() > 256) return d.Error(name, "longer than 256 bytes");
        h.extra_data = std::move(x);
        break;
      }
      case kFCodec: {
        uint8_t c;
        FORENSICS_RETURN_IF_ERROR(d.U8(v, name, &c));
        h.codec_version = c;
        break;
      }
      case kFTxs: {
        simdjson::dom::array arr;
        if (v.get_array().get(arr) != simdjson::SUCCESS)
          return d.Error(name, fmt::format("expected an array, found {}", TypeName(v)));
        have_txs = true;
        size_t i = 0;
        for (element t : arr) {
          Transaction tx;
          FORENSICS_RETURN_IF_ERROR(ParseTx(d, t, i++, &tx, &b.state_fields_missing));
          b.txs.push_back(std::move(tx));
        }
        break;
      }
      case kFStateChanges: {
        std::vector<AccountEntry> changes;
        FORENSICS_RETURN_IF_ERROR(d.Accounts(v, name, &changes));
        b.state_changes = std::move(changes);
        break;
      }
      case kFCount: break;
    }
  }
  if (!seen[kFHeight]) return d.Error("height", "missing (also looked for block_number, block_index)");
  if (!have_txs) b.state_fields_missing.insert(b.state_fields_missing.begin(), "transactions");
  return b;
}

Result<Snapshot> ParseSnapshot(const FieldDecoder& d, const object& o) {
  Snapshot s;
  bool have_height = false, have_accounts = false;
  for (auto [k, v] : o) {
    if (k == "height" || k == "block_number" || k == "block_index") {
      if (have_height) return d.Error(k, "given twice");
      have_height = true;
      FORENSICS_RETURN_IF_ERROR(d.U64(v, k, &s.height));
    } else if (k == "accounts") {
      if (have_accounts) return d.Error(k, "given twice");
      have_accounts = true;
      FORENSICS_RETURN_IF_ERROR(d.Accounts(v, "accounts", &s.accounts));
    }
  }
  if (!have_height) return d.Error("height", "missing");
  if (!have_accounts) return d.Error("accounts", "missing");
  return s;
}

// Finds what simdjson refused: the key whose number does not fit 64 bits, or the byte offset of
// the first syntax problem, so that the message can name the field.
std::string DiagnoseJson(std::string_view line, simdjson::error_code err) {
  if (err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE) {
    std::string_view last_key;
    bool in_string = false;
    size_t str_start = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
          size_t j = i + 1;
          while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
          if (j < line.size() && line[j] == ':') last_key = line.substr(str_start, i - str_start);
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
        str_start = i + 1;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        size_t j = i;
        while (j < line.size() && std::string_view("+-.eE0123456789").find(line[j]) != std::string_view::npos) ++j;
        std::string_view num = line.substr(i, j - i);
        size_t digits = 0;
        for (char d : num) digits += (d >= '0' && d <= '9');
        bool plain = num.find_first_of(".eE") == std::string_view::npos;
        if (plain && (digits > 19 && !(digits == 20 && num[0] != '-' && num <= "18446744073709551615")))
          return fmt::format("field {}: {} does not fit in 64 bits (byte {})", last_key, FieldDecoder::Clip(num), i + 1);
        i = j - 1;
      }
    }
  }
  return fmt::format("not valid JSON ({})", simdjson::error_message(err));
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

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
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

}  // namespace

Result<ChainMeta> ParseChainLine(std::string_view line, std::string_view where) {
  FieldDecoder d{std::string(where)};
  element root;
  auto obj = ParseObject(ThreadParser(), line, d, &root);
  if (!obj) return obj.error();
  if (RecordKind(*obj) != "chain")
    return d.Error("record", "the first line of an export must be the \"chain\" record");
  ChainMeta m;
  bool have_profile = false;
  for (auto [k, v] : *obj) {
    std::string_view s;
    if (k == "format") {
      if (v.get_string().get(s) != simdjson::SUCCESS) return d.Error(k, "expected a string");
      m.format = std::string(s);
    } else if (k == "profile") {
      if (have_profile) return d.Error(k, "given twice");
      have_profile = true;
      if (v.get_string().get(s) != simdjson::SUCCESS) return d.Error(k, "expected a string");
      auto p = ParseProfile(s);
      if (!p) return d.Error(k, fmt::format("unknown profile '{}' (expected neta or core-v4)", FieldDecoder::Clip(s)));
      m.profile = *p;
    } else if (k == "validators") {
      simdjson::dom::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return d.Error(k, "expected an array");
      size_t i = 0;
      for (element x : arr) {
        Address a;
        FORENSICS_RETURN_IF_ERROR(d.Fixed(x, fmt::format("validators[{}]", i++), &a));
        m.validators.push_back(a);
      }
    } else if (k == "treasury") {
      if (v.is_null()) continue;
      Address a;
      FORENSICS_RETURN_IF_ERROR(d.Fixed(v, "treasury", &a));
      m.treasury = a;
    } else if (k == "genesis_accounts") {
      FORENSICS_RETURN_IF_ERROR(d.Accounts(v, "genesis_accounts", &m.genesis_accounts));
    }
  }
  if (m.format != "coinjecture-chain-export/1")
    return d.Error("format", m.format.empty() ? "missing (expected coinjecture-chain-export/1)"
                                              : fmt::format("unsupported format '{}'", FieldDecoder::Clip(m.format)));
  return m;
}

Result<ChainRecord> ParseRecordLine(std::string_view line, Profile profile, std::string_view where) {
  (void)profile;
  FieldDecoder d{std::string(where)};
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
