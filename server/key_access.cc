#include "server/key_access.h"

#include <thread>

namespace synapsed::storage::server {

absl::StatusOr<std::optional<std::string>> TxnAccess::Get(std::string_view key) {
  std::string value;
  absl::Status s = txn_->GetForUpdate(key, &value);
  if (absl::IsNotFound(s)) return std::nullopt;
  if (!s.ok()) return s;
  return value;
}

absl::Status TxnAccess::Put(std::string_view key, std::string_view value) {
  absl::Status s = txn_->Put(key, value);
  if (s.ok()) written_.emplace_back(key);
  return s;
}

absl::Status TxnAccess::Delete(std::string_view key) {
  absl::Status s = txn_->Delete(key);
  if (s.ok()) written_.emplace_back(key);
  return s;
}

std::unique_ptr<Iterator> TxnAccess::NewIterator(const KeyRange& range) {
  return txn_->NewIterator(range);
}

absl::StatusOr<std::optional<std::string>> StoreAccess::Get(std::string_view key) {
  PinnableValue v;
  absl::Status s = store_->Get(ReadOptions(), key, &v);
  if (absl::IsNotFound(s)) return std::nullopt;
  if (!s.ok()) return s;
  return std::string(v.view());
}

absl::Status StoreAccess::Put(std::string_view key, std::string_view value) {
  auto intent = state_->watches.Intend(key);
  return store_->Put(state_->write_options(), key, value);
}

absl::Status StoreAccess::Delete(std::string_view key) {
  auto intent = state_->watches.Intend(key);
  return store_->Delete(state_->write_options(), key);
}

std::unique_ptr<Iterator> StoreAccess::NewIterator(const KeyRange& range) {
  return store_->NewIterator(ReadOptions(), range);
}

absl::Status RunTransaction(ServerState* state, Store* store,
                            absl::FunctionRef<absl::Status(KeyAccess&)> fn) {
  absl::Status s;
  for (int attempt = 0; attempt < kTransactionAttempts; ++attempt) {
    auto txn = store->BeginTransaction();
    if (!txn.ok()) return txn.status();
    TxnAccess access(txn->get());
    s = fn(access);
    if (!s.ok()) return s;
    if (access.written().empty()) return (*txn)->Rollback();
    auto intent = state->watches.Intend(access.written());
    s = (*txn)->Commit(state->write_options());
    if (!absl::IsAborted(s)) return s;
    std::this_thread::yield();  // another writer won this key; let it finish
  }
  return s;
}

}  // namespace synapsed::storage::server
