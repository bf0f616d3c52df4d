// LocalChangeFeed: change subscriptions for a backend that has no history of
// its own to read (memory, rocksdb, leveldb, sqlite): the commits made
// through this Store object, numbered from 1 at open, streamed from the
// moment of Subscribe (synapsed/storage/change_stream.h).
//
// A backend routes each write through Commit: the write runs under a
// reader lock while nobody subscribes (writers stay concurrent) and under the
// exclusive lock while someone does, so the commits a stream sees are
// numbered and published in the order the backend applied them. Subscribe
// takes the exclusive lock, so no write is half-way when a stream starts.
//
// Thread safety: thread-safe. Destroy every stream before the feed.
#ifndef SYNAPSED_API_LOCAL_CHANGE_FEED_H_
#define SYNAPSED_API_LOCAL_CHANGE_FEED_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/change_hub.h"
#include "synapsed/storage/change_stream.h"
#include "synapsed/storage/iterator.h"
#include "synapsed/storage/write_batch.h"
#include "util/mutex.h"

namespace synapsed::storage {

class LocalChangeFeed {
 public:
  // `backend` names the store in OutOfRange messages.
  explicit LocalChangeFeed(std::string backend) : backend_(std::move(backend)) {}

  // Runs `apply` (the backend's write). If it succeeds and a stream listens,
  // the batch `describe` fills is published as one commit. `describe` only
  // runs when someone listens, so an unsubscribed write copies nothing.
  [[nodiscard]] absl::Status Commit(absl::FunctionRef<absl::Status()> apply,
                                    absl::FunctionRef<void(WriteBatch*)> describe);
  // Commit for a write the caller has as a batch already.
  [[nodiscard]] absl::Status Commit(absl::FunctionRef<absl::Status()> apply,
                                    const WriteBatch& batch) {
    return Commit(apply, [&](WriteBatch* b) { b->Append(batch); });
  }

  // Store::Subscribe: from now on; a from_sequence before the next commit's
  // is OutOfRange (this backend keeps no history).
  [[nodiscard]] absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options);

 private:
  const std::string backend_;
  Mutex commit_mu_;
  ChangeHub hub_;
  uint64_t next_sequence_ ABSL_GUARDED_BY(commit_mu_) = 1;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_API_LOCAL_CHANGE_FEED_H_
