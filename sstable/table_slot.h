// TableSlot: one table's open reader, kept beside whatever describes the table
// (the engine's compaction::FileMetaData) so that a lookup reaches the reader
// with one atomic load: no cache lock, no hash lookup, no LRU update, no
// reference count.
//
// The TableCache fills a slot (TableCache::Get, MultiGet, NewIterator take
// one) while its pin budget lasts (TableCacheOptions::max_open_files counts
// pinned readers); a slot it did not fill is simply looked up through the
// cache each time. A filled slot keeps its reader open until the slot is
// destroyed, which for the engine is when no version lists the table any
// more.
//
// Thread-safe: reader() and Share() from any thread; Keep from any thread,
// the first reader kept wins. A copy starts empty, and assigning to a slot
// empties it (the reader stays with the original).
#ifndef SYNAPSED_SSTABLE_TABLE_SLOT_H_
#define SYNAPSED_SSTABLE_TABLE_SLOT_H_

#include <atomic>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "util/mutex.h"

namespace synapsed::storage::sstable {

class TableReader;

class TableSlot {
 public:
  TableSlot() = default;
  TableSlot(const TableSlot&) : TableSlot() {}
  // Empties this slot: it may now describe another table. Not while other
  // threads use it (a published slot is const).
  TableSlot& operator=(const TableSlot&) {
    MutexLock l(&mu_);
    reader_.store(nullptr, std::memory_order_relaxed);
    kept_.reset();
    return *this;
  }

  // The kept reader, or null; valid as long as the slot.
  const TableReader* reader() const { return reader_.load(std::memory_order_acquire); }

  // The kept reader shared (for an iterator that may outlive the slot), or
  // null.
  std::shared_ptr<const TableReader> Share() const {
    MutexLock l(&mu_);
    return kept_;
  }

  // Keeps `reader` unless the slot keeps one already; returns the one kept.
  const TableReader* Keep(std::shared_ptr<const TableReader> reader) const {
    MutexLock l(&mu_);
    if (kept_ == nullptr) {
      kept_ = std::move(reader);
      reader_.store(kept_.get(), std::memory_order_release);
    }
    return kept_.get();
  }

 private:
  mutable Mutex mu_;
  mutable std::shared_ptr<const TableReader> kept_ ABSL_GUARDED_BY(mu_);
  // kept_.get(), published after kept_ is set, never changed after.
  mutable std::atomic<const TableReader*> reader_{nullptr};
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_TABLE_SLOT_H_
