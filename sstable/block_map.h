// The block map of an encrypted table: the stored size of every block in
// the file, in file order, kept in clear just before the footer, so that a
// reader without the table's key can still find each block and verify its
// checksum (`synapsed db check` without --key-file, a backup's scrubber).
// Spec: docs/format/sstable.md, "Block map".
//
//   block_map contents := varint64(count) varint64(payload_size){count}
//
// Blocks lie end to end from offset 0: block i starts where block i-1's
// trailer ends, and the map itself starts where the last one ends. It is a
// stored block of type 0, checksummed but not sealed. It reveals the sizes
// of the sealed blocks, which anyone could also find by trying the
// checksum at each offset; their contents stay sealed.
#ifndef SYNAPSED_SSTABLE_BLOCK_MAP_H_
#define SYNAPSED_SSTABLE_BLOCK_MAP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "env/env.h"

namespace synapsed::storage::sstable {

// Collects the payload sizes of the blocks a builder writes. Not
// thread-safe (one builder).
class BlockMapBuilder {
 public:
  void Add(uint64_t payload_size);
  // The map's contents.
  std::string Finish() const;

 private:
  uint64_t count_ = 0;
  std::string sizes_;
};

struct StoredBlocksReport {
  uint64_t blocks = 0;  // stored blocks verified, the map included
  uint64_t bytes = 0;   // bytes covered, footer included: the file size
};

// Verifies, without a key, every checksum of the table in `file`: the
// footer's, the block map's, and each block's, and that the blocks and the
// map cover the file exactly. DataLoss naming `file_name` and the offset of
// the first damage; FailedPrecondition if the table has no block map (a
// plain table, or an encrypted one written before block maps).
absl::StatusOr<StoredBlocksReport> VerifyStoredBlocks(const env::RandomAccessFile& file,
                                                      std::string_view file_name,
                                                      uint64_t file_size);

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_BLOCK_MAP_H_
