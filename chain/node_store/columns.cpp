// Column readers of the SQLite store (columns.h).
#include "columns.h"

#include <fmt/format.h>

#include <cstring>

#include "forensics/wide_int.h"

namespace forensics::node_store {
namespace {

// Decimal digits into 128 bits; false when empty, not digits, or beyond 2^128−1.
bool ParseDecimal(std::string_view t, unsigned __int128* out) {
  if (t.empty() || t.size() > 39) return false;
  unsigned __int128 v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
    const unsigned __int128 next = v * 10 + static_cast<unsigned>(c - '0');
    if (next / 10 != v) return false;
    v = next;
  }
  *out = v;
  return true;
}

std::string Clip(std::string_view t) {
  return t.size() <= 40 ? std::string(t) : fmt::format("{}… ({} bytes)", t.substr(0, 40), t.size());
}

}  // namespace

Result<std::optional<uint64_t>> ReadU64(const Statement& s, int col, const ColumnWhere& w) {
  switch (s.Type(col)) {
    case SQLITE_NULL: return std::optional<uint64_t>();
    case SQLITE_INTEGER: {
      const int64_t v = s.Int(col);
      if (v < 0) return w.Error(fmt::format("negative INTEGER {} where an unsigned 64-bit value is required", v));
      return std::optional<uint64_t>(static_cast<uint64_t>(v));
    }
    case SQLITE_TEXT: {
      unsigned __int128 v;
      if (!ParseDecimal(s.Text(col), &v) || v > UINT64_MAX)
        return w.Error(fmt::format("TEXT '{}' is not an unsigned 64-bit integer", Clip(s.Text(col))));
      return std::optional<uint64_t>(static_cast<uint64_t>(v));
    }
    default:
      return w.Error(fmt::format("{} where an unsigned 64-bit INTEGER is required", TypeName(s.Type(col))));
  }
}

Result<std::optional<int64_t>> ReadI64(const Statement& s, int col, const ColumnWhere& w) {
  if (s.IsNull(col)) return std::optional<int64_t>();
  if (s.Type(col) != SQLITE_INTEGER)
    return w.Error(fmt::format("{} where a 64-bit INTEGER is required", TypeName(s.Type(col))));
  return std::optional<int64_t>(s.Int(col));
}

template <size_t N>
Result<std::optional<Bytes<N>>> ReadBytes(const Statement& s, int col, const ColumnWhere& w) {
  if (s.IsNull(col)) return std::optional<Bytes<N>>();
  Bytes<N> b;
  if (s.Type(col) == SQLITE_BLOB) {
    const std::string_view v = s.Blob(col);
    if (v.size() != N) return w.Error(fmt::format("a BLOB of {} bytes where {} are required", v.size(), N));
    std::memcpy(b.data(), v.data(), N);
    return std::optional<Bytes<N>>(b);
  }
  if (s.Type(col) == SQLITE_TEXT) {
    if (auto h = ParseHexN<N>(s.Text(col))) return std::optional<Bytes<N>>(*h);
    return w.Error(fmt::format("TEXT '{}' is not {} hex digits", Clip(s.Text(col)), 2 * N));
  }
  return w.Error(fmt::format("{} where {} bytes (a BLOB, or TEXT hex) are required", TypeName(s.Type(col)), N));
}
template Result<std::optional<Bytes<32>>> ReadBytes<32>(const Statement&, int, const ColumnWhere&);
template Result<std::optional<Bytes<64>>> ReadBytes<64>(const Statement&, int, const ColumnWhere&);

Result<std::optional<std::string>> ReadRaw(const Statement& s, int col, const ColumnWhere& w) {
  switch (s.Type(col)) {
    case SQLITE_NULL: return std::optional<std::string>();
    case SQLITE_BLOB: return std::optional<std::string>(std::string(s.Blob(col)));
    case SQLITE_TEXT: {
      std::string out;
      if (!ParseHex(s.Text(col), &out)) return w.Error(fmt::format("TEXT '{}' is not hex", Clip(s.Text(col))));
      return std::optional<std::string>(std::move(out));
    }
    default: return w.Error(fmt::format("{} where bytes (a BLOB) are required", TypeName(s.Type(col))));
  }
}

Result<std::optional<Wei128>> ReadWei(const Statement& s, int col, const ColumnWhere& w, std::optional<LostValue>* lost) {
  auto lose = [&](std::string stored, std::string why) {
    *lost = LostValue{std::string(w.table), w.row(), std::string(w.column), std::move(stored), std::move(why)};
    return std::optional<Wei128>();
  };
  switch (s.Type(col)) {
    case SQLITE_NULL: return std::optional<Wei128>();
    case SQLITE_INTEGER: {
      const int64_t v = s.Int(col);
      if (v < 0)
        return lose(fmt::format("{}", v),
                    fmt::format("a negative INTEGER: as uint64 written through int64 it would be {}, but a negative "
                                "balance or a value of 2^63 wei or more cannot be told apart",
                                static_cast<uint64_t>(v)));
      return std::optional<Wei128>(ToWei128(static_cast<uint64_t>(v)));
    }
    case SQLITE_FLOAT: {
      // %.17g gives the double exactly enough to be read back; the wei it stood for are lost.
      return lose(fmt::format("{:.17g}", s.Real(col)), "a REAL: a double holds 53 bits, so the exact amount is lost");
    }
    case SQLITE_TEXT: {
      unsigned __int128 v;
      if (!ParseDecimal(s.Text(col), &v))
        return w.Error(fmt::format("TEXT '{}' is not an amount of wei (decimal digits)", Clip(s.Text(col))));
      return std::optional<Wei128>(ToWei128(v));
    }
    default: return w.Error(fmt::format("{} where an amount of wei (an INTEGER) is required", TypeName(s.Type(col))));
  }
}

}  // namespace forensics::node_store
