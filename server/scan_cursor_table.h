// ScanCursorTable: the SCAN positions too long to write in a 64-bit cursor.
//
// A SCAN cursor is normally the last key returned, written in digits
// (scan_cursor.h). A key longer than 6 bytes does not fit in the 64-bit
// integer that redis-cli --scan and other clients parse the cursor into, so
// the server keeps such a key here and hands out a number, its id, instead.
//
// Ids are consecutive, so the table is a FIFO: Add appends, and the oldest
// entry is evicted once there are kMaxEntries, or the keys held exceed
// kMaxBytes (one key is at most kMaxKeySize, 16 KiB, so the entry bound
// alone would allow 256 MiB; the byte bound keeps the table under 16 MiB
// plus the entries' overhead). A scan whose cursor was evicted gets an
// error, never a restart or a skip. Ids start from a random 62-bit value
// and count up, so an id from before a restart (or from another server) is
// almost surely unknown rather than naming a different key; an id names one
// key for as long as it is known.
//
// Thread-safe: every loop thread of a server shares one (ServerState).
#ifndef SYNAPSED_SERVER_SCAN_CURSOR_TABLE_H_
#define SYNAPSED_SERVER_SCAN_CURSOR_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "util/mutex.h"

namespace synapsed::storage::server {

class ScanCursorTable {
 public:
  static constexpr size_t kMaxEntries = 16384;
  static constexpr size_t kMaxBytes = size_t{16} << 20;
  // Every id is below this (scan_cursor.h adds 10^19 to it and the sum
  // must fit in a uint64_t): 2^64 - 10^19.
  static constexpr uint64_t kIdLimit = 8446744073709551616ULL;

  // Ids from a random value below 2^62 (std::random_device).
  ScanCursorTable();
  // For tests: ids from `first_id`, and smaller bounds.
  ScanCursorTable(uint64_t first_id, size_t max_entries, size_t max_bytes);
  ScanCursorTable(const ScanCursorTable&) = delete;
  ScanCursorTable& operator=(const ScanCursorTable&) = delete;

  // Remembers `key`; returns its id (< kIdLimit), a new one on every call.
  uint64_t Add(std::string key);
  // The key `id` names; nullopt if it was never given out or was evicted.
  std::optional<std::string> Find(uint64_t id) const;

 private:
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  const size_t max_bytes_;
  mutable Mutex mu_;
  // keys_[i] has id first_id_ + i.
  std::deque<std::string> keys_ ABSL_GUARDED_BY(mu_);
  uint64_t first_id_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SCAN_CURSOR_TABLE_H_
