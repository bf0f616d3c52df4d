#include "api/local_change_feed.h"

#include <algorithm>

#include "fmt/format.h"

namespace synapsed::storage {

absl::Status LocalChangeFeed::Commit(absl::FunctionRef<absl::Status()> apply,
                                     absl::FunctionRef<void(WriteBatch*)> describe) {
  if (!hub_.HasSubscribers()) {
    commit_mu_.ReaderLock();
    // A Subscribe between the check and the lock holds the exclusive lock
    // until it has registered: seen here, and this write is published.
    if (!hub_.HasSubscribers()) {
      absl::Status s = apply();
      commit_mu_.ReaderUnlock();
      return s;
    }
    commit_mu_.ReaderUnlock();
  }
  MutexLock l(&commit_mu_);
  absl::Status s = apply();
  if (!s.ok()) return s;
  WriteBatch batch;
  describe(&batch);
  if (batch.Empty()) return s;
  hub_.Publish(batch, next_sequence_);
  next_sequence_ += batch.Count();
  return s;
}

absl::StatusOr<std::unique_ptr<ChangeStream>> LocalChangeFeed::Subscribe(
    const KeyRange& range, const SubscribeOptions& options) {
  MutexLock l(&commit_mu_);
  if (options.from_sequence && *options.from_sequence < next_sequence_) {
    return absl::OutOfRangeError(fmt::format(
        "sequence {} is not available: the {} backend streams only the writes made "
        "through this process after Subscribe; the oldest available sequence is {}",
        *options.from_sequence, backend_, next_sequence_));
  }
  // Sequences only count published commits here, so last_published is
  // next_sequence_ - 1 and nothing published later is missed.
  hub_.Skip(next_sequence_ - 1);
  return hub_.SubscribeLive(range, options.from_sequence.value_or(next_sequence_),
                            options.max_queued_bytes);
}

}  // namespace synapsed::storage
