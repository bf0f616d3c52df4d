// The write-ahead logs' life: a new log per memtable, the old one retired
// without a sync, retired logs synced by the next sync (which leaves a sync
// mark in the current log), and replay at open.
//
// Why the switch does not sync. A log whose memtable reaches a table before
// anything asks for durability never needs to be on disk: the table is
// synced, and the log is deleted while its pages are still in the page
// cache, so they are never written at all (most logs of a write-heavy load
// that does not sync). Syncing at every switch wrote each logged byte to
// the device once more, and stalled the writer on an fdatasync of a whole
// memtable's log.
//
// What keeps recovery a prefix of the acknowledged writes. A sync (a synced
// write, Flush, or a synced empty write) first syncs every retired log,
// oldest first, then appends a sync mark — a record whose batch has no ops
// (docs/format/wal.md, "Sync marks") — to the current log before syncing
// it. So at open, damage at the end of a log that is not the newest means:
//   - no sync mark in any later log: nothing after the damage was synced
//     (a later sync would have synced this log and left a mark). The log is
//     torn there like the newest one, and the later logs' records, written
//     after what was lost, are dropped: they were never synced either;
//   - a sync mark in a later log: the damaged log had been synced, so the
//     damage is corruption, DataLossError naming the file and offset, and
//     nothing is changed.
// Damage in the middle of any log (intact records of it follow) is
// corruption as before (wal/log_reader.h).
//
// Logs kept for change streams (log_retention_bytes > 0) are still synced
// at the switch: a stream reads them back later and takes damage in any but
// the newest as corruption.
#include <algorithm>
#include <utility>

#include "util/coding.h"
#include "api/write_batch_internal.h"
#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "fmt/format.h"
#include "util/kill_point.h"
#include "util/status_macros.h"
#include "wal/log_reader.h"

namespace synapsed::storage::engine {
namespace {

// A write batch with no ops: a log's header, or a sync mark
// (docs/format/wal.md, "Headers and sync marks").
std::string EmptyBatch(SequenceNumber seq) {
  std::string rep(WriteBatchInternal::kHeaderSize, '\0');
  EncodeFixed64(rep.data(), seq);
  return rep;
}

}  // namespace

absl::Status DBImpl::Recover(std::vector<uint64_t> logs) {
  // First read everything and decide; change files only once the open is
  // sure to go on, so a refused open leaves the directory as it was.
  ReplayState st;
  std::vector<LogReplay> replays;
  for (size_t i = 0; i < logs.size(); ++i) {
    LogReplay r;
    RETURN_IF_ERROR(ReplayLog(logs[i], &st, &r));
    if (r.header_shortfall && !st.first_dropped) {
      // The previous log ends before the sequence this one says it did.
      st.first_dropped = i;
      st.damaged = fmt::format("{} (it ends at offset {}, before sequence {})",
                               replays.back().path, replays.back().valid_end,
                               *r.header_seq);
    }
    if (st.first_dropped && r.sync_mark_offset) {
      return absl::DataLossError(fmt::format(
          "{} is damaged, but it had been synced: the later log {} holds a sync mark "
          "at offset {}",
          *st.damaged, r.path, *r.sync_mark_offset));
    }
    if (r.dropped_bytes > 0 && !st.first_dropped) {
      st.first_dropped = i + 1;
      st.damaged = fmt::format("{} (torn at offset {})", r.path, r.valid_end);
    }
    replays.push_back(std::move(r));
  }
  last_logged_seq_ = st.seen.value_or(0);
  for (size_t i = 0; i < replays.size(); ++i) {
    const LogReplay& r = replays[i];
    const bool dropped = st.first_dropped && i >= *st.first_dropped;
    if (r.dropped_bytes > 0) {
      recovery_notes_ += fmt::format("{}: {} a torn tail of {} bytes at offset {}\n", r.path,
                                     options_.read_only ? "skipped" : "dropped",
                                     r.dropped_bytes, r.valid_end);
    }
    if (dropped && r.records > 0) {
      recovery_notes_ += fmt::format(
          "{}: {} its {} records, written after the end of {} and never synced\n", r.path,
          options_.read_only ? "skipped" : "dropped", r.records, *st.damaged);
    }
    if (options_.read_only) continue;
    // Cut what was not replayed (a torn tail; a whole log after a log that
    // ended early), so it cannot come back at a later open, and make what
    // was replayed durable: a log read from the page cache after a process
    // crash may never have been synced, and no sync mark of this process
    // will cover it (it is not one of its retired logs).
    const uint64_t keep = dropped ? 0 : r.valid_end;
    if (keep < r.file_size) RETURN_IF_ERROR(fs_->Truncate(r.path, keep));
    ASSIGN_OR_RETURN(auto f, fs_->NewAppendableFile(r.path));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
  }
  MutexLock l(&mu_);
  if (mem_ != nullptr && !mem_->Empty()) imms_.insert(imms_.begin(), mem_);
  mem_.reset();
  return absl::OkStatus();
}

absl::Status DBImpl::ReplayLog(uint64_t number, ReplayState* st, LogReplay* out) {
  out->path = LogFileName(dir_, number);
  ASSIGN_OR_RETURN(out->file_size, fs_->GetFileSize(out->path));
  ASSIGN_OR_RETURN(auto file, fs_->NewSequentialFile(out->path));
  wal::LogReaderOptions ro;
  // Every log may end torn (see the top of this file); Recover decides
  // what a torn log that is not the newest means.
  ro.last_log = true;
  std::shared_ptr<const crypto::FileCipher> cipher;
  if (keys_ != nullptr) {
    ASSIGN_OR_RETURN(cipher, keys_->CipherFor(number, crypto::FileKind::kLog));
    ro.cipher = cipher.get();
  }
  wal::LogReader reader(std::move(file), out->path, number, ro);
  // Memtables are flushed oldest first, so the tables hold every sequence up
  // to their largest one: a log record at or below it was flushed already
  // (a log can straddle a flushed and an unflushed memtable).
  SequenceNumber flushed_seq = 0;
  for (const auto& level : versions_->current()->shape().levels) {
    for (const auto& f : level) flushed_seq = std::max(flushed_seq, f->largest_seq);
  }
  std::string record;
  uint64_t offset = 0;
  WriteBatch batch;
  bool first = true;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.ReadRecord(&record, &offset));
    if (!more) break;
    if (absl::Status s = WriteBatchInternal::SetContents(&batch, std::move(record)); !s.ok()) {
      return absl::DataLossError(
          fmt::format("{} at offset {}: {}", out->path, offset, std::string(s.message())));
    }
    const SequenceNumber seq = WriteBatchInternal::Sequence(batch);
    const bool is_first = std::exchange(first, false);
    if (batch.Count() == 0 && is_first) {
      // The log's header: every sequence up to `seq` was logged before it.
      out->header_seq = seq;
      if (!st->first_dropped) {
        out->header_shortfall = st->seen && seq > *st->seen;
        if (!out->header_shortfall) st->seen = std::max(st->seen.value_or(0), seq);
      }
      continue;
    }
    if (batch.Count() == 0) {  // a sync mark
      if (!out->sync_mark_offset) out->sync_mark_offset = offset;
      continue;
    }
    ++out->records;
    if (st->first_dropped || out->header_shortfall) continue;  // after lost writes
    const SequenceNumber last_seq = seq + batch.Count() - 1;
    st->seen = std::max(st->seen.value_or(0), last_seq);
    if (last_seq <= flushed_seq) continue;  // already in a table
    if (mem_ == nullptr) mem_ = std::make_shared<MemTable>(number, MemTableOpts());
    InsertIntoMemTable(batch, seq);
    if (last_seq > last_sequence_.load()) last_sequence_.store(last_seq);
    if (mem_->ApproximateMemoryUsage() >= options_.write_buffer_size) {
      MutexLock l(&mu_);
      imms_.insert(imms_.begin(), std::move(mem_));
    }
  }
  out->dropped_bytes = reader.dropped_tail_bytes();
  out->valid_end = out->dropped_bytes > 0 ? reader.valid_end_offset() : out->file_size;
  return absl::OkStatus();
}

absl::Status DBImpl::NewLog() {
  const uint64_t number = versions_->NewFileNumber();
  const std::string path = LogFileName(dir_, number);
  std::shared_ptr<const crypto::FileCipher> cipher;
  if (keys_ != nullptr) {
    // A new data key for every log: nothing is appended under an old one.
    ASSIGN_OR_RETURN(cipher, keys_->NewFile(number, crypto::FileKind::kLog));
  }
  env::WritableFileOptions fo;
  fo.use_io_uring = options_.use_io_uring;
  fo.use_mmap = options_.use_mmap_writes;
  ASSIGN_OR_RETURN(auto file, fs_->NewWritableFile(path, fo));
  // The log's directory entry must be durable before a synced write in it
  // is acknowledged.
  RETURN_IF_ERROR(fs_->SyncDir(dir_));
  wal::LogWriterOptions wo;
  wo.buffer_bytes = *options_.wal_buffer_bytes;
  wo.preallocate_on_sync = options_.wal_preallocate_bytes;
  wo.cipher = cipher.get();
  if (log_ != nullptr && !log_->closed()) {
    // Retired unsynced, with the cipher it seals with (SwitchLog).
    retired_logs_.push_back(RetiredLog{std::move(log_cipher_), std::move(log_)});
  }
  log_ = std::make_unique<wal::LogWriter>(std::move(file), number, wo);
  log_cipher_ = std::move(cipher);  // after the writer that used the old one
  // The header: where the older logs end. Recovery compares it with what
  // they hold to see an older log that lost its end.
  RETURN_IF_ERROR(log_->AddRecord(EmptyBatch(last_logged_seq_), /*sync=*/false));
  SYNAPSED_KILL_POINT("switch.after_new_log");
  if (mem_ != nullptr && !mem_->Empty()) imms_.insert(imms_.begin(), mem_);
  mem_ = std::make_shared<MemTable>(number, MemTableOpts());
  return absl::OkStatus();
}

absl::Status DBImpl::SwitchLog() {
  if (options_.log_retention_bytes > 0) {
    RETURN_IF_ERROR(log_->Sync());
    RETURN_IF_ERROR(log_->Close());
  } else {
    // Buffered records reach the OS before any of the new log's: a process
    // crash must not keep later writes and lose earlier ones.
    RETURN_IF_ERROR(log_->Flush());
  }
  return NewLog();
}

absl::Status DBImpl::SyncRetiredLogs(std::vector<RetiredLog> logs, SequenceNumber last) {
  for (RetiredLog& r : logs) {  // oldest first
    RETURN_IF_ERROR(r.writer->Sync());
    RETURN_IF_ERROR(r.writer->Close());
  }
  SYNAPSED_KILL_POINT("write.after_retired_logs_sync");
  // The caller's sync of log_ makes the mark durable with its own record.
  return log_->AddRecord(EmptyBatch(last), /*sync=*/false);
}

void DBImpl::DropRetiredLogs(uint64_t min_log) {
  std::erase_if(retired_logs_, [&](RetiredLog& r) {
    if (r.writer->log_number() >= min_log) return false;
    (void)r.writer->Close();  // in a table now: never synced, never needed
    return true;
  });
}

}  // namespace synapsed::storage::engine
