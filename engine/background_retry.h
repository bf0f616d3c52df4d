// What the engine does when a flush or a compaction fails: the policy that
// lets it ride out a full disk.
//
// A table write that fails with ResourceExhausted (ENOSPC: the disk is
// full) or Unavailable (EIO and other I/O errors) before the manifest names
// the table changes nothing durable: the flush keeps its memtable, the
// compaction its inputs, and the partial output is deleted. Such a failure
// is retried by the background thread itself, after 100 ms, then twice as
// long each time up to 5 s, until it succeeds; then writes go on as before
// ("resumes by itself"). While a retry is pending, a write that would have
// to wait for that work (the memtables are full, or L0 reached its stop
// trigger) fails at once with Unavailable saying why, instead of stalling
// until the disk has room; reads are served throughout.
//
// Every other failure is a hard background error (DBImpl::bg_error_): a
// failed manifest write (its state on disk is unknown, so nothing may be
// built on it), a failed write-ahead log append or sync (the same), data
// corruption. Then every later write fails with that error until the
// database is reopened, and recovery restores every acknowledged write.
#ifndef SYNAPSED_ENGINE_BACKGROUND_RETRY_H_
#define SYNAPSED_ENGINE_BACKGROUND_RETRY_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace synapsed::storage::engine {

// Whether a failed flush or compaction may be retried (above), given that
// the manifest is still healthy.
bool IsRetryableBackgroundError(const absl::Status& s);

// The retry state of one kind of background work. Not thread-safe: the
// DB's mutex guards it.
class BackgroundRetry {
 public:
  static constexpr absl::Duration kFirstDelay = absl::Milliseconds(100);
  static constexpr absl::Duration kMaxDelay = absl::Seconds(5);

  // Records a retryable failure of `what` ("flush", "compaction") at
  // `now`: the next attempt is due after the current delay, which then
  // doubles (up to kMaxDelay).
  void Failed(std::string_view what, const absl::Status& s, absl::Time now);
  // An attempt succeeded: nothing is pending any more.
  void Succeeded();

  bool pending() const { return !error_.ok(); }
  // When the next attempt is due (meaningful while pending).
  absl::Time due() const { return due_; }
  // Unavailable: "<what> failed, retrying: <cause>" (OK when none is
  // pending).
  const absl::Status& error() const { return error_; }
  // Retries scheduled so far, and how many of them led to a success.
  uint64_t failures() const { return failures_; }
  uint64_t recoveries() const { return recoveries_; }

 private:
  absl::Status error_;
  absl::Time due_;
  absl::Duration delay_ = kFirstDelay;
  uint64_t failures_ = 0;
  uint64_t recoveries_ = 0;
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_BACKGROUND_RETRY_H_
