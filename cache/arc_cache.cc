#include "cache/arc_cache.h"

#include <algorithm>
#include <utility>

#include "util/checksum.h"

namespace synapsed::storage::cache {
namespace internal {

namespace {

// n * max(1, num / den) without overflow; den > 0.
size_t ScaledDelta(size_t n, size_t num, size_t den) {
  if (num <= den) return n;
  const long double d = static_cast<long double>(n) * num / den;
  return d >= static_cast<long double>(SIZE_MAX) ? SIZE_MAX
                                                 : static_cast<size_t>(d);
}

}  // namespace

absl::StatusOr<CacheEntry*> ArcShard::Insert(std::string_view key,
                                             uint64_t hash,
                                             std::unique_ptr<CacheValue> value,
                                             size_t charge, Priority priority) {
  FreeList to_free;
  absl::StatusOr<CacheEntry*> result;
  {
    ShardLock lock(&mu_);
    bool reused = false;
    if (auto it = table_.find(KeyRef{key, hash}); it != table_.end()) {
      CacheEntry* old = *it;
      table_.erase(it);
      ListFor(old).Remove(old);
      Detach(old, &to_free);
      reused = true;
    }

    // ARC's adaptation: a ghost hit says which list should have been larger.
    bool b2_hit = false;
    size_t ghost_charge = 0;
    if (!reused && b1_.Contains(hash)) {
      const size_t delta = ScaledDelta(charge, b2_.bytes(), b1_.bytes());
      p_ = std::min(capacity_, capacity_ - p_ > delta ? p_ + delta : capacity_);
      b1_.Remove(hash, &ghost_charge);
      reused = true;
    } else if (!reused && b2_.Contains(hash)) {
      const size_t delta = ScaledDelta(charge, b1_.bytes(), b2_.bytes());
      p_ = p_ > delta ? p_ - delta : 0;
      b2_.Remove(hash, &ghost_charge);
      reused = true;
      b2_hit = true;
    }
    const bool to_t2 = reused || priority == Priority::kHigh;
    if (!to_t2) TrimGhosts(charge);

    // An entry larger than the shard never fits: keep what is cached.
    while (!Fits(charge) && charge <= capacity_ &&
           ReplaceOne(b2_hit, &to_free)) {
    }
    if (!Fits(charge)) {
      result = InsertUnfit(key, hash, std::move(value), charge);
    } else {
      CacheEntry* e = CacheEntry::New(key, hash, std::move(value), charge);
      table_.insert(e);
      e->list = to_t2 ? kT2 : kT1;
      ListFor(e).PushBack(e);
      Account(e);
      inserts_.fetch_add(1, std::memory_order_relaxed);
      result = e;
    }
    // Evictions into B1 or a p-driven shift may have grown the ghosts.
    TrimGhosts(0);
  }
  FreeAll(to_free);
  return result;
}

void ArcShard::TrimGhosts(size_t incoming) {
  while (t1_.bytes() + b1_.bytes() + incoming > capacity_ && b1_.PopOldest()) {
  }
  // The directory (resident + ghosts + incoming) must stay within 2c;
  // written as d - c > c so that a capacity near SIZE_MAX cannot overflow.
  auto over = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const size_t d =
        t1_.bytes() + t2_.bytes() + b1_.bytes() + b2_.bytes() + incoming;
    return d > capacity_ && d - capacity_ > capacity_;
  };
  while (over() && b2_.PopOldest()) {
  }
  while (over() && b1_.PopOldest()) {
  }
}

bool ArcShard::ReplaceOne(bool b2_hit, FreeList* to_free) {
  // Pinned entries met in a row on each list since the last unpinned one; a
  // list whose whole length is pinned is skipped. Every unpinned entry met
  // either leaves the list, is evicted, or loses its reference bit, so the
  // loop ends after at most about two laps of each list.
  size_t t1_pinned_run = 0;
  size_t t2_pinned_run = 0;
  while (true) {
    const bool t1_ok = !t1_.empty() && t1_pinned_run < t1_.count();
    const bool t2_ok = !t2_.empty() && t2_pinned_run < t2_.count();
    if (!t1_ok && !t2_ok) return false;
    const bool from_t1 =
        t1_ok && (!t2_ok || t1_.bytes() > p_ || (b2_hit && t1_.bytes() >= p_));
    EntryList& list = from_t1 ? t1_ : t2_;
    size_t& pinned_run = from_t1 ? t1_pinned_run : t2_pinned_run;
    CacheEntry* e = list.front();
    if (e->referenced.load(std::memory_order_relaxed)) {
      // Hit since it was last looked at: promote (T1) or second chance (T2).
      e->referenced.store(false, std::memory_order_relaxed);
      list.Remove(e);
      e->list = kT2;
      t2_.PushBack(e);
      pinned_run = 0;
      continue;
    }
    if (e->pins() > 0) {
      list.Remove(e);
      list.PushBack(e);
      ++pinned_run;
      continue;
    }
    list.Remove(e);
    table_.erase(e);
    (from_t1 ? b1_ : b2_).Add(e->hash, e->charge);
    Detach(e, to_free);
    evictions_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
}

CacheEntry* ArcShard::Lookup(std::string_view key, uint64_t hash) {
  ShardReaderLock lock(&mu_);
  auto it = table_.find(KeyRef{key, hash});
  if (it == table_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  CacheEntry* e = *it;
  Pin(e);
  // Load first: a hot entry's bit is already set, and a store would bounce
  // its cache line between the cores reading it.
  if (!e->referenced.load(std::memory_order_relaxed)) {
    e->referenced.store(true, std::memory_order_relaxed);
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void ArcShard::Erase(std::string_view key, uint64_t hash) {
  FreeList to_free;
  {
    ShardLock lock(&mu_);
    auto it = table_.find(KeyRef{key, hash});
    if (it == table_.end()) return;
    CacheEntry* e = *it;
    table_.erase(it);
    ListFor(e).Remove(e);
    // No ghost: an erased block is gone for good (its file was deleted).
    Detach(e, &to_free);
  }
  FreeAll(to_free);
}

ArcShardState ArcShard::State() const {
  ShardLock lock(&mu_);
  ArcShardState s;
  s.capacity = capacity_;
  s.p = p_;
  s.t1_bytes = t1_.bytes();
  s.t2_bytes = t2_.bytes();
  s.b1_bytes = b1_.bytes();
  s.b2_bytes = b2_.bytes();
  s.t1_count = t1_.count();
  s.t2_count = t2_.count();
  s.b1_count = b1_.count();
  s.b2_count = b2_.count();
  return s;
}

ArcList ArcShard::ListOf(std::string_view key, uint64_t hash) const {
  ShardLock lock(&mu_);
  if (auto it = table_.find(KeyRef{key, hash}); it != table_.end()) {
    return (*it)->list == kT1 ? ArcList::kT1 : ArcList::kT2;
  }
  if (b1_.Contains(hash)) return ArcList::kB1;
  if (b2_.Contains(hash)) return ArcList::kB2;
  return ArcList::kNone;
}

}  // namespace internal

ArcList ArcCache::ListOf(std::string_view key) const {
  const uint64_t hash = Hash64(key);
  return ShardFor(hash).ListOf(key, hash);
}

std::unique_ptr<Cache> NewArcCache(const CacheOptions& options) {
  return std::make_unique<ArcCache>(options);
}

}  // namespace synapsed::storage::cache
