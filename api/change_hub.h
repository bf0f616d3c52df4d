// ChangeHub: where a store's commits meet its change streams
// (synapsed/storage/change_stream.h). Every backend owns one: the native
// engine publishes from its commit path, the other backends through
// LocalChangeFeed (api/local_change_feed.h).
//
// Publish filters one commit into each subscriber's range and offers it to
// the subscriber's bounded ChangeQueue (api/change_queue.h); it never waits
// for a consumer. Register and Publish share one lock, so a subscriber gets
// exactly the commits published after its Register returned, and
// Register's `last_published` says where that is — what lets the native
// engine replay older commits from its logs and switch to live ones without
// a gap or a duplicate.
//
// Thread safety: thread-safe. Publish calls must come one at a time and in
// increasing sequence order (the caller's commit order); the hub does not
// sort. A hub outlives no store: its destructor ends every stream with
// Cancelled ("the store is closing").
#ifndef SYNAPSED_API_CHANGE_HUB_H_
#define SYNAPSED_API_CHANGE_HUB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "api/change_queue.h"
#include "synapsed/storage/change_stream.h"
#include "synapsed/storage/iterator.h"
#include "synapsed/storage/write_batch.h"
#include "util/mutex.h"

namespace synapsed::storage {

// The events of `batch` (its ops at sequences first_sequence, +1, ...) whose
// key is in `range` and whose sequence is >= `from`, with the bytes of their
// keys and values in `*bytes`. next_sequence is one past the commit.
ChangeBatch FilterCommit(const WriteBatch& batch, uint64_t first_sequence,
                         const KeyRange& range, uint64_t from, size_t* bytes);

class ChangeHub {
 public:
  // `last_sequence`: the sequence of the last commit before the hub (0: none).
  explicit ChangeHub(uint64_t last_sequence = 0);
  ~ChangeHub();
  ChangeHub(const ChangeHub&) = delete;
  ChangeHub& operator=(const ChangeHub&) = delete;

  // A hint for writers: false while no stream listens, so they can skip
  // building what Publish needs. Whoever relies on it must order it with
  // Register itself (LocalChangeFeed does).
  bool HasSubscribers() const { return subscribers_.load(std::memory_order_acquire) > 0; }

  // Publishes one commit of batch.Count() ops at first_sequence onwards.
  // REQUIRES: first_sequence > every sequence published before.
  void Publish(const WriteBatch& batch, uint64_t first_sequence);
  // Notes commits nobody listened to, so that last_published stays right.
  void Skip(uint64_t last_sequence);

  struct Registration {
    std::shared_ptr<ChangeQueue> queue;
    uint64_t last_published = 0;  // the queue gets the commits after this one
  };
  // A queue for `range` that receives every commit published from now on
  // (events from `from` on). Unregister it when its stream goes.
  Registration Register(const KeyRange& range, uint64_t from, size_t max_bytes);
  void Unregister(const ChangeQueue* queue);
  // A live-only stream (the whole of Subscribe for a store without history):
  // registers, and unregisters when the stream is destroyed.
  std::unique_ptr<ChangeStream> SubscribeLive(const KeyRange& range, uint64_t from,
                                              size_t max_bytes);

  uint64_t last_published() const;

 private:
  mutable Mutex mu_;
  std::vector<std::shared_ptr<ChangeQueue>> queues_ ABSL_GUARDED_BY(mu_);
  uint64_t last_published_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> subscribers_{0};
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_API_CHANGE_HUB_H_
