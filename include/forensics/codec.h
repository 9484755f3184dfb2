// The byte-exact codecs of docs/chain.md: block hashes of both profiles, the legacy (Python) header
// encoding, the transaction signing message and neta tx hash, money rules and Ed25519.
#ifndef FORENSICS_CODEC_H_
#define FORENSICS_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "forensics/chain.h"
#include "forensics/merkle.h"
#include "forensics/result.h"
#include "forensics/types.h"

namespace forensics {

// --- Block headers --------------------------------------------------------------------------

// A core-v4 header with every field present (the shape the msgpack codec encodes and decodes).
struct CoreV4Header {
  uint8_t codec_version = 1;
  uint64_t block_index = 0;
  int64_t timestamp = 0;
  Hash32 parent_hash;
  Hash32 merkle_root;
  Address miner_address;
  Hash32 commitment;
  uint64_t difficulty_target = 0;
  uint64_t nonce = 0;
  std::string extra_data;  // ≤ 256 bytes
  friend bool operator==(const CoreV4Header&, const CoreV4Header&) = default;
};

enum class ExtraDataEncoding {
  kArray,  // core-v4 (Rust): msgpack array of integers; empty = 0x90
  kBin,    // legacy (Python): msgpack bin; empty = c4 00
};

// The msgpack named map of docs/chain.md §1.2 (kArray) or §1.4 (kBin).
std::string EncodeCoreV4Header(const CoreV4Header& h, ExtraDataEncoding enc = ExtraDataEncoding::kArray);
// Strict decoding: the exact field order, no unknown fields, no trailing bytes, codec_version 1.
// Accepts either extra_data encoding and reports which one it found in *enc (may be null).
Result<CoreV4Header> DecodeCoreV4Header(std::string_view bytes, ExtraDataEncoding* enc = nullptr);

// The neta 208-byte little-endian layout of docs/chain.md §1.1. REQUIRES: extra_data is 32 bytes.
std::string EncodeNetaHeader(const BlockHeader& h);

// The block hash a profile computes, or nullopt when a field it needs is missing (the check is then
// unverifiable; *missing names the first such field).
std::optional<Hash32> ComputeBlockHash(Profile p, const BlockHeader& h, std::string* missing = nullptr);
// The header as a CoreV4Header, or nullopt naming the first missing field.
std::optional<CoreV4Header> ToCoreV4Header(const BlockHeader& h, std::string* missing = nullptr);

// --- Transactions ---------------------------------------------------------------------------

// codec_version | tx_type | from | to | amount LE | nonce LE | gas_limit LE | gas_price LE |
// len(data) u32 LE | data | timestamp i64 LE.
std::string TxSigningMessage(const Transaction& tx);
// neta tx hash (merkle leaf): H(signing message).
Hash32 NetaTxHash(const Transaction& tx);
// Ed25519 (RFC 8032) over the signing message with `from` as the public key.
bool VerifyTxSignature(const Transaction& tx);
// The replay's rule is OpenSSL 3.0's (VerifyEd25519Reference); VerifyEd25519 reaches the same verdict
// on every input, taking libsodium's accept as final and deciding its rejects with the reference.
bool VerifyEd25519(std::span<const uint8_t> public_key32, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature64);
bool VerifyEd25519Reference(std::span<const uint8_t> public_key32, std::span<const uint8_t> message,
                            std::span<const uint8_t> signature64);
// Ed25519 key pair from a 32-byte seed (RFC 8032 private key), and signing (for generated chains).
struct Ed25519Key {
  Bytes<32> seed;
  Address public_key;
};
Ed25519Key Ed25519FromSeed(const Bytes<32>& seed);
Signature Ed25519Sign(const Ed25519Key& key, std::span<const uint8_t> message);
// The odd-node rule of the profile's tx root (and state root).
OddRule ProfileOddRule(Profile p);

// --- Money (docs/chain.md §3) ----------------------------------------------------------------------

inline constexpr uint64_t kWeiPerBeans = 1'000'000'000;
inline constexpr uint64_t kInitialReward = 3'125'000'000;
inline constexpr uint64_t kHalvingInterval = 1'051'200;
inline constexpr uint64_t kMinReward = 100'000'000;
inline constexpr double kValidatorShare = 0x1.a827999fcef32p-2;  // ≈ 1/(1+√2)
inline constexpr double kBurnShare = 0x1.2bec333018867p-2;       // ≈ (1/√2)/(1+√2)
inline constexpr double kTreasuryShare = 0x1.2bec333018867p-2;
inline constexpr uint64_t kMaxBlockGasLimit = 50'000'000;
inline constexpr size_t kMaxTxsPerBlock = 1000;
inline constexpr uint64_t kMinTransferGas = 21'000;
inline constexpr uint64_t kMinOtherGas = 50'000;
inline constexpr uint64_t kMinFee = 1000;
inline constexpr size_t kMaxTxData = 1u << 20;

uint64_t BlockReward(BlockHeight h);

struct FeeShares {
  uint64_t validator = 0, burn = 0, treasury = 0;
  uint64_t dust = 0;  // fees − the three shares, in {0, 1, 2}
};
FeeShares SplitFees(uint64_t fees);

}  // namespace forensics

#endif  // FORENSICS_CODEC_H_
