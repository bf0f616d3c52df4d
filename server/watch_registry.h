// WatchRegistry: Redis's WATCH on a store that many threads write.
//
// Redis marks a client "dirty" when a key it watches is written, and EXEC
// answers nil for a dirty client. Here writes run on several loop threads and
// inside the engine's optimistic transactions, so the mark must never be
// missed by an EXEC that commits after the write:
//
//   writer   WriteIntent(keys) — counts the keys as in flight and marks
//            every client watching one dirty — then commits, then the intent
//            is destroyed (the in-flight count drops).
//   WATCH    Watch(key) registers the client, then marks it dirty at once if
//            a write of that key is in flight.
//   EXEC     begins its transaction, reads the watched keys with
//            GetForUpdate, then checks Dirty(): a write that committed before
//            the transaction's snapshot marked the client before committing;
//            one that commits after it makes the commit fail with Aborted,
//            and EXEC retries and sees the mark.
//
// The two orders (intent then registration check; registration then intent
// check) are sequentially consistent atomics, so either the writer sees the
// watcher or the watcher sees the write in flight. A write racing a WATCH may
// mark the client although it committed just before the WATCH (a spurious
// nil, which clients already handle by retrying); a write after the WATCH is
// never missed. In-flight counts are kept per hash stripe, so two keys that
// share one may also give a spurious mark, never a missed one.
//
// Thread-safe.
#ifndef SYNAPSED_SERVER_WATCH_REGISTRY_H_
#define SYNAPSED_SERVER_WATCH_REGISTRY_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "util/mutex.h"

namespace synapsed::storage::server {

// One client's watches. Owned by its session; registered with a registry.
struct Watcher {
  std::atomic<bool> dirty{false};
  std::vector<std::string> keys;
};

class WatchRegistry {
 public:
  class WriteIntent;

  // Registers `w` for `key` (REQUIRES: w outlives the registration; Unwatch
  // before destroying it).
  void Watch(Watcher* w, std::string_view key);
  // Removes every registration of `w` and clears it.
  void Unwatch(Watcher* w);
  size_t watched_keys() const;

  // Declares writes of `keys` about to commit (see above). `self`, if given,
  // is not marked: an EXEC's own writes do not conflict with its watches.
  [[nodiscard]] WriteIntent Intend(std::span<const std::string> keys,
                                   const Watcher* self = nullptr);
  [[nodiscard]] WriteIntent Intend(std::string_view key);
  // Declares a write of every key (FLUSHDB).
  [[nodiscard]] WriteIntent IntendAll();

 private:
  static constexpr size_t kStripes = 4096;
  static size_t Stripe(std::string_view key);
  void MarkWatchers(std::string_view key, const Watcher* self) ABSL_LOCKS_EXCLUDED(mu_);
  void MarkAll() ABSL_LOCKS_EXCLUDED(mu_);

  std::array<std::atomic<int>, kStripes> in_flight_{};
  std::atomic<int> all_in_flight_{0};
  std::atomic<size_t> watchers_{0};  // registrations, for the writers' fast path
  mutable Mutex mu_;
  absl::flat_hash_map<std::string, absl::flat_hash_set<Watcher*>> by_key_ ABSL_GUARDED_BY(mu_);
};

// RAII: the writes it declares are in flight until it is destroyed.
class WatchRegistry::WriteIntent {
 public:
  WriteIntent() = default;
  WriteIntent(WriteIntent&& other) noexcept { *this = std::move(other); }
  WriteIntent& operator=(WriteIntent&& other) noexcept;
  ~WriteIntent() { Release(); }

 private:
  friend class WatchRegistry;
  void Release();

  WatchRegistry* registry_ = nullptr;
  bool all_ = false;
  std::vector<size_t> stripes_;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_WATCH_REGISTRY_H_
