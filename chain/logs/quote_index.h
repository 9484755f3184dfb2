// The quotes of a log line, found 64 bytes at a time, for the flat-object fast path of the line
// parser. Private to forensics_chain.
#ifndef FORENSICS_CHAIN_LOGS_QUOTE_INDEX_H_
#define FORENSICS_CHAIN_LOGS_QUOTE_INDEX_H_

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace forensics::logs {

#if defined(__SSE2__)
// 0xFF in each byte of x that is a backslash or below 0x20 (the bytes that end a plain JSON string
// scan besides the quote): unsigned max(x, 0x1F) equals 0x1F exactly for the bytes below 0x20.
inline __m128i BackslashOrControl(__m128i x) {
  const __m128i control_max = _mm_set1_epi8(0x1F);
  return _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')),
                      _mm_cmpeq_epi8(_mm_max_epu8(x, control_max), control_max));
}
#endif

// For the daemon's usual line: at most kMaxLine bytes, without a backslash or a control
// character. In such a line every '"' of a JSON object opens or closes a string, so a string
// ends at the next quote. Build() finds the quotes 64 bytes at a time; the parser then takes
// them in order as it meets them: no loop per string, no branch on its length.
class QuoteIndex {
 public:
  static constexpr size_t kMaxLine = 1024;

  // False when the line is longer than kMaxLine or has a backslash or a byte below 0x20 (or the
  // CPU lacks SSE2): then strings have to be scanned byte by byte.
  bool Build(std::string_view text) {
#if defined(__SSE2__)
    const size_t n = text.size();
    if (n > kMaxLine) return false;
    base_ = text.data();
    const __m128i quote = _mm_set1_epi8('"');
    __m128i special = _mm_setzero_si128();
    // The quotes among the 64 bytes at `at`; backslashes and control characters go to `special`.
    auto block = [&](const char* at) {
      uint64_t quotes = 0;
      for (int k = 0; k < 4; ++k) {
        __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * k));
        quotes |= static_cast<uint64_t>(
                      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote))))
                  << (16 * k);
        special = _mm_or_si128(special, BackslashOrControl(x));
      }
      return quotes;
    };
    const size_t full = n / 64, rest = n % 64;
    for (size_t b = 0; b < full; ++b) masks_[b] = block(base_ + 64 * b);
    blocks_ = full;
    if (rest != 0) {
      if (n >= 64) {
        // The last 64 bytes of the line, of which those already indexed drop out of the mask.
        masks_[full] = block(base_ + n - 64) >> (64 - rest);
      } else {
        char padded[64];
        std::memset(padded, ' ', sizeof(padded));
        std::memcpy(padded, base_, n);
        masks_[full] = block(padded);
      }
      blocks_ = full + 1;
    }
    if (_mm_movemask_epi8(special) != 0) return false;
    block_ = 0;
    bits_ = blocks_ != 0 ? masks_[0] : 0;
    return true;
#else
    (void)text;
    return false;
#endif
  }

  // The next quote not yet taken, or nullptr when none is left.
  const char* Next() {
    while (bits_ == 0) {
      if (++block_ >= blocks_) return nullptr;
      bits_ = masks_[block_];
    }
    const char* at = base_ + 64 * block_ + static_cast<size_t>(__builtin_ctzll(bits_));
    bits_ &= bits_ - 1;
    return at;
  }

  // The quote closing the string opened at `open` (which must be the next quote), or nullptr.
  const char* Close(const char* open) { return Next() == open ? Next() : nullptr; }

 private:
  static constexpr size_t kMaxBlocks = kMaxLine / 64;

  const char* base_ = nullptr;
  size_t blocks_ = 0;
  size_t block_ = 0;
  uint64_t bits_ = 0;
  uint64_t masks_[kMaxBlocks];
};

}  // namespace forensics::logs

#endif  // FORENSICS_CHAIN_LOGS_QUOTE_INDEX_H_
