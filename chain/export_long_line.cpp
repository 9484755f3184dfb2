// Long export lines: two JsonSpans walks, the thread's parser over one member at a time. See
// export_long_line.h.
#include "export_long_line.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "export_json.h"
#include "export_record_decoders.h"
#include "io/decoders.h"
#include "io/json_spans.h"

namespace forensics::export_json {
namespace {

// The longest member of a long line that is parsed alone: a header field or an account (a 256-byte
// extra_data as an array of integers with spaces is 1.3 KB) ...
constexpr size_t kMaxMemberBytes = 64u << 10;
// ... and a transaction (data of 1 MiB as an array of integers 0..255 is 4 MiB).
constexpr size_t kMaxTxBytes = (4u << 20) + kMaxMemberBytes;

// The least JSON a validator or an account takes: its address, 64 hex digits or 32 integers with
// commas. A long line reserves room for no more of them than its length allows.
constexpr size_t kMinAddressBytes = 64;

// What a JSON value is, from its text (for a value too long to be parsed to say so).
std::string_view KindOf(std::string_view span) {
  switch (span.empty() ? '\0' : span.front()) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
  }
  return span.find_first_of(".eE") == std::string_view::npos ? "an integer" : "a non-integer number";
}

// A line longer than kWholeLineBytes, walked twice by JsonSpans without a tape. The first walk
// checks the grammar of the whole line and finds the record kind and the length of its arrays;
// the second decodes each member, and each element of the transactions, state changes and
// accounts (of a chain line: the validators and genesis accounts), with the thread's parser over
// that span alone, into the same decoders as a whole line. Memory: the line, the record it decodes to, and the parse of one member (at most
// kMaxTxBytes of text).
class LongLine {
 public:
  LongLine(std::string_view line, const FieldDecoder& d) : line_(line), d_(d) {}

  Result<ChainRecord> Decode() {
    FORENSICS_RETURN_IF_ERROR(Check());
    if (kind_ == "block") {
      auto b = DecodeBlock();
      if (!b) return b.error();
      return ChainRecord(std::move(*b));
    }
    if (kind_ == "snapshot") {
      auto s = DecodeSnapshot();
      if (!s) return s.error();
      return ChainRecord(std::move(*s));
    }
    if (kind_.empty()) return d_.Error("record", "missing (expected \"block\" or \"snapshot\")");
    return d_.Error("record", fmt::format("unknown record kind '{}'", FieldDecoder::Clip(kind_)));
  }

  // The room to reserve for an array of addresses, accounts or state changes that Scan counted
  // `count` elements in: no more than the line could hold if each were valid (an element of "1,"
  // counts but cannot be an account, and 64 million of them must not reserve gigabytes).
  size_t AddressRoom(const std::optional<size_t>& count) const {
    return std::min(count.value_or(0), line_.size() / kMinAddressBytes);
  }

  // The line as the chain record, the first of an export (ParseChainLine).
  Result<ChainMeta> DecodeChain() {
    FORENSICS_RETURN_IF_ERROR(Check());
    if (kind_ != "chain") return d_.Error("record", "the first line of an export must be the \"chain\" record");
    ChainDecoder chain(d_);
    // Room is reserved for the first array of each name (the length Scan found), once.
    size_t validators = AddressRoom(validators_);
    size_t genesis = AddressRoom(genesis_);
    Status st = Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      const ChainDecoder::Member m = ChainDecoder::Find(key);
      if (m == ChainDecoder::kOther) return Skip(s);
      if (m == ChainDecoder::kValidators && s.Peek() == '[') {
        chain.StartValidators(std::exchange(validators, 0));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName("validators", i));
          if (!e) return e.error();
          return chain.Validator(i, *e);
        });
      }
      if (m == ChainDecoder::kGenesis && s.Peek() == '[') {
        chain.StartGenesis(std::exchange(genesis, 0));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName("genesis_accounts", i));
          if (!e) return e.error();
          return chain.GenesisAccount(i, *e);
        });
      }
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      auto e = Parse(span, kMaxMemberBytes, key);
      if (!e) return e.error();
      return chain.Field(m, key, *e);
    });
    if (!st.ok()) return st;
    return chain.Finish();
  }

 private:
  // The line's UTF-8 and grammar, and what Scan finds.
  Status Check() {
    if (!io::IsValidUtf8(line_.data(), line_.size()))
      return Status::Corruption(fmt::format("{}: not valid JSON ({})", d_.where(), simdjson::error_message(simdjson::UTF8_ERROR)));
    return Scan();
  }

  Status SyntaxError(const io::JsonSpans& s) const {
    return Status::Corruption(
        fmt::format("{}: not valid JSON at byte {} of the line ({})", d_.where(), s.error_offset() + 1, s.error()));
  }

  size_t Offset(std::string_view span) const { return static_cast<size_t>(span.data() - line_.data()); }

  // The value `span` of the line, parsed alone; `limit` bounds its length.
  Result<element> Parse(std::string_view span, size_t limit, const FieldName& name) const {
    if (span.size() > limit)
      return d_.Error(name, fmt::format("{} bytes of JSON at byte {} of the line, more than a valid value takes "
                                        "({} at most)",
                                        span.size(), Offset(span) + 1, limit));
    element e;
    simdjson::error_code err = ThreadParser().parse(span.data(), span.size(), true).get(e);
    if (err != simdjson::SUCCESS)
      return Status::Corruption(
          fmt::format("{}: at byte {} of the line: {}", d_.where(), Offset(span) + 1, DiagnoseJson(span, err)));
    return e;
  }

  // A string's text between its quotes, unescaped (into *storage when it has escapes).
  Result<std::string_view> Unescape(std::string_view raw, std::string* storage) const {
    if (raw.find('\\') == std::string_view::npos) return raw;
    auto e = Parse(std::string_view(raw.data() - 1, raw.size() + 2), SIZE_MAX, "key");
    if (!e) return e.error();
    std::string_view s;
    if (e->get_string().get(s) != simdjson::SUCCESS) return d_.Error("key", "expected a string");
    *storage = std::string(s);
    return std::string_view(*storage);
  }

  // The elements of the array at s.pos(), each passed to element(index, span).
  template <typename F>
  Status Elements(io::JsonSpans& s, F element) const {
    if (!s.Expect('[')) return SyntaxError(s);
    for (size_t i = 0;; ++i) {
      bool done = false;
      if (!s.Element(i == 0, &done)) return SyntaxError(s);
      if (done) return Status::Ok();
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      FORENSICS_RETURN_IF_ERROR(element(i, span));
    }
  }

  // The members of the object (the whole line), each passed to member(key, s) with the value
  // at s.pos(), which member consumes.
  template <typename F>
  Status Members(F member) const {
    io::JsonSpans s(line_);
    s.SkipSpace();
    if (s.Peek() != '{') {
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      return Status::Corruption(fmt::format("{}: expected a JSON object, found {}", d_.where(), KindOf(span)));
    }
    (void)s.Expect('{');
    for (bool first = true;; first = false) {
      std::string_view raw;
      bool done = false;
      if (!s.Member(first, &raw, &done)) return SyntaxError(s);
      if (done) break;
      std::string storage;
      auto key = Unescape(raw, &storage);
      if (!key) return key.error();
      s.SkipSpace();
      FORENSICS_RETURN_IF_ERROR(member(*key, s));
    }
    s.SkipSpace();
    if (!s.AtEnd())
      return Status::Corruption(fmt::format("{}: not valid JSON at byte {} of the line (text after the object)",
                                            d_.where(), s.pos() + 1));
    return Status::Ok();
  }

  Status Skip(io::JsonSpans& s) const {
    std::string_view span;
    return s.Value(&span) ? Status::Ok() : SyntaxError(s);
  }

  // First walk: the grammar, the record kind, the length of the first array under each name.
  Status Scan() {
    bool have_record = false;
    return Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      if (key == "record" && !have_record) {
        have_record = true;
        if (s.Peek() != '"') return Skip(s);
        std::string_view raw;
        if (!s.String(&raw)) return SyntaxError(s);
        std::string storage;
        auto kind = Unescape(raw, &storage);
        if (!kind) return kind.error();
        kind_ = std::string(*kind);
        return Status::Ok();
      }
      std::optional<size_t>* count = key == "transactions" || key == "txs" ? &txs_
                                     : key == "state_changes"            ? &changes_
                                     : key == "accounts"                 ? &accounts_
                                     : key == "validators"               ? &validators_
                                     : key == "genesis_accounts"         ? &genesis_
                                                                         : nullptr;
      if (count == nullptr || count->has_value() || s.Peek() != '[') return Skip(s);
      size_t n = 0;
      FORENSICS_RETURN_IF_ERROR(Elements(s, [&](size_t, std::string_view) {
        ++n;
        return Status::Ok();
      }));
      *count = n;
      return Status::Ok();
    });
  }

  Result<Block> DecodeBlock() const {
    BlockDecoder block(d_);
    Status st = Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      const Alias* a = BlockDecoder::Find(key);
      if (a == nullptr) return Skip(s);
      bool take = false;
      FORENSICS_RETURN_IF_ERROR(block.Begin(*a, key, s.Peek() == 'n', &take));
      if (!take) return Skip(s);
      if (a->field == kFTxs && s.Peek() == '[') {
        FORENSICS_RETURN_IF_ERROR(block.StartTxs(key, txs_.value_or(0)));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxTxBytes, FieldName("transactions", i));
          if (!e) return e.error();
          return block.Tx(key, *e);
        });
      }
      if (a->field == kFStateChanges && s.Peek() == '[') {
        block.StartChanges(AddressRoom(changes_));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName(key, i));
          if (!e) return e.error();
          return block.Change(key, i, *e);
        });
      }
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      auto e = Parse(span, kMaxMemberBytes, key);
      if (!e) return e.error();
      return block.Field(*a, key, *e);
    });
    if (!st.ok()) return st;
    return block.Finish();
  }

  Result<Snapshot> DecodeSnapshot() const {
    SnapshotDecoder snap(d_);
    Status st = Members([&](std::string_view key, io::JsonSpans& s) -> Status {
      const bool height = SnapshotDecoder::IsHeight(key);
      if (!height && key != "accounts") return Skip(s);
      if (!height && s.Peek() == '[') {
        FORENSICS_RETURN_IF_ERROR(snap.StartAccounts(key, AddressRoom(accounts_)));
        return Elements(s, [&](size_t i, std::string_view span) -> Status {
          auto e = Parse(span, kMaxMemberBytes, FieldName("accounts", i));
          if (!e) return e.error();
          return snap.Account(i, *e);
        });
      }
      std::string_view span;
      if (!s.Value(&span)) return SyntaxError(s);
      auto e = Parse(span, kMaxMemberBytes, key);
      if (!e) return e.error();
      return height ? snap.Height(key, *e) : snap.Accounts(key, *e);
    });
    if (!st.ok()) return st;
    return snap.Finish();
  }

  std::string_view line_;
  const FieldDecoder& d_;
  std::string kind_;
  std::optional<size_t> txs_, changes_, accounts_, validators_, genesis_;  // the length of the first array of each name
};

}  // namespace

Result<ChainRecord> DecodeLongLine(std::string_view line, const FieldDecoder& d) { return LongLine(line, d).Decode(); }

Result<ChainMeta> DecodeLongChainLine(std::string_view line, const FieldDecoder& d) {
  return LongLine(line, d).DecodeChain();
}

}  // namespace forensics::export_json
