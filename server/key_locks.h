// KeyLocks: serializes the server's own read-modify-write commands on the
// same key (INCR, SET NX/XX/GET, GETDEL, APPEND, DEL outside MULTI).
//
// Those commands run in optimistic transactions (key_access.h), which are
// correct alone but, on a hot key, make concurrent connections abort and
// retry each other (and, under --sync always, wait a sync per attempt).
// Every such writer is in this process, so holding a lock stripe per key
// while the transaction runs makes them take turns instead; the transaction
// still guards against writers that do not lock (pipelined plain SETs, EXEC).
//
// Stripes are locked in index order, so two commands never deadlock; a key's
// stripe is its hash modulo kStripes (unrelated keys may share one). Thread-safe.
#ifndef SYNAPSED_SERVER_KEY_LOCKS_H_
#define SYNAPSED_SERVER_KEY_LOCKS_H_

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "util/mutex.h"

namespace synapsed::storage::server {

class KeyLocks {
 public:
  // Holds the stripes of some keys until destroyed.
  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& other) noexcept : locks_(std::move(other.locks_)) { other.locks_.clear(); }
    Guard& operator=(Guard&&) = delete;
    ~Guard();

   private:
    friend class KeyLocks;
    std::vector<Mutex*> locks_;
  };

  [[nodiscard]] Guard Lock(const std::vector<std::string_view>& keys)
      ABSL_NO_THREAD_SAFETY_ANALYSIS;  // the locks outlive the call, in the Guard

 private:
  static constexpr size_t kStripes = 1024;
  std::array<Mutex, kStripes> stripes_;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_KEY_LOCKS_H_
