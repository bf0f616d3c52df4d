// Little-endian fixed-width and varint encodings used by every on-disk format
// (docs/format/*.md). Pure functions; safe from any thread.
//
// Decoders that read from untrusted bytes take a string_view* they advance and
// return false on truncation or an over-long varint, never reading past the end.
#ifndef SYNAPSED_UTIL_CODING_H_
#define SYNAPSED_UTIL_CODING_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace synapsed::storage {

inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

inline void EncodeFixed16(char* dst, uint16_t v) {
  std::memcpy(dst, &v, sizeof(v));  // x86-64 and aarch64 are little-endian
}
inline void EncodeFixed32(char* dst, uint32_t v) { std::memcpy(dst, &v, 4); }
inline void EncodeFixed64(char* dst, uint64_t v) { std::memcpy(dst, &v, 8); }
inline uint16_t DecodeFixed16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
static_assert(std::endian::native == std::endian::little,
              "on-disk formats assume a little-endian host");

void PutFixed16(std::string* dst, uint16_t v);
void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// varint32 length, then the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view value);

// Writes a varint at dst (which must have room for kMaxVarint*Bytes) and
// returns the byte after it.
char* EncodeVarint32(char* dst, uint32_t v);
char* EncodeVarint64(char* dst, uint64_t v);
int VarintLength(uint64_t v);

bool GetFixed8(std::string_view* in, uint8_t* v);
bool GetFixed32(std::string_view* in, uint32_t* v);
bool GetFixed64(std::string_view* in, uint64_t* v);
bool GetVarint32(std::string_view* in, uint32_t* v);
bool GetVarint64(std::string_view* in, uint64_t* v);
bool GetLengthPrefixed(std::string_view* in, std::string_view* value);
// As above, copying the value out.
bool GetLengthPrefixed(std::string_view* in, std::string* value);

// Parses a varint32 in [p, limit); returns the byte after it or nullptr.
const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* v);
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* v);

}  // namespace synapsed::storage

#endif  // SYNAPSED_UTIL_CODING_H_
