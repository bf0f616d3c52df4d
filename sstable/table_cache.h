// TableCache: keeps open TableReaders by file number, at most
// `max_open_files` of them, evicting the least recently used. A reader handed
// out stays usable after eviction: it is shared, and closes when the last
// holder (a caller, an iterator) lets go.
//
// Pinning: a lookup that passes a TableSlot (sstable/table_slot.h) leaves
// the reader in it, and later lookups through that slot skip the cache. The
// pinned readers count against max_open_files: pins take at most all but
// one of it, the LRU keeps what they leave, and then slots are no longer
// filled. A pin is released when its slot is destroyed (or the last iterator
// sharing it ends).
//
// The engine reaches every table through it (Version::Get and
// Version::AddIterators in engine/version.cc, compaction inputs in
// engine/db_background.cc) and holds no readers of its own, so
// max_open_files bounds the descriptors it keeps open; readers that
// iterators still hold after eviction come on top, until they finish.
//
// Thread-safe: every method may be called from any thread. Two threads
// missing on the same file may both open it; one reader wins, the other is
// dropped.
#ifndef SYNAPSED_SSTABLE_TABLE_CACHE_H_
#define SYNAPSED_SSTABLE_TABLE_CACHE_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "env/env.h"
#include "sstable/table_iterator.h"
#include "sstable/table_options.h"
#include "sstable/table_reader.h"
#include "sstable/table_slot.h"
#include "util/mutex.h"

namespace synapsed::storage::sstable {

// "<dir>/<number, 6+ digits>.sst".
std::string TableFileName(std::string_view dir, uint64_t file_number);

struct TableCacheOptions {
  // Open readers kept; each holds a file descriptor plus its index and
  // filter in memory. More avoids re-opening (a footer, index and filter
  // read) on cold files.
  size_t max_open_files = 1000;
  // Read tables through a mapping of each open file (env's use_mmap): a
  // block-cache miss then costs no syscall and no copy of the stored block.
  bool use_mmap_reads = false;
  // Read tables with O_DIRECT (env's use_direct_io), around the page cache;
  // wins over use_mmap_reads.
  bool use_direct_reads = false;
  TableReaderOptions reader_options;
  // Where file `n` lives; TableFileName(dir, n) by default.
  std::function<std::string(uint64_t)> file_name;
  // An encrypted database's data key of table `n` (unset: plain tables).
  std::function<absl::StatusOr<std::shared_ptr<const crypto::FileCipher>>(uint64_t)>
      cipher_for;
};

class TableCache {
 public:
  // `fs` and `block_cache` (may be null) must outlive the cache.
  TableCache(env::FileSystem* fs, std::string dir,
             const TableCacheOptions& options, cache::Cache* block_cache);
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  // The open reader for the file, opening it (and maybe evicting another) on
  // a miss. `file_size` comes from the manifest.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const TableReader>> FindTable(
      uint64_t file_number, uint64_t file_size);

  // TableReader::Get through `slot`'s reader, or through the cache (then
  // pinning the reader in `slot` if the budget allows). `slot` may be null.
  [[nodiscard]] absl::Status Get(const ReadOptions& options,
                                 uint64_t file_number, uint64_t file_size,
                                 const TableSlot* slot, std::string_view lookup_key,
                                 uint64_t user_key_hash, GetResult* result);

  // TableReader::MultiGet, the same way.
  [[nodiscard]] absl::Status MultiGet(const ReadOptions& options,
                                      uint64_t file_number, uint64_t file_size,
                                      const TableSlot* slot,
                                      std::span<MultiGetKey* const> keys);

  // An iterator that keeps its reader alive; `slot` as for Get.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<TableIterator>> NewIterator(
      const ReadOptions& options, uint64_t file_number, uint64_t file_size,
      const TableSlot* slot = nullptr);

  // `slot`'s reader, or the cache's reader for the file, pinned in `slot`
  // when the budget allows; `*hold` keeps an unpinned one alive. For
  // callers that run a reader's stages themselves (Version::MultiGet).
  [[nodiscard]] absl::StatusOr<const TableReader*> Reader(
      uint64_t file_number, uint64_t file_size, const TableSlot* slot,
      std::shared_ptr<const TableReader>* hold);

  // Drops the reader of a deleted file (holders keep theirs until done).
  void Evict(uint64_t file_number);

  // Readers in the cache's LRU (pinned ones not counted unless also there).
  size_t NumOpen() const;
  // Readers pinned in slots that still exist.
  size_t NumPinned() const { return pinned_->load(std::memory_order_relaxed); }

 private:
  // max_open_files, at least 1: readers the LRU and the pins share.
  size_t OpenFileBudget() const { return std::max<size_t>(1, options_.max_open_files); }
  // `reader` wrapped so that releasing it gives its pin back, or null when
  // every pin is taken.
  std::shared_ptr<const TableReader> TakePin(std::shared_ptr<const TableReader> reader);

  struct Entry {
    std::shared_ptr<const TableReader> reader;
    std::list<uint64_t>::iterator lru_pos;
  };

  env::FileSystem* const fs_;
  const std::string dir_;
  const TableCacheOptions options_;
  cache::Cache* const block_cache_;

  // An absl::Mutex that TSan can see (Debian's absl is not instrumented).
  mutable Mutex mu_;
  std::unordered_map<uint64_t, Entry> tables_ ABSL_GUARDED_BY(mu_);
  std::list<uint64_t> lru_ ABSL_GUARDED_BY(mu_);  // front: most recent
  // Pins handed out and not yet released; shared with the pins themselves,
  // which may outlive the cache.
  const std::shared_ptr<std::atomic<size_t>> pinned_ =
      std::make_shared<std::atomic<size_t>>(0);
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_TABLE_CACHE_H_
