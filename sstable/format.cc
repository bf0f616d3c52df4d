#include "sstable/format.h"

#include <cstring>

#include "fmt/format.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace synapsed::storage::sstable {

std::string_view CompressionTypeName(CompressionType t) {
  switch (t) {
    case CompressionType::kNone:
      return "none";
    case CompressionType::kLz4:
      return "lz4";
    case CompressionType::kZstd:
      return "zstd";
  }
  return "unknown";
}

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* in, BlockHandle* out) {
  return GetVarint64(in, &out->offset) && GetVarint64(in, &out->size);
}

absl::Status Footer::EncodeTo(std::string* dst) const {
  const size_t start = dst->size();
  metaindex.EncodeTo(dst);
  index.EncodeTo(dst);
  if (has_block_map()) block_map.EncodeTo(dst);
  if (dst->size() - start > kFooterHandlesLength) {
    dst->resize(start);
    return absl::InvalidArgumentError(fmt::format(
        "the footer's handles need more than {} bytes (the table is too large)",
        kFooterHandlesLength));
  }
  dst->resize(start + kFooterHandlesLength, '\0');
  PutFixed32(dst, format_version);
  // The checksum covers handles, padding and version, so a flipped handle
  // is caught here instead of sending the reader to a wrong offset.
  std::string_view covered(dst->data() + start, kFooterHandlesLength + 4);
  PutFixed32(dst, BlockChecksum(covered, 0));
  PutFixed64(dst, kTableMagic);
  return absl::OkStatus();
}

absl::StatusOr<Footer> Footer::Decode(std::string_view input,
                                      std::string_view file_name,
                                      uint64_t offset) {
  if (input.size() != kFooterSize) {
    return CorruptionError(file_name, offset, "truncated footer");
  }
  const char* p = input.data();
  if (DecodeFixed64(p + kFooterSize - 8) != kTableMagic) {
    return CorruptionError(file_name, offset,
                           "bad magic number (not an sstable)");
  }
  const uint32_t stored = DecodeFixed32(p + kFooterHandlesLength + 4);
  if (stored != BlockChecksum(input.substr(0, kFooterHandlesLength + 4), 0)) {
    return CorruptionError(file_name, offset, "footer checksum mismatch");
  }
  Footer f;
  f.format_version = DecodeFixed32(p + kFooterHandlesLength);
  if (f.format_version != kFormatVersion && !IsEncryptedFormat(f.format_version)) {
    return CorruptionError(
        file_name, offset,
        fmt::format("unsupported format version {}", f.format_version));
  }
  std::string_view handles = input.substr(0, kFooterHandlesLength);
  if (!BlockHandle::DecodeFrom(&handles, &f.metaindex) ||
      !BlockHandle::DecodeFrom(&handles, &f.index) ||
      (f.has_block_map() && !BlockHandle::DecodeFrom(&handles, &f.block_map))) {
    return CorruptionError(file_name, offset, "bad block handle in footer");
  }
  return f;
}

uint32_t BlockChecksum(std::string_view payload, uint8_t type) {
  return TypedChecksum32(payload, type);
}

absl::Status CorruptionError(std::string_view file_name, uint64_t offset,
                             std::string_view what) {
  return absl::DataLossError(
      fmt::format("{}: {} at offset {}", file_name, what, offset));
}

}  // namespace synapsed::storage::sstable
