// On-disk constants and small codecs of the SSTable format: block handles,
// block trailers, compression types and the footer. The format itself is
// specified in docs/format/sstable.md; keep the two in step.
//
//   table  := data_block* filter_block? index_block properties_block
//             metaindex_block block_map? footer      (block_map: encrypted)
//   stored block := payload | type (u8) | checksum (fixed32)
//   payload      := contents                         (type kNone)
//                 | varint32 raw_size | compressed    (type kLz4, kZstd)
//   checksum     := low 32 bits of XXH3-64(payload | type)
//   footer (56 bytes) := metaindex_handle | index_handle | block_map_handle?
//                        | zero padding to 40
//                        | format_version (fixed32) | footer_checksum (fixed32)
//                        | magic (fixed64)
//
// Pure functions; any thread.
#ifndef SYNAPSED_SSTABLE_FORMAT_H_
#define SYNAPSED_SSTABLE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace synapsed::storage::sstable {

// The compression codec of one stored block. On disk: do not change the
// values; only append new ones.
enum class CompressionType : uint8_t {
  kNone = 0x0,
  kLz4 = 0x1,
  kZstd = 0x2,
};
inline constexpr uint8_t kNumCompressionTypes = 3;
std::string_view CompressionTypeName(CompressionType t);

// The format version written in every footer and properties block. A reader
// refuses versions it does not know.
inline constexpr uint32_t kFormatVersion = 1;
// The footer's version for a table whose blocks are sealed with the file's
// data key (AES-256-GCM; docs/format/encryption.md): each stored payload is
// 16 bytes longer, and a clear block map before the footer lists every
// stored block's size so that checksums can be verified without the key
// (sstable/block_map.h). The footer holds a third handle, the block map's.
inline constexpr uint32_t kEncryptedFormatVersion = 3;
// Encrypted tables as first written (2026-12), before block maps: read as
// version 3 is, but their checksums can only be verified with the key.
inline constexpr uint32_t kEncryptedFormatVersionWithoutBlockMap = 2;
inline bool IsEncryptedFormat(uint32_t version) {
  return version == kEncryptedFormatVersion ||
         version == kEncryptedFormatVersionWithoutBlockMap;
}

// Low 64 bits of XXH3-64 (seed 0) of the 24 ASCII bytes
// "synapsed-storage sstable" (see docs/format/sstable.md; a test checks it).
inline constexpr uint64_t kTableMagic = 0x3d74360d4c0eb34dULL;

// type (1) + checksum (4).
inline constexpr size_t kBlockTrailerSize = 5;
// Two varint64s.
inline constexpr size_t kMaxBlockHandleLength = 20;
// Room for two handles of any size, or three of files under 2^56 bytes
// with blocks under 2^35 bytes (a block is at most kMaxBlockRawSize plus a
// header and a tag): 3 * (8 + 5) bytes.
inline constexpr size_t kFooterHandlesLength = 2 * kMaxBlockHandleLength;
inline constexpr size_t kFooterSize = kFooterHandlesLength + 4 + 4 + 8;
static_assert(kFooterSize == 56, "the footer size is part of the format");

// The largest raw (uncompressed) block contents a reader accepts and a
// builder writes; bounds allocations made on the say-so of a corrupt size.
inline constexpr size_t kMaxBlockRawSize = size_t{256} << 20;

// Meta-index entry names (bytewise order: filter first). On disk.
inline constexpr std::string_view kMetaFilterName = "filter.bloom";
inline constexpr std::string_view kMetaPropertiesName = "properties";

// Where a block lives in the file: `size` excludes the 5-byte trailer.
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;

  void EncodeTo(std::string* dst) const;
  // Advances `in`; false if it does not start with two valid varint64s.
  [[nodiscard]] static bool DecodeFrom(std::string_view* in, BlockHandle* out);
  bool operator==(const BlockHandle&) const = default;
};

struct Footer {
  BlockHandle metaindex;
  BlockHandle index;
  // Only in kEncryptedFormatVersion footers.
  BlockHandle block_map;
  uint32_t format_version = kFormatVersion;

  bool has_block_map() const { return format_version == kEncryptedFormatVersion; }

  // Appends exactly kFooterSize bytes; InvalidArgument if the handles do
  // not fit (a file of 2^56 bytes or more).
  [[nodiscard]] absl::Status EncodeTo(std::string* dst) const;
  // `input` must be the last kFooterSize bytes of the file at `offset`.
  // DataLoss naming `file_name` and the offset on any mismatch.
  [[nodiscard]] static absl::StatusOr<Footer> Decode(
      std::string_view input, std::string_view file_name, uint64_t offset);
};

// The checksum stored in a block trailer.
uint32_t BlockChecksum(std::string_view payload, uint8_t type);

// "<file>: <what> at offset <offset>" as a DataLoss status.
absl::Status CorruptionError(std::string_view file_name, uint64_t offset,
                             std::string_view what);

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_FORMAT_H_
