// TableReader: an open SSTable (docs/format/sstable.md). Open reads and
// verifies the footer, meta-index, properties, index and filter; after that
// the reader is immutable and every method may be called from any number of
// threads at once.
//
// The index and filter stay decoded in memory for the reader's lifetime (in
// the block cache at Priority::kHigh when there is one, pinned by the
// reader), and so do the index's fences (sstable/index_fences.h), which
// find a key's data block without searching the index block. Data blocks
// are read on demand, checksum-verified, decompressed, and shared through
// the block cache under the key
// (file_number, block offset, block kind) when `block_cache` is non-null.
// File numbers must therefore be unique among tables sharing one cache.
//
// Corruption found anywhere is an absl::DataLossError naming the file and
// the offset of the damaged structure; no corrupt bytes are returned as data.
#ifndef SYNAPSED_SSTABLE_TABLE_READER_H_
#define SYNAPSED_SSTABLE_TABLE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "env/env.h"
#include "sstable/block.h"
#include "sstable/block_io.h"
#include "sstable/bloom.h"
#include "sstable/format.h"
#include "sstable/index_fences.h"
#include "sstable/properties.h"
#include "sstable/table_options.h"

namespace synapsed::storage::sstable {

class TableIterator;

// The result of a point lookup. `value` points into the data block that
// `pin` holds (a block-cache handle or an owned block), so it stays valid for
// as long as the GetResult lives; copy it out for a plain std::string.
// `key` points into the GetResult itself (keys of up to 64 bytes need no
// heap), which is why a GetResult is neither copied nor moved.
struct GetResult {
  GetResult() = default;
  GetResult(const GetResult&) = delete;
  GetResult& operator=(const GetResult&) = delete;

  bool found = false;     // an entry with the lookup's user key exists
  std::string_view key;   // that entry's internal key (sequence and type)
  std::string_view value;
  BlockRef pin;

  void Clear() {
    found = false;
    key = {};
    value = {};
    pin.Reset();
  }
  // Sets `key` to a copy of `k`.
  void SetKey(std::string_view k) {
    key_storage_.assign(k.begin(), k.end());
    key = std::string_view(key_storage_.data(), key_storage_.size());
  }

 private:
  absl::InlinedVector<char, 64> key_storage_;
};

// One key of a batched lookup (TableReader::MultiGet): the lookup key in,
// and what Get would report out, with the value copied (keys sharing a
// block cannot each hold its pin).
struct MultiGetKey {
  std::string_view lookup_key;  // internal key, as for Get
  uint64_t user_key_hash = 0;   // FilterHash(user key)
  std::string* value = nullptr;  // where a found entry's value is copied
  bool found = false;
  uint64_t trailer = 0;  // the found entry's sequence and type (ExtractTrailer)
};

// Handles of the non-data blocks, for tools.
struct TableLayout {
  Footer footer;
  bool has_filter = false;
  BlockHandle filter;
  BlockHandle properties;
};

class TableReader {
 public:
  // Opens the table in `file` of `file_size` bytes. `file_name` is used in
  // error messages; `file_number` in block-cache keys. `block_cache` may be
  // null (no caching) and must outlive the reader.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TableReader>> Open(
      const TableReaderOptions& options,
      std::unique_ptr<env::RandomAccessFile> file, uint64_t file_size,
      uint64_t file_number, std::string file_name, cache::Cache* block_cache);

  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;
  ~TableReader();

  // Finds the first entry >= `lookup_key` (an internal key, normally
  // (user_key, snapshot, kValueTypeForSeek)) and reports it if its user key
  // equals the lookup's; the caller decides what its type and sequence mean.
  // Consults the filter first. `user_key_hash` is FilterHash(user key),
  // computed once by a caller probing many tables.
  [[nodiscard]] absl::Status Get(const ReadOptions& options,
                                 std::string_view lookup_key,
                                 uint64_t user_key_hash,
                                 GetResult* result) const;
  [[nodiscard]] absl::Status Get(const ReadOptions& options,
                                 std::string_view lookup_key,
                                 GetResult* result) const;

  // Get for each of `keys`, sorted by lookup key: the filter first, then one
  // forward walk of the index for the keys it lets through; consecutive
  // keys in one data block share one load of it.
  [[nodiscard]] absl::Status MultiGet(const ReadOptions& options,
                                      std::span<MultiGetKey* const> keys) const;
  // False if the filter rules the user key out (true without a filter).
  bool KeyMayMatch(uint64_t user_key_hash) const;

  // Get in stages, for a batch spread over many tables (Version::MultiGet
  // runs each stage for every key of a batch before the next, so that the
  // cache misses of different keys overlap instead of queueing):
  // PrefetchFilter, KeyMayMatch, FindDataBlock, PrefetchBlock,
  // ReadDataBlock, a seek in the block (BlockIterator::SeekAll), MatchAt.
  //
  // Starts loading the filter line KeyMayMatch(user_key_hash) reads.
  void PrefetchFilter(uint64_t user_key_hash) const {
    if (filter_) filter_->Prefetch(user_key_hash);
  }
  // Reports in `*key` the entry at `it` (an iterator over one of this
  // table's data blocks, after a seek for key->lookup_key) if its user key
  // is the lookup's, as MultiGet does; found = false if it is not, and
  // it.status() if `it` is not valid.
  [[nodiscard]] absl::Status MatchAt(const BlockIterator& it, MultiGetKey* key) const;

  // A two-level iterator over every entry. The reader must outlive it
  // (TableCache's iterators keep their reader alive).
  std::unique_ptr<TableIterator> NewIterator(const ReadOptions& options) const;

  // About where in the file the data for `internal_key` begins (the file
  // size past the last key); for compaction size estimates.
  uint64_t ApproximateOffsetOf(std::string_view internal_key) const;

  const TableProperties& properties() const { return properties_; }
  const TableLayout& layout() const { return layout_; }
  const std::string& file_name() const { return file_name_; }
  uint64_t file_number() const { return file_number_; }
  uint64_t file_size() const { return file_size_; }
  const BloomFilter* filter() const { return filter_.get(); }

  // An iterator over the index block: separator -> encoded BlockHandle.
  BlockIterator NewIndexIterator() const;
  // The index's fences, or null when the table has none.
  const IndexFences* index_fences() const { return fences_.get(); }
  // fences->Find(target, index block). REQUIRES: index_fences() != null and
  // `target` an internal key (at least 8 bytes).
  size_t FindBlockOrdinal(std::string_view target) const {
    return fences_->Find(target, *index_);
  }
  // The handle of the first data block whose separator is >= `lookup_key`
  // (the only block that can hold it), or nullopt past the last key.
  [[nodiscard]] absl::StatusOr<std::optional<BlockHandle>> FindDataBlock(
      std::string_view lookup_key) const;
  bool has_index_fences() const { return static_cast<bool>(fences_); }
  // Starts loading the stored bytes of the block at `handle` into the CPU
  // cache when the file is mapped (env::RandomAccessFile::Prefetch), so a
  // block-cache miss finds them on their way.
  void PrefetchBlock(const BlockHandle& handle) const {
    file_->Prefetch(handle.offset, handle.size + kBlockTrailerSize);
  }
  // Reads a data block. With `info`, bypasses the cache and also reports
  // its stored size and codec (for tools).
  [[nodiscard]] absl::StatusOr<BlockRef> ReadDataBlock(
      const ReadOptions& options, const BlockHandle& handle,
      StoredBlockInfo* info = nullptr) const;
  // Decodes an index entry's value; DataLoss naming the index offset.
  [[nodiscard]] absl::StatusOr<BlockHandle> DecodeIndexValue(
      std::string_view value) const;

 private:
  enum class BlockKind : uint8_t {
    kData = 0,
    kIndex = 1,
    kFilter = 2,
    kIndexFences = 3,
  };

  TableReader(const TableReaderOptions& options,
              std::unique_ptr<env::RandomAccessFile> file, uint64_t file_size,
              uint64_t file_number, std::string file_name,
              cache::Cache* block_cache);
  absl::Status LoadMetaBlocks();
  // (file number, offset, kind): 17 bytes on the stack, no allocation.
  struct CacheKey {
    char bytes[17];
    std::string_view view() const { return {bytes, sizeof(bytes)}; }
  };
  CacheKey MakeCacheKey(uint64_t offset, BlockKind kind) const;
  absl::StatusOr<BlockBuffer> ReadContents(const BlockHandle& handle,
                                           crypto::UnitKind unit,
                                           StoredBlockInfo* info,
                                           Readahead* readahead = nullptr) const;
  // The meta structure of `kind` at `offset` from the cache, or made by
  // `make` and put there at Priority::kHigh (kept outside when the cache
  // refuses it); empty if `make` gives null.
  template <typename T, typename Make>
  absl::StatusOr<Pinned<T>> PinMeta(BlockKind kind, uint64_t offset,
                                    const Make& make) const;
  absl::StatusOr<BlockRef> LoadBlock(const ReadOptions& options,
                                     const BlockHandle& handle, BlockKind kind,
                                     cache::Priority priority) const;

  const TableReaderOptions options_;
  const std::unique_ptr<env::RandomAccessFile> file_;
  const uint64_t file_size_;
  const uint64_t file_number_;
  const std::string file_name_;
  cache::Cache* const cache_;

  TableLayout layout_;
  TableProperties properties_;
  BlockRef index_;
  Pinned<IndexFences> fences_;  // empty if the index does not qualify
  Pinned<BloomFilter> filter_;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_TABLE_READER_H_
