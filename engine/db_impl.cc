#include "engine/db_impl.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "api/bounded_iterator.h"
#include "engine/db.h"
#include "engine/db_iterator.h"
#include "engine/filenames.h"
#include "engine/memtable_iterator.h"
#include "fmt/format.h"
#include "util/status_macros.h"
#include "wal/log_reader.h"

namespace synapsed::storage::engine {

namespace {

constexpr size_t kMaxGroupBytes = 1 << 20;

std::string Printable(std::string_view key) {
  return absl::CHexEscape(absl::string_view(key.data(), std::min<size_t>(key.size(), 64)));
}

class NativeSnapshot final : public Snapshot {
 public:
  NativeSnapshot(DBImpl* db, SequenceNumber seq) : Snapshot(db, seq), db_(db) {}
  ~NativeSnapshot() override { db_->ReleaseSnapshot(sequence()); }

 private:
  DBImpl* db_;
};

}  // namespace

// One caller of Write waiting in the queue.
struct DBImpl::Writer {
  const WriteBatch* batch = nullptr;  // null: only sync the log (Flush)
  bool sync = false;
  // A transaction commit: validated against these keys, led alone.
  const std::span<const std::string>* check_keys = nullptr;
  SequenceNumber snapshot = 0;
  bool done = false;
  absl::Status status;
  absl::CondVar cv;
};

DBImpl::DBImpl(const EngineOptions& options, std::string dir)
    : options_(options),
      fs_(options.fs != nullptr ? options.fs : env::DefaultFileSystem()),
      dir_(std::move(dir)) {}

DBImpl::~DBImpl() {
  absl::MutexLock l(&mu_);
  if (log_ != nullptr) (void)log_->Close();
}

absl::Status DBImpl::Open() {
  // Look before touching anything: a directory that is not ours stays as is.
  ASSIGN_OR_RETURN(bool exists, fs_->FileExists(dir_));
  if (!exists) {
    if (!options_.create_if_missing) {
      return absl::NotFoundError(fmt::format(
          "{}: no database here (create_if_missing is false)", dir_));
    }
    RETURN_IF_ERROR(fs_->CreateDirIfMissing(dir_));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->ListDir(dir_));
  const bool has_marker =
      std::find(names.begin(), names.end(), kMarkerName) != names.end();
  if (!has_marker) {
    std::erase(names, std::string(kLockName));
    if (!names.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "{} is not a synapsed database: it has no {} file and holds {} other "
          "entr{} (e.g. \"{}\")",
          dir_, kMarkerName, names.size(), names.size() == 1 ? "y" : "ies",
          names.front()));
    }
    if (!options_.create_if_missing) {
      return absl::NotFoundError(fmt::format(
          "{}: no database here (create_if_missing is false)", dir_));
    }
  } else if (options_.error_if_exists) {
    return absl::AlreadyExistsError(
        fmt::format("{}: a database exists (error_if_exists is true)", dir_));
  }

  auto lock = fs_->LockFile(env::JoinPath(dir_, kLockName));
  if (!lock.ok()) {
    return absl::FailedPreconditionError(fmt::format(
        "database {} is in use: {}", dir_, std::string(lock.status().message())));
  }
  lock_ = std::move(*lock);

  const std::string marker = env::JoinPath(dir_, kMarkerName);
  if (has_marker) {
    ASSIGN_OR_RETURN(std::string contents, env::ReadFileToString(fs_, marker));
    if (contents != kMarkerContents) {
      return absl::FailedPreconditionError(fmt::format(
          "{}: unsupported format \"{}\" (this build reads \"{}\")", marker,
          absl::CHexEscape(contents), absl::CHexEscape(std::string(kMarkerContents))));
    }
  } else {
    RETURN_IF_ERROR(env::WriteStringToFile(fs_, kMarkerContents, marker, true));
    RETURN_IF_ERROR(fs_->SyncDir(dir_));
  }

  std::vector<uint64_t> logs;
  for (const std::string& name : names) {
    if (auto n = ParseLogFileName(name)) logs.push_back(*n);
  }
  std::sort(logs.begin(), logs.end());
  RETURN_IF_ERROR(Recover(logs));

  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(NewLog());
  PublishView();
  return absl::OkStatus();
}

absl::Status DBImpl::Recover(const std::vector<uint64_t>& logs) {
  {
    absl::MutexLock l(&mu_);
    next_log_number_ = logs.empty() ? 1 : logs.back() + 1;
  }
  for (size_t i = 0; i < logs.size(); ++i) {
    RETURN_IF_ERROR(ReplayLog(logs[i], i + 1 == logs.size()));
  }
  absl::MutexLock l(&mu_);
  if (mem_ != nullptr && !mem_->Empty()) imms_.insert(imms_.begin(), mem_);
  mem_.reset();
  return absl::OkStatus();
}

absl::Status DBImpl::ReplayLog(uint64_t number, bool last) {
  const std::string path = LogFileName(dir_, number);
  ASSIGN_OR_RETURN(auto file, fs_->NewSequentialFile(path));
  wal::LogReaderOptions ro;
  ro.last_log = last;
  wal::LogReader reader(std::move(file), path, number, ro);
  std::string record;
  uint64_t offset = 0;
  WriteBatch batch;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.ReadRecord(&record, &offset));
    if (!more) break;
    if (absl::Status s = batch.SetRep(std::move(record)); !s.ok()) {
      return absl::DataLossError(
          fmt::format("{} at offset {}: {}", path, offset, std::string(s.message())));
    }
    if (mem_ == nullptr) mem_ = std::make_shared<MemTable>(number);
    InsertIntoMemTable(batch, batch.Sequence());
    const SequenceNumber last_seq = batch.Sequence() + batch.Count() - 1;
    if (batch.Count() > 0 && last_seq > last_sequence_.load()) {
      last_sequence_.store(last_seq);
    }
    if (mem_->ApproximateMemoryUsage() >= options_.write_buffer_size) {
      absl::MutexLock l(&mu_);
      imms_.insert(imms_.begin(), std::move(mem_));
    }
  }
  if (reader.dropped_tail_bytes() > 0) {
    // Cut the torn tail, so this log reads cleanly once it is no longer the
    // last one.
    recovery_notes_ += fmt::format("{}: dropped a torn tail of {} bytes at offset {}\n",
                                   path, reader.dropped_tail_bytes(),
                                   reader.valid_end_offset());
    RETURN_IF_ERROR(fs_->Truncate(path, reader.valid_end_offset()));
    ASSIGN_OR_RETURN(auto f, fs_->NewAppendableFile(path));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
  }
  absl::MutexLock l(&mu_);
  live_logs_.push_back(number);
  return absl::OkStatus();
}

absl::Status DBImpl::NewLog() {
  const uint64_t number = next_log_number_++;
  const std::string path = LogFileName(dir_, number);
  env::WritableFileOptions fo;
  fo.use_io_uring = options_.use_io_uring;
  ASSIGN_OR_RETURN(auto file, fs_->NewWritableFile(path, fo));
  // The log's directory entry must be durable before a synced write in it
  // is acknowledged.
  RETURN_IF_ERROR(fs_->SyncDir(dir_));
  wal::LogWriterOptions wo;
  wo.buffer_bytes = options_.wal_buffer_bytes;
  log_ = std::make_unique<wal::LogWriter>(std::move(file), number, wo);
  live_logs_.push_back(number);
  if (mem_ != nullptr && !mem_->Empty()) imms_.insert(imms_.begin(), mem_);
  mem_ = std::make_shared<MemTable>(number);
  return absl::OkStatus();
}

void DBImpl::PublishView() {
  auto view = std::make_shared<ReadView>();
  view->mems.push_back(mem_);
  view->mems.insert(view->mems.end(), imms_.begin(), imms_.end());
  view_.store(std::move(view), std::memory_order_release);
}

absl::Status DBImpl::MakeRoomForWrite() {
  if (mem_->ApproximateMemoryUsage() < options_.write_buffer_size) {
    return absl::OkStatus();
  }
  // The old log must be complete and durable before the next one begins:
  // recovery treats damage in any but the last log as corruption.
  RETURN_IF_ERROR(log_->Sync());
  RETURN_IF_ERROR(log_->Close());
  RETURN_IF_ERROR(NewLog());
  PublishView();
  return absl::OkStatus();
}

void DBImpl::InsertIntoMemTable(const WriteBatch& batch, SequenceNumber first_seq) {
  SequenceNumber seq = first_seq;
  // The batch was checked when it was built (or read back by SetRep).
  (void)batch.Iterate(
      [&](std::string_view k, std::string_view v) {
        mem_->Add(seq++, ValueType::kValue, k, v);
      },
      [&](std::string_view k) { mem_->Add(seq++, ValueType::kDeletion, k, {}); });
}

absl::Status DBImpl::Write(const WriteOptions& options, const WriteBatch& batch) {
  Writer w;
  w.batch = &batch;
  w.sync = options.sync;
  return WriteImpl(&w);
}

absl::Status DBImpl::Put(const WriteOptions& options, std::string_view key,
                         std::string_view value) {
  WriteBatch batch;
  RETURN_IF_ERROR(batch.Put(key, value));
  return Write(options, batch);
}

absl::Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  RETURN_IF_ERROR(batch.Delete(key));
  return Write(options, batch);
}

absl::Status DBImpl::Flush() {
  Writer w;  // no batch: the leader syncs the log
  w.sync = true;
  return WriteImpl(&w);
}

absl::Status DBImpl::ValidateTransaction(const Writer& w) const {
  auto view = view_.load(std::memory_order_acquire);
  std::string scratch;
  for (const std::string& key : *w.check_keys) {
    for (const auto& mem : view->mems) {
      SequenceNumber seq = 0;
      auto r = mem->Get(key, kMaxSequenceNumber, &scratch, &seq);
      if (r == memtable::LookupResult::kNotPresent) continue;
      if (seq > w.snapshot) {
        return absl::AbortedError(fmt::format(
            "transaction conflict: key \"{}\" was written by another writer "
            "after this transaction began",
            Printable(key)));
      }
      break;  // the newest version is older than the snapshot
    }
  }
  return absl::OkStatus();
}

absl::Status DBImpl::WriteImpl(Writer* w) {
  absl::MutexLock l(&mu_);
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) w->cv.Wait(&mu_);
  if (w->done) return w->status;

  // This writer leads. Build the group.
  absl::Status status = bg_error_;
  if (status.ok()) status = MakeRoomForWrite();
  if (!status.ok() && bg_error_.ok()) bg_error_ = status;
  if (status.ok() && w->check_keys != nullptr) status = ValidateTransaction(*w);

  Writer* last = w;
  bool sync = w->sync;
  const WriteBatch* batch = w->batch;
  if (status.ok() && w->check_keys == nullptr && w->batch != nullptr) {
    size_t bytes = w->batch->ByteSize();
    for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
      Writer* next = *it;
      if (next->check_keys != nullptr || next->batch == nullptr) break;
      if (next->sync && !w->sync) break;  // don't make a non-sync leader wait for a sync
      bytes += next->batch->ByteSize();
      if (bytes > kMaxGroupBytes) break;
      if (batch == w->batch) {
        group_batch_.Clear();
        group_batch_.Append(*w->batch);
        batch = &group_batch_;
      }
      group_batch_.Append(*next->batch);
      sync = sync || next->sync;
      last = next;
    }
  }

  if (status.ok()) {
    const SequenceNumber first = last_sequence_.load(std::memory_order_relaxed) + 1;
    {
      // Log and memtable outside the lock; followers wait, readers read.
      mu_.Unlock();
      if (batch == nullptr) {
        status = log_->Sync();
      } else if (!batch->Empty()) {
        // SetSequence on a caller's batch would race with nobody: the batch
        // is const for the caller, so stamp a copy only when needed.
        std::string rep(batch->Rep());
        EncodeFixed64(rep.data(), first);
        status = log_->AddRecord(rep, sync);
        if (status.ok()) InsertIntoMemTable(*batch, first);
      } else if (sync) {
        status = log_->Sync();
      }
      mu_.Lock();
    }
    if (status.ok()) {
      if (batch != nullptr && !batch->Empty()) {
        last_sequence_.store(first + batch->Count() - 1, std::memory_order_release);
      }
    } else if (bg_error_.ok() && !absl::IsAborted(status)) {
      bg_error_ = status;  // the log's state is unknown from here on
    }
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != w) {
      ready->status = status;
      ready->done = true;
      ready->cv.Signal();
    }
    if (ready == last) break;
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return status;
}

absl::StatusOr<SequenceNumber> DBImpl::ReadSequence(const ReadOptions& options) const {
  if (options.snapshot == nullptr) {
    return last_sequence_.load(std::memory_order_acquire);
  }
  if (options.snapshot->owner() != this) {
    return absl::InvalidArgumentError("snapshot belongs to another store");
  }
  return options.snapshot->sequence();
}

absl::Status DBImpl::Get(const ReadOptions& options, std::string_view key,
                         PinnableValue* value) {
  RETURN_IF_ERROR(ValidateKey(key));
  ASSIGN_OR_RETURN(SequenceNumber seq, ReadSequence(options));
  auto view = view_.load(std::memory_order_acquire);
  for (const auto& mem : view->mems) {
    if (mem->Empty()) continue;
    switch (mem->Get(key, seq, value->GetSelf())) {
      case memtable::LookupResult::kFound:
        return absl::OkStatus();
      case memtable::LookupResult::kDeleted:
        value->Reset();
        return absl::NotFoundError("");
      case memtable::LookupResult::kNotPresent:
        break;
    }
  }
  value->Reset();
  return absl::NotFoundError("");
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options,
                                              const KeyRange& range) {
  auto seq = ReadSequence(options);
  if (!seq.ok()) return NewErrorIterator(seq.status());
  auto view = view_.load(std::memory_order_acquire);
  std::vector<std::unique_ptr<InternalIterator>> children;
  for (const auto& mem : view->mems) {
    if (mem->Empty()) continue;
    children.push_back(std::make_unique<MemTableInternalIterator>(mem));
  }
  return NewBoundedIterator(
      NewDBIterator(NewMergingIterator(std::move(children)), *seq, view), range);
}

absl::StatusOr<SnapshotHandle> DBImpl::GetSnapshot() {
  absl::MutexLock l(&snap_mu_);
  const SequenceNumber seq = last_sequence_.load(std::memory_order_acquire);
  snapshots_.insert(seq);
  return SnapshotHandle(std::make_unique<NativeSnapshot>(this, seq));
}

void DBImpl::ReleaseSnapshot(SequenceNumber seq) {
  absl::MutexLock l(&snap_mu_);
  snapshots_.erase(snapshots_.find(seq));
}

absl::StatusOr<std::unique_ptr<Transaction>> DBImpl::BeginTransaction(
    const TransactionOptions&) {
  ASSIGN_OR_RETURN(SnapshotHandle snap, GetSnapshot());
  return std::unique_ptr<Transaction>(
      std::make_unique<OptimisticTransaction>(this, this, std::move(snap)));
}

absl::Status DBImpl::CommitTransaction(const WriteOptions& options,
                                       const WriteBatch& batch,
                                       const Snapshot& snapshot,
                                       std::span<const std::string> check_keys) {
  if (snapshot.owner() != this) {
    return absl::InvalidArgumentError("snapshot belongs to another store");
  }
  Writer w;
  w.batch = &batch;
  w.sync = options.sync;
  w.check_keys = &check_keys;
  w.snapshot = snapshot.sequence();
  return WriteImpl(&w);
}

absl::StatusOr<std::string> DBImpl::GetProperty(std::string_view name) {
  if (name != "stats") return Store::GetProperty(name);
  auto view = view_.load(std::memory_order_acquire);
  size_t mem_bytes = 0;
  uint64_t entries = 0;
  for (const auto& m : view->mems) {
    mem_bytes += m->ApproximateMemoryUsage();
    entries += m->num_entries();
  }
  absl::MutexLock l(&mu_);
  size_t snapshots;
  {
    absl::MutexLock sl(&snap_mu_);
    snapshots = snapshots_.size();
  }
  return fmt::format(
      "last_sequence: {}\nmemtables: {}\nmemtable_bytes: {}\nmemtable_entries: {}\n"
      "live_logs: {}\nsnapshots: {}\nbackground_error: {}\nrecovery: {}\n",
      last_sequence_.load(), view->mems.size(), mem_bytes, entries,
      live_logs_.size(), snapshots, bg_error_.ok() ? "none" : bg_error_.ToString(),
      recovery_notes_.empty() ? "clean\n" : "\n" + recovery_notes_);
}

absl::StatusOr<std::unique_ptr<Store>> OpenNativeStore(const EngineOptions& options,
                                                       const std::string& path) {
  auto db = std::make_unique<DBImpl>(options, path);
  RETURN_IF_ERROR(db->Open());
  return std::unique_ptr<Store>(std::move(db));
}

}  // namespace synapsed::storage::engine
