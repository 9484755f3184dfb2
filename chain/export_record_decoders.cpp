// A block's transactions, one element at a time, for the block decoder. See export_record_decoders.h.
#include "export_record_decoders.h"

#include <utility>

namespace forensics::export_json {

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
    if (!seen[f] && state_missing->size() < kMaxMissingNames)
      state_missing->push_back(FieldName("transactions", index, n).str());
  tx->message_complete = seen[kCodec] && seen[kType] && seen[kTime] && seen[kFrom] && seen[kTo] &&
                         seen[kAmount] && seen[kNonce] && seen[kGasLimit] && seen[kGasPrice];
  // Absent data is empty data only when everything else of the message is there.
  if (!seen[kCodec]) tx->codec_version = 1;
  return Status::Ok();
}

}  // namespace forensics::export_json
