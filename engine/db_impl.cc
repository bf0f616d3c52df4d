#include "util/mutex.h"
#include "engine/db_impl.h"

#include <algorithm>
#include <mutex>

#include "absl/strings/escaping.h"
#include "api/bounded_iterator.h"
#include "api/write_batch_internal.h"
#include "cache/arc_cache.h"
#include "engine/db.h"
#include "engine/db_iterator.h"
#include "engine/filenames.h"
#include "engine/memtable_iterator.h"
#include "fmt/format.h"
#include "util/kill_point.h"
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

DBImpl::DBImpl(const EngineOptions& options, std::string dir)
    : options_(WithEngineDefaults(options)),
      fs_(options.fs != nullptr ? options.fs : env::DefaultFileSystem()),
      dir_(std::move(dir)) {
  memtable::ArenaBlockPool::Options po;
  // Active + immutable memtables' blocks are recycled instead of returned
  // to the OS (first touch of fresh pages is what costs).
  po.max_pooled_bytes = 3 * options_.write_buffer_size;
  arena_pool_ = std::make_shared<memtable::ArenaBlockPool>(po);
}

memtable::MemTableOptions DBImpl::MemTableOpts() const {
  memtable::MemTableOptions o;
  o.arena_pool = arena_pool_;
  // A whole-key bloom makes a Get that misses a memtable cost ~20 ns
  // instead of a skiplist search (most probes under readwhilewriting).
  o.bloom_bytes = options_.write_buffer_size / 64;
  return o;
}

DBImpl::~DBImpl() {
  hub_.reset();  // ends every stream (Cancelled) before the engine goes
  StopBackgroundThreads();
  MutexLock l(&mu_);
  if (log_ != nullptr) (void)log_->Close();
}

absl::Status DBImpl::Open() {
  if (options_.read_only) return OpenReadOnly();
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
  const bool has_current =
      std::find(names.begin(), names.end(), kCurrentName) != names.end();
  if (!has_current) {
    // Only an interrupted creation (a manifest CURRENT never named) may be
    // here besides the lock.
    std::vector<std::string> foreign;
    for (const std::string& n : names) {
      auto p = ParseFileName(n);
      if (!p || !(p->kind == FileKind::kLock || p->kind == FileKind::kManifest ||
                  p->kind == FileKind::kTemp || p->kind == FileKind::kKeys)) {
        foreign.push_back(n);
      }
    }
    if (!foreign.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "{} is not a synapsed database: it has no {} file and holds {} other "
          "entr{} (e.g. \"{}\")",
          dir_, kCurrentName, foreign.size(), foreign.size() == 1 ? "y" : "ies",
          foreign.front()));
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
  if (has_current) {
    // The keys before any other file: a wrong or missing key changes nothing.
    RETURN_IF_ERROR(OpenKeys());
  } else {
    // An interrupted creation's files go (the lock stays).
    for (const std::string& n : names) {
      auto p = ParseFileName(n);
      if (p && p->kind != FileKind::kLock) {
        RETURN_IF_ERROR(fs_->DeleteFile(env::JoinPath(dir_, n)));
      }
    }
    if (options_.keyring != nullptr) {
      ASSIGN_OR_RETURN(keys_, KeyRegistry::Create(fs_, dir_, options_.keyring));
    }
  }

  InitTables();

  std::vector<uint64_t> logs;
  if (has_current) {
    RETURN_IF_ERROR(versions_->Recover());
    // Every number in the directory is taken (a log created after the last
    // edit is newer than the manifest's next_file_number) before the new
    // manifest takes one.
    for (const std::string& n : names) {
      auto p = ParseFileName(n);
      if (!p) continue;
      versions_->MarkFileNumberUsed(p->number);
      if (p->kind == FileKind::kLog && p->number >= versions_->log_number()) {
        logs.push_back(p->number);
      }
    }
    std::sort(logs.begin(), logs.end());
  } else {
    RETURN_IF_ERROR(versions_->Create());
  }
  last_sequence_.store(versions_->last_sequence());
  // The logs before the new manifest: an open refused for a damaged log
  // leaves the directory as it was.
  RETURN_IF_ERROR(Recover(std::move(logs)));
  if (has_current) RETURN_IF_ERROR(versions_->StartNewManifest());
  hub_ = std::make_unique<ChangeHub>(last_sequence_.load());

  MutexLock l(&mu_);
  RETURN_IF_ERROR(NewLog());
  PublishView();
  DeleteObsoleteFiles();
  // The keys of the files just deleted leave KEYS now.
  if (keys_ != nullptr) RETURN_IF_ERROR(keys_->Persist());
  if (options_.background_threads) StartBackgroundThreads();
  return absl::OkStatus();
}

void DBImpl::InitTables() {
  cache::CacheOptions co;
  co.capacity = options_.block_cache_size;
  co.charge_metadata = true;  // capacity bounds the heap the cache holds
  block_cache_ = cache::NewArcCache(co);
  sstable::TableCacheOptions tco;
  tco.max_open_files = options_.max_open_files;
  tco.use_mmap_reads = options_.use_mmap_reads;
  tco.use_direct_reads = options_.use_direct_reads;
  tco.file_name = [dir = dir_](uint64_t n) { return TableFileName(dir, n); };
  // keys_ is set (or not) before this and outlives the table cache.
  if (options_.keyring != nullptr) {
    tco.cipher_for = [this](uint64_t n) {
      return keys_->CipherFor(n, crypto::FileKind::kTable);
    };
  }
  table_cache_ = std::make_unique<sstable::TableCache>(fs_, dir_, tco, block_cache_.get());
  versions_ = std::make_unique<VersionSet>(fs_, dir_, table_cache_.get(), keys_.get());
}

absl::Status DBImpl::OpenKeys() {
  ASSIGN_OR_RETURN(bool encrypted, KeyRegistry::Exists(fs_, dir_));
  if (encrypted && options_.keyring == nullptr) {
    return absl::FailedPreconditionError(fmt::format(
        "database {} is encrypted (it has a KEYS file): open it with its master key",
        dir_));
  }
  if (!encrypted && options_.keyring != nullptr) {
    return absl::FailedPreconditionError(fmt::format(
        "database {} is not encrypted: it cannot be opened with an encryption key",
        dir_));
  }
  if (encrypted) {
    ASSIGN_OR_RETURN(keys_, KeyRegistry::Open(fs_, dir_, options_.keyring));
  }
  return absl::OkStatus();
}

absl::Status DBImpl::OpenReadOnly() {
  ASSIGN_OR_RETURN(bool exists, fs_->FileExists(CurrentFileName(dir_)));
  if (!exists) {
    ASSIGN_OR_RETURN(bool dir_exists, fs_->FileExists(dir_));
    if (!dir_exists) return absl::NotFoundError(fmt::format("{}: no such directory", dir_));
    return absl::InvalidArgumentError(
        fmt::format("{} is not a synapsed database: it has no {} file", dir_, kCurrentName));
  }
  RETURN_IF_ERROR(OpenKeys());
  InitTables();
  RETURN_IF_ERROR(versions_->Recover());
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->ListDir(dir_));
  std::vector<uint64_t> logs;
  for (const std::string& n : names) {
    auto p = ParseFileName(n);
    if (p && p->kind == FileKind::kLog && p->number >= versions_->log_number()) {
      logs.push_back(p->number);
    }
  }
  std::sort(logs.begin(), logs.end());
  last_sequence_.store(versions_->last_sequence());
  RETURN_IF_ERROR(Recover(std::move(logs)));
  MutexLock l(&mu_);
  mem_ = std::make_shared<MemTable>(UINT64_MAX);  // never written
  PublishView();
  return absl::OkStatus();
}

void DBImpl::PublishView() {
  auto view = std::make_shared<ReadView>();
  view->mems.push_back(mem_);
  view->mems.insert(view->mems.end(), imms_.begin(), imms_.end());
  view->version = versions_->current();
  MutexLock l(&view_mu_);
  view_ = std::move(view);
}

absl::Status DBImpl::MakeRoomForWrite(bool* refused) {
  bool slowed = false;
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    const int l0 = versions_->current()->NumFiles(0);
    if (!options_.background_threads) {
      // Tests drive background work by hand: flush inline, never stall.
      if (static_cast<int>(imms_.size()) >= options_.max_immutable_memtables) {
        RETURN_IF_ERROR(FlushOne());
        continue;
      }
    } else if (!slowed && l0 >= options_.l0_slowdown_trigger) {
      // Give compaction a millisecond of this writer's time, once per write:
      // a gentle slowdown long before the hard stop (rocksdb#9423).
      const auto start = absl::Now();
      mu_.Unlock();
      absl::SleepFor(absl::Milliseconds(1));
      mu_.Lock();
      slowed = true;
      ++stats_.stall_slowdowns;
      stats_.stall_slowdown_micros += absl::ToInt64Microseconds(absl::Now() - start);
      continue;
    }
    if (mem_->ApproximateMemoryUsage() < options_.write_buffer_size) {
      return absl::OkStatus();
    }
    if (options_.background_threads &&
        (static_cast<int>(imms_.size()) >= options_.max_immutable_memtables ||
         l0 >= options_.l0_stop_trigger)) {
      const bool mem_wait = l0 < options_.l0_stop_trigger;
      // Waiting for work that is failing could last as long as the disk
      // stays full: refuse now, saying why (background_retry.h).
      const BackgroundRetry& blocking = mem_wait ? flush_retry_ : compaction_retry_;
      if (blocking.pending()) {
        *refused = true;
        return absl::UnavailableError(
            fmt::format("write refused in {}: {}", dir_,
                        std::string(blocking.error().message())));
      }
      const auto start = absl::Now();
      bg_cv_.SignalAll();
      bg_cv_.Wait(&mu_);
      const uint64_t us = absl::ToInt64Microseconds(absl::Now() - start);
      if (mem_wait) {
        ++stats_.stall_memtable_waits;
        stats_.stall_memtable_micros += us;
      } else {
        ++stats_.stall_stops;
        stats_.stall_stop_micros += us;
      }
      continue;
    }
    // The old log is retired unsynced; the next sync syncs it first
    // (db_logs.cc).
    RETURN_IF_ERROR(SwitchLog());
    PublishView();
    bg_cv_.SignalAll();  // wake the flush thread
    return absl::OkStatus();
  }
}

void DBImpl::InsertIntoMemTable(const WriteBatch& batch, SequenceNumber first_seq) {
  SequenceNumber seq = first_seq;
  // The batch was checked when it was built (or read back by SetContents).
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
  RETURN_IF_ERROR(WriteImpl(&w));
  if (options.sequence != nullptr) *options.sequence = w.sequence;
  return absl::OkStatus();
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
  RETURN_IF_ERROR(WriteImpl(&w));
  return FlushMemTables();
}

// The newest version of each key decides: memtables first, then tables
// (the version a flush or compaction left keeps every key's newest version).
absl::Status DBImpl::ValidateTransaction(const Writer& w) const {
  auto view = View();
  std::string scratch;
  PinnableValue pinned;
  for (const std::string& key : *w.check_keys) {
    SequenceNumber seq = 0;
    bool found = false;
    for (const auto& mem : view->mems) {
      if (mem->Get(key, kMaxSequenceNumber, &scratch, &seq) !=
          memtable::LookupResult::kNotPresent) {
        found = true;
        break;
      }
    }
    if (!found) {
      sstable::ReadOptions ro;
      ro.fill_cache = false;
      ASSIGN_OR_RETURN(auto r, view->version->Get(table_cache_.get(), ro, key,
                                                  kMaxSequenceNumber, &pinned, &seq));
      found = r != memtable::LookupResult::kNotPresent;
    }
    if (found && seq > w.snapshot) {
      return absl::AbortedError(fmt::format(
          "transaction conflict: key \"{}\" was written by another writer "
          "after this transaction began",
          Printable(key)));
    }
  }
  return absl::OkStatus();
}

absl::Status DBImpl::WriteImpl(Writer* w) {
  if (options_.read_only) {
    return absl::FailedPreconditionError(
        fmt::format("database {} is open read-only", dir_));
  }
  MutexLock l(&mu_);
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) w->cv.Wait(&mu_);
  if (w->done) return w->status;

  // This writer leads. Build the group.
  absl::Status status = bg_error_;
  if (status.ok() && w->switch_memtable &&
      (!mem_->Empty() || w->new_log_even_if_empty)) {
    status = SwitchLog();
    if (status.ok()) PublishView();
    bg_cv_.SignalAll();
  }
  bool refused = false;
  // Handing buffered records to the file needs no room in the memtable.
  if (status.ok() && !w->flush_log) status = MakeRoomForWrite(&refused);
  // Recorded with a wake-up: FlushMemTables and CompactRange wait on bg_cv_
  // for the background threads, which stop on an error.
  if (!status.ok() && !refused) {
    RecordBackgroundError(status);
    status = bg_error_;
  }
  if (status.ok() && w->check_keys != nullptr) status = ValidateTransaction(*w);

  Writer* last = w;
  bool sync = w->sync;
  const WriteBatch* batch = w->batch;
  if (status.ok() && w->check_keys == nullptr && w->batch != nullptr) {
    size_t bytes = WriteBatchInternal::ByteSize(*w->batch);
    for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
      Writer* next = *it;
      if (next->check_keys != nullptr || next->batch == nullptr) break;
      if (next->sync && !w->sync) break;  // don't make a non-sync leader wait for a sync
      bytes += WriteBatchInternal::ByteSize(*next->batch);
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

  // The group's batches take sequences from `first` on, in queue order.
  const SequenceNumber first = last_sequence_.load(std::memory_order_relaxed) + 1;
  if (status.ok()) {
    {
      // A sync makes the retired logs durable first (db_logs.cc).
      const bool syncs = batch == nullptr ? !w->flush_log : sync;
      std::vector<RetiredLog> retired;
      if (syncs) retired.swap(retired_logs_);
      // Log and memtable outside the lock; followers wait, readers read.
      mu_.Unlock();
      if (!retired.empty()) status = SyncRetiredLogs(std::move(retired), first - 1);
      if (!status.ok()) {
        // The sync failed: nothing of this group is logged.
      } else if (batch == nullptr) {
        status = w->flush_log ? log_->Flush() : log_->Sync();
      } else if (!batch->Empty()) {
        // WriteBatchInternal::SetSequence would write to the caller's batch, which
        // is const for the caller, so the sequence goes on a copy, in a buffer
        // the leaders reuse (no allocation per write).
        stamped_.assign(WriteBatchInternal::Contents(*batch));
        EncodeFixed64(stamped_.data(), first);
        SYNAPSED_KILL_POINT("write.before_log");
        status = log_->AddRecord(stamped_, sync);
        if (stamped_.capacity() > kMaxGroupBytes) std::string().swap(stamped_);
        if (status.ok()) last_logged_seq_ = first + batch->Count() - 1;
        SYNAPSED_KILL_POINT("write.after_log");
        if (status.ok()) InsertIntoMemTable(*batch, first);
        SYNAPSED_KILL_POINT("write.after_memtable");
      } else if (sync) {
        status = log_->Sync();
      }
      mu_.Lock();
    }
    if (status.ok()) {
      // A flush or a sync hands the log buffer over; an unsynced batch may
      // stay in it (db_log_flusher.cc).
      if (batch == nullptr || sync) {
        NoteLogBuffer(false);
      } else if (!batch->Empty()) {
        NoteLogBuffer(true);
      }
      if (batch != nullptr && !batch->Empty()) {
        last_sequence_.store(first + batch->Count() - 1, std::memory_order_release);
        // Still the leader: commits reach the hub in sequence order, and a
        // stream never gets a commit a read could not see yet.
        hub_->Publish(*batch, first);
        stats_.user_bytes_written += WriteBatchInternal::ByteSize(*batch) - WriteBatchInternal::kHeaderSize;
      }
    } else if (!absl::IsAborted(status)) {
      RecordBackgroundError(status);  // the log's state is unknown from here on
      status = bg_error_;
    }
  }

  SequenceNumber seq = first;
  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (status.ok() && ready->batch != nullptr && !ready->batch->Empty()) {
      ready->sequence = seq;
      seq += ready->batch->Count();
    }
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
  auto view = View();
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
  sstable::ReadOptions ro;
  ro.fill_cache = options.fill_cache;
  int l0_misses = 0;
  ASSIGN_OR_RETURN(auto r, view->version->Get(table_cache_.get(), ro, key, seq, value,
                                              nullptr, &l0_misses));
  if (l0_misses > 0) ChargeL0Reads(l0_misses);
  if (r == memtable::LookupResult::kFound) return absl::OkStatus();
  value->Reset();
  return absl::NotFoundError("");
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options,
                                              const KeyRange& range) {
  auto seq = ReadSequence(options);
  if (!seq.ok()) return NewErrorIterator(seq.status());
  auto view = View();
  std::vector<std::unique_ptr<InternalIterator>> children;
  for (const auto& mem : view->mems) {
    if (mem->Empty()) continue;
    children.push_back(std::make_unique<MemTableInternalIterator>(mem));
  }
  sstable::ReadOptions ro;
  ro.fill_cache = options.fill_cache;
  // Every L0 table is positioned by each seek of the iterator.
  if (const size_t l0 = view->version->NumFiles(0); l0 > 0) ChargeL0Reads(l0);
  view->version->AddIterators(table_cache_.get(), ro, &children);
  return NewBoundedIterator(
      NewDBIterator(NewMergingIterator(std::move(children)), *seq, view), range);
}

absl::StatusOr<SnapshotHandle> DBImpl::GetSnapshot() {
  MutexLock l(&snap_mu_);
  const SequenceNumber seq = last_sequence_.load(std::memory_order_acquire);
  snapshots_.insert(seq);
  return SnapshotHandle(std::make_unique<NativeSnapshot>(this, seq));
}

void DBImpl::ReleaseSnapshot(SequenceNumber seq) {
  MutexLock l(&snap_mu_);
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
  RETURN_IF_ERROR(WriteImpl(&w));
  if (options.sequence != nullptr) *options.sequence = w.sequence;
  return absl::OkStatus();
}

DBImpl* AsNativeEngine(Store* store) { return dynamic_cast<DBImpl*>(store); }

namespace {
// Debian's libabsl is built without NDEBUG: every absl::Mutex lock would run
// its deadlock detector (22-34 ns and a process-wide spinlock per lock).
void DisableAbslDeadlockDetection() {
  static std::once_flag once;
  std::call_once(once, [] {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  });
}
}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenNativeStore(const EngineOptions& options,
                                                       const std::string& path) {
  if (options.write_buffer_size < 4096) {
    return absl::InvalidArgumentError("invalid option \"write_buffer_size\": must be at least 4096");
  }
  if (options.l0_compaction_trigger < 1 ||
      options.l0_slowdown_trigger < options.l0_compaction_trigger ||
      options.l0_stop_trigger < options.l0_slowdown_trigger) {
    return absl::InvalidArgumentError(
        "invalid options: need 1 <= l0_compaction_trigger <= l0_slowdown_trigger "
        "<= l0_stop_trigger");
  }
  if (options.max_immutable_memtables < 1 || options.level_multiplier < 2 ||
      options.target_file_size < 4096) {
    return absl::InvalidArgumentError(
        "invalid options: max_immutable_memtables >= 1, level_multiplier >= 2, "
        "target_file_size >= 4096");
  }
  if (options.wal_preallocate_bytes > (uint64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        "invalid option \"wal_preallocate_bytes\": at most 1 GiB (0 turns it off)");
  }
  DisableAbslDeadlockDetection();
  auto db = std::make_unique<DBImpl>(options, path);
  RETURN_IF_ERROR(db->Open());
  return std::unique_ptr<Store>(std::move(db));
}

}  // namespace synapsed::storage::engine
