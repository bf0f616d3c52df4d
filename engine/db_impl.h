// DBImpl: the native engine's implementation of Store; see db.h for the
// design. Internal to engine/. Split by responsibility:
//   db_impl.cc        open, recovery, the write path, reads
//   db_background.cc  flush, compaction, obsolete-file deletion, stalls
//   db_subscribe.cc   change streams (Subscribe): live commits, log replay
#ifndef SYNAPSED_ENGINE_DB_IMPL_H_
#define SYNAPSED_ENGINE_DB_IMPL_H_

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "util/mutex.h"
#include "api/change_hub.h"
#include "api/optimistic_transaction.h"
#include "cache/cache.h"
#include "compaction/picker.h"
#include "engine/background_retry.h"
#include "engine/key_registry.h"
#include "engine/options.h"
#include "engine/version.h"
#include "memtable/arena_block_pool.h"
#include "memtable/memtable.h"
#include "sstable/table_cache.h"
#include "synapsed/storage/storage.h"
#include "wal/log_writer.h"

namespace synapsed::storage::engine {

// Per-level compaction statistics.
struct LevelStats {
  uint64_t compactions = 0;
  uint64_t bytes_read = 0;     // input bytes from this level and the one above
  uint64_t bytes_written = 0;  // bytes written into this level
  uint64_t micros = 0;
};

struct EngineStats {
  uint64_t flushes = 0;
  uint64_t flush_bytes = 0;
  uint64_t user_bytes_written = 0;  // keys + values given to Write
  uint64_t wal_bytes_written = 0;
  uint64_t compactions = 0;
  uint64_t trivial_moves = 0;
  LevelStats levels[compaction::kNumLevels];
  uint64_t stall_slowdowns = 0;
  uint64_t stall_slowdown_micros = 0;
  uint64_t stall_stops = 0;
  uint64_t stall_stop_micros = 0;
  uint64_t stall_memtable_waits = 0;
  uint64_t stall_memtable_micros = 0;
};

class DBImpl final : public Store, public TransactionCommitter {
 public:
  DBImpl(const EngineOptions& options, std::string dir);
  ~DBImpl() override;

  // Called once by OpenNativeStore.
  absl::Status Open();

  std::string Name() const override { return "native"; }
  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override;
  // One view and one sequence for every key, the keys sorted, and each table
  // asked once for all of its keys (db_batch_get.cc).
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options, std::span<const std::string_view> keys) override;
  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override;
  absl::Status Delete(const WriteOptions& options, std::string_view key) override;
  absl::Status Flush() override;
  absl::StatusOr<SnapshotHandle> GetSnapshot() override;
  absl::Status Write(const WriteOptions& options, const WriteBatch& batch) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override;
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& options) override;
  absl::Status CommitTransaction(const WriteOptions& options,
                                 const WriteBatch& batch, const Snapshot& snapshot,
                                 std::span<const std::string> check_keys) override;
  absl::StatusOr<std::string> GetProperty(std::string_view name) override;
  // Change streams (db_subscribe.cc): a past from_sequence is replayed from
  // the logs kept by EngineOptions::log_retention_bytes.
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override;

  void ReleaseSnapshot(SequenceNumber seq);
  // The tables readers see now (tests, tools).
  std::shared_ptr<const Version> current_version() const { return View()->version; }
  // Probes of L0 tables in vain per window of read-triggered compaction.
  static constexpr int64_t kL0ReadWindow = 4096;

  // Flushes every memtable to tables and waits for it (db_background.cc).
  absl::Status FlushMemTables();
  // Store::CompactRange: the user keys in [begin, end] (nullopt: open) down
  // to the last level, then that level's tables in the range rewritten;
  // waits for it (db_background.cc).
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override;
  // Holds automatic compactions (flushes go on) until as many Resume calls,
  // as RocksDB's PauseBackgroundWork does for tests and maintenance windows.
  // A compaction already running finishes. Writes still slow down and stop
  // by the L0 triggers: a caller that pauses must not write up to the stop.
  void PauseCompactions();
  void ResumeCompactions();

  // --- an encrypted database (FailedPrecondition for a plain one) ---
  // Re-wraps every data key under the keyring's current master key (add the
  // new key to options.keyring first) and replaces KEYS atomically; a crash
  // at any step leaves KEYS under the old or the new key. Files do not
  // change; they move to data keys of the new generation as compaction
  // rewrites them, or all at once with ReencryptAll.
  absl::Status RotateMasterKey();
  // Rewrites every table and starts a new log and manifest, so that every
  // live file has a data key made under the current master key, then drops
  // the keys of deleted files from KEYS. Writes may continue meanwhile;
  // what they add is under the current key anyway.
  absl::Status ReencryptAll();

 private:
  using MemTable = memtable::MemTable;

  // What a read needs: the memtables (newest first) and the tables.
  // Immutable once published; replaced whenever either changes.
  struct ReadView {
    std::vector<std::shared_ptr<MemTable>> mems;
    std::shared_ptr<const Version> version;
  };

  struct Writer;

  // --- db_impl.cc ---
  absl::Status OpenReadOnly();
  // The block cache, table cache and version set (both open paths).
  // Opens the key registry if the database has one, after checking that
  // the options' keyring matches how the database is stored.
  absl::Status OpenKeys();
  // OK for an encrypted database, FailedPrecondition otherwise.
  absl::Status Encrypted() const;
  // GetProperty("encryption.keys").
  std::string EncryptionStatusJson() const;
  void InitTables();

  // --- db_logs.cc (the logs' life: switch, retire, sync, replay) ---
  // A log retired by a switch and not synced yet. The cipher is declared
  // first so that it outlives the writer sealing with it.
  struct RetiredLog {
    std::shared_ptr<const crypto::FileCipher> cipher;
    std::unique_ptr<wal::LogWriter> writer;
  };
  // What replaying one log found.
  struct LogReplay {
    std::string path;
    uint64_t file_size = 0;
    uint64_t records = 0;        // write batches read (header and marks not counted)
    uint64_t dropped_bytes = 0;  // a torn tail, not replayed
    uint64_t valid_end = 0;      // the offset the log's intact data ends at
    std::optional<SequenceNumber> header_seq;  // from the log's header
    // The header names a sequence the older logs do not reach: they lost
    // their end, and this log's records are not replayed.
    bool header_shortfall = false;
    std::optional<uint64_t> sync_mark_offset;  // the first sync mark
  };
  // Carried from log to log by Recover.
  struct ReplayState {
    // The largest sequence logged so far (the kept part); none before the
    // first header or record.
    std::optional<SequenceNumber> seen;
    // The first log none of whose records is replayed, once an older log
    // was found to end early; `damaged` describes that log.
    std::optional<size_t> first_dropped;
    std::optional<std::string> damaged;
  };
  // Replays `logs` (oldest first) into memtables. Any log may end early;
  // the replay stops there unless a later log holds a sync mark, which
  // makes it DataLoss (db_logs.cc).
  absl::Status Recover(std::vector<uint64_t> logs);
  // Reads one log, inserting its records into memtables unless an older
  // log ended early.
  absl::Status ReplayLog(uint64_t number, ReplayState* st, LogReplay* out);
  // Starts a new log and memtable; an open current log is retired unsynced.
  absl::Status NewLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The memtable switch's log half: the current log's buffered records go
  // to the OS (or, with logs retained for streams, it is synced and closed)
  // and a new log begins.
  absl::Status SwitchLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Leader, without mu_: syncs and closes `logs`, oldest first, then
  // appends a sync mark carrying `last` (the newest sequence) to log_,
  // which the caller then syncs.
  absl::Status SyncRetiredLogs(std::vector<RetiredLog> logs, SequenceNumber last);
  // Closes the retired logs below `min_log`, whose memtables are in tables.
  void DropRetiredLogs(uint64_t min_log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets *refused (and returns its Unavailable) when the write would have
  // to wait for a flush or compaction that is failing and being retried
  // (background_retry.h); any other error is a hard one.
  absl::Status MakeRoomForWrite(bool* refused) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishView() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteImpl(Writer* w);
  absl::Status ValidateTransaction(const Writer& w) const;
  absl::StatusOr<SequenceNumber> ReadSequence(const ReadOptions& options) const;
  void InsertIntoMemTable(const WriteBatch& batch, SequenceNumber first_seq);
  memtable::MemTableOptions MemTableOpts() const;
  std::shared_ptr<const ReadView> View() const {
    ReaderMutexLock l(&view_mu_);
    return view_;
  }

  // --- db_background.cc ---
  void StartBackgroundThreads();
  void StopBackgroundThreads();
  void FlushThread();
  void CompactionThread();

  // --- db_log_flusher.cc ---
  // Hands buffered log records to the OS once they have waited
  // options_.wal_flush_interval_ms (EngineOptions::wal_flush_interval_ms).
  void LogFlusherThread();
  // Called by a leader under mu_ after it logged: `buffered` if what it
  // wrote may still sit in the log writer's buffer, false if it handed the
  // buffer over (a sync or a flush).
  void NoteLogBuffer(bool buffered) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the oldest immutable memtable as an L0 table and installs it.
  absl::Status FlushOne() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs one compaction the picker (or a manual request) chose.
  absl::Status RunCompaction(const compaction::CompactionPick& pick)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteCompactionOutputs(const compaction::CompactionPick& pick,
                                      VersionEdit* edit, uint64_t* bytes_written);
  // Deletes files nothing references any more.
  void DeleteObsoleteFiles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes `s` the hard background error (the first one wins). An I/O
  // error or full disk is recorded as Unavailable saying that writes
  // resume only after a reopen.
  void RecordBackgroundError(const absl::Status& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether a failed flush or compaction can be retried: retryable by
  // kind, and the manifest still healthy (background_retry.h).
  bool CanRetry(const absl::Status& s) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The outcome of one flush or compaction attempt: a success ends a
  // pending retry, a retryable failure schedules one, any other failure is
  // recorded as the hard error.
  void FinishBackgroundWork(BackgroundRetry* retry, std::string_view what,
                            const absl::Status& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<SequenceNumber> LiveSnapshots();
  compaction::PickerOptions PickerOptions() const;
  uint64_t MinLiveLogNumber() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The obsolete logs (below min_log) that DeleteObsoleteFiles keeps: all
  // while a change stream replays, else the newest up to
  // options_.log_retention_bytes.
  std::set<uint64_t> RetainedLogs(const std::vector<std::string>& names, uint64_t min_log)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EngineOptions options_;
  env::FileSystem* const fs_;
  const std::string dir_;
  std::unique_ptr<env::FileLock> lock_;
  // An encrypted database's data keys (null: plain). Set at open, before
  // anything else reads or writes a file; thread-safe itself.
  std::unique_ptr<KeyRegistry> keys_;
  std::unique_ptr<cache::Cache> block_cache_;
  std::unique_ptr<sstable::TableCache> table_cache_;
  std::unique_ptr<VersionSet> versions_;
  std::shared_ptr<memtable::ArenaBlockPool> arena_pool_;

  Mutex mu_;
  CondVar bg_cv_;  // signalled when background work finishes or is needed
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  absl::Status bg_error_ ABSL_GUARDED_BY(mu_);
  BackgroundRetry flush_retry_ ABSL_GUARDED_BY(mu_);
  BackgroundRetry compaction_retry_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<MemTable>> imms_ ABSL_GUARDED_BY(mu_);  // newest first
  std::set<uint64_t> pending_outputs_ ABSL_GUARDED_BY(mu_);  // tables being written
  std::set<uint64_t> compacting_ ABSL_GUARDED_BY(mu_);       // tables being compacted
  bool flushing_ ABSL_GUARDED_BY(mu_) = false;
  bool compacting_now_ ABSL_GUARDED_BY(mu_) = false;
  int manual_compactions_ ABSL_GUARDED_BY(mu_) = 0;
  int compactions_paused_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  // Change streams replaying the logs: no log is deleted while any does.
  int log_replays_ ABSL_GUARDED_BY(mu_) = 0;
  EngineStats stats_ ABSL_GUARDED_BY(mu_);
  WriteBatch group_batch_;  // leader only
  std::string stamped_;     // leader only: the logged batch with its sequence

  // Owned by the current leader (one at a time, handed over under mu_).
  std::unique_ptr<wal::LogWriter> log_;
  std::shared_ptr<const crypto::FileCipher> log_cipher_;  // log_'s, if encrypted
  // Logs switched away from and not synced since, oldest first (db_logs.cc).
  // The leader takes them out under mu_ to sync them; the flush thread
  // closes those whose memtables reached a table.
  std::vector<RetiredLog> retired_logs_ ABSL_GUARDED_BY(mu_);
  // The largest sequence written to a log so far (leader-owned, like log_):
  // each new log's header carries it.
  SequenceNumber last_logged_seq_ = 0;
  std::shared_ptr<MemTable> mem_;

  // The published read view. A short reader lock guards the shared_ptr
  // copy: libstdc++ 12's std::atomic<shared_ptr> left its default state
  // indeterminate (ASan+UBSan) and races under TSan.
  mutable Mutex view_mu_;
  std::shared_ptr<const ReadView> view_ ABSL_GUARDED_BY(view_mu_);
  alignas(64) std::atomic<SequenceNumber> last_sequence_{0};

  std::string recovery_notes_;  // written during Open only

  // Read-triggered L0 compaction (db_read_compaction.cc): reads charge the
  // L0 tables they probed in vain; a window of kL0ReadWindow charges with
  // no write during it, after one such window already began, asks the
  // compaction thread to move L0 down although it is under its trigger.
  void ChargeL0Reads(int64_t probes);
  alignas(64) std::atomic<int64_t> l0_read_charges_{0};
  // The last sequence when the current window began (none yet: the max).
  std::atomic<SequenceNumber> l0_read_window_seq_{~SequenceNumber{0}};
  std::atomic<bool> l0_read_compaction_wanted_{false};
  std::atomic<uint64_t> l0_read_triggers_{0};

  // Where commits meet change streams. Created at open with the recovered
  // last sequence; the leader publishes each commit under mu_, in order.
  std::unique_ptr<ChangeHub> hub_;

  Mutex snap_mu_;
  std::multiset<SequenceNumber> snapshots_ ABSL_GUARDED_BY(snap_mu_);

  std::thread flush_thread_;
  std::thread compaction_thread_;

  // The log flusher: wakes when log_buffered_ turns true, hands the buffer
  // over if it still is an interval later. Stopped before the threads
  // above, as a writer.
  std::thread log_flusher_;
  CondVar log_flusher_cv_;
  bool log_buffered_ ABSL_GUARDED_BY(mu_) = false;
  bool log_flusher_stop_ ABSL_GUARDED_BY(mu_) = false;
};

// One caller of Write waiting in the queue.
struct DBImpl::Writer {
  const WriteBatch* batch = nullptr;  // null: only sync the log (Flush)
  bool sync = false;
  // A transaction commit: validated against these keys, led alone.
  const std::span<const std::string>* check_keys = nullptr;
  SequenceNumber snapshot = 0;
  // Switch to a new memtable (if the current one holds anything) so a
  // flush can take it.
  bool switch_memtable = false;
  // With switch_memtable: switch even an empty memtable, so that the log
  // moves to a new file (and, encrypted, a new data key).
  bool new_log_even_if_empty = false;
  // With no batch: hand buffered log records to the file (no sync), so a
  // reader of the file sees every committed record.
  bool flush_log = false;
  // Set with `done`: the sequence of the batch's first operation (0 if it
  // applied nothing).
  SequenceNumber sequence = 0;
  bool done = false;
  absl::Status status;
  CondVar cv;
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_DB_IMPL_H_
