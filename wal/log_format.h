// The write-ahead log's physical format: constants shared by LogWriter and
// LogReader. The specification, with a grammar and a worked example in hex,
// is docs/format/wal.md; change both in the same commit.
//
// A log file is a sequence of 32 KiB blocks. A record (one commit group's
// payload) is cut into fragments that never cross a block boundary; each
// fragment starts with a 15-byte header:
//
//   checksum : fixed32  low 32 bits of XXH3-64 (seed 0) over bytes [4,
//   15+length)
//                       of the fragment, i.e. length | type | log_number |
//                       payload
//   length   : fixed16  payload bytes in this fragment
//   type     : uint8    (format version << 4) | fragment kind
//   log_number: fixed64 the number of the log the fragment was written for
//
// A block tail shorter than a header is zero padding. A type byte of zero is
// never written, so a zero-filled (preallocated) region reads as "no fragment".
//
// All values here are ON DISK: DO NOT CHANGE THEM. A new layout gets a new
// format version (kFormatVersion) and the reader keeps decoding the old one.
//
// Pure constants and helpers; safe from any thread.
#ifndef SYNAPSED_WAL_LOG_FORMAT_H_
#define SYNAPSED_WAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/checksum.h"

namespace synapsed::storage::wal {

// Fragment kinds (the low nibble of the type byte). DO NOT CHANGE.
enum class FragmentKind : uint8_t {
  kZero = 0,    // never written: zero padding or preallocated space
  kFull = 1,    // a whole record
  kFirst = 2,   // the first fragment of a record that continues
  kMiddle = 3,  // neither first nor last
  kLast = 4,    // the final fragment of a record
};
inline constexpr uint8_t kMaxFragmentKind = 4;

// The format version (the high nibble of the type byte). DO NOT CHANGE the
// meaning of version 1; a different layout must use a new number.
inline constexpr uint8_t kFormatVersion = 1;
// Version 2: the fragments of a sealed run, written only by an encrypted log
// with a buffer (LogWriterOptions::buffer_bytes): the record they carry is
// the GCM seal (unit kind "record run") of the buffered records, each
// varint64 length | bytes. Same framing as version 1. DO NOT CHANGE.
inline constexpr uint8_t kSealedRunVersion = 2;

inline constexpr uint8_t MakeTypeByte(FragmentKind kind,
                                      uint8_t version = kFormatVersion) {
  return static_cast<uint8_t>((version << 4) | static_cast<uint8_t>(kind));
}
inline constexpr uint8_t TypeVersion(uint8_t type) { return type >> 4; }
inline constexpr uint8_t TypeKind(uint8_t type) { return type & 0x0F; }

// Block size. DO NOT CHANGE.
inline constexpr size_t kBlockSize = 32 * 1024;

// Header field offsets and sizes. DO NOT CHANGE.
inline constexpr size_t kChecksumOffset = 0;   // fixed32
inline constexpr size_t kLengthOffset = 4;     // fixed16
inline constexpr size_t kTypeOffset = 6;       // uint8
inline constexpr size_t kLogNumberOffset = 7;  // fixed64
inline constexpr size_t kHeaderSize = 15;
// The checksum covers the header after the checksum field, then the payload.
inline constexpr size_t kChecksummedHeaderBytes = kHeaderSize - 4;

static_assert(kHeaderSize == 4 + 2 + 1 + 8, "header layout changed");
static_assert(kLogNumberOffset + 8 == kHeaderSize, "header layout changed");
static_assert(kBlockSize - kHeaderSize <= 0xFFFF,
              "a fragment length must fit the fixed16 length field");

// The most payload one fragment can carry (a fragment at a block start).
inline constexpr size_t kMaxFragmentPayload = kBlockSize - kHeaderSize;

// The checksum stored in a fragment header. `covered` points at the fragment's
// length field and spans the rest of the header and the payload
// (kChecksummedHeaderBytes + length bytes).
inline uint32_t FragmentChecksum(const char* covered, size_t n) {
  return static_cast<uint32_t>(Hash64(std::string_view(covered, n)));
}

}  // namespace synapsed::storage::wal

#endif  // SYNAPSED_WAL_LOG_FORMAT_H_
