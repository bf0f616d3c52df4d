// KeyAccess: how a command reads and writes keys, whether it runs alone or
// inside EXEC.
//
// Alone, reads go to the store and a command that must read and then write
// (INCR, SET NX, DEL's count, ...) runs through Atomically(): an optimistic
// transaction that reads with GetForUpdate and is retried when another
// writer commits one of its keys first (transaction.h), so the
// read-modify-write is atomic like Redis's. Inside EXEC every queued command
// uses the EXEC's one transaction.
//
// Every write declares its keys to the WATCH registry before it commits
// (watch_registry.h).
//
// Not thread-safe: one command on one thread uses an access.
#ifndef SYNAPSED_SERVER_KEY_ACCESS_H_
#define SYNAPSED_SERVER_KEY_ACCESS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/server_state.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::server {

class KeyAccess {
 public:
  virtual ~KeyAccess() = default;
  // nullopt when the key is absent.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view key) = 0;
  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  virtual absl::Status Delete(std::string_view key) = 0;
  virtual std::unique_ptr<Iterator> NewIterator(const KeyRange& range) = 0;
};

// Reads and writes in `txn`; reads are GetForUpdate. Records written keys.
class TxnAccess final : public KeyAccess {
 public:
  explicit TxnAccess(Transaction* txn) : txn_(txn) {}
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override;
  const std::vector<std::string>& written() const { return written_; }

 private:
  Transaction* txn_;
  std::vector<std::string> written_;
};

// Reads `store` (the session's: server/session.h) directly; each write is
// its own store write.
class StoreAccess final : public KeyAccess {
 public:
  StoreAccess(ServerState* state, Store* store) : state_(state), store_(store) {}
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override;
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override;

 private:
  ServerState* state_;
  Store* store_;
};

// Runs `fn` in a fresh transaction of `store` and commits it, retrying when the commit
// fails with Aborted; `fn` may run several times and must not reply. A
// status `fn` returns other than OK ends the attempt with that status.
absl::Status RunTransaction(ServerState* state, Store* store,
                            absl::FunctionRef<absl::Status(KeyAccess&)> fn);

// How many times RunTransaction retries an Aborted commit before giving up.
inline constexpr int kTransactionAttempts = 1000;

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_KEY_ACCESS_H_
