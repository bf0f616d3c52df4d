// What the ARC and LRU caches share: splitting the key space into
// power-of-two shards, pin bookkeeping, usage accounting and counters.
// Internal to cache/; users see only cache::Cache and the factories.
//
// A key's shard is the top `shard_bits` bits of Hash64(key); the shard's hash
// table uses the low bits of the same hash, so a key is hashed once. Each
// shard owns capacity / num_shards bytes of charge and one absl::Mutex, and
// the shards are cache-line aligned so two threads working on different
// shards do not share lines.
//
// Accounting (per shard, summed by the Cache accessors):
//   usage        = charge of every entry not yet freed: resident entries,
//                  plus erased/evicted/replaced/detached entries still pinned.
//   pinned_usage = charge of entries with at least one Handle.
// Both are atomics: Release runs without the lock and may free an entry.
//
// Thread safety: every public method may be called from any thread.
#ifndef SYNAPSED_CACHE_SHARDED_CACHE_H_
#define SYNAPSED_CACHE_SHARDED_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "cache/cache_entry.h"
#include "cache/shard_mutex.h"
#include "util/checksum.h"

namespace synapsed::storage::cache::internal {

// Shard bits for `options`: num_shard_bits when >= 0 (clamped to 20), else
// derived: ceil(log2(8 * hardware threads)) clamped to [4, 6] (16-64 shards,
// enough that two to eight threads rarely meet on one lock), then lowered
// until every shard holds at least 512 KiB, so that one big block cannot
// take a whole shard.
int ShardBitsFor(const CacheOptions& options);

// The heap one entry costs beyond its value: the allocation holding the
// header and key (rounded up as malloc does, plus its 16-byte header) and
// its slot in a hash table kept at most 7/8 full (8-byte pointer + control
// byte). CacheOptions::charge_metadata adds it to every charge.
constexpr size_t MetadataCharge(size_t key_size) {
  const size_t block = (sizeof(CacheEntry) + key_size + 15) / 16 * 16 + 16;
  return block + (9 * 8 + 6) / 7;
}

// Entries to free once the shard lock is dropped: a value's destructor may be
// expensive (a decompressed block) and need not run under the lock.
using FreeList = absl::InlinedVector<CacheEntry*, 8>;

class alignas(64) ShardBase {
 public:
  ShardBase() = default;
  ShardBase(const ShardBase&) = delete;
  ShardBase& operator=(const ShardBase&) = delete;

  void Init(size_t capacity, bool strict) {
    capacity_ = capacity;
    strict_ = strict;
  }

  // Drops one pin; frees the entry if it was the last pin of an entry no
  // longer in the cache. Takes no lock.
  void Release(CacheEntry* e);

  size_t capacity() const { return capacity_; }
  size_t usage() const { return usage_.load(std::memory_order_relaxed); }
  size_t pinned_usage() const {
    return pinned_usage_.load(std::memory_order_relaxed);
  }
  void AddStats(CacheStats* s) const;

 protected:
  ~ShardBase();

  // Adds a pin. REQUIRES: mu_ held (shared or exclusive) and e in table_.
  void Pin(CacheEntry* e) {
    if ((e->state.fetch_add(CacheEntry::kOnePin, std::memory_order_acq_rel) >>
         1) == 0) {
      pinned_usage_.fetch_add(e->charge, std::memory_order_relaxed);
    }
  }
  // Clears in_cache on an entry just taken out of table_ and its list. If no
  // Handle pins it, takes its charge out of usage and queues it on `to_free`;
  // otherwise the last Release frees it.
  void Detach(CacheEntry* e, FreeList* to_free)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A new entry (one pin, in cache) is now counted.
  void Account(CacheEntry* e) {
    usage_.fetch_add(e->charge, std::memory_order_relaxed);
    pinned_usage_.fetch_add(e->charge, std::memory_order_relaxed);
  }
  // Whether `charge` more bytes fit in the shard's capacity now.
  bool Fits(size_t charge) const {
    return usage() <= capacity_ && charge <= capacity_ - usage();
  }
  // The answer for an insert that cannot fit once nothing more is evictable:
  // strict capacity refuses; otherwise the entry is handed to the caller
  // detached (never in the cache, freed by its last Release), so the cache
  // holds no more than its capacity and the excess lives only while pinned.
  absl::StatusOr<CacheEntry*> InsertUnfit(std::string_view key, uint64_t hash,
                                          std::unique_ptr<CacheValue> value,
                                          size_t charge)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void FreeAll(const FreeList& to_free) {
    for (CacheEntry* e : to_free) CacheEntry::Free(e);
  }

  mutable ShardMutex mu_;
  EntryTable table_ ABSL_GUARDED_BY(mu_);
  size_t capacity_ = 0;
  bool strict_ = false;
  std::atomic<size_t> usage_{0};
  std::atomic<size_t> pinned_usage_{0};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> inserts_{0};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> insert_failures_{0};
};

// A Cache over 2^shard_bits shards of type Shard. Shard derives from
// ShardBase and provides Insert/Lookup/Erase taking (key, hash).
template <typename Shard>
class ShardedCache : public Cache {
 public:
  explicit ShardedCache(const CacheOptions& options)
      : capacity_(options.capacity),
        charge_metadata_(options.charge_metadata),
        shard_bits_(ShardBitsFor(options)),
        shards_(new Shard[size_t{1} << shard_bits_]) {
    for (int i = 0; i < num_shards(); ++i) {
      shards_[i].Init(capacity_ >> shard_bits_, options.strict_capacity_limit);
    }
  }

  [[nodiscard]] absl::StatusOr<Handle> Insert(
      std::string_view key, std::unique_ptr<CacheValue> value, size_t charge,
      Priority priority = Priority::kLow) final {
    const uint64_t hash = Hash64(key);
    if (charge_metadata_) charge += MetadataCharge(key.size());
    absl::StatusOr<CacheEntry*> e =
        ShardFor(hash).Insert(key, hash, std::move(value), charge, priority);
    if (!e.ok()) return e.status();
    return Handle(this, *e, (*e)->value.get());
  }
  Handle Lookup(std::string_view key) final {
    const uint64_t hash = Hash64(key);
    CacheEntry* e = ShardFor(hash).Lookup(key, hash);
    if (e == nullptr) return Handle();
    return Handle(this, e, e->value.get());
  }
  void Erase(std::string_view key) final {
    const uint64_t hash = Hash64(key);
    ShardFor(hash).Erase(key, hash);
  }

  size_t Capacity() const final { return capacity_; }
  size_t Usage() const final {
    size_t total = 0;
    for (int i = 0; i < num_shards(); ++i) total += shards_[i].usage();
    return total;
  }
  size_t PinnedUsage() const final {
    size_t total = 0;
    for (int i = 0; i < num_shards(); ++i) total += shards_[i].pinned_usage();
    return total;
  }
  CacheStats Stats() const final {
    CacheStats s;
    for (int i = 0; i < num_shards(); ++i) shards_[i].AddStats(&s);
    return s;
  }

  int num_shards() const { return 1 << shard_bits_; }
  int shard_bits() const { return shard_bits_; }

 protected:
  void Release(void* entry) final {
    auto* e = static_cast<CacheEntry*>(entry);
    ShardFor(e->hash).Release(e);
  }
  Shard& ShardFor(uint64_t hash) const {
    return shards_[shard_bits_ == 0 ? 0 : hash >> (64 - shard_bits_)];
  }
  const Shard& shard(int i) const { return shards_[i]; }

 private:
  const size_t capacity_;
  const bool charge_metadata_;
  const int shard_bits_;
  const std::unique_ptr<Shard[]> shards_;
};

}  // namespace synapsed::storage::cache::internal

#endif  // SYNAPSED_CACHE_SHARDED_CACHE_H_
