// TableBuilder: writes one SSTable (docs/format/sstable.md) through the
// file-system seam, from internal keys added in strictly increasing order.
//
//   TableBuilder b(options, file.get());
//   RETURN_IF_ERROR(b.Add(ikey, value));   // ... for each entry, in order
//   ASSIGN_OR_RETURN(FinishedTable t, b.Finish());
//   RETURN_IF_ERROR(file->Sync()); RETURN_IF_ERROR(file->Close());
//
// The builder appends to the file but never syncs or closes it: the caller
// decides durability (flush and compaction sync before the manifest edit).
// The first error (an out-of-order key, an I/O failure) is sticky: every
// later call returns it. After an error, call Abandon() and delete the file.
//
// Not thread-safe: one thread per builder.
#ifndef SYNAPSED_SSTABLE_TABLE_BUILDER_H_
#define SYNAPSED_SSTABLE_TABLE_BUILDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/env.h"
#include "sstable/block_builder.h"
#include "sstable/block_map.h"
#include "sstable/bloom.h"
#include "sstable/compression_sampler.h"
#include "sstable/format.h"
#include "sstable/properties.h"
#include "sstable/table_options.h"

namespace synapsed::storage::sstable {

struct FinishedTable {
  TableProperties properties;
  uint64_t file_size = 0;
};

class TableBuilder {
 public:
  // `file` is not owned and must outlive the builder.
  TableBuilder(const TableBuilderOptions& options, env::WritableFile* file);
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;
  ~TableBuilder();

  // Adds an entry. InvalidArgument if `internal_key` is malformed or does
  // not sort strictly after the previous key, or if the entry is too large.
  [[nodiscard]] absl::Status Add(std::string_view internal_key,
                                 std::string_view value);
  // Writes the remaining blocks, the filter, index, properties, meta-index
  // and footer. REQUIRES: neither Finish nor Abandon called before.
  [[nodiscard]] absl::StatusOr<FinishedTable> Finish();
  // Gives up on the table; the caller deletes the file.
  void Abandon();

  uint64_t NumEntries() const { return props_.num_entries; }
  // Bytes written to the file so far; grows as blocks are flushed. Used to
  // cut compaction outputs at a target size.
  uint64_t FileSize() const { return offset_; }
  absl::Status status() const { return status_; }
  // Data blocks the codec was run on, and those stored raw without trying
  // (adaptive mode only; 0 otherwise). Not persisted: for tests and stats.
  uint64_t DataBlocksTried() const { return sampler_.tried(); }
  uint64_t DataBlocksNotTried() const { return sampler_.skipped(); }

 private:
  void FlushDataBlock();
  // Compresses (if allowed), writes payload and trailer; returns its handle.
  BlockHandle WriteBlock(std::string_view raw, bool compress,
                         crypto::UnitKind unit,
                         CompressionType* used = nullptr);
  // Writes payload and trailer as they are; returns its handle.
  BlockHandle WriteStored(std::string_view payload, CompressionType type);
  void WriteRaw(std::string_view bytes);

  const TableBuilderOptions options_;
  env::WritableFile* const file_;
  uint64_t offset_ = 0;
  absl::Status status_;
  bool closed_ = false;

  BlockBuilder data_block_;
  BlockBuilder index_block_;
  std::optional<BloomFilterBuilder> filter_;
  std::string last_key_;
  // A flushed block waits for the next key to choose its separator.
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  std::string compressed_;  // scratch for CompressBlock
  std::string sealed_;      // scratch for the cipher
  CompressionSampler sampler_;
  BlockMapBuilder block_map_;  // written only for an encrypted table
  TableProperties props_;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_TABLE_BUILDER_H_
