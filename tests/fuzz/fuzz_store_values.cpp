// libFuzzer target: the chain store's value decoders (store_format.h). The first byte picks the
// decoder (block, transaction, account list, snapshot header, chain metadata), the rest is the
// value. A decode either succeeds or is a Corruption naming the key; one that succeeds re-encodes
// to the very bytes it came from (the store only holds what its encoders wrote, so any other
// spelling of a value is damage). Claimed counts must not allocate beyond what the bytes hold:
// run.sh runs it with -malloc_limit_mb.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "store/store_format.h"

namespace {

constexpr std::string_view kWhere = "DIR block 7";

int CheckFailure(const forensics::Status& s) {
  if (s.code() != forensics::Status::Code::kCorruption) std::abort();
  if (s.message().find(kWhere) != 0) std::abort();
  return 0;
}

std::string Varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}

void CheckSame(std::string_view value, const std::string& reencoded) {
  if (reencoded != value) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace forensics;
  if (size == 0) return 0;
  const std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      Block b;
      uint32_t n_txs = 0;
      Status s = store::DecodeBlock(value, kWhere, &b, &n_txs);
      if (!s.ok()) return CheckFailure(s);
      // The encoder takes the transaction count from the block's transactions, which may be
      // billions: encoded without them, the count's varint is then put back in place.
      const std::string none = store::EncodeBlock(b);
      Block header_only;
      header_only.header = b.header;
      const size_t at = store::EncodeBlock(header_only).size() - 2;
      CheckSame(value, none.substr(0, at) + Varint(n_txs) + none.substr(at + 1));
      break;
    }
    case 1: {
      Transaction tx;
      Status s = store::DecodeTx(value, kWhere, &tx);
      if (!s.ok()) return CheckFailure(s);
      CheckSame(value, store::EncodeTx(tx));
      break;
    }
    case 2: {
      // Decoded after what a previous chunk left (DecodeAccounts appends).
      std::vector<AccountEntry> accounts(size % 3);
      Status s = store::DecodeAccounts(value, kWhere, &accounts);
      if (!s.ok()) return CheckFailure(s);
      CheckSame(value, store::EncodeAccounts(accounts.data() + size % 3, accounts.size() - size % 3));
      break;
    }
    case 3: {
      uint64_t accounts = 0;
      uint32_t chunks = 0;
      Status s = store::DecodeSnapshotHeader(value, kWhere, &accounts, &chunks);
      if (!s.ok()) return CheckFailure(s);
      CheckSame(value, store::EncodeSnapshotHeader(accounts, chunks));
      break;
    }
    case 4: {
      ChainMeta m;
      Status s = store::DecodeMeta(value, kWhere, &m);
      if (!s.ok()) return CheckFailure(s);
      CheckSame(value, store::EncodeMeta(m));
      break;
    }
  }
  return 0;
}
