// Internal keys: how every layer below the public API names one version of a
// user key.
//
//   internal_key := user_key | trailer
//   trailer      := fixed64_le( (sequence << 8) | type )
//
// Ordering: user key ascending (bytewise), then sequence descending, then type
// descending, so the newest version of a key comes first and a lookup key
// (user_key, snapshot_seq, kValueTypeForSeek) lands on the newest version
// visible at that snapshot.
//
// The encodings here are on disk (WAL batches, SSTable keys): see
// docs/format/wal.md and docs/format/sstable.md. Pure; any thread.
#ifndef SYNAPSED_UTIL_INTERNAL_KEY_H_
#define SYNAPSED_UTIL_INTERNAL_KEY_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "util/coding.h"

namespace synapsed::storage {

using SequenceNumber = uint64_t;

// 56 bits of sequence: the trailer packs (sequence << 8) | type.
inline constexpr SequenceNumber kMaxSequenceNumber = (1ULL << 56) - 1;

// The type byte of an internal key. Stored on disk: do not change the values;
// only append new ones.
enum class ValueType : uint8_t {
  kDeletion = 0x0,
  kValue = 0x1,
  kRangeDeletion = 0x2,  // reserved, not written yet
  kMerge = 0x3,          // reserved, not written yet
};
// The highest type: seeking with it finds every entry of the same sequence.
inline constexpr ValueType kValueTypeForSeek = ValueType::kMerge;

inline bool IsKnownValueType(uint8_t t) { return t <= 0x1; }

inline uint64_t PackSequenceAndType(SequenceNumber seq, ValueType t) {
  return (seq << 8) | static_cast<uint8_t>(t);
}

inline void AppendInternalKey(std::string* dst, std::string_view user_key,
                              SequenceNumber seq, ValueType t) {
  dst->append(user_key);
  PutFixed64(dst, PackSequenceAndType(seq, t));
}

inline std::string MakeInternalKey(std::string_view user_key,
                                   SequenceNumber seq, ValueType t) {
  std::string k;
  k.reserve(user_key.size() + 8);
  AppendInternalKey(&k, user_key, seq, t);
  return k;
}

// REQUIRES: ikey.size() >= 8 for the accessors below.
inline std::string_view ExtractUserKey(std::string_view ikey) {
  return ikey.substr(0, ikey.size() - 8);
}
inline uint64_t ExtractTrailer(std::string_view ikey) {
  return DecodeFixed64(ikey.data() + ikey.size() - 8);
}
inline SequenceNumber ExtractSequence(std::string_view ikey) {
  return ExtractTrailer(ikey) >> 8;
}
inline ValueType ExtractValueType(std::string_view ikey) {
  return static_cast<ValueType>(ExtractTrailer(ikey) & 0xff);
}

struct ParsedInternalKey {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = ValueType::kValue;
};

// False if `ikey` is too short or has an unknown type (corruption).
inline bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* out) {
  if (ikey.size() < 8) return false;
  uint64_t trailer = ExtractTrailer(ikey);
  uint8_t t = trailer & 0xff;
  if (!IsKnownValueType(t)) return false;
  out->user_key = ikey.substr(0, ikey.size() - 8);
  out->sequence = trailer >> 8;
  out->type = static_cast<ValueType>(t);
  return true;
}

// Three-way comparison of internal keys in the order described above.
inline int CompareInternalKeys(std::string_view a, std::string_view b) {
  int r = ExtractUserKey(a).compare(ExtractUserKey(b));
  if (r != 0) return r;
  uint64_t ta = ExtractTrailer(a), tb = ExtractTrailer(b);
  return ta > tb ? -1 : (ta < tb ? 1 : 0);
}

struct InternalKeyLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return CompareInternalKeys(a, b) < 0;
  }
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_UTIL_INTERNAL_KEY_H_
