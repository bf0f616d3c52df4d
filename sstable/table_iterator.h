// TableIterator: the two-level iterator over a table, an index-block
// iterator choosing data blocks and a data-block iterator within the current
// one. It pins the current data block (cache handle or owned block), so
// key()/value() point into it without copies.
//
// An error (a block that fails its checksum, a malformed entry) ends the
// iteration: Valid() turns false and status() says which file and offset;
// the iterator never skips a damaged block and carries on.
//
// Data blocks missing from the block cache are read through the iterator's
// own readahead window (sstable/readahead.h): a forward scan reads many
// blocks per system call.
//
// A table with index fences (sstable/index_fences.h) is walked by data-block
// ordinal: a seek finds the ordinal in the fences and every handle comes
// from them, so the index block is not read at all. Without fences the
// iterator walks the index block.
//
// One thread at a time; the TableReader must outlive the iterator unless a
// keep-alive is attached (TableCache does this). Neither copied nor moved
// (options_ points at readahead_).
#ifndef SYNAPSED_SSTABLE_TABLE_ITERATOR_H_
#define SYNAPSED_SSTABLE_TABLE_ITERATOR_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "sstable/block.h"
#include "sstable/index_fences.h"
#include "sstable/iterator.h"
#include "sstable/readahead.h"
#include "sstable/table_options.h"

namespace synapsed::storage::sstable {

class TableReader;

class TableIterator final : public Iterator {
 public:
  TableIterator(const TableReader* table, const ReadOptions& options);
  TableIterator(const TableIterator&) = delete;
  TableIterator& operator=(const TableIterator&) = delete;

  bool Valid() const override {
    return data_block_ && data_iter_.Valid();
  }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override { return data_iter_.key(); }
  std::string_view value() const override { return data_iter_.value(); }
  absl::Status status() const override;

  // Keeps `owner` (normally the TableReader's shared_ptr) alive as long as
  // the iterator.
  void SetKeepAlive(std::shared_ptr<const void> owner) {
    keep_alive_ = std::move(owner);
  }

 private:
  // The index position: an ordinal in the fences, or the index iterator.
  bool IndexValid() const {
    return fences_ != nullptr ? block_ < fences_->size() : index_iter_.Valid();
  }
  void IndexNext();
  void IndexPrev();
  // Loads the block the index position names (or clears past its end).
  void InitDataBlock();
  void SkipEmptyBlocksForward();
  void SkipEmptyBlocksBackward();
  void ClearDataBlock();
  bool ok() const {
    return status_.ok() && index_iter_.status().ok() &&
           data_iter_.status().ok();
  }

  const TableReader* const table_;
  Readahead readahead_;          // for the data blocks this scan reads
  const ReadOptions options_;    // with readahead = &readahead_
  BlockIterator index_iter_;           // when fences_ is null
  const IndexFences* fences_;          // null: walk index_iter_
  size_t block_ = 0;                   // the data block's ordinal, with fences_
  BlockIterator data_iter_;
  BlockRef data_block_;
  uint64_t data_block_offset_ = 0;
  absl::Status status_;  // block load errors
  std::shared_ptr<const void> keep_alive_;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_TABLE_ITERATOR_H_
