// One cache entry and the small containers the shards build from it; shared
// by the ARC (arc_cache.h) and LRU (lru_cache.h) shards. Internal to cache/.
//
// An entry is one allocation: this header followed by the key bytes. Its life
// is decided by one atomic word, `state` = (pins << 1) | in_cache:
//   - in_cache: the shard's table and lists hold it. Set at insert, cleared
//     (under the shard's exclusive lock) by eviction, Erase or replacement.
//   - pins: Handles outstanding. Lookup adds one (under the shard lock, shared
//     or exclusive, so it never races with in_cache being cleared); Release
//     drops one with no lock at all.
// Whoever moves `state` to 0 frees the entry: eviction and Erase when there
// are no pins, otherwise the Release of the last Handle. Because a pin can
// only be added while the entry is in the table, and the table only changes
// under the exclusive lock, an exclusive-lock holder that reads pins == 0 knows
// no pin can appear until it unlocks.
//
// Thread safety: `state`, `referenced` are atomics; every other mutable field
// (links, list) is guarded by the owning shard's mutex. Immutable after
// construction: hash, charge, key, value.
#ifndef SYNAPSED_CACHE_CACHE_ENTRY_H_
#define SYNAPSED_CACHE_CACHE_ENTRY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "cache/cache.h"

namespace synapsed::storage::cache::internal {

// Intrusive list links; guarded by the shard mutex.
struct ListNode {
  ListNode* prev = nullptr;
  ListNode* next = nullptr;
};

struct CacheEntry : ListNode {
  static constexpr uint32_t kInCache = 1;
  static constexpr uint32_t kOnePin = 2;

  // Allocates header + key in one block. The entry starts in the cache with
  // one pin (the Handle Insert returns).
  static CacheEntry* New(std::string_view key, uint64_t hash,
                         std::unique_ptr<CacheValue> value, size_t charge) {
    void* mem = ::operator new(sizeof(CacheEntry) + key.size());
    auto* e = new (mem) CacheEntry(hash, charge, key.size(), std::move(value));
    if (!key.empty()) std::memcpy(e->KeyData(), key.data(), key.size());
    return e;
  }
  static void Free(CacheEntry* e) {
    e->~CacheEntry();
    ::operator delete(static_cast<void*>(e));
  }

  std::string_view key() const { return {KeyData(), key_size}; }
  uint32_t pins() const { return state.load(std::memory_order_acquire) >> 1; }

  const uint64_t hash;
  const size_t charge;
  const std::unique_ptr<CacheValue> value;
  std::atomic<uint32_t> state{kInCache | kOnePin};
  // Set by a hit, consumed by the eviction hand (CAR-style); see arc_cache.h.
  std::atomic<bool> referenced{false};
  uint8_t list = 0;  // which shard list holds it; guarded by the shard mutex
  const uint32_t key_size;
  uint32_t freq = 0;  // LFU use count; guarded by the shard mutex

 private:
  CacheEntry(uint64_t h, size_t c, size_t ks, std::unique_ptr<CacheValue> v)
      : hash(h),
        charge(c),
        value(std::move(v)),
        key_size(static_cast<uint32_t>(ks)) {}
  ~CacheEntry() = default;
  char* KeyData() { return reinterpret_cast<char*>(this + 1); }
  const char* KeyData() const {
    return reinterpret_cast<const char*>(this + 1);
  }
};

// A circular doubly-linked list of entries with a sentinel: front() is the
// least recently inserted (the eviction end), PushBack adds at the MRU end.
// Not thread-safe; the shard mutex guards it. Tracks count and total charge.
class EntryList {
 public:
  EntryList() { head_.prev = head_.next = &head_; }
  EntryList(const EntryList&) = delete;
  EntryList& operator=(const EntryList&) = delete;

  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  size_t bytes() const { return bytes_; }
  CacheEntry* front() const {
    return empty() ? nullptr : static_cast<CacheEntry*>(head_.next);
  }

  void PushBack(CacheEntry* e) {
    e->next = &head_;
    e->prev = head_.prev;
    head_.prev->next = e;
    head_.prev = e;
    ++count_;
    bytes_ += e->charge;
  }
  void Remove(CacheEntry* e) {
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->prev = e->next = nullptr;
    --count_;
    bytes_ -= e->charge;
  }

  // The first entry from the front for which pred(entry) holds, or null.
  template <typename Pred>
  CacheEntry* FindFirst(Pred&& pred) const {
    for (ListNode* n = head_.next; n != &head_; n = n->next) {
      auto* e = static_cast<CacheEntry*>(n);
      if (pred(e)) return e;
    }
    return nullptr;
  }

  // Calls f(entry) from front to back; f must not change the list.
  template <typename F>
  void ForEach(F&& f) const {
    for (const ListNode* n = head_.next; n != &head_; n = n->next) {
      f(static_cast<const CacheEntry*>(n));
    }
  }

 private:
  ListNode head_;
  size_t count_ = 0;
  size_t bytes_ = 0;
};

// The shard's index: entries keyed by (hash, key) with heterogeneous lookup,
// so a probe needs neither an allocation nor a rehash of the key.
struct KeyRef {
  std::string_view key;
  uint64_t hash;
};
struct EntryHash {
  using is_transparent = void;
  size_t operator()(const CacheEntry* e) const { return e->hash; }
  size_t operator()(const KeyRef& k) const { return k.hash; }
};
struct EntryEq {
  using is_transparent = void;
  static bool Eq(uint64_t ha, std::string_view a, uint64_t hb,
                 std::string_view b) {
    return ha == hb && a == b;
  }
  bool operator()(const CacheEntry* a, const CacheEntry* b) const {
    return Eq(a->hash, a->key(), b->hash, b->key());
  }
  bool operator()(const CacheEntry* a, const KeyRef& b) const {
    return Eq(a->hash, a->key(), b.hash, b.key);
  }
  bool operator()(const KeyRef& a, const CacheEntry* b) const {
    return Eq(a.hash, a.key, b->hash, b->key());
  }
};
using EntryTable = absl::flat_hash_set<CacheEntry*, EntryHash, EntryEq>;

}  // namespace synapsed::storage::cache::internal

#endif  // SYNAPSED_CACHE_CACHE_ENTRY_H_
