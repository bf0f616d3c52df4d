#include "cache/lfu_cache.h"

#include <utility>

#include "util/checksum.h"

namespace synapsed::storage::cache {
namespace internal {

namespace {
constexpr uint32_t kMaxFrequency = uint32_t{1} << 20;
}  // namespace

void LfuShard::Link(CacheEntry* e) { buckets_[e->freq].PushBack(e); }

void LfuShard::Unlink(CacheEntry* e) {
  auto it = buckets_.find(e->freq);
  it->second.Remove(e);
  if (it->second.empty()) buckets_.erase(it);
}

absl::StatusOr<CacheEntry*> LfuShard::Insert(std::string_view key,
                                             uint64_t hash,
                                             std::unique_ptr<CacheValue> value,
                                             size_t charge,
                                             Priority /*priority*/) {
  FreeList to_free;
  absl::StatusOr<CacheEntry*> result;
  {
    ShardLock lock(&mu_);
    uint32_t freq = 1;
    if (auto it = table_.find(KeyRef{key, hash}); it != table_.end()) {
      CacheEntry* old = *it;
      // A new version of a used key keeps the key's count.
      freq = old->freq < kMaxFrequency ? old->freq + 1 : kMaxFrequency;
      table_.erase(it);
      Unlink(old);
      Detach(old, &to_free);
    }
    while (!Fits(charge) && charge <= capacity_ && EvictOne(&to_free)) {
    }
    if (!Fits(charge)) {
      result = InsertUnfit(key, hash, std::move(value), charge);
    } else {
      CacheEntry* e = CacheEntry::New(key, hash, std::move(value), charge);
      e->freq = freq;
      table_.insert(e);
      Link(e);
      Account(e);
      inserts_.fetch_add(1, std::memory_order_relaxed);
      result = e;
    }
  }
  FreeAll(to_free);
  return result;
}

bool LfuShard::EvictOne(FreeList* to_free) {
  // Lowest count first; pinned entries are passed over, not moved, so a
  // long-pinned entry keeps its place for when its pin goes.
  for (auto& [freq, list] : buckets_) {
    CacheEntry* victim =
        list.FindFirst([](const CacheEntry* e) { return e->pins() == 0; });
    if (victim == nullptr) continue;
    Unlink(victim);  // may erase this bucket: return before iterating on
    table_.erase(victim);
    Detach(victim, to_free);
    evictions_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  return false;
}

CacheEntry* LfuShard::Lookup(std::string_view key, uint64_t hash) {
  ShardLock lock(&mu_);
  auto it = table_.find(KeyRef{key, hash});
  if (it == table_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  CacheEntry* e = *it;
  Pin(e);
  if (e->freq < kMaxFrequency) {
    Unlink(e);
    ++e->freq;
    Link(e);
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void LfuShard::Erase(std::string_view key, uint64_t hash) {
  FreeList to_free;
  {
    ShardLock lock(&mu_);
    auto it = table_.find(KeyRef{key, hash});
    if (it == table_.end()) return;
    CacheEntry* e = *it;
    table_.erase(it);
    Unlink(e);
    Detach(e, &to_free);
  }
  FreeAll(to_free);
}

uint32_t LfuShard::FrequencyOf(std::string_view key, uint64_t hash) const {
  ShardLock lock(&mu_);
  auto it = table_.find(KeyRef{key, hash});
  return it == table_.end() ? 0 : (*it)->freq;
}

}  // namespace internal

uint32_t LfuCache::FrequencyOf(std::string_view key) const {
  const uint64_t hash = Hash64(key);
  return ShardFor(hash).FrequencyOf(key, hash);
}

std::unique_ptr<Cache> NewLfuCache(const CacheOptions& options) {
  return std::make_unique<LfuCache>(options);
}

}  // namespace synapsed::storage::cache
