// The block cache interface used by table readers (data, index and filter
// blocks), with move-only pinned handles.
//
// A cache maps a 64-bit-hashable key (bytes) to an immutable value with a
// charge in bytes. Lookup returns a Handle that pins the entry: a pinned entry
// is never freed, even after Erase or eviction removes it from the cache; it
// is freed when its last Handle goes. Capacity bounds the total charge of
// entries held by the cache (pinned ones included); with strict capacity an
// Insert that cannot fit without evicting pinned entries fails instead of
// overshooting.
//
// Implementations: sharded ARC (arc_cache.h) and LRU (lru_cache.h).
//
// Thread safety: every method may be called from any thread concurrently.
#ifndef SYNAPSED_CACHE_CACHE_H_
#define SYNAPSED_CACHE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace synapsed::storage::cache {

class Cache;

// The value stored in the cache: owned by the cache, destroyed when the entry
// is gone and unpinned. Implementations of blocks derive from it.
class CacheValue {
 public:
  virtual ~CacheValue() = default;
};

// A pin on one entry. Move-only; releases on destruction.
class Handle {
 public:
  Handle() = default;
  Handle(Cache* cache, void* entry, const CacheValue* value)
      : cache_(cache), entry_(entry), value_(value) {}
  Handle(Handle&& o) noexcept { *this = std::move(o); }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { Reset(); }

  explicit operator bool() const { return entry_ != nullptr; }
  const CacheValue* value() const { return value_; }
  template <typename T>
  const T* As() const {
    return static_cast<const T*>(value_);
  }
  // Releases the pin now.
  void Reset();

 private:
  Cache* cache_ = nullptr;
  void* entry_ = nullptr;
  const CacheValue* value_ = nullptr;
};

enum class Priority : uint8_t { kLow = 0, kHigh = 1 };

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t inserts = 0;
  uint64_t evictions = 0;
  uint64_t insert_failures = 0;  // strict capacity refusals
};

class Cache {
 public:
  virtual ~Cache() = default;

  // Inserts (replacing an entry with the same key) and returns a pin on the
  // new entry. Fails with ResourceExhausted under strict capacity when the
  // entry cannot fit. Takes ownership of `value` either way.
  [[nodiscard]] virtual absl::StatusOr<Handle> Insert(
      std::string_view key, std::unique_ptr<CacheValue> value, size_t charge,
      Priority priority = Priority::kLow) = 0;
  // An empty Handle on a miss.
  virtual Handle Lookup(std::string_view key) = 0;
  // Removes the entry; a pinned one lives until its last Handle goes.
  virtual void Erase(std::string_view key) = 0;

  virtual size_t Capacity() const = 0;
  virtual size_t Usage() const = 0;        // charge of all entries held
  virtual size_t PinnedUsage() const = 0;  // charge of pinned entries
  virtual CacheStats Stats() const = 0;
  virtual std::string_view Name() const = 0;

 protected:
  friend class Handle;
  // Called by Handle; `entry` is what the implementation gave the handle.
  virtual void Release(void* entry) = 0;
};

inline Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    Reset();
    cache_ = o.cache_;
    entry_ = o.entry_;
    value_ = o.value_;
    o.cache_ = nullptr;
    o.entry_ = nullptr;
    o.value_ = nullptr;
  }
  return *this;
}

inline void Handle::Reset() {
  if (entry_ != nullptr) cache_->Release(entry_);
  cache_ = nullptr;
  entry_ = nullptr;
  value_ = nullptr;
}

struct CacheOptions {
  size_t capacity = 64 << 20;  // bytes of charge
  // -1 (any negative): derive from capacity and cores (a power of two, each
  // shard >= 512 KiB). Otherwise 2^num_shard_bits shards.
  int num_shard_bits = -1;
  bool strict_capacity_limit = false;
  // Also charge each entry's own memory (its header, key and index slot,
  // about 100 bytes + the key), so that Capacity() bounds the heap the cache
  // really holds rather than only the values' charges. Usage() then includes
  // it. ARC's ghost hashes (~48 bytes each) are still not charged.
  bool charge_metadata = false;
};

}  // namespace synapsed::storage::cache

#endif  // SYNAPSED_CACHE_CACHE_H_
