// The native LSM engine behind the public Store API.
//
// Now: writes go to the write-ahead log (wal/, one record per commit group)
// and then to the active skiplist memtable (memtable/); a full memtable
// becomes immutable and a new one, with a new log, takes writes. Reads and
// iterators merge the active and immutable memtables at a sequence number.
// Open replays the logs in order. SSTables, flush and compaction come next
// (issues 4-5): until then every log is kept, since it holds the only
// durable copy of its memtable.
//
// Write path (group commit): writers queue; the one at the front (the
// leader) takes the batches waiting behind it (up to 1 MiB, never a
// transaction's), gives them consecutive sequence numbers, appends them as
// ONE log record (synced if any of them asked for sync), inserts them into
// the memtable (the leader is the memtable's single writer), publishes the
// last sequence with a release store, and wakes the group.
//
// A transaction's commit is led alone: validated (no key it wrote or read
// for update has a version newer than its snapshot) and written in the same
// turn, so no other write can slip between the check and the write. The
// check reads the memtables, which hold every version written since open.
//
// The first failed log write or sync is kept (the sticky background error):
// every later write returns it, since what reached the log is unknown.
//
// Thread-safe. Reads take no lock: they load the last sequence and the
// current set of memtables (an atomic shared_ptr) and read lock-free.
#ifndef SYNAPSED_ENGINE_DB_H_
#define SYNAPSED_ENGINE_DB_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/options.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::engine {

// Opens (creating if allowed) the database in `path`. Fails with
//   FailedPrecondition  the directory is locked by another open
//   InvalidArgument     the directory is not empty and not a synapsed database
//   NotFound            no database and create_if_missing is false
//   AlreadyExists       a database exists and error_if_exists is true
//   DataLoss            a log is corrupt (names the file and offset)
// and changes nothing on disk in the first four cases.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenNativeStore(
    const EngineOptions& options, const std::string& path);

class DBImpl;
// The native engine behind `store` (for its own operations: CompactRange,
// FlushMemTables, the current version), or null if it is another backend.
DBImpl* AsNativeEngine(Store* store);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_DB_H_
