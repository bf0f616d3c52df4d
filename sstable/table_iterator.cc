#include "sstable/table_iterator.h"

#include "sstable/table_reader.h"

namespace synapsed::storage::sstable {
namespace {

ReadOptions WithReadahead(ReadOptions options, Readahead* readahead) {
  options.readahead = readahead;
  return options;
}

}  // namespace

TableIterator::TableIterator(const TableReader* table,
                             const ReadOptions& options)
    : table_(table),
      options_(WithReadahead(options, &readahead_)),
      index_iter_(table->NewIndexIterator()),
      fences_(table->index_fences()) {}

absl::Status TableIterator::status() const {
  if (!index_iter_.status().ok()) return index_iter_.status();
  if (!status_.ok()) return status_;
  return data_iter_.status();
}

void TableIterator::ClearDataBlock() {
  data_block_.Reset();
  data_block_offset_ = 0;
}

void TableIterator::IndexNext() {
  if (fences_ != nullptr) {
    ++block_;
  } else {
    index_iter_.Next();
  }
}

void TableIterator::IndexPrev() {
  if (fences_ != nullptr) {
    block_ = block_ == 0 ? fences_->size() : block_ - 1;  // before the first: invalid
  } else {
    index_iter_.Prev();
  }
}

void TableIterator::InitDataBlock() {
  if (!IndexValid() || !ok()) {
    ClearDataBlock();
    return;
  }
  absl::StatusOr<BlockHandle> handle =
      fences_ != nullptr ? fences_->handle(block_)
                         : table_->DecodeIndexValue(index_iter_.value());
  if (!handle.ok()) {
    status_ = handle.status();
    ClearDataBlock();
    return;
  }
  if (data_block_ && data_block_offset_ == handle->offset) return;
  auto block = table_->ReadDataBlock(options_, *handle);
  if (!block.ok()) {
    status_ = block.status();
    ClearDataBlock();
    return;
  }
  data_block_ = *std::move(block);
  data_block_offset_ = handle->offset;
  data_iter_.Init(data_block_.get(), KeyOrder::kInternal, table_->file_name());
}

void TableIterator::SkipEmptyBlocksForward() {
  while (data_block_ && !data_iter_.Valid() && ok()) {
    IndexNext();
    InitDataBlock();
    if (data_block_) data_iter_.SeekToFirst();
  }
  if (!ok()) ClearDataBlock();
}

void TableIterator::SkipEmptyBlocksBackward() {
  while (data_block_ && !data_iter_.Valid() && ok()) {
    IndexPrev();
    InitDataBlock();
    if (data_block_) data_iter_.SeekToLast();
  }
  if (!ok()) ClearDataBlock();
}

void TableIterator::SeekToFirst() {
  if (fences_ != nullptr) {
    block_ = 0;
  } else {
    index_iter_.SeekToFirst();
  }
  InitDataBlock();
  if (data_block_) data_iter_.SeekToFirst();
  SkipEmptyBlocksForward();
}

void TableIterator::SeekToLast() {
  if (fences_ != nullptr) {
    block_ = fences_->size() - 1;  // fences are built for non-empty indexes only
  } else {
    index_iter_.SeekToLast();
  }
  InitDataBlock();
  if (data_block_) data_iter_.SeekToLast();
  SkipEmptyBlocksBackward();
}

void TableIterator::Seek(std::string_view target) {
  // The fences search internal keys; anything shorter walks the index.
  if (fences_ != nullptr && target.size() < 8) fences_ = nullptr;
  if (fences_ != nullptr) {
    block_ = table_->FindBlockOrdinal(target);
  } else {
    index_iter_.Seek(target);
  }
  InitDataBlock();
  if (data_block_) data_iter_.Seek(target);
  SkipEmptyBlocksForward();
}

void TableIterator::Next() {
  data_iter_.Next();
  SkipEmptyBlocksForward();
}

void TableIterator::Prev() {
  data_iter_.Prev();
  SkipEmptyBlocksBackward();
}

}  // namespace synapsed::storage::sstable
