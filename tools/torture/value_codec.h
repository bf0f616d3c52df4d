// Keys and self-checking values of the torture workload. A value names its
// key and write id and carries filler derived from both, so any value read
// back can be checked on its own: a value that decodes is exactly the value
// that write stored.
#ifndef SYNAPSED_TOOLS_TORTURE_VALUE_CODEC_H_
#define SYNAPSED_TOOLS_TORTURE_VALUE_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synapsed::storage::torture {

inline std::string KeyName(uint32_t key) {
  std::string s = "k000000";
  for (int i = 6; i >= 1; --i, key /= 10) s[i] = static_cast<char>('0' + key % 10);
  return s;
}

// The key index of "kNNNNNN", or nullopt.
inline std::optional<uint32_t> ParseKeyName(std::string_view s) {
  if (s.size() != 7 || s[0] != 'k') return std::nullopt;
  uint32_t k = 0;
  for (size_t i = 1; i < 7; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    k = k * 10 + static_cast<uint32_t>(s[i] - '0');
  }
  return k;
}

inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

// "<key>.<id:16 hex>." + filler (8..200 bytes, 1 in 16 about 2 KiB so values
// cross block boundaries).
inline std::string EncodeValue(uint32_t key, uint64_t id) {
  static const char kHex[] = "0123456789abcdef";
  uint64_t h = Mix64(key * 0x9e3779b97f4a7c15ULL ^ id);
  size_t filler = 8 + h % 193;
  if ((h >> 20) % 16 == 0) filler += 2000;
  std::string v = KeyName(key);
  v.push_back('.');
  for (int i = 15; i >= 0; --i) v.push_back(kHex[(id >> (4 * i)) & 15]);
  v.push_back('.');
  uint64_t x = h;
  for (size_t i = 0; i < filler; ++i) {
    if (i % 8 == 0) x = Mix64(x + i);
    v.push_back(static_cast<char>('a' + (x >> (8 * (i % 8))) % 26));
  }
  return v;
}

// The write id of `value` if it is exactly what EncodeValue(key, id) makes.
inline std::optional<uint64_t> DecodeValue(uint32_t key, std::string_view value) {
  if (value.size() < 7 + 1 + 16 + 1) return std::nullopt;
  uint64_t id = 0;
  for (size_t i = 8; i < 24; ++i) {
    char c = value[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    id = id << 4 | static_cast<uint64_t>(d);
  }
  if (id == 0 || value != EncodeValue(key, id)) return std::nullopt;
  return id;
}

}  // namespace synapsed::storage::torture

#endif  // SYNAPSED_TOOLS_TORTURE_VALUE_CODEC_H_
