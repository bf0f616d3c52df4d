// Change subscriptions: Store::Subscribe(range, options) returns a
// ChangeStream that yields the writes committed to a key range, in commit
// order, each commit whole.
//
//   auto stream = store->Subscribe(KeyRange::Prefix("user/"), {});
//   while (true) {
//     auto batch = (*stream)->Next(absl::Seconds(1));
//     if (absl::IsDeadlineExceeded(batch.status())) continue;  // nothing yet
//     if (!batch.ok()) break;  // ended: the status says why (and where to resume)
//     for (const ChangeEvent& e : batch->events) ...;
//     checkpoint(batch->next_sequence);  // resume point after this batch
//   }
//
// What a ChangeBatch is: the events of ONE commit — a Put, a Delete, a
// WriteBatch or a transaction's writes — that fall in the range, in sequence
// order. A commit is never split over two batches. The native engine commits
// concurrent writers as one group (group commit); such a group is one log
// record and one batch, so a batch may hold several callers' batches, each
// whole. Commits with no event in the range produce no batch.
//
// Sequences: every event carries the sequence number its write was committed
// at (on the native engine, the one snapshots and the log use). A stream can
// start at SubscribeOptions::from_sequence:
//   - unset: from the next commit after Subscribe returns ("now").
//   - on the native engine, a past sequence is read back from the retained
//     write-ahead logs (EngineOptions::log_retention_bytes, NativeOptions in
//     config.h) and then the stream continues with live commits, without a
//     gap or a duplicate. A sequence older than the oldest retained one is
//     OutOfRange, and the message names the oldest available sequence.
//   - the other backends (memory, rocksdb, leveldb, sqlite) stream only the
//     writes made through this process's Store object after Subscribe; their
//     sequences count those writes from 1 at open. A past sequence is
//     OutOfRange naming the next sequence.
//   - a sequence in the future skips the events before it.
//   A sequence inside a commit starts the stream at that event: the first
//   batch then holds the commit's events from it on.
//
// Backpressure: writers never wait for a subscriber. Each stream queues up to
// SubscribeOptions::max_queued_bytes of batches; a commit that would pass it
// ends the stream instead: Next then returns (after the queued batches)
// ResourceExhausted "change stream fell behind; resume from sequence N", and
// resume_sequence() returns N. Subscribing again with from_sequence = N loses
// nothing while sequence N is still retained (native engine).
//
// Thread safety: a ChangeStream is used by one consumer thread at a time;
// Cancel() and SetNotify() may be called from any thread. Destroy every
// stream before the store it came from.
#ifndef SYNAPSED_STORAGE_CHANGE_STREAM_H_
#define SYNAPSED_STORAGE_CHANGE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace synapsed::storage {

// Explicit values: they appear in SYNAPSED.SUBSCRIBE replies as names, but
// keep them stable anyway.
enum class ChangeType : uint8_t { kPut = 0, kDelete = 1 };

struct ChangeEvent {
  uint64_t sequence = 0;
  ChangeType type = ChangeType::kPut;
  std::string key;
  std::string value;  // empty for kDelete
  bool operator==(const ChangeEvent&) const = default;
};

// The events of one commit in the subscribed range, in sequence order.
struct ChangeBatch {
  std::vector<ChangeEvent> events;
  // One past the commit's last sequence (which may be an event outside the
  // range): the from_sequence that continues right after this batch.
  uint64_t next_sequence = 0;
};

struct SubscribeOptions {
  // Where the stream starts (see the top of this file); unset: now.
  std::optional<uint64_t> from_sequence;
  // Bytes of keys and values the stream may hold for a slow consumer before
  // it is ended with ResourceExhausted. A batch larger than this on its own
  // is still queued when the queue is empty. Bigger: more memory per slow
  // subscriber; smaller: slow subscribers are dropped sooner.
  size_t max_queued_bytes = 8 << 20;
};

class ChangeStream {
 public:
  virtual ~ChangeStream() = default;

  // The next batch. Waits up to `timeout` for one (zero: does not wait);
  // none by then is DeadlineExceeded, and the stream goes on. Once the
  // stream has ended, returns its ending status on every call:
  //   ResourceExhausted  the consumer fell behind (message: where to resume)
  //   Cancelled          Cancel() was called, or the store is closing
  //   DataLoss / Unavailable  reading the retained logs failed (native)
  [[nodiscard]] virtual absl::StatusOr<ChangeBatch> Next(absl::Duration timeout) = 0;

  // Ends the stream (Cancelled) and wakes a Next waiting on another thread.
  virtual void Cancel() = 0;

  // True once the stream has ended (fell behind, cancelled, closing), even
  // while Next still has batches queued before the end to return. Lets a
  // consumer that is itself backed up drop the stream without draining it.
  virtual bool Ended() const = 0;

  // The from_sequence that continues this stream exactly where its consumer
  // is: the next_sequence of the last batch Next returned (before any, the
  // stream's start).
  virtual uint64_t resume_sequence() const = 0;

  // Calls `notify` (from the writer's or canceller's thread, with internal
  // locks held: it must be quick and must not call into the stream or the
  // store — e.g. uv_async_send) whenever Next may have something new to
  // return: a batch, or the end. Called once right away if something is
  // already there. Replaces any earlier callback; empty clears it.
  virtual void SetNotify(std::function<void()> notify) = 0;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_CHANGE_STREAM_H_
