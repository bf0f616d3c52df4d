// The public API: four capabilities every backend offers, as in the seed.
//
//   Storage              Get, Put, Delete, Exists, Flush (+ GetSnapshot)
//   BatchedStorage       Write(WriteBatch), BatchGet, BatchPut, BatchDelete
//   IterableStorage      NewIterator over [start, end), prefix, Scan
//   TransactionalStorage BeginTransaction -> Transaction (transaction.h)
//   Store::Subscribe     a stream of committed changes (change_stream.h)
//
// `Store` offers all four; it is what backends implement, what layers wrap and
// what StorageBuilder returns.
//
// Contracts shared by every backend:
// - Thread-safe: any method may be called from any thread concurrently.
// - Keys and values are bytes. Keys up to kMaxKeySize, values up to
//   kMaxValueSize; larger ones fail with InvalidArgument and change nothing.
// - Errors are absl::Status, never exceptions:
//     NotFound            Get of a missing key (no message is built)
//     InvalidArgument     bad input: oversized key/value, foreign snapshot
//     Aborted             transaction conflict (message names a key)
//     FailedPrecondition  use of a finished transaction; a locked database
//     DataLoss            corruption detected (message names file and offset)
//     Unavailable         an I/O error from the file system
//     Unimplemented       a capability this backend cannot offer
// - A write acknowledged with sync=true is durable; see WriteOptions.
#ifndef SYNAPSED_STORAGE_STORAGE_H_
#define SYNAPSED_STORAGE_STORAGE_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "synapsed/storage/change_stream.h"
#include "synapsed/storage/iterator.h"
#include "synapsed/storage/options.h"
#include "synapsed/storage/pinnable_value.h"
#include "synapsed/storage/snapshot.h"
#include "synapsed/storage/transaction.h"
#include "synapsed/storage/write_batch.h"

namespace synapsed::storage {

// InvalidArgument unless the key (and value) fit the limits.
absl::Status ValidateKey(std::string_view key);
absl::Status ValidateKeyValue(std::string_view key, std::string_view value);

class Storage {
 public:
  virtual ~Storage() = default;

  // NotFound if the key is absent at the read point.
  [[nodiscard]] virtual absl::Status Get(const ReadOptions& options,
                                         std::string_view key,
                                         PinnableValue* value) = 0;
  [[nodiscard]] virtual absl::Status Put(const WriteOptions& options,
                                         std::string_view key,
                                         std::string_view value) = 0;
  // Deleting an absent key is not an error.
  [[nodiscard]] virtual absl::Status Delete(const WriteOptions& options,
                                            std::string_view key) = 0;
  [[nodiscard]] virtual absl::StatusOr<bool> Exists(const ReadOptions& options,
                                                    std::string_view key);
  // Makes every acknowledged write durable and flushes buffered state to the
  // backend's persistent form (a no-op for the memory backend).
  [[nodiscard]] virtual absl::Status Flush() = 0;
  // A snapshot of the current state; see snapshot.h.
  [[nodiscard]] virtual absl::StatusOr<SnapshotHandle> GetSnapshot() = 0;

  // Conveniences.
  [[nodiscard]] absl::StatusOr<std::string> Get(std::string_view key,
                                                const ReadOptions& options = {});
  [[nodiscard]] absl::Status Put(std::string_view key, std::string_view value,
                                 const WriteOptions& options = {}) {
    return Put(options, key, value);
  }
  [[nodiscard]] absl::Status Delete(std::string_view key,
                                    const WriteOptions& options = {}) {
    return Delete(options, key);
  }
  [[nodiscard]] absl::StatusOr<bool> Exists(std::string_view key) {
    return Exists(ReadOptions(), key);
  }
};

class BatchedStorage : public virtual Storage {
 public:
  // Applies the whole batch atomically.
  [[nodiscard]] virtual absl::Status Write(const WriteOptions& options,
                                           const WriteBatch& batch) = 0;
  // One consistent read of every key (nullopt where absent). The default
  // reads under a snapshot.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::optional<std::string>>>
  BatchGet(const ReadOptions& options, std::span<const std::string_view> keys);

  [[nodiscard]] absl::Status BatchPut(
      const WriteOptions& options,
      std::span<const std::pair<std::string_view, std::string_view>> kvs);
  [[nodiscard]] absl::Status BatchDelete(const WriteOptions& options,
                                         std::span<const std::string_view> keys);
};

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};

class IterableStorage : public virtual Storage {
 public:
  // An iterator over `range`, seeing the state at options.snapshot (or now).
  // Call a Seek* method before use.
  [[nodiscard]] virtual std::unique_ptr<Iterator> NewIterator(
      const ReadOptions& options, const KeyRange& range) = 0;

  // Up to `limit` pairs of `range` (0: no limit), in `direction` order.
  [[nodiscard]] absl::StatusOr<std::vector<KeyValue>> Scan(
      const KeyRange& range, size_t limit = 0,
      Direction direction = Direction::kForward, const ReadOptions& options = {});
};

class TransactionalStorage : public virtual Storage {
 public:
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Transaction>>
  BeginTransaction(const TransactionOptions& options) = 0;

  [[nodiscard]] absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction() {
    return BeginTransaction(TransactionOptions());
  }
};

// All four capabilities: what backends implement and the builder returns.
class Store : public BatchedStorage,
              public IterableStorage,
              public TransactionalStorage {
 public:
  // The backend (or layer stack) name, e.g. "memory", "cache(native)".
  virtual std::string Name() const = 0;
  // Backend-specific introspection ("stats", "lsm", ...); NotFound if unknown.
  // Layers answer their own names and forward the rest.
  [[nodiscard]] virtual absl::StatusOr<std::string> GetProperty(
      std::string_view name) {
    return absl::NotFoundError("unknown property " + std::string(name));
  }
  // Compacts the keys in [begin, end] (nullopt: unbounded on that side;
  // begin > end is empty), and returns when it is done: overwritten versions no snapshot needs and
  // deletion markers in the range are dropped where the backend can. Never
  // needed for correctness; for reclaiming space and read cost after bulk
  // deletes or loads. Contents are unchanged. Unimplemented (the default)
  // for a backend with no way to compact a range; layers forward it.
  [[nodiscard]] virtual absl::Status CompactRange(
      std::optional<std::string_view> begin, std::optional<std::string_view> end);
  // The changes committed to `range` from options.from_sequence (or from
  // now) on, as change_stream.h describes: OutOfRange for a past sequence
  // the store no longer has (the message names the oldest it has). Every
  // backend and layer of this project implements it; Unimplemented (the
  // default) for a store that cannot.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options);
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_STORAGE_H_
