// The native LSM engine behind the public Store API. docs/design.md walks
// through a write, a read, a flush, a compaction, recovery and file
// deletion, with the invariants each relies on; this is the summary.
//
// Write path (group commit): writers queue; the one at the front (the
// leader) takes the batches waiting behind it (up to 1 MiB, never a
// transaction's), gives them consecutive sequence numbers, appends them as
// ONE log record (synced if any of them asked for sync), inserts them into
// the active memtable (the leader is the memtable's single writer),
// publishes the last sequence with a release store, and wakes the group.
// A full memtable becomes immutable, and a new one, with a new log, takes
// writes.
//
// Background: one thread flushes immutable memtables, oldest first, to L0
// tables; one runs leveled compactions (compaction/picker.h) that keep
// every version a live snapshot can see. Each records its result as one
// synced manifest edit (engine/version.h), then deletes the files no
// version, memtable or write in progress needs.
//
// Reads: the last sequence (or the snapshot's), then the memtables newest
// first, then the tables of the current version (L0 newest first, one table
// per deeper level), all from one published read view.
//
// A transaction's commit is led alone: validated (no key it wrote or read
// for update has a version newer than its snapshot, in the memtables or the
// tables) and written in the same turn, so no other write can slip between
// the check and the write.
//
// The first failed log write or sync, flush or compaction is kept (the
// sticky background error): every later write returns it, since what
// reached the disk is unknown.
//
// Open replays the manifest (engine/manifest_replay.h), then the logs not
// yet flushed, and starts a new manifest and a new log.
//
// Thread-safe. Reads take no engine lock: they load the last sequence and
// copy the read view (memtables and version) under a short reader lock,
// then read lock-free.
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
//   DataLoss            CURRENT, the manifest or a log is corrupt (names the
//                       file and offset)
// and changes nothing on disk in the first four cases.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenNativeStore(
    const EngineOptions& options, const std::string& path);

class DBImpl;
// The native engine behind `store` (for its own operations: FlushMemTables,
// the current version; CompactRange is on Store), or null if it is another
// backend or a layer stack.
DBImpl* AsNativeEngine(Store* store);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_DB_H_
