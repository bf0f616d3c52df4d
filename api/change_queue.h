// ChangeQueue: the bounded hand-off between the writers that publish commits
// (through ChangeHub, api/change_hub.h) and one ChangeStream's consumer
// (synapsed/storage/change_stream.h has the contract users see).
//
// Producers never wait: Offer queues a batch, or — when it would pass the
// byte bound — ends the queue with ResourceExhausted naming the sequence to
// resume from, after which offers are ignored. The consumer takes batches in
// order and, once they are gone, the ending status.
//
// Thread safety: every method is thread-safe. The notify callback runs under
// the queue's lock (so a SetNotify(nullptr) that returned means no call is
// running or will come).
#ifndef SYNAPSED_API_CHANGE_QUEUE_H_
#define SYNAPSED_API_CHANGE_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "synapsed/storage/change_stream.h"
#include "synapsed/storage/iterator.h"
#include "util/mutex.h"

namespace synapsed::storage {

class ChangeQueue {
 public:
  // Accepts events of `range` with sequence >= `from` (earlier ones are the
  // caller's to deliver, or are skipped: a future from_sequence).
  ChangeQueue(KeyRange range, uint64_t from, size_t max_bytes)
      : range_(std::move(range)), from_(from), max_bytes_(max_bytes) {}

  const KeyRange& range() const { return range_; }
  uint64_t from() const { return from_; }

  // Queues `batch` (already filtered to the range; `bytes` its keys and
  // values), the commit that starts at `commit_sequence`. Past the bound the
  // queue ends instead: "fell behind; resume from sequence commit_sequence".
  void Offer(ChangeBatch batch, size_t bytes, uint64_t commit_sequence);
  // Ends the queue with `status` unless it has ended. With `discard`, the
  // queued batches go too (Cancel); without, the consumer gets them first.
  void End(absl::Status status, bool discard);
  bool ended() const;

  // The next batch; nullopt if none came within `timeout`; the ending status
  // once the queue has ended and is empty.
  absl::StatusOr<std::optional<ChangeBatch>> Pop(absl::Duration timeout);
  // True if Pop would return without waiting.
  bool Ready() const;
  void SetNotify(std::function<void()> notify);

 private:
  void NotifyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (notify_) notify_();
  }

  const KeyRange range_;
  const uint64_t from_;
  const size_t max_bytes_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<std::pair<ChangeBatch, size_t>> queue_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status end_ ABSL_GUARDED_BY(mu_);  // OK while open
  std::function<void()> notify_ ABSL_GUARDED_BY(mu_);
};

// A ChangeStream of live commits only: the queue's batches, starting at
// `start` (the stream's resume_sequence before any batch). `on_close` runs
// when the stream is destroyed (the hub drops the queue).
std::unique_ptr<ChangeStream> NewLiveChangeStream(std::shared_ptr<ChangeQueue> queue,
                                                  uint64_t start,
                                                  std::function<void()> on_close);

}  // namespace synapsed::storage

#endif  // SYNAPSED_API_CHANGE_QUEUE_H_
