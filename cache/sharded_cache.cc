#include "cache/sharded_cache.h"

#include <algorithm>
#include <thread>

#include "absl/status/status.h"

namespace synapsed::storage::cache::internal {

namespace {
constexpr size_t kMinShardBytes = size_t{512} << 10;
constexpr int kMinDerivedBits = 4;
constexpr int kMaxDerivedBits = 6;
constexpr int kMaxExplicitBits = 20;
}  // namespace

int ShardBitsFor(const CacheOptions& options) {
  if (options.num_shard_bits >= 0) {
    return std::min(options.num_shard_bits, kMaxExplicitBits);
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  int bits = 0;
  while ((1u << bits) < 8 * threads) ++bits;
  bits = std::clamp(bits, kMinDerivedBits, kMaxDerivedBits);
  while (bits > 0 && (options.capacity >> bits) < kMinShardBytes) --bits;
  return bits;
}

ShardBase::~ShardBase() {
  // Every Handle must be gone before the cache is destroyed (as with any
  // object a pointer refers to); what remains is owned by the table alone.
  for (CacheEntry* e : table_) CacheEntry::Free(e);
}

void ShardBase::Release(CacheEntry* e) {
  // Read what we need before dropping the pin: once it is dropped, eviction
  // (or another Release) may free `e`.
  const size_t charge = e->charge;
  const uint32_t old =
      e->state.fetch_sub(CacheEntry::kOnePin, std::memory_order_acq_rel);
  if ((old >> 1) == 1) {
    pinned_usage_.fetch_sub(charge, std::memory_order_relaxed);
  }
  if (old == CacheEntry::kOnePin) {
    // The last pin of an entry already out of the cache: ours to free.
    usage_.fetch_sub(charge, std::memory_order_relaxed);
    CacheEntry::Free(e);
  }
}

void ShardBase::Detach(CacheEntry* e, FreeList* to_free) {
  const uint32_t old =
      e->state.fetch_and(~CacheEntry::kInCache, std::memory_order_acq_rel);
  if (old == CacheEntry::kInCache) {
    usage_.fetch_sub(e->charge, std::memory_order_relaxed);
    to_free->push_back(e);
  }
}

absl::StatusOr<CacheEntry*> ShardBase::InsertUnfit(
    std::string_view key, uint64_t hash, std::unique_ptr<CacheValue> value,
    size_t charge) {
  if (strict_) {
    insert_failures_.fetch_add(1, std::memory_order_relaxed);
    return absl::ResourceExhaustedError(
        "cache: entry does not fit: every evictable entry is gone and the "
        "rest of the shard is pinned (strict_capacity_limit)");
  }
  CacheEntry* e = CacheEntry::New(key, hash, std::move(value), charge);
  e->state.store(CacheEntry::kOnePin, std::memory_order_relaxed);
  Account(e);
  inserts_.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void ShardBase::AddStats(CacheStats* s) const {
  s->hits += hits_.load(std::memory_order_relaxed);
  s->misses += misses_.load(std::memory_order_relaxed);
  s->inserts += inserts_.load(std::memory_order_relaxed);
  s->evictions += evictions_.load(std::memory_order_relaxed);
  s->insert_failures += insert_failures_.load(std::memory_order_relaxed);
}

}  // namespace synapsed::storage::cache::internal
