// DBImpl: the native engine's implementation of Store; see db.h for the
// design. Internal to engine/.
#ifndef SYNAPSED_ENGINE_DB_IMPL_H_
#define SYNAPSED_ENGINE_DB_IMPL_H_

#include <atomic>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "api/optimistic_transaction.h"
#include "engine/options.h"
#include "memtable/memtable.h"
#include "synapsed/storage/storage.h"
#include "wal/log_writer.h"

namespace synapsed::storage::engine {

class DBImpl final : public Store, public TransactionCommitter {
 public:
  DBImpl(const EngineOptions& options, std::string dir);
  ~DBImpl() override;

  // Called once by OpenNativeStore.
  absl::Status Open();

  std::string Name() const override { return "native"; }
  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override;
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

  void ReleaseSnapshot(SequenceNumber seq);

 private:
  using MemTable = memtable::MemTable;

  // What a read needs: the memtables, newest first. Immutable once
  // published; replaced (never modified) when a memtable switches.
  struct ReadView {
    std::vector<std::shared_ptr<MemTable>> mems;
  };

  struct Writer;

  absl::Status Recover(const std::vector<uint64_t>& logs);
  absl::Status ReplayLog(uint64_t number, bool last);
  absl::Status NewLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MakeRoomForWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishView() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteImpl(Writer* w);
  absl::Status ValidateTransaction(const Writer& w) const;
  absl::StatusOr<SequenceNumber> ReadSequence(const ReadOptions& options) const;
  void InsertIntoMemTable(const WriteBatch& batch, SequenceNumber first_seq);

  const EngineOptions options_;
  env::FileSystem* const fs_;
  const std::string dir_;
  std::unique_ptr<env::FileLock> lock_;

  absl::Mutex mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  absl::Status bg_error_ ABSL_GUARDED_BY(mu_);
  uint64_t next_log_number_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<uint64_t> live_logs_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<MemTable>> imms_ ABSL_GUARDED_BY(mu_);  // newest first
  WriteBatch group_batch_ ABSL_GUARDED_BY(mu_);

  // Owned by the current leader (one at a time, handed over under mu_).
  std::unique_ptr<wal::LogWriter> log_;
  std::shared_ptr<MemTable> mem_;

  std::atomic<std::shared_ptr<const ReadView>> view_;
  alignas(64) std::atomic<SequenceNumber> last_sequence_{0};

  std::string recovery_notes_;  // written during Open only

  absl::Mutex snap_mu_;
  std::multiset<SequenceNumber> snapshots_ ABSL_GUARDED_BY(snap_mu_);
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_DB_IMPL_H_
