#include "sstable/block_map.h"

#include "fmt/format.h"
#include "sstable/block_io.h"
#include "sstable/format.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace synapsed::storage::sstable {

void BlockMapBuilder::Add(uint64_t payload_size) {
  ++count_;
  PutVarint64(&sizes_, payload_size);
}

std::string BlockMapBuilder::Finish() const {
  std::string out;
  PutVarint64(&out, count_);
  out += sizes_;
  return out;
}

absl::StatusOr<StoredBlocksReport> VerifyStoredBlocks(const env::RandomAccessFile& file,
                                                      std::string_view file_name,
                                                      uint64_t file_size) {
  if (file_size < kFooterSize) {
    return CorruptionError(
        file_name, 0,
        fmt::format("file of {} bytes is too short to be an sstable", file_size));
  }
  const uint64_t footer_offset = file_size - kFooterSize;
  char scratch[kFooterSize];
  ASSIGN_OR_RETURN(std::string_view read, file.Read(footer_offset, kFooterSize, scratch));
  ASSIGN_OR_RETURN(Footer footer, Footer::Decode(read, file_name, footer_offset));
  if (!footer.has_block_map()) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: format version {} has no block map: {}", file_name, footer.format_version,
        IsEncryptedFormat(footer.format_version)
            ? "its checksums can be verified only with its key"
            : "a plain table is checked by reading it"));
  }
  const BlockHandle& map = footer.block_map;
  if (map.offset > footer_offset || map.size > footer_offset - map.offset ||
      footer_offset - map.offset - map.size != kBlockTrailerSize) {
    return CorruptionError(file_name, footer_offset,
                           "the block map does not end where the footer begins");
  }
  ReadBlockOptions plain;  // the map is never sealed
  ASSIGN_OR_RETURN(BlockBuffer contents, ReadBlock(file, file_name, file_size, map, plain));
  std::string_view in = contents.view();
  uint64_t count = 0;
  if (!GetVarint64(&in, &count)) {
    return CorruptionError(file_name, map.offset, "bad block count in the block map");
  }
  StoredBlocksReport report;
  BlockHandle block;
  for (uint64_t i = 0; i < count; ++i) {
    if (!GetVarint64(&in, &block.size) || block.size > map.offset - block.offset ||
        map.offset - block.offset - block.size < kBlockTrailerSize) {
      return CorruptionError(file_name, map.offset,
                             fmt::format("block {} of the block map runs past the map", i));
    }
    RETURN_IF_ERROR(VerifyStoredBlock(file, file_name, file_size, block));
    block.offset += block.size + kBlockTrailerSize;
    ++report.blocks;
  }
  if (!in.empty() || block.offset != map.offset) {
    return CorruptionError(
        file_name, map.offset,
        fmt::format("the block map's {} blocks end at offset {}, not where the map begins",
                    count, block.offset));
  }
  ++report.blocks;  // the map itself
  report.bytes = file_size;
  return report;
}

}  // namespace synapsed::storage::sstable
