// DBImpl::Subscribe: change streams on the native engine
// (synapsed/storage/change_stream.h; the seam between replayed and live
// commits is explained in engine/log_change_stream.h).
#include <algorithm>

#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "engine/log_change_stream.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::engine {

absl::StatusOr<std::unique_ptr<ChangeStream>> DBImpl::Subscribe(
    const KeyRange& range, const SubscribeOptions& options) {
  if (options_.read_only) {
    return absl::FailedPreconditionError(fmt::format(
        "database {} is open read-only: it has no commits to stream", dir_));
  }
  ChangeHub* hub = hub_.get();
  // Sequences start at 1 (0 asks for the same). A future from_sequence:
  // events before it are skipped by the queue.
  const uint64_t from = std::max<uint64_t>(options.from_sequence.value_or(0), 1);
  ChangeHub::Registration reg = hub->Register(range, from, options.max_queued_bytes);
  ChangeQueue* queue = reg.queue.get();
  auto unregister = [hub, queue] { hub->Unregister(queue); };
  const uint64_t last = reg.last_published;
  if (!options.from_sequence || from > last) {
    return NewLiveChangeStream(std::move(reg.queue), std::max(from, last + 1),
                               std::move(unregister));
  }

  // Replay [from, last] from the logs. Hold off their deletion first, then
  // list what is there: nothing listed can go until the stream is done.
  {
    MutexLock l(&mu_);
    ++log_replays_;
  }
  auto unpin = [this] {
    MutexLock l(&mu_);
    --log_replays_;
  };
  auto fail = [&](absl::Status s) -> absl::StatusOr<std::unique_ptr<ChangeStream>> {
    unpin();
    unregister();
    return s;
  };
  if (*options_.wal_buffer_bytes > 0) {
    // Commits up to `last` may still sit in the log writer's buffer.
    Writer w;
    w.flush_log = true;
    if (absl::Status s = WriteImpl(&w); !s.ok()) return fail(s);
  }
  auto names = fs_->ListDir(dir_);
  if (!names.ok()) return fail(names.status());
  LogHistory history;
  history.fs = fs_;
  history.dir = dir_;
  for (const std::string& n : *names) {
    auto p = ParseFileName(n);
    if (p && p->kind == FileKind::kLog) history.logs.push_back(p->number);
  }
  std::sort(history.logs.begin(), history.logs.end());
  if (keys_ != nullptr) {
    history.cipher_for = [keys = keys_.get()](uint64_t number) {
      return keys->CipherFor(number, crypto::FileKind::kLog);
    };
  }
  auto oldest = OldestLoggedSequence(history);
  if (!oldest.ok()) return fail(oldest.status());
  const uint64_t available = oldest->value_or(last + 1);
  if (from < available) {
    return fail(absl::OutOfRangeError(fmt::format(
        "sequence {} is no longer retained; the oldest available sequence is {} "
        "(log_retention_bytes bounds how much log is kept)",
        from, available)));
  }
  return NewLogChangeStream(std::move(history), range, from, last, std::move(reg.queue),
                            std::move(unpin), std::move(unregister));
}

}  // namespace synapsed::storage::engine
