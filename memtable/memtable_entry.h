// The bytes of one memtable entry, and the order the skiplist keeps them in.
//
//   entry := varint32(internal_key_size)   // user key size + 8
//            user_key
//            trailer                        // fixed64 LE: (sequence << 8) | type
//            varint32(value_size)
//            value
//
// Entries live only in memory (they never reach disk), so this layout may
// change freely. A 16-byte key with a 100-byte value takes 1 + 24 + 1 + 100
// bytes, plus the skiplist tower in front (8 bytes per level, 1.58 levels on
// average).
//
// EntryComparator orders entries as internal keys (util/internal_key.h): user
// key ascending, then trailer descending. It compares user keys eight bytes
// at a time as big-endian integers (most keys differ within the first two
// words) and the trailer as one integer, with no virtual calls. Pure; any
// thread.
#ifndef SYNAPSED_MEMTABLE_MEMTABLE_ENTRY_H_
#define SYNAPSED_MEMTABLE_MEMTABLE_ENTRY_H_

#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/coding.h"
#include "util/internal_key.h"

namespace synapsed::storage::memtable {

// Bytewise three-way comparison, the order of std::string_view::compare.
inline int CompareBytes(const char* a, size_t an, const char* b, size_t bn) {
  size_t n = an < bn ? an : bn;
  // Word at a time: equal words are common (shared prefixes), and comparing
  // the byte-swapped words gives memcmp's order without a library call.
  while (n >= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) {
      return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
    }
    a += 8;
    b += 8;
    n -= 8;
  }
  if (n > 0) {
    const int r = std::memcmp(a, b, n);
    if (r != 0) return r;
  }
  return an < bn ? -1 : (an > bn ? 1 : 0);
}

// An internal key taken apart once, so each compare during a search reads
// only the entry it meets.
struct EntryKey {
  const char* user_key;
  size_t user_key_size;
  uint64_t trailer;  // (sequence << 8) | type
};

// Reads the varint32 at p; one byte for the usual keys under 120 bytes.
inline const char* DecodeEntryLength(const char* p, uint32_t* len) {
  const uint8_t b = static_cast<uint8_t>(*p);
  if (b < 0x80) {
    *len = b;
    return p + 1;
  }
  // Entries are written by us in memory: the varint is always complete.
  return GetVarint32Ptr(p, p + kMaxVarint32Bytes, len);
}

inline EntryKey DecodeEntryKey(const char* entry) {
  uint32_t ikey_size;
  const char* p = DecodeEntryLength(entry, &ikey_size);
  return EntryKey{p, ikey_size - 8u, DecodeFixed64(p + ikey_size - 8)};
}

inline std::string_view EntryInternalKey(const char* entry) {
  uint32_t ikey_size;
  const char* p = DecodeEntryLength(entry, &ikey_size);
  return std::string_view(p, ikey_size);
}

inline std::string_view EntryValue(const char* entry) {
  uint32_t ikey_size, value_size;
  const char* p = DecodeEntryLength(entry, &ikey_size);
  p = DecodeEntryLength(p + ikey_size, &value_size);
  return std::string_view(p, value_size);
}

inline size_t EntrySize(std::string_view user_key, std::string_view value) {
  const size_t ikey_size = user_key.size() + 8;
  return VarintLength(ikey_size) + ikey_size + VarintLength(value.size()) +
         value.size();
}

// Writes the entry into dst, which has EntrySize(user_key, value) bytes.
// REQUIRES: user_key.size() + 8 and value.size() fit in 32 bits.
inline void EncodeEntry(char* dst, SequenceNumber seq, ValueType type,
                        std::string_view user_key, std::string_view value) {
  char* p = EncodeVarint32(dst, static_cast<uint32_t>(user_key.size() + 8));
  std::memcpy(p, user_key.data(), user_key.size());
  p += user_key.size();
  EncodeFixed64(p, PackSequenceAndType(seq, type));
  p = EncodeVarint32(p + 8, static_cast<uint32_t>(value.size()));
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
}

inline int CompareEntryKeys(const EntryKey& a, const EntryKey& b) {
  const int r =
      CompareBytes(a.user_key, a.user_key_size, b.user_key, b.user_key_size);
  if (r != 0) return r;
  // Newer (larger trailer) first.
  return a.trailer > b.trailer ? -1 : (a.trailer < b.trailer ? 1 : 0);
}

struct EntryComparator {
  using DecodedKey = EntryKey;
  DecodedKey Decode(const char* entry) const { return DecodeEntryKey(entry); }
  int Compare(const char* entry, const DecodedKey& key) const {
    uint32_t ikey_size;
    const char* p = DecodeEntryLength(entry, &ikey_size);
    const int r = CompareBytes(p, ikey_size - 8u, key.user_key, key.user_key_size);
    if (r != 0) return r;
    // Only now read the trailer: it may sit on the next cache line.
    const uint64_t trailer = DecodeFixed64(p + ikey_size - 8);
    return trailer > key.trailer ? -1 : (trailer < key.trailer ? 1 : 0);
  }
};

}  // namespace synapsed::storage::memtable

#endif  // SYNAPSED_MEMTABLE_MEMTABLE_ENTRY_H_
