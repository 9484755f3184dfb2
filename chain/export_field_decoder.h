// Field-level decoding of export records (docs/chain.md §5) from simdjson values: integers, bytes,
// accounts, with messages of the form "<where>: field <name>: <problem>" that name the field as
// "transactions[3].from". Private to forensics_chain.
#ifndef FORENSICS_CHAIN_EXPORT_FIELD_DECODER_H_
#define FORENSICS_CHAIN_EXPORT_FIELD_DECODER_H_

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "export_json.h"
#include "forensics/codec.h"
#include "forensics/result.h"
#include "forensics/types.h"

namespace forensics::export_json {

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
    out->reserve(out->size() + arr.size());
    size_t i = 0;
    for (element x : arr) FORENSICS_RETURN_IF_ERROR(Account(x, field, i++, out));
    return Status::Ok();
  }

  // Element `index` of the accounts array `field`, appended to *out.
  Status Account(const element& x, std::string_view field, size_t index, std::vector<AccountEntry>* out) const {
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
    return Status::Ok();
  }

  const std::string& where() const { return where_; }

  static std::string Clip(std::string_view s) {
    return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "…";
  }

 private:
  std::string where_;
};

}  // namespace forensics::export_json

#endif  // FORENSICS_CHAIN_EXPORT_FIELD_DECODER_H_
