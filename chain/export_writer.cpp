// NDJSON export records.
#include "forensics/export_writer.h"

#include "forensics/json_writer.h"

namespace forensics {
namespace {

void Accounts(JsonWriter& w, const std::vector<AccountEntry>& accounts) {
  w.BeginArray();
  for (const AccountEntry& a : accounts)
    w.BeginObject().Field("address", a.address.Hex()).Field("balance", a.balance).Field("nonce", a.nonce).EndObject();
  w.EndArray();
}

template <typename T>
void Opt(JsonWriter& w, std::string_view key, const std::optional<T>& v) {
  if (!v) return;
  if constexpr (std::is_same_v<T, Hash32>) {
    w.Field(key, v->Hex());
  } else if constexpr (std::is_same_v<T, int64_t>) {
    w.Key(key).Int(*v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    w.Field(key, ToHex({reinterpret_cast<const uint8_t*>(v->data()), v->size()}));
  } else {
    w.Key(key).Uint(*v);
  }
}

}  // namespace

std::string ChainRecordLine(const ChainMeta& m) {
  JsonWriter w(false);
  w.BeginObject();
  w.Field("record", "chain");
  w.Field("format", m.format.empty() ? "coinjecture-chain-export/1" : m.format);
  w.Field("profile", ProfileName(m.profile));
  w.Key("validators").BeginArray();
  for (const Address& a : m.validators) w.String(a.Hex());
  w.EndArray();
  if (m.treasury) w.Field("treasury", m.treasury->Hex());
  w.Key("genesis_accounts");
  Accounts(w, m.genesis_accounts);
  w.EndObject();
  return w.Finish();
}

std::string BlockRecordLine(const Block& b, Profile profile) {
  const BlockHeader& h = b.header;
  JsonWriter w(false);
  w.BeginObject();
  w.Field("record", "block");
  if (profile == Profile::kNeta) {
    w.Key("height").Uint(h.height);
    Opt(w, "hash", h.hash);
    Opt(w, "parent_hash", h.parent_hash);
    Opt(w, "state_root", h.state_root);
    Opt(w, "tx_root", h.tx_root);
    Opt(w, "timestamp", h.timestamp);
    Opt(w, "validator", h.validator);
    Opt(w, "difficulty", h.difficulty);
    Opt(w, "nonce", h.nonce);
    Opt(w, "gas_limit", h.gas_limit);
    Opt(w, "gas_used", h.gas_used);
    Opt(w, "extra_data", h.extra_data);
  } else {
    if (h.codec_version) w.Key("codec_version").Uint(*h.codec_version);
    w.Key("block_index").Uint(h.height);
    Opt(w, "hash", h.hash);
    Opt(w, "timestamp", h.timestamp);
    Opt(w, "parent_hash", h.parent_hash);
    Opt(w, "merkle_root", h.tx_root);
    Opt(w, "miner_address", h.validator);
    Opt(w, "commitment", h.commitment);
    Opt(w, "difficulty_target", h.difficulty);
    Opt(w, "nonce", h.nonce);
    Opt(w, "extra_data", h.extra_data);
    Opt(w, "state_root", h.state_root);
  }
  w.Key("transactions").BeginArray();
  for (const Transaction& tx : b.txs) {
    w.BeginObject();
    w.Key("codec_version").Uint(tx.codec_version);
    w.Key("tx_type").Uint(tx.tx_type);
    w.Field("from", tx.from.Hex());
    w.Field("to", tx.to.Hex());
    w.Key("amount").Uint(tx.amount);
    w.Key("nonce").Uint(tx.nonce);
    w.Key("gas_limit").Uint(tx.gas_limit);
    w.Key("gas_price").Uint(tx.gas_price);
    if (tx.signature) w.Field("signature", tx.signature->Hex());
    w.Field("data", ToHex({reinterpret_cast<const uint8_t*>(tx.data.data()), tx.data.size()}));
    w.Key("timestamp").Int(tx.timestamp);
    if (tx.hash) w.Field("hash", tx.hash->Hex());
    if (tx.fee) w.Key("fee").Uint(*tx.fee);
    w.EndObject();
  }
  w.EndArray();
  if (b.state_changes) {
    w.Key("state_changes");
    Accounts(w, *b.state_changes);
  }
  w.EndObject();
  return w.Finish();
}

std::string SnapshotRecordLine(const Snapshot& s) {
  JsonWriter w(false);
  w.BeginObject();
  w.Field("record", "snapshot");
  w.Key("height").Uint(s.height);
  w.Key("accounts");
  Accounts(w, s.accounts);
  w.EndObject();
  return w.Finish();
}

}  // namespace forensics
