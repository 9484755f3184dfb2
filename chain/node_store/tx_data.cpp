// tx_data decoding (tx_data.h), with the export's field decoder (hex or Go's [N]byte arrays).
#include "tx_data.h"

#include <simdjson.h>

#include "../export_field_decoder.h"
#include "../export_record_decoders.h"

namespace forensics::node_store {

using export_json::FieldDecoder;
using export_json::FieldName;

Result<std::vector<TxDataEntry>> DecodeTxData(simdjson::dom::parser* parser, std::string_view json, const std::string& where) {
  simdjson::dom::element doc;
  if (auto err = parser->parse(json.data(), json.size()).get(doc); err)
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
    for (auto [k, v] : o) {
      if (v.is_null()) continue;
      const FieldName name("tx_data", i, k);
      auto u64 = [&](std::optional<uint64_t>* f) -> Status {
        if (f->has_value()) return d.Error(name, "given twice (directly or through an alias)");
        uint64_t x;
        FORENSICS_RETURN_IF_ERROR(d.U64(v, name, &x));
        *f = x;
        return Status::Ok();
      };
      auto fixed = [&](auto* f) -> Status {
        if (f->has_value()) return d.Error(name, "given twice (directly or through an alias)");
        typename std::decay_t<decltype(*f)>::value_type x;
        FORENSICS_RETURN_IF_ERROR(d.Fixed(v, name, &x));
        *f = x;
        return Status::Ok();
      };
      if (k == "tx_hash" || k == "hash") {
        FORENSICS_RETURN_IF_ERROR(fixed(&t.hash));
      } else if (k == "from") {
        FORENSICS_RETURN_IF_ERROR(fixed(&t.from));
      } else if (k == "to") {
        FORENSICS_RETURN_IF_ERROR(fixed(&t.to));
      } else if (k == "signature") {
        FORENSICS_RETURN_IF_ERROR(fixed(&t.signature));
      } else if (k == "amount") {
        FORENSICS_RETURN_IF_ERROR(u64(&t.amount));
      } else if (k == "fee") {
        FORENSICS_RETURN_IF_ERROR(u64(&t.fee));
      } else if (k == "nonce") {
        FORENSICS_RETURN_IF_ERROR(u64(&t.nonce));
      } else if (k == "gas_limit") {
        FORENSICS_RETURN_IF_ERROR(u64(&t.gas_limit));
      } else if (k == "gas_price") {
        FORENSICS_RETURN_IF_ERROR(u64(&t.gas_price));
      } else if (k == "tx_type") {
        if (t.tx_type) return d.Error(name, "given twice");
        uint8_t x;
        FORENSICS_RETURN_IF_ERROR(d.U8(v, name, &x));
        t.tx_type = x;
      }
    }
    out.push_back(t);
    ++i;
  }
  return out;
}

}  // namespace forensics::node_store
