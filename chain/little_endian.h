// Little-endian fixed-width integer writers shared by the block codecs, the chain store's value
// codecs and the state-root leaf encoding. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LITTLE_ENDIAN_H_
#define FORENSICS_CHAIN_LITTLE_ENDIAN_H_

#include <cstdint>
#include <string>

namespace forensics {

// Writes v as 8 little-endian bytes at p.
inline void StoreLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Appends v as 8 little-endian bytes.
inline void PutLe64(std::string* out, uint64_t v) {
  uint8_t b[8];
  StoreLe64(b, v);
  out->append(reinterpret_cast<const char*>(b), 8);
}

}  // namespace forensics

#endif  // FORENSICS_CHAIN_LITTLE_ENDIAN_H_
