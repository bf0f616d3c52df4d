#include "sstable/table_cache.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::sstable {

std::string TableFileName(std::string_view dir, uint64_t file_number) {
  return env::JoinPath(dir, fmt::format("{:06d}.sst", file_number));
}

TableCache::TableCache(env::FileSystem* fs, std::string dir,
                       const TableCacheOptions& options,
                       cache::Cache* block_cache)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      block_cache_(block_cache) {}

absl::StatusOr<std::shared_ptr<const TableReader>> TableCache::FindTable(
    uint64_t file_number, uint64_t file_size) {
  {
    MutexLock l(&mu_);
    auto it = tables_.find(file_number);
    if (it != tables_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
      return it->second.reader;
    }
  }
  // Open outside the lock: it reads the footer, index and filter.
  std::string name = options_.file_name ? options_.file_name(file_number)
                                        : TableFileName(dir_, file_number);
  auto file_or =
      fs_->NewRandomAccessFile(name, {.use_mmap = options_.use_mmap_reads,
                                      .use_direct_io = options_.use_direct_reads});
  if (absl::IsNotFound(file_or.status())) {
    // A table a version lists must exist: its absence is damage, and a
    // NotFound would read as "no such key" to Get's callers.
    return absl::DataLossError(fmt::format("{}: table listed by the manifest is missing: {}",
                                           name, std::string(file_or.status().message())));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<env::RandomAccessFile> file, std::move(file_or));
  TableReaderOptions reader_options = options_.reader_options;
  if (options_.cipher_for) {
    ASSIGN_OR_RETURN(reader_options.cipher, options_.cipher_for(file_number));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> opened,
                   TableReader::Open(reader_options, std::move(file),
                                     file_size, file_number, std::move(name),
                                     block_cache_));
  std::shared_ptr<const TableReader> reader(std::move(opened));

  std::shared_ptr<const TableReader> evicted;  // closed outside the lock
  MutexLock l(&mu_);
  auto [it, inserted] = tables_.try_emplace(file_number);
  if (!inserted) {
    // Another thread opened it meanwhile; use theirs.
    lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
    return it->second.reader;
  }
  lru_.push_front(file_number);
  it->second.reader = reader;
  it->second.lru_pos = lru_.begin();
  const size_t budget = OpenFileBudget();
  const size_t pinned = NumPinned();
  const size_t limit = pinned < budget ? budget - pinned : 1;  // TakePin leaves >= 1
  while (tables_.size() > limit) {
    const uint64_t victim = lru_.back();
    lru_.pop_back();
    auto v = tables_.find(victim);
    evicted = std::move(v->second.reader);
    tables_.erase(v);
  }
  return reader;
}

std::shared_ptr<const TableReader> TableCache::TakePin(
    std::shared_ptr<const TableReader> reader) {
  const size_t budget = OpenFileBudget();
  size_t taken = pinned_->load(std::memory_order_relaxed);
  do {
    if (taken + 1 >= budget) return nullptr;  // the LRU keeps at least one
  } while (!pinned_->compare_exchange_weak(taken, taken + 1, std::memory_order_relaxed));
  // The pin: owns the reader and the count it gives back when released.
  struct Pin {
    Pin(std::shared_ptr<const TableReader> r, std::shared_ptr<std::atomic<size_t>> p)
        : reader(std::move(r)), pinned(std::move(p)) {}
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    ~Pin() { pinned->fetch_sub(1, std::memory_order_relaxed); }
    const std::shared_ptr<const TableReader> reader;
    const std::shared_ptr<std::atomic<size_t>> pinned;
  };
  auto pin = std::make_shared<Pin>(std::move(reader), pinned_);
  const TableReader* raw = pin->reader.get();
  return std::shared_ptr<const TableReader>(std::move(pin), raw);
}

absl::StatusOr<const TableReader*> TableCache::Reader(
    uint64_t file_number, uint64_t file_size, const TableSlot* slot,
    std::shared_ptr<const TableReader>* hold) {
  if (slot != nullptr) {
    if (const TableReader* kept = slot->reader()) return kept;
  }
  ASSIGN_OR_RETURN(*hold, FindTable(file_number, file_size));
  if (slot != nullptr) {
    if (std::shared_ptr<const TableReader> pin = TakePin(*hold)) {
      return slot->Keep(std::move(pin));  // a pin that lost a race is released here
    }
  }
  return hold->get();
}

absl::Status TableCache::Get(const ReadOptions& options, uint64_t file_number,
                             uint64_t file_size, const TableSlot* slot,
                             std::string_view lookup_key, uint64_t user_key_hash,
                             GetResult* result) {
  std::shared_ptr<const TableReader> hold;
  ASSIGN_OR_RETURN(const TableReader* reader, Reader(file_number, file_size, slot, &hold));
  return reader->Get(options, lookup_key, user_key_hash, result);
}

absl::Status TableCache::MultiGet(const ReadOptions& options, uint64_t file_number,
                                  uint64_t file_size, const TableSlot* slot,
                                  std::span<MultiGetKey* const> keys) {
  std::shared_ptr<const TableReader> hold;
  ASSIGN_OR_RETURN(const TableReader* reader, Reader(file_number, file_size, slot, &hold));
  return reader->MultiGet(options, keys);
}

absl::StatusOr<std::unique_ptr<TableIterator>> TableCache::NewIterator(
    const ReadOptions& options, uint64_t file_number, uint64_t file_size,
    const TableSlot* slot) {
  std::shared_ptr<const TableReader> reader;
  ASSIGN_OR_RETURN(const TableReader* found, Reader(file_number, file_size, slot, &reader));
  // The slot's reader (kept before, or by another thread meanwhile): share it.
  if (found != reader.get()) reader = slot->Share();
  std::unique_ptr<TableIterator> it = reader->NewIterator(options);
  it->SetKeepAlive(std::move(reader));
  return it;
}

void TableCache::Evict(uint64_t file_number) {
  std::shared_ptr<const TableReader> evicted;
  MutexLock l(&mu_);
  auto it = tables_.find(file_number);
  if (it == tables_.end()) return;
  evicted = std::move(it->second.reader);
  lru_.erase(it->second.lru_pos);
  tables_.erase(it);
}

size_t TableCache::NumOpen() const {
  MutexLock l(&mu_);
  return tables_.size();
}

}  // namespace synapsed::storage::sstable
