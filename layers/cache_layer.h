// The value cache layer (the seed's CacheConfig): a Store decorator that
// keeps whole values of recently read keys in memory, in front of any
// backend.
//
// What is cached: the latest committed value of a key, filled by a Get that
// missed (unless ReadOptions::fill_cache is false). Absent keys are not
// cached. At most `max_entries` values are held; the policy (lru, lfu, arc)
// picks what to drop, using the sharded caches of cache/ with a charge of
// one per entry. With `ttl_seconds`, a value older than that is treated as a
// miss and read again from the backend.
//
// What passes through untouched: reads at a snapshot, BatchGet (it must be
// one consistent read), iterators and Scan, snapshots, Flush, and every
// transaction operation (a transaction reads its own snapshot and writes).
//
// Consistency: the layer never serves a value older than the latest write
// that went through it, and a writer's batch never appears torn to a reader
// that reads its keys one by one. Every write (Put, Delete, Write, and a
// transaction's Commit, for the keys it wrote) first marks the keys' stripes
// as being written and erases the keys from the cache, then writes the
// backend, then unmarks them. A Get that misses may fill the cache only if no
// write to its stripe started between its backend read and the fill (a
// per-stripe epoch) and none is in progress, so a value read before a write
// can never be cached after that write's erase. Writes made to the backend
// directly, not through the layer, are not seen until the value is evicted
// or expires.
//
// Values come back pinned in the cache (PinnableValue::IsPinned()) without a
// copy; the pin keeps the cache alive, so a PinnableValue may outlive the
// store.
//
// Thread safety: as every Store, fully thread-safe.
#ifndef SYNAPSED_LAYERS_CACHE_LAYER_H_
#define SYNAPSED_LAYERS_CACHE_LAYER_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

// Wraps `base` in a value cache. InvalidArgument if config.max_entries is 0.
// `now` is the clock used for ttl_seconds (tests pass a fake one).
//
// GetProperty("cache.stats") returns one line of counters:
//   "policy=arc max_entries=N entries=N hits=N misses=N expired=N fills=N
//    invalidations=N"
// (hits/misses count cacheable Gets; expired counts hits past their TTL, which
// are also misses). Other properties go to the backend.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> NewCacheLayer(
    std::unique_ptr<Store> base, const CacheConfig& config,
    std::function<absl::Time()> now = absl::Now);

}  // namespace synapsed::storage

#endif  // SYNAPSED_LAYERS_CACHE_LAYER_H_
