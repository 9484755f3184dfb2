// tx_data decoding (tx_data.h): a one-pass reader of the plain JSON upstream writes (Go's [N]byte
// arrays of integers are most of its bytes), and simdjson's DOM with the export's field decoder for
// everything else, whose messages name the entry and the field.
#include "tx_data.h"

#include <cstring>
#include <variant>

#include "../export_field_decoder.h"
#include "../export_record_decoders.h"

namespace forensics::node_store {
namespace {

using export_json::FieldDecoder;
using export_json::FieldName;
// The entry's field a key of either shape names ("tx_hash" and "hash" alike), or none for another key.
using Slot = std::variant<std::monostate, std::optional<Bytes<32>>*, std::optional<Bytes<64>>*, std::optional<uint64_t>*,
                          std::optional<uint8_t>*>;
Slot SlotOf(std::string_view k, TxDataEntry* t) {
  if (k == "tx_hash" || k == "hash") return &t->hash;
  if (k == "from") return &t->from;
  if (k == "to") return &t->to;
  if (k == "signature") return &t->signature;
  if (k == "amount") return &t->amount;
  if (k == "fee") return &t->fee;
  if (k == "nonce") return &t->nonce;
  if (k == "gas_limit") return &t->gas_limit;
  if (k == "gas_price") return &t->gas_price;
  if (k == "tx_type") return &t->tx_type;
  return std::monostate{};
}

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

// The one-pass reading of the plain JSON both upstream shapes are: an array of objects whose keys are
// unescaped strings and whose values are unsigned integers, hex strings or arrays of integers. It
// takes nothing else (escapes, nulls, floats, signs, leading zeros, other nesting, duplicates, wrong
// lengths): such an array is decoded again by the field decoder, which reads all of JSON and names
// the entry and the field. So the fast reading gives what the exact one gives, or gives up.
class FastReader {
 public:
  explicit FastReader(std::string_view json) : p_(json.data()), end_(json.data() + json.size()) {}

  bool Entries(std::vector<TxDataEntry>* out) {
    if (!Take('[')) return false;
    if (Peek() == ']') return Take(']') && AtEnd();
    while (true) {
      if (out->size() >= export_json::kMaxBlockTxs) return false;
      TxDataEntry t;
      if (!Entry(&t)) return false;
      out->push_back(t);
      if (Peek() == ',') {
        ++p_;
        continue;
      }
      return Take(']') && AtEnd();
    }
  }

 private:
  void Space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
  }
  char Peek() {
    Space();
    return p_ < end_ ? *p_ : '\0';
  }
  bool Take(char c) {
    if (Peek() != c) return false;
    ++p_;
    return true;
  }
  bool AtEnd() {
    Space();
    return p_ == end_;
  }
  // A string without escapes or control characters.
  bool String(std::string_view* out) {
    if (!Take('"')) return false;
    const char* start = p_;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }
  // An unsigned integer: digits without a leading zero, at most 2^64 − 1, no fraction or exponent.
  bool U64(uint64_t* out) {
    Space();
    const char* start = p_;
    uint64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      const uint64_t d = static_cast<uint64_t>(*p_ - '0');
      if (v > (UINT64_MAX - d) / 10) return false;
      v = v * 10 + d;
      ++p_;
    }
    const size_t n = static_cast<size_t>(p_ - start);
    if (n == 0 || (n > 1 && *start == '0')) return false;
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    *out = v;
    return true;
  }
  template <size_t N>
  bool Fixed(std::optional<Bytes<N>>* f) {
    if (f->has_value()) return false;
    Bytes<N> b;
    if (Peek() == '"') {
      std::string_view s;
      if (!String(&s)) return false;
      auto h = ParseHexN<N>(s);
      if (!h) return false;
      *f = *h;
      return true;
    }
    if (!Take('[')) return false;
    // Go writes "[12,255,0,…]" (1 to 3 digits, a comma, no space): read that directly, and anything
    // else (spaces, say) by the general steps.
    for (size_t i = 0; i < N; ++i) {
      if (i > 0) {
        if (p_ < end_ && *p_ == ',') {
          ++p_;
        } else if (!Take(',')) {
          return false;
        }
      }
      if (end_ - p_ >= 5 && p_[0] >= '1' && p_[0] <= '9') {  // p_[0..4]: up to 4 digits and the next byte
        unsigned v = static_cast<unsigned>(p_[0] - '0');
        size_t n = 1;
        while (n < 4 && p_[n] >= '0' && p_[n] <= '9') v = v * 10 + static_cast<unsigned>(p_[n++] - '0');
        const char next = p_[n];
        if (n <= 3 && v <= 255 && next != '.' && next != 'e' && next != 'E') {
          b[i] = static_cast<uint8_t>(v);
          p_ += n;
          continue;
        }
      }
      uint64_t x;
      if (!U64(&x) || x > 255) return false;
      b[i] = static_cast<uint8_t>(x);
    }
    if (!Take(']')) return false;
    *f = b;
    return true;
  }
  bool Number(std::optional<uint64_t>* f) {
    uint64_t x;
    if (f->has_value() || !U64(&x)) return false;
    *f = x;
    return true;
  }
  bool Entry(TxDataEntry* t) {
    if (!Take('{')) return false;
    if (Peek() == '}') return Take('}');
    while (true) {
      std::string_view k;
      if (!String(&k) || !Take(':')) return false;
      const bool ok = std::visit(
          Overloaded{[](std::monostate) { return false; },  // another key: the field decoder skips it
                     [this](std::optional<Bytes<32>>* f) { return Fixed(f); },
                     [this](std::optional<Bytes<64>>* f) { return Fixed(f); },
                     [this](std::optional<uint64_t>* f) { return Number(f); },
                     [this](std::optional<uint8_t>* f) {
                       uint64_t x;
                       if (f->has_value() || !U64(&x) || x > 255) return false;
                       *f = static_cast<uint8_t>(x);
                       return true;
                     }},
          SlotOf(k, t));
      if (!ok) return false;
      if (Peek() == ',') {
        ++p_;
        continue;
      }
      return Take('}');
    }
  }

  const char* p_;
  const char* end_;
};

// The field decoder's reading, for the messages.
Result<std::vector<TxDataEntry>> DecodeExact(simdjson::dom::parser& parser, std::string_view json, const std::string& where) {
  simdjson::dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc); err)
    return Status::Corruption(fmt::format("{}: not valid JSON ({})", where, simdjson::error_message(err)));
  simdjson::dom::array arr;
  if (doc.get_array().get(arr) != simdjson::SUCCESS)
    return Status::Corruption(fmt::format("{}: expected a JSON array of transactions", where));
  const FieldDecoder d(where);
  std::vector<TxDataEntry> out;
  size_t i = 0;
  for (simdjson::dom::element e : arr) {
    if (out.size() >= export_json::kMaxBlockTxs)
      return Status::Corruption(fmt::format("{}: more than {} transactions", where, export_json::kMaxBlockTxs));
    simdjson::dom::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return d.Error(FieldName("tx_data", i), "expected an object");
    TxDataEntry t;
    for (auto [k, value] : o) {
      if (value.is_null()) continue;
      const simdjson::dom::element v = value;  // a lambda may not capture a structured binding (C++17, clang 14)
      const FieldName name("tx_data", i, k);
      auto given_twice = [&] { return d.Error(name, "given twice (directly or through an alias)"); };
      FORENSICS_RETURN_IF_ERROR(std::visit(
          Overloaded{[](std::monostate) { return Status::Ok(); },
                     [&](auto* f) -> Status {  // a hash, an address or a signature
                       if (f->has_value()) return given_twice();
                       typename std::decay_t<decltype(*f)>::value_type x;
                       FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &x));
                       *f = x;
                       return Status::Ok();
                     },
                     [&](std::optional<uint64_t>* f) -> Status {
                       if (f->has_value()) return given_twice();
                       uint64_t x;
                       FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &x));
                       *f = x;
                       return Status::Ok();
                     },
                     [&](std::optional<uint8_t>* f) -> Status {
                       if (f->has_value()) return given_twice();
                       uint8_t x = 0;  // set by U8 when it succeeds (g++ cannot see that through the macro)
                       FORENSICS_RETURN_IF_ERROR(d.U8(v, name, &x));
                       *f = x;
                       return Status::Ok();
                     }},
          SlotOf(k, &t)));
    }
    out.push_back(t);
    ++i;
  }
  return out;
}

}  // namespace

Result<std::vector<TxDataEntry>> TxDataDecoder::Decode(std::string_view json, const ColumnWhere& where) {
  std::vector<TxDataEntry> out;
  if (FastReader(json).Entries(&out)) {
    ++one_pass_;
    return out;
  }
  return DecodeExact(parser_, json, where.str());
}

}  // namespace forensics::node_store
