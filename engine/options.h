// Options of the native engine. Each field says what it trades.
//
// The public config (NativeOptions in synapsed/storage/config.h) reaches these
// only through EngineOptionsFrom below, so that a field added to the config
// is mapped in one place (the builder, the tools and the tests all call it).
// EngineOptionsToJson is what GetProperty("options.json") returns: the options
// the engine runs with, for checking that a configured value got through.
#ifndef SYNAPSED_ENGINE_OPTIONS_H_
#define SYNAPSED_ENGINE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/keyring.h"
#include "env/env.h"
#include "sstable/table_options.h"
#include "synapsed/storage/config.h"

namespace synapsed::storage::engine {

// The log buffer of an encrypted database whose options leave it unset.
inline constexpr size_t kEncryptedWalBufferBytes = 64 << 10;

struct EngineOptions {
  // Every file goes through this file system (null: the POSIX one). Tests
  // pass an in-memory or fault-injecting one.
  env::FileSystem* fs = nullptr;
  // Create the database if the directory holds none.
  bool create_if_missing = true;
  // Refuse to open an existing database.
  bool error_if_exists = false;
  // Encrypt every log, table and manifest (docs/format/encryption.md,
  // "Native engine file encryption") with data keys wrapped under this
  // keyring's master key in the directory's KEYS file. Null: a plain
  // database. An encrypted database opened without a keyring, a plain one
  // opened with one, or a keyring without the database's master key fails
  // the open with FailedPrecondition, before anything is read or written.
  std::shared_ptr<crypto::Keyring> keyring;
  // Open for reading only: no lock is taken, nothing in the directory is
  // created, changed or deleted (torn log tails are skipped, not cut), and
  // every write fails with FailedPrecondition. For inspection tools; the
  // view is the state at open.
  bool read_only = false;

  // --- write path ---
  // A memtable becomes immutable at this size and a new one (with a new log)
  // takes writes. Small keeps inserts in CPU cache; big absorbs overwrites
  // and flushes less often.
  size_t write_buffer_size = 4 << 20;
  // Immutable memtables waiting for flush before writes stop.
  int max_immutable_memtables = 4;
  // Submit log writes through io_uring (falls back to pwrite when refused).
  // Only where use_mmap_writes is off or the file system cannot allocate.
  bool use_io_uring = true;
  // Bytes of unsynced log records kept in user space before a write(2):
  // no syscall per unsynced write, at the price of losing up to this much
  // (always a suffix) if the process dies. 0: every write reaches the OS.
  // Unset: 0 for a plain database, kEncryptedWalBufferBytes for an
  // encrypted one, whose log then seals a buffer's records as one unit
  // instead of one AES-GCM call per record (docs/format/wal.md, sealed
  // runs); the seal costs as much as the rest of a small write
  // (docs/performance.md, "Encryption").
  std::optional<size_t> wal_buffer_bytes;
  // With a log buffer: records still buffered this long after the first of
  // them was written are handed to the OS by a background thread, even if
  // no further write, sync or full buffer does it (as PostgreSQL's
  // wal_writer_delay). Bounds what a process crash loses to the unsynced
  // writes of this last interval. 0: no such thread.
  uint32_t wal_flush_interval_ms = 10;
  // Append to the log by copying into a shared mapping of it (as RocksDB's
  // allow_mmap_writes; env::WritableFileOptions::use_mmap): an unsynced
  // write costs a memcpy instead of a write(2), and is in the OS all the
  // same, so a process crash loses nothing. Sync is fdatasync. The log
  // holds zeros past its end while open (1 MiB windows, fallocated) and
  // after a crash; the reader takes them as the end. Wins over use_io_uring
  // (which then only serves a file system without fallocate, where the log
  // is written as if this were off). Measured (docs/performance.md): 2.5x
  // LevelDB's fillrandom against 0.94x with a write(2) per record.
  bool use_mmap_writes = true;
  // Once a log takes a synced write, it keeps synced zeros past its end,
  // written this many bytes at a time (wal::LogWriterOptions::preallocate_on_sync),
  // so each later synced write overwrites blocks the file has and its
  // fdatasync commits no size change. Costs one write of this size, and
  // one fdatasync, per this many bytes of log that syncs; nothing in a log
  // that is never synced. 0: off.
  uint64_t wal_preallocate_bytes = 1 << 20;
  // Bytes of obsolete logs (whose writes are all in tables) kept for change
  // streams that resume from a past sequence (Store::Subscribe): the newest
  // ones, up to this total. 0: a log goes once it is flushed. More: a longer
  // resumable history at that much disk. A stream reading them holds off
  // their deletion until it has caught up. Encrypted: a retained log keeps
  // its data key in KEYS, so ReencryptAll retires an old master key only
  // once the logs sealed under it are gone.
  uint64_t log_retention_bytes = 0;

  // --- tables ---
  sstable::TableBuilderOptions table;
  // Codec of the tables written to each level (flush writes L0, compaction
  // its output level): level i uses compression_per_level[i], or the last
  // entry past the end; empty: table.compression everywhere. E.g. {kLz4,
  // kLz4, kZstd}: upper levels, rewritten soon and read hot, keep LZ4's
  // cheap compression and decoding; L2 and below, where most bytes rest,
  // take Zstandard's smaller output at more CPU per block. A table moved
  // down without being rewritten (a trivial move) keeps its codec.
  std::vector<sstable::CompressionType> compression_per_level;
  // Bytes of blocks the block cache may hold (sharded ARC).
  size_t block_cache_size = 64 << 20;
  size_t max_open_files = 1000;
  // Read table files through a read-only mapping of each open one, as
  // LevelDB does on 64-bit systems: a block-cache miss costs no syscall and
  // no copy. Tables are never truncated while open; a table file shortened
  // behind the engine's back would fault the process on its next read
  // (turn this off to read with pread, which reports it as corruption).
  bool use_mmap_reads = true;
  // Read table files with O_DIRECT, around the page cache (RocksDB's
  // use_direct_reads): for data much larger than memory, where the page
  // cache would hold a second, colder copy of what the block cache holds.
  // Every block-cache miss then goes to the device. Wins over
  // use_mmap_reads; compactions read the same way. A file system without
  // O_DIRECT (tmpfs) reads through the page cache, said once on stderr.
  bool use_direct_reads = false;

  // --- compaction and stalls ---
  // L0 tables that trigger an L0 compaction. An L0 compaction rewrites the
  // part of the base level its tables overlap: with random keys, all of it,
  // and under dynamic level sizing the base level holds 16 MiB or more (the
  // whole of a small database's L6). Twice the batch halves that rewrite
  // per byte moved down: 8 against 4 took scripts/bench.sh's write
  // amplification from 2.44 to 1.62 (fillrandom) and 4.18 to 2.42
  // (overwrite), under LevelDB's 2.35 and 2.88. The price: up to 7 L0
  // tables for a read to probe (bloom filters skip most) until the next
  // write-triggered or read-triggered L0 compaction.
  int l0_compaction_trigger = 8;
  // From this many L0 tables each write is delayed (1 ms) so compaction can
  // catch up; at the stop count writes wait until it has.
  int l0_slowdown_trigger = 20;
  int l0_stop_trigger = 36;
  // The smallest level target under dynamic level sizing, and the ratio
  // between adjacent levels. Small (as LevelDB's 10 MiB L1) keeps each
  // L0 compaction cheap — it rewrites the overlapping part of the base
  // level — at the price of one more level as the data grows.
  uint64_t base_level_bytes = 16ull << 20;
  int level_multiplier = 10;
  // Compaction outputs are cut at about this size: smaller tables let a
  // compaction pick less of the next level (less rewriting), larger ones
  // mean fewer files and index/filter blocks.
  uint64_t target_file_size = 4ull << 20;
  // Run background flush and compaction threads, and the log flusher (tests
  // may turn them off to drive work by hand).
  bool background_threads = true;
};

// `options` with what it leaves to the engine decided (wal_buffer_bytes).
// The database runs with these, and reports them in options.json.
EngineOptions WithEngineDefaults(EngineOptions options);

// The engine options for the public `native` config: every NativeOptions
// field is copied, the rest keep their defaults. The only mapping from
// NativeOptions; callers set what the config does not carry (fs, read_only,
// background_threads) on the result.
// InvalidArgument naming the field for a value the engine cannot take (a
// table codec other than none, lz4 or zstd).
absl::StatusOr<EngineOptions> EngineOptionsFrom(const NativeOptions& native);

// Every field as one JSON object (keys are the field names; the table
// options nested under "table"; fs as "default" or "custom"; a field left
// to the engine as null).
std::string EngineOptionsToJson(const EngineOptions& options);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_OPTIONS_H_
