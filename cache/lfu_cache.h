// LfuCache: a sharded least-frequently-used cache behind cache::Cache, for
// the value cache layer's "lfu" policy (layers/cache_layer.h); usable as a
// block cache too.
//
// Each shard counts uses per entry (1 at insert, +1 per hit, saturating at
// 2^20) and keeps one list per count, oldest first. Eviction takes the oldest
// unpinned entry of the lowest count, so ties go to the least recently
// inserted or promoted. A hit moves the entry to the next count's list, so
// Lookup takes the shard lock exclusively. There is no aging: counts never
// decay, so a key that was hot long ago stays until the hot set outgrows the
// cache; choose ARC for workloads whose hot set drifts. Pins, strict
// capacity and accounting are as in ArcCache (sharded_cache.h). Priority is
// ignored.
//
// Thread safety: all methods may be called concurrently from any thread.
// Every Handle must be released before the cache is destroyed.
#ifndef SYNAPSED_CACHE_LFU_CACHE_H_
#define SYNAPSED_CACHE_LFU_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "cache/sharded_cache.h"

namespace synapsed::storage::cache {
namespace internal {

class LfuShard : public ShardBase {
 public:
  absl::StatusOr<CacheEntry*> Insert(std::string_view key, uint64_t hash,
                                     std::unique_ptr<CacheValue> value,
                                     size_t charge, Priority priority);
  CacheEntry* Lookup(std::string_view key, uint64_t hash);
  void Erase(std::string_view key, uint64_t hash);

  // The use count of `key`, 0 if absent (tests and diagnostics).
  uint32_t FrequencyOf(std::string_view key, uint64_t hash) const;

 private:
  void Link(CacheEntry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unlink(CacheEntry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool EvictOne(FreeList* to_free) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Use count -> entries with that count, oldest first; no empty lists.
  std::map<uint32_t, EntryList> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal

class LfuCache final : public internal::ShardedCache<internal::LfuShard> {
 public:
  explicit LfuCache(const CacheOptions& options) : ShardedCache(options) {}
  std::string_view Name() const override { return "lfu"; }
  uint32_t FrequencyOf(std::string_view key) const;
};

// The sharded LFU cache.
std::unique_ptr<Cache> NewLfuCache(const CacheOptions& options);

}  // namespace synapsed::storage::cache

#endif  // SYNAPSED_CACHE_LFU_CACHE_H_
