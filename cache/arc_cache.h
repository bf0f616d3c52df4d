// ArcCache: a sharded Adaptive Replacement Cache for table blocks, with
// charges in bytes, pinned handles and CAR-style lazy promotion.
//
// == Benefits ==
// An LRU cache loses its working set to one pass over cold data: a full scan
// (compaction input, a range read, a backup) pushes every hot index, filter
// and data block out. ARC (Megiddo & Modha, "ARC: A Self-Tuning, Low
// Overhead Replacement Cache", FAST 2003) splits the cache into a recency
// part and a frequency part and keeps short histories of what each part
// recently evicted; a block seen once cannot displace blocks seen twice
// unless the history shows that recency is paying off. The split adapts to
// the workload with no tuning knob, and a scan only churns the recency part.
// See bench/cache_bench.cc for a zipfian + periodic-scan trace where the
// difference is measured.
//
// == Costs ==
//  - Ghost lists: up to one 8-byte hash (plus charge and index, ~48 bytes)
//    per recently evicted block; bounded by capacity in *charge*, so about
//    as many ghosts as resident blocks. Not counted in Usage(). Each
//    resident entry also costs ~100 bytes + its key of header and index,
//    charged only with CacheOptions::charge_metadata (then a full cache's
//    heap stays under capacity: bench/cache_trace --memory).
//  - Insert does more than LRU: ghost probes, the adaptation of p, and
//    possibly several list moves while looking for a victim. Inserts follow
//    block reads from disk, which cost far more.
//  - Lookup costs the same as the cheapest LRU: one hash, one shard lock
//    taken *shared*, one table probe, two atomic adds (pin, hit counter) and
//    a reference-bit store when the bit is not already set. No list is
//    touched on a hit (see "Lazy promotion" below).
//
// == The algorithm ==
// Each shard of capacity c bytes runs ARC on its own:
//   T1: resident blocks seen once recently      (recency)
//   T2: resident blocks seen at least twice     (frequency)
//   B1: hashes of blocks evicted from T1        (ghosts)
//   B2: hashes of blocks evicted from T2        (ghosts)
//   p:  the target size of T1 in bytes, 0 <= p <= c.
// All sizes are sums of charges. Invariants the shard keeps:
// |T1| + |T2| <= c (resident charge never exceeds the shard capacity),
// |T1| + |B1| <= c and |T1| + |T2| + |B1| + |B2| <= 2c (the directory).
//
// Insert of key x with charge n (the block cache inserts after a miss):
//   x resident      -> replace it; the new entry goes to T2 (x was reused).
//   x in B1 (ghost) -> recency would have kept it: p += n * max(1, |B2|/|B1|)
//                      (capped at c); x enters T2.
//   x in B2 (ghost) -> frequency would have kept it: p -= n *
//                      max(1, |B1|/|B2|) (floored at 0); x enters T2.
//   otherwise       -> trim the oldest ghosts of B1 while |T1|+|B1|+n > c,
//                      then of B2 while the directory + n > 2c; x enters T1.
//   Priority::kHigh (index and filter blocks) enters T2 directly: such blocks
//   are known to be reused, and T2 is what a scan cannot flush.
// Then, while the shard cannot hold n more bytes, REPLACE evicts one block:
// from T1 if |T1| > p (or |T1| >= p when x was a B2 hit), else from T2; the
// victim's hash moves to B1 or B2.
//
// == Lazy promotion (CAR) ==
// Textbook ARC moves a block from T1 to T2 on its second hit, which needs
// the shard lock exclusively on every lookup. Here a hit only sets the
// entry's `referenced` bit, as in CAR (Bansal & Modha, "CAR: Clock with
// Adaptive Replacement", FAST 2004). REPLACE inspects the oldest entry of
// the chosen list: in T1 a referenced entry has been hit since insertion, so
// it moves to T2's newest end with the bit cleared (the ARC promotion, done
// late); in T2 a referenced entry gets a second chance (moves to the newest
// end, bit cleared). An unreferenced, unpinned entry is the victim. The lists
// are doubly linked, so "moving the clock hand" is an O(1) relink.
//
// == Pins ==
// A Handle pins its entry; a pinned entry is never evicted. REPLACE moves a
// pinned entry to the newest end of its list (it is in use right now) and
// gives up on a list after a full lap of pinned entries. If nothing more can
// be evicted and the insert still does not fit: with strict_capacity_limit
// the insert fails with ResourceExhausted; without it the new entry is
// returned detached (in no list, freed by its last Release). Either way the
// resident charge stays <= capacity. Usage() also counts entries erased or
// replaced while pinned, and detached ones, until their last Handle goes: it
// exceeds Capacity() only by charge that callers pin at that moment.
//
// == Locking ==
// One absl::Mutex per shard (wrapped in ShardMutex so TSan can see it).
// Lookup takes it shared; Insert and Erase take it exclusively. Release takes
// no lock: it drops the pin with one atomic fetch_sub on the entry's state word
// (see cache_entry.h), and frees the entry itself only when it was the last pin
// of an entry already out of the cache. Value destructors run after the shard
// lock is dropped.
//
// Thread safety: all methods may be called concurrently from any thread.
// Every Handle must be released before the cache is destroyed.
#ifndef SYNAPSED_CACHE_ARC_CACHE_H_
#define SYNAPSED_CACHE_ARC_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "cache/ghost_list.h"
#include "cache/sharded_cache.h"

namespace synapsed::storage::cache {

// Where a key sits in its shard (for tests and diagnostics).
enum class ArcList : uint8_t { kNone, kT1, kT2, kB1, kB2 };

// A snapshot of one shard's ARC state, in bytes of charge and entries.
struct ArcShardState {
  size_t capacity = 0;
  size_t p = 0;
  size_t t1_bytes = 0, t2_bytes = 0, b1_bytes = 0, b2_bytes = 0;
  size_t t1_count = 0, t2_count = 0, b1_count = 0, b2_count = 0;
};

namespace internal {

class ArcShard : public ShardBase {
 public:
  absl::StatusOr<CacheEntry*> Insert(std::string_view key, uint64_t hash,
                                     std::unique_ptr<CacheValue> value,
                                     size_t charge, Priority priority);
  CacheEntry* Lookup(std::string_view key, uint64_t hash);
  void Erase(std::string_view key, uint64_t hash);

  ArcShardState State() const;
  ArcList ListOf(std::string_view key, uint64_t hash) const;

 private:
  enum : uint8_t { kT1 = 1, kT2 = 2 };
  EntryList& ListFor(const CacheEntry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return e->list == kT1 ? t1_ : t2_;
  }
  // Evicts one unpinned entry into its ghost list; false if every resident
  // entry is pinned.
  bool ReplaceOne(bool b2_hit, FreeList* to_free)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps |T1|+|B1| <= c and the directory <= 2c, with `incoming` bytes
  // about to enter T1.
  void TrimGhosts(size_t incoming) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EntryList t1_ ABSL_GUARDED_BY(mu_);
  EntryList t2_ ABSL_GUARDED_BY(mu_);
  GhostList b1_ ABSL_GUARDED_BY(mu_);
  GhostList b2_ ABSL_GUARDED_BY(mu_);
  size_t p_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace internal

class ArcCache final : public internal::ShardedCache<internal::ArcShard> {
 public:
  explicit ArcCache(const CacheOptions& options) : ShardedCache(options) {}

  std::string_view Name() const override { return "arc"; }

  // Diagnostics: the state of shard `i` (0 <= i < num_shards()), and the
  // list holding `key`. A hit in T1 shows up in T2 only once an eviction has
  // passed over it (lazy promotion).
  ArcShardState ShardState(int i) const { return shard(i).State(); }
  ArcList ListOf(std::string_view key) const;
};

// The sharded ARC block cache.
std::unique_ptr<Cache> NewArcCache(const CacheOptions& options);

}  // namespace synapsed::storage::cache

#endif  // SYNAPSED_CACHE_ARC_CACHE_H_
