// Transaction: a unit of work with snapshot isolation and read-your-writes,
// begun with TransactionalStorage::BeginTransaction (storage.h).
//
// Reads see the store as of BeginTransaction, merged with this transaction's
// own writes. Commit applies every write atomically, or fails with Aborted if
// another writer committed one of the keys this transaction wrote (or read
// with GetForUpdate) after it began: first committer wins. Plain snapshot
// isolation allows write skew; read with GetForUpdate to prevent it.
// After Commit or Rollback every call fails with FailedPrecondition.
// Destroying an unfinished transaction rolls it back.
//
// Not thread-safe: one thread uses a transaction at a time (many
// transactions may run concurrently on one store). A transaction must not
// outlive the store that began it.
#ifndef SYNAPSED_STORAGE_TRANSACTION_H_
#define SYNAPSED_STORAGE_TRANSACTION_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "synapsed/storage/iterator.h"
#include "synapsed/storage/options.h"

namespace synapsed::storage {

class Transaction {
 public:
  virtual ~Transaction() = default;

  [[nodiscard]] virtual absl::Status Get(std::string_view key,
                                         std::string* value) = 0;
  // As Get, and a later commit fails if `key` changed after this began.
  [[nodiscard]] virtual absl::Status GetForUpdate(std::string_view key,
                                                  std::string* value) = 0;
  [[nodiscard]] virtual absl::Status Put(std::string_view key,
                                         std::string_view value) = 0;
  [[nodiscard]] virtual absl::Status Delete(std::string_view key) = 0;
  [[nodiscard]] virtual std::unique_ptr<Iterator> NewIterator(
      const KeyRange& range) = 0;
  [[nodiscard]] virtual absl::Status Commit(const WriteOptions& options) = 0;
  [[nodiscard]] virtual absl::Status Rollback() = 0;

  [[nodiscard]] absl::Status Commit() { return Commit(WriteOptions()); }
  [[nodiscard]] absl::StatusOr<std::string> Get(std::string_view key);
};

// Nothing to choose yet: every transaction is optimistic with snapshot
// isolation. A struct so that options can be added without an API break.
struct TransactionOptions {};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_TRANSACTION_H_
