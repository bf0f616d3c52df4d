// Options of the native engine. Each field says what it trades.
#ifndef SYNAPSED_ENGINE_OPTIONS_H_
#define SYNAPSED_ENGINE_OPTIONS_H_

#include <cstddef>

#include "env/env.h"

namespace synapsed::storage::engine {

struct EngineOptions {
  // Every file goes through this file system (null: the POSIX one). Tests
  // pass an in-memory or fault-injecting one.
  env::FileSystem* fs = nullptr;
  // Create the database if the directory holds none.
  bool create_if_missing = true;
  // Refuse to open an existing database.
  bool error_if_exists = false;
  // A memtable becomes immutable at this size and a new one (with a new log)
  // takes writes. Small keeps inserts in CPU cache; big absorbs overwrites.
  size_t write_buffer_size = 4 << 20;
  // Submit log writes through io_uring (falls back to pwrite when refused).
  bool use_io_uring = true;
  // Bytes of unsynced log records kept in user space before a write(2):
  // no syscall per unsynced write, at the price of losing up to this much
  // (always a suffix) if the process dies. 0: every write reaches the OS.
  size_t wal_buffer_bytes = 0;
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_OPTIONS_H_
