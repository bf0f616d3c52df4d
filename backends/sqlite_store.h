// The SQLite backend: the public Store API over Debian's libsqlite3.
//
// Storage: one table kv(key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID in a
// WAL-mode database file. SQLite compares BLOBs with memcmp, which is our
// bytewise key order. Statements are prepared once per connection; a pool
// lends connections to threads (sqlite_connection.h).
//
// Writes are serialized by one store mutex (SQLite allows one writer
// anyway), so they never wait on SQLite's busy handler. A write batch is one
// SQLite transaction (BEGIN IMMEDIATE ... COMMIT). synchronous=NORMAL unless
// the write asks for sync, then FULL (the commit syncs the WAL).
//
// Snapshots: a read transaction held open on a connection of its own (WAL
// mode gives it a consistent view until it ends). Iterators without a
// snapshot open one the same way for their life.
//
// Transactions: api/optimistic_transaction.h over such a snapshot. Each
// commit is numbered; while any snapshot is live the store remembers, per
// key, the number of the last commit that wrote it, and a transaction's
// commit (under the write mutex) fails with Aborted if any key it wrote or
// read with GetForUpdate was written after its snapshot: first committer
// wins. SQLite's own BUSY_SNAPSHOT would abort on ANY newer write, which is
// stricter than snapshot isolation, hence the per-key check. The commit
// itself is one SQLite transaction.
//
// The store assumes it is the file's only writer: Open takes an exclusive
// lock on "<path>.lock" and fails with FailedPrecondition if another open
// (in this or another process) holds it.
//
// Thread-safe. A transaction is used by one thread.
#ifndef SYNAPSED_BACKENDS_SQLITE_STORE_H_
#define SYNAPSED_BACKENDS_SQLITE_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

struct SqliteStoreOptions {
  // Page cache bytes of EACH connection (SQLite caches per connection).
  size_t cache_size = 64 << 20;
  // Database page size (a power of two, 512..65536); only applied when the
  // file is created.
  size_t page_size = 4096;
  bool create_if_missing = true;
  // Opens the file read-only (it must exist) and takes no lock: writes,
  // transactions and Flush fail with FailedPrecondition. SQLite may
  // create the -wal and -shm files beside a WAL-mode database it reads.
  bool read_only = false;
};

// Opens (creating if allowed) the SQLite database file `path`.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions& options, const std::string& path);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_SQLITE_STORE_H_
