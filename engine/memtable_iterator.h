// Adapts a memtable's cursor to the engine's internal iterator interface,
// keeping the memtable alive for the iterator's life.
#ifndef SYNAPSED_ENGINE_MEMTABLE_ITERATOR_H_
#define SYNAPSED_ENGINE_MEMTABLE_ITERATOR_H_

#include <memory>

#include "engine/db_iterator.h"
#include "memtable/memtable.h"

namespace synapsed::storage::engine {

class MemTableInternalIterator final : public InternalIterator {
 public:
  explicit MemTableInternalIterator(std::shared_ptr<const memtable::MemTable> mem)
      : mem_(std::move(mem)), it_(mem_->NewIterator()) {}
  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(target); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return it_->key(); }
  std::string_view value() const override { return it_->value(); }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  std::shared_ptr<const memtable::MemTable> mem_;
  std::unique_ptr<memtable::MemTableIterator> it_;
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_MEMTABLE_ITERATOR_H_
