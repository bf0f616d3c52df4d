#include "cache/lru_cache.h"

#include <utility>

namespace synapsed::storage::cache {
namespace internal {

absl::StatusOr<CacheEntry*> LruShard::Insert(std::string_view key,
                                             uint64_t hash,
                                             std::unique_ptr<CacheValue> value,
                                             size_t charge,
                                             Priority /*priority*/) {
  FreeList to_free;
  absl::StatusOr<CacheEntry*> result;
  {
    ShardLock lock(&mu_);
    if (auto it = table_.find(KeyRef{key, hash}); it != table_.end()) {
      CacheEntry* old = *it;
      table_.erase(it);
      lru_.Remove(old);
      Detach(old, &to_free);
    }
    while (!Fits(charge) && charge <= capacity_ && EvictOne(&to_free)) {
    }
    if (!Fits(charge)) {
      result = InsertUnfit(key, hash, std::move(value), charge);
    } else {
      CacheEntry* e = CacheEntry::New(key, hash, std::move(value), charge);
      table_.insert(e);
      lru_.PushBack(e);
      Account(e);
      inserts_.fetch_add(1, std::memory_order_relaxed);
      result = e;
    }
  }
  FreeAll(to_free);
  return result;
}

bool LruShard::EvictOne(FreeList* to_free) {
  // A full lap of pinned entries means nothing is evictable.
  for (size_t pinned_run = 0; pinned_run < lru_.count(); ++pinned_run) {
    CacheEntry* e = lru_.front();
    lru_.Remove(e);
    if (e->pins() > 0) {
      lru_.PushBack(e);
      continue;
    }
    table_.erase(e);
    Detach(e, to_free);
    evictions_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  return false;
}

CacheEntry* LruShard::Lookup(std::string_view key, uint64_t hash) {
  ShardLock lock(&mu_);
  auto it = table_.find(KeyRef{key, hash});
  if (it == table_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  CacheEntry* e = *it;
  Pin(e);
  lru_.Remove(e);
  lru_.PushBack(e);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void LruShard::Erase(std::string_view key, uint64_t hash) {
  FreeList to_free;
  {
    ShardLock lock(&mu_);
    auto it = table_.find(KeyRef{key, hash});
    if (it == table_.end()) return;
    CacheEntry* e = *it;
    table_.erase(it);
    lru_.Remove(e);
    Detach(e, &to_free);
  }
  FreeAll(to_free);
}

size_t LruShard::resident_bytes() const {
  ShardLock lock(&mu_);
  return lru_.bytes();
}

}  // namespace internal

std::unique_ptr<Cache> NewLruCache(const CacheOptions& options) {
  return std::make_unique<LruCache>(options);
}

}  // namespace synapsed::storage::cache
