// The log flusher (EngineOptions::wal_flush_interval_ms): with a log buffer,
// unsynced records wait in user space until the buffer fills or a sync comes.
// Under a steady load that is soon; after the last write of a burst it could
// be never, and a process crash would lose the burst's end. This thread
// bounds that wait: buffered records are handed to the OS an interval after
// the first of them, through the write queue as any writer (a Writer with
// flush_log), so the log writer keeps its one owner at a time.
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/db_impl.h"

namespace synapsed::storage::engine {

void DBImpl::NoteLogBuffer(bool buffered) {
  if (buffered && !log_buffered_) log_flusher_cv_.Signal();
  log_buffered_ = buffered;
}

void DBImpl::LogFlusherThread() {
  const absl::Duration interval = absl::Milliseconds(options_.wal_flush_interval_ms);
  MutexLock l(&mu_);
  while (!log_flusher_stop_) {
    if (!log_buffered_) {
      log_flusher_cv_.Wait(&mu_);
      continue;
    }
    // Writes that fill the buffer or sync hand it over meanwhile; this
    // thread only acts if, an interval on, something is still waiting.
    const absl::Time due = absl::Now() + interval;
    while (!log_flusher_stop_ && log_buffered_ && absl::Now() < due) {
      log_flusher_cv_.WaitWithTimeout(&mu_, due - absl::Now());
    }
    if (log_flusher_stop_ || !log_buffered_) continue;
    mu_.Unlock();
    Writer w;
    w.flush_log = true;
    const absl::Status s = WriteImpl(&w);
    mu_.Lock();
    // A failed flush is the database's error now (bg_error_), which every
    // later write reports; there is nothing left to flush into.
    if (!s.ok()) break;
  }
}

}  // namespace synapsed::storage::engine
