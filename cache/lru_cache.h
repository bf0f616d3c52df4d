// LruCache: a sharded least-recently-used block cache behind cache::Cache,
// kept as the baseline ARC is measured against and as a configuration option.
//
// Each shard keeps its resident entries in one list, oldest first. A hit
// moves the entry to the newest end, so Lookup takes the shard lock
// exclusively (the cost a lock-per-lookup LRU pays on every hit). Insert
// evicts from the oldest end until the new charge fits; pinned entries are
// never evicted (they are moved to the newest end: they are in use). When
// nothing more can be evicted, strict_capacity_limit refuses the insert
// (ResourceExhausted); otherwise the entry is handed back detached, outside
// the cache, and freed by its last Release, exactly as in ArcCache. Priority
// is ignored: plain LRU has no protected segment.
//
// Pins, accounting and Release are shared with ArcCache (sharded_cache.h):
// Release takes no lock, and an entry erased or replaced while pinned is
// freed by its last Handle.
//
// Thread safety: all methods may be called concurrently from any thread.
// Every Handle must be released before the cache is destroyed.
#ifndef SYNAPSED_CACHE_LRU_CACHE_H_
#define SYNAPSED_CACHE_LRU_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "cache/sharded_cache.h"

namespace synapsed::storage::cache {
namespace internal {

class LruShard : public ShardBase {
 public:
  absl::StatusOr<CacheEntry*> Insert(std::string_view key, uint64_t hash,
                                     std::unique_ptr<CacheValue> value,
                                     size_t charge, Priority priority);
  CacheEntry* Lookup(std::string_view key, uint64_t hash);
  void Erase(std::string_view key, uint64_t hash);

  size_t resident_bytes() const;

 private:
  // Evicts the least recently used unpinned entry; false if all are pinned.
  bool EvictOne(FreeList* to_free) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EntryList lru_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal

class LruCache final : public internal::ShardedCache<internal::LruShard> {
 public:
  explicit LruCache(const CacheOptions& options) : ShardedCache(options) {}
  std::string_view Name() const override { return "lru"; }
  // Charge of the entries in shard `i`'s list (diagnostics and tests).
  size_t ResidentBytes(int i) const { return shard(i).resident_bytes(); }
};

// The sharded LRU block cache.
std::unique_ptr<Cache> NewLruCache(const CacheOptions& options);

}  // namespace synapsed::storage::cache

#endif  // SYNAPSED_CACHE_LRU_CACHE_H_
