// OptimisticTransaction: the Transaction every backend with snapshots and a
// "last writer of this key" check can reuse (memory, native).
//
// Reads go to the transaction's own write set first, then to the store at
// the snapshot taken when the transaction began; iterators merge the two,
// with the transaction's deletes hiding keys. Writes stay in an ordered write
// set until Commit, which hands the committer one WriteBatch and the keys to
// validate (every written key and every key read with GetForUpdate). The
// committer applies the batch atomically unless one of those keys was written
// by someone else after the snapshot (then Aborted, nothing written).
//
// Not thread-safe (one thread per transaction). The store and committer must
// outlive the transaction.
#ifndef SYNAPSED_API_OPTIMISTIC_TRANSACTION_H_
#define SYNAPSED_API_OPTIMISTIC_TRANSACTION_H_

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "synapsed/storage/storage.h"

namespace synapsed::storage {

class TransactionCommitter {
 public:
  virtual ~TransactionCommitter() = default;
  // Atomically: if any of `check_keys` was written after `snapshot`, return
  // Aborted naming one such key and write nothing; otherwise apply `batch`.
  [[nodiscard]] virtual absl::Status CommitTransaction(
      const WriteOptions& options, const WriteBatch& batch,
      const Snapshot& snapshot, std::span<const std::string> check_keys) = 0;
};

class OptimisticTransaction final : public Transaction {
 public:
  OptimisticTransaction(Store* store, TransactionCommitter* committer,
                        SnapshotHandle snapshot);
  ~OptimisticTransaction() override = default;

  absl::Status Get(std::string_view key, std::string* value) override;
  absl::Status GetForUpdate(std::string_view key, std::string* value) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override;
  absl::Status Commit(const WriteOptions& options) override;
  absl::Status Rollback() override;
  using Transaction::Commit;
  using Transaction::Get;

  // The write set: key -> value, or nullopt for a delete.
  using WriteSet = std::map<std::string, std::optional<std::string>, std::less<>>;

 private:
  absl::Status CheckActive() const;

  Store* const store_;
  TransactionCommitter* const committer_;
  SnapshotHandle snapshot_;
  WriteSet writes_;
  std::set<std::string, std::less<>> read_for_update_;
  bool finished_ = false;
};

// Merges a write set over a base iterator (both bounded by `range`): the
// write set's entries shadow the base's, and its deletes hide them. The
// write set must outlive the iterator; entries added later may or may not be
// seen.
std::unique_ptr<Iterator> NewWriteSetIterator(
    const OptimisticTransaction::WriteSet* writes,
    std::unique_ptr<Iterator> base, KeyRange range);

}  // namespace synapsed::storage

#endif  // SYNAPSED_API_OPTIMISTIC_TRANSACTION_H_
