// Background work of the native engine: flushing immutable memtables to L0
// tables, running compactions, deleting obsolete files, and the statistics
// they keep. Two threads: one flushes (so a long compaction never holds up
// a flush, and writers stall less), one compacts.
#include "util/mutex.h"
#include <algorithm>
#include <chrono>

#include "cache/buffer_pool.h"
#include "compaction/compaction_iterator.h"
#include "compaction/pending_bytes.h"
#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "engine/memtable_iterator.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "sstable/table_builder.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace synapsed::storage::engine {

namespace {

uint64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The table options for tables written to `level`: the engine's, with the
// level's codec (EngineOptions::compression_per_level).
sstable::TableBuilderOptions TableOptionsForLevel(const EngineOptions& o,
                                                  int level) {
  sstable::TableBuilderOptions t = o.table;
  const auto& codecs = o.compression_per_level;
  if (!codecs.empty()) {
    t.compression = codecs[std::min<size_t>(level, codecs.size() - 1)];
  }
  return t;
}

// Writes one table file from internal keys added in order, filling `meta`.
struct TableWriter {
  TableWriter(env::FileSystem* f, const sstable::TableBuilderOptions& o,
              KeyRegistry* k)
      : fs(f), options(o), keys(k) {}
  env::FileSystem* fs;
  sstable::TableBuilderOptions options;
  KeyRegistry* keys;  // null: plain tables
  std::string path;
  std::unique_ptr<env::WritableFile> file;
  std::unique_ptr<sstable::TableBuilder> builder;
  FileMetaData meta;

  absl::Status Open(uint64_t number, const std::string& dir) {
    path = TableFileName(dir, number);
    meta = FileMetaData();
    meta.number = number;
    // The data key is durable before the first byte it seals.
    if (keys != nullptr) {
      ASSIGN_OR_RETURN(options.cipher, keys->NewFile(number, crypto::FileKind::kTable));
    }
    ASSIGN_OR_RETURN(file, fs->NewWritableFile(path));
    builder = std::make_unique<sstable::TableBuilder>(options, file.get());
    return absl::OkStatus();
  }
  absl::Status Add(std::string_view ikey, std::string_view value) {
    if (meta.num_entries == 0) {
      meta.smallest.assign(ikey);
      meta.smallest_seq = meta.largest_seq = ExtractSequence(ikey);
    }
    meta.largest.assign(ikey);
    const SequenceNumber seq = ExtractSequence(ikey);
    meta.smallest_seq = std::min(meta.smallest_seq, seq);
    meta.largest_seq = std::max(meta.largest_seq, seq);
    ++meta.num_entries;
    if (ExtractValueType(ikey) == ValueType::kDeletion) ++meta.num_deletions;
    return builder->Add(ikey, value);
  }
  // Finishes, syncs and closes the table.
  absl::Status Finish() {
    ASSIGN_OR_RETURN(sstable::FinishedTable t, builder->Finish());
    meta.file_size = t.file_size;
    RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }
  void Abandon() {
    if (builder) builder->Abandon();
    if (file) (void)file->Close();
    (void)fs->DeleteFile(path);
  }
};

}  // namespace

compaction::PickerOptions DBImpl::PickerOptions() const {
  compaction::PickerOptions p;
  p.l0_compaction_trigger = options_.l0_compaction_trigger;
  p.base_level_bytes = options_.base_level_bytes;
  p.level_multiplier = options_.level_multiplier;
  p.target_file_size = options_.target_file_size;
  p.max_compaction_bytes = 25 * options_.target_file_size;
  return p;
}

void DBImpl::StartBackgroundThreads() {
  flush_thread_ = std::thread([this] { FlushThread(); });
  compaction_thread_ = std::thread([this] { CompactionThread(); });
  if (*options_.wal_buffer_bytes > 0 && options_.wal_flush_interval_ms > 0 &&
      !options_.read_only) {
    log_flusher_ = std::thread([this] { LogFlusherThread(); });
  }
}

void DBImpl::StopBackgroundThreads() {
  // The flusher first: it writes as a writer, whose wait for room (none:
  // a flush takes no room) must not outlive the flush thread.
  {
    MutexLock l(&mu_);
    log_flusher_stop_ = true;
    log_flusher_cv_.SignalAll();
  }
  if (log_flusher_.joinable()) log_flusher_.join();
  {
    MutexLock l(&mu_);
    shutting_down_ = true;
    bg_cv_.SignalAll();
  }
  if (flush_thread_.joinable()) flush_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();
}

void DBImpl::RecordBackgroundError(const absl::Status& s) {
  if (bg_error_.ok() && !s.ok()) {
    bg_error_ = IsRetryableBackgroundError(s)
                    ? absl::UnavailableError(fmt::format(
                          "{}; the database {} accepts no writes until it is reopened",
                          std::string(s.message()), dir_))
                    : s;
  }
  bg_cv_.SignalAll();
}

bool DBImpl::CanRetry(const absl::Status& s) const {
  return IsRetryableBackgroundError(s) && versions_->manifest_error().ok();
}

void DBImpl::FinishBackgroundWork(BackgroundRetry* retry, std::string_view what,
                                  const absl::Status& s) {
  if (s.ok()) {
    retry->Succeeded();
  } else if (CanRetry(s)) {
    retry->Failed(what, s, absl::Now());
  } else {
    RecordBackgroundError(s);
  }
  bg_cv_.SignalAll();  // writers refused or waiting, Flush callers
}

std::vector<SequenceNumber> DBImpl::LiveSnapshots() {
  MutexLock l(&snap_mu_);
  std::vector<SequenceNumber> v(snapshots_.begin(), snapshots_.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

uint64_t DBImpl::MinLiveLogNumber() const {
  uint64_t min_log = mem_ != nullptr ? mem_->log_number() : UINT64_MAX;
  for (const auto& m : imms_) min_log = std::min(min_log, m->log_number());
  return min_log;
}

void DBImpl::FlushThread() {
  MutexLock l(&mu_);
  while (!shutting_down_) {
    if (imms_.empty() || !bg_error_.ok()) {
      bg_cv_.Wait(&mu_);
      continue;
    }
    if (flush_retry_.pending() && absl::Now() < flush_retry_.due()) {
      bg_cv_.WaitWithTimeout(&mu_, flush_retry_.due() - absl::Now());
      continue;
    }
    FinishBackgroundWork(&flush_retry_, "flush", FlushOne());
  }
}

absl::Status DBImpl::FlushOne() {
  std::shared_ptr<MemTable> imm = imms_.back();  // the oldest
  const uint64_t number = versions_->NewFileNumber();
  pending_outputs_.insert(number);
  flushing_ = true;
  const uint64_t start = NowMicros();
  absl::Status s;
  TableWriter w(fs_, TableOptionsForLevel(options_, /*level=*/0), keys_.get());
  {
    mu_.Unlock();
    s = w.Open(number, dir_);
    if (s.ok()) {
      MemTableInternalIterator it(imm);
      for (it.SeekToFirst(); s.ok() && it.Valid(); it.Next()) s = w.Add(it.key(), it.value());
    }
    if (s.ok() && w.meta.num_entries > 0) s = w.Finish();
    if (!s.ok() || w.meta.num_entries == 0) w.Abandon();
    SYNAPSED_KILL_POINT("flush.after_table");
    // The table's directory entry is durable before the manifest names it.
    if (s.ok()) s = fs_->SyncDir(dir_);
    SYNAPSED_KILL_POINT("flush.before_manifest");
    mu_.Lock();
  }
  if (s.ok()) {
    VersionEdit edit;
    if (w.meta.num_entries > 0) edit.new_files.emplace_back(0, w.meta);
    // Once this memtable is in a table, logs before the next one's are done.
    imms_.pop_back();
    edit.log_number = MinLiveLogNumber();
    versions_->SetLastSequence(last_sequence_.load());
    s = versions_->LogAndApply(&edit);
    if (!s.ok()) imms_.push_back(imm);  // still needed: the edit may not be durable
    SYNAPSED_KILL_POINT("flush.after_manifest");
  }
  pending_outputs_.erase(number);
  flushing_ = false;
  if (s.ok()) {
    ++stats_.flushes;
    stats_.flush_bytes += w.meta.file_size;
    stats_.levels[0].bytes_written += w.meta.file_size;
    stats_.levels[0].micros += NowMicros() - start;
    PublishView();
    DeleteObsoleteFiles();
  }
  bg_cv_.SignalAll();  // stalled writers, the compaction thread, waiters
  return s;
}

void DBImpl::CompactionThread() {
  MutexLock l(&mu_);
  while (!shutting_down_) {
    if (compaction_retry_.pending() && absl::Now() < compaction_retry_.due()) {
      bg_cv_.WaitWithTimeout(&mu_, compaction_retry_.due() - absl::Now());
      continue;
    }
    std::optional<compaction::CompactionPick> pick;
    if (bg_error_.ok() && !compacting_now_ && manual_compactions_ == 0 &&
        compactions_paused_ == 0) {
      pick = compaction::PickCompaction(versions_->current()->shape(), PickerOptions(),
                                        compacting_);
      if (!pick && l0_read_compaction_wanted_.exchange(false, std::memory_order_relaxed)) {
        pick = compaction::PickL0ForReads(versions_->current()->shape(), PickerOptions(),
                                          compacting_);
      }
    }
    if (!pick) {
      bg_cv_.Wait(&mu_);
      continue;
    }
    FinishBackgroundWork(&compaction_retry_, "compaction", RunCompaction(*pick));
  }
}

absl::Status DBImpl::RunCompaction(const compaction::CompactionPick& pick) {
  compacting_now_ = true;
  for (const auto& side : pick.inputs) {
    for (const auto& f : side) compacting_.insert(f->number);
  }
  const uint64_t start = NowMicros();
  VersionEdit edit;
  for (int i = 0; i < 2; ++i) {
    const int level = i == 0 ? pick.level : pick.output_level;
    for (const auto& f : pick.inputs[i]) edit.deleted_files.emplace_back(level, f->number);
  }
  uint64_t bytes_read = 0, bytes_written = 0;
  for (const auto& side : pick.inputs) {
    for (const auto& f : side) bytes_read += f->file_size;
  }
  absl::Status s;
  if (pick.trivial_move) {
    for (const auto& f : pick.inputs[0]) edit.new_files.emplace_back(pick.output_level, *f);
  } else {
    mu_.Unlock();
    s = WriteCompactionOutputs(pick, &edit, &bytes_written);
    mu_.Lock();
  }
  SYNAPSED_KILL_POINT("compaction.after_outputs");
  if (s.ok()) s = versions_->LogAndApply(&edit);
  SYNAPSED_KILL_POINT("compaction.after_manifest");
  for (const auto& [level, f] : edit.new_files) pending_outputs_.erase(f.number);
  for (const auto& side : pick.inputs) {
    for (const auto& f : side) compacting_.erase(f->number);
  }
  compacting_now_ = false;
  if (s.ok()) {
    ++stats_.compactions;
    if (pick.trivial_move) ++stats_.trivial_moves;
    LevelStats& ls = stats_.levels[pick.output_level];
    ++ls.compactions;
    ls.bytes_read += pick.trivial_move ? 0 : bytes_read;
    ls.bytes_written += bytes_written;
    ls.micros += NowMicros() - start;
    PublishView();
    DeleteObsoleteFiles();
  } else if (versions_->manifest_error().ok()) {
    // No manifest names the outputs: they go. After a failed manifest write
    // the record may be on disk after all, so they stay until a reopen's
    // sweep sees what the recovered manifest names.
    for (const auto& [level, f] : edit.new_files) {
      (void)fs_->DeleteFile(TableFileName(dir_, f.number));
    }
  }
  bg_cv_.SignalAll();
  return s;
}

absl::Status DBImpl::WriteCompactionOutputs(const compaction::CompactionPick& pick,
                                            VersionEdit* edit,
                                            uint64_t* bytes_written) {
  sstable::ReadOptions ro;
  ro.fill_cache = false;  // a one-time scan must not flush the cache
  std::vector<std::unique_ptr<InternalIterator>> children;
  for (const auto& f : pick.inputs[0]) {
    ASSIGN_OR_RETURN(auto it, table_cache_->NewIterator(ro, f->number, f->file_size, &f->table));
    children.push_back(std::move(it));
  }
  if (!pick.inputs[1].empty()) {
    children.push_back(NewLevelIterator(table_cache_.get(), ro, &pick.inputs[1]));
  }
  auto merged = compaction::NewMergingIterator(std::move(children));
  compaction::CompactionIterator ci(merged.get(), LiveSnapshots(), pick.bottommost);

  TableWriter w(fs_, TableOptionsForLevel(options_, pick.output_level), keys_.get());
  bool open = false;
  std::string last_user_key;
  auto finish = [&]() -> absl::Status {
    RETURN_IF_ERROR(w.Finish());
    *bytes_written += w.meta.file_size;
    edit->new_files.emplace_back(pick.output_level, w.meta);
    open = false;
    return absl::OkStatus();
  };
  absl::Status s;
  for (ci.SeekToFirst(); ci.Valid(); ci.Next()) {
    const std::string_view ikey = ci.key();
    const std::string_view user_key = ExtractUserKey(ikey);
    // Cut at the target size, but never between versions of one user key:
    // a level's tables must not share a user key.
    if (open && w.builder->FileSize() >= options_.target_file_size &&
        user_key != std::string_view(last_user_key)) {
      if (s = finish(); !s.ok()) break;
    }
    if (!open) {
      uint64_t number = versions_->NewFileNumber();
      {
        MutexLock l(&mu_);
        pending_outputs_.insert(number);
      }
      if (s = w.Open(number, dir_); !s.ok()) break;
      open = true;
    }
    if (s = w.Add(ikey, ci.value()); !s.ok()) break;
    last_user_key.assign(user_key);
  }
  if (s.ok()) s = ci.status();
  if (s.ok() && open) s = finish();
  if (!s.ok()) {
    if (open) w.Abandon();
    MutexLock l(&mu_);
    for (const auto& [level, f] : edit->new_files) {
      (void)fs_->DeleteFile(TableFileName(dir_, f.number));
      pending_outputs_.erase(f.number);
    }
    edit->new_files.clear();
    return s;
  }
  return fs_->SyncDir(dir_);  // outputs durable before the manifest names them
}

std::set<uint64_t> DBImpl::RetainedLogs(const std::vector<std::string>& names,
                                        uint64_t min_log) {
  std::vector<uint64_t> obsolete;
  for (const std::string& name : names) {
    auto p = ParseFileName(name);
    if (p && p->kind == FileKind::kLog && p->number < min_log) obsolete.push_back(p->number);
  }
  if (log_replays_ > 0) return {obsolete.begin(), obsolete.end()};
  // Nothing kept, not even an empty log (its data key would stay in KEYS).
  if (options_.log_retention_bytes == 0) return {};
  std::sort(obsolete.rbegin(), obsolete.rend());  // newest first
  std::set<uint64_t> kept;
  uint64_t bytes = 0;
  for (uint64_t number : obsolete) {
    auto size = fs_->GetFileSize(LogFileName(dir_, number));
    if (!size.ok()) break;
    bytes += *size;
    // Only a suffix of the history is useful: the first log over the
    // budget ends it.
    if (bytes > options_.log_retention_bytes) break;
    kept.insert(number);
  }
  return kept;
}

void DBImpl::DeleteObsoleteFiles() {
  auto names = fs_->ListDir(dir_);
  if (!names.ok()) return;
  std::set<uint64_t> live = versions_->LiveFiles();
  live.insert(pending_outputs_.begin(), pending_outputs_.end());
  const uint64_t min_log = MinLiveLogNumber();
  DropRetiredLogs(min_log);
  const std::set<uint64_t> retained = RetainedLogs(*names, min_log);
  for (const std::string& name : *names) {
    auto p = ParseFileName(name);
    if (!p) continue;
    bool keep = true;
    switch (p->kind) {
      case FileKind::kLog:
        keep = p->number >= min_log || retained.count(p->number) > 0;
        break;
      case FileKind::kTable:
        keep = live.count(p->number) > 0;
        break;
      case FileKind::kManifest:
        keep = p->number >= versions_->manifest_number();
        break;
      case FileKind::kTemp:
        keep = false;
        break;
      case FileKind::kCurrent:
      case FileKind::kLock:
      case FileKind::kKeys:
        break;
    }
    if (!keep) {
      if (p->kind == FileKind::kTable) table_cache_->Evict(p->number);
      (void)fs_->DeleteFile(env::JoinPath(dir_, name));
      // Its data key goes with the next registry write (never before the
      // file: a key must outlive what it sealed).
      if (keys_ != nullptr && p->kind != FileKind::kTemp) keys_->Forget(p->number);
      SYNAPSED_KILL_POINT("obsolete.after_delete");
    }
  }
}

absl::Status DBImpl::FlushMemTables() {
  if (options_.read_only) {
    return absl::FailedPreconditionError(fmt::format("database {} is open read-only", dir_));
  }
  Writer w;
  w.switch_memtable = true;
  RETURN_IF_ERROR(WriteImpl(&w));
  MutexLock l(&mu_);
  while (!imms_.empty() && bg_error_.ok()) {
    if (!options_.background_threads) {
      FinishBackgroundWork(&flush_retry_, "flush", FlushOne());
    } else if (!flush_retry_.pending()) {
      bg_cv_.SignalAll();
      bg_cv_.Wait(&mu_);
    }
    // A failing flush is retried in the background; the caller hears now.
    if (flush_retry_.pending()) return flush_retry_.error();
  }
  return bg_error_;
}

void DBImpl::PauseCompactions() {
  MutexLock l(&mu_);
  ++compactions_paused_;
}

void DBImpl::ResumeCompactions() {
  MutexLock l(&mu_);
  if (compactions_paused_ > 0) --compactions_paused_;
  bg_cv_.SignalAll();
}

absl::Status DBImpl::CompactRange(std::optional<std::string_view> begin_key,
                                  std::optional<std::string_view> end_key) {
  RETURN_IF_ERROR(FlushMemTables());  // also refuses a read-only database
  // The picker keeps the bounds across its loop: own copies of the caller's.
  std::optional<std::string> begin, end;
  if (begin_key) begin.emplace(*begin_key);
  if (end_key) end.emplace(*end_key);
  MutexLock l(&mu_);
  ++manual_compactions_;
  absl::Status s;
  for (int level = 0; level < compaction::kNumLevels - 1 && s.ok(); ++level) {
    while (s.ok()) {
      while (compacting_now_ && bg_error_.ok()) bg_cv_.Wait(&mu_);
      if (!bg_error_.ok()) {
        s = bg_error_;
        break;
      }
      auto pick = compaction::PickRangeCompaction(versions_->current()->shape(),
                                                  PickerOptions(), level, begin, end,
                                                  compacting_);
      if (!pick) break;
      s = RunCompaction(*pick);
      if (!CanRetry(s)) RecordBackgroundError(s);
      if (pick->output_level == level) break;  // nowhere further down
    }
  }
  // Finally rewrite the last level's tables in the range in place (cut at
  // clean user-key boundaries by the picker), so versions only a released
  // snapshot could see, and deletion markers, are dropped there too.
  while (s.ok() && compacting_now_ && bg_error_.ok()) bg_cv_.Wait(&mu_);
  if (s.ok()) {
    auto pick = compaction::PickRangeCompaction(versions_->current()->shape(),
                                                PickerOptions(), compaction::kNumLevels - 1,
                                                begin, end, compacting_);
    if (pick) {
      s = RunCompaction(*pick);
      if (!CanRetry(s)) RecordBackgroundError(s);
    }
  }
  --manual_compactions_;
  bg_cv_.SignalAll();
  return s;
}

absl::StatusOr<std::string> DBImpl::GetProperty(std::string_view name) {
  // options_ is const from construction: no lock needed.
  if (name == "options.json") return EngineOptionsToJson(options_);
  if (name == "encryption.keys") return EncryptionStatusJson();
  auto view = View();
  const auto& shape = view->version->shape();
  size_t mem_bytes = 0;
  uint64_t mem_entries = 0;
  for (const auto& m : view->mems) {
    mem_bytes += m->ApproximateMemoryUsage();
    mem_entries += m->num_entries();
  }
  MutexLock l(&mu_);
  const EngineStats& st = stats_;
  uint64_t table_bytes_written = st.flush_bytes;
  for (const auto& ls : st.levels) table_bytes_written += ls.bytes_written;
  table_bytes_written -= st.levels[0].bytes_written;  // flushes counted once
  const double write_amp =
      st.user_bytes_written == 0
          ? 0.0
          : static_cast<double>(table_bytes_written) / st.user_bytes_written;
  uint64_t live_bytes = 0, live_files = 0;
  for (int level = 0; level < compaction::kNumLevels; ++level) {
    live_bytes += shape.LevelBytes(level);
    live_files += shape.levels[level].size();
  }
  auto scores = compaction::ScoreLevels(shape, PickerOptions());
  auto score_of = [&](int level) -> const compaction::LevelScore* {
    for (const auto& sc : scores) {
      if (sc.level == level) return &sc;
    }
    return nullptr;
  };
  size_t snapshots;
  {
    MutexLock sl(&snap_mu_);
    snapshots = snapshots_.size();
  }
  nlohmann::json j;
  j["last_sequence"] = last_sequence_.load();
  j["memtables"] = view->mems.size();
  j["memtable_bytes"] = mem_bytes;
  j["memtable_entries"] = mem_entries;
  j["snapshots"] = snapshots;
  j["background_error"] = bg_error_.ok() ? "none" : bg_error_.ToString();
  j["background_retry"] = flush_retry_.pending()        ? flush_retry_.error().ToString()
                          : compaction_retry_.pending() ? compaction_retry_.error().ToString()
                                                        : "none";
  j["background_retries"] = {{"flush_failures", flush_retry_.failures()},
                             {"flush_recoveries", flush_retry_.recoveries()},
                             {"compaction_failures", compaction_retry_.failures()},
                             {"compaction_recoveries", compaction_retry_.recoveries()}};
  j["flushes"] = st.flushes;
  j["compactions"] = st.compactions;
  j["trivial_moves"] = st.trivial_moves;
  j["user_bytes_written"] = st.user_bytes_written;
  j["table_bytes_written"] = table_bytes_written;
  j["write_amplification"] = write_amp;
  j["live_table_bytes"] = live_bytes;
  j["live_tables"] = live_files;
  j["base_level"] = compaction::BaseLevel(shape, PickerOptions());
  j["pending_compaction_bytes"] =
      compaction::EstimatePendingCompactionBytes(shape, PickerOptions());
  j["read_triggered_compactions"] = l0_read_triggers_.load(std::memory_order_relaxed);
  j["stalls"] = {{"slowdowns", st.stall_slowdowns},
                 {"slowdown_micros", st.stall_slowdown_micros},
                 {"stops", st.stall_stops},
                 {"stop_micros", st.stall_stop_micros},
                 {"memtable_waits", st.stall_memtable_waits},
                 {"memtable_wait_micros", st.stall_memtable_micros}};
  if (block_cache_) {
    auto cs = block_cache_->Stats();
    // Usage includes the index and filter blocks of open tables, which the
    // table readers keep pinned (sstable/table_reader.cc): pinned_usage.
    j["block_cache"] = {{"capacity", block_cache_->Capacity()},
                        {"usage", block_cache_->Usage()},
                        {"pinned_usage", block_cache_->PinnedUsage()},
                        {"hits", cs.hits},
                        {"misses", cs.misses}};
  }
  {
    // Process-wide: every database of the process reads blocks into it.
    const cache::BufferPool::Stats ps = cache::BufferPool::Default()->GetStats();
    j["buffer_pool"] = {{"reused", ps.reused},
                        {"allocated", ps.allocated},
                        {"pooled", ps.pooled},
                        {"freed", ps.freed},
                        {"idle_buffers", ps.idle_buffers},
                        {"regions", ps.regions},
                        {"live_bytes", ps.live_bytes}};
  }
  // What the memtables may hold at most: the active one and the immutable
  // queue (max_immutable_memtables), each up to write_buffer_size plus the
  // batch that filled it; writers wait past that (MakeRoomForWrite).
  j["memtable_budget_bytes"] =
      static_cast<uint64_t>(options_.max_immutable_memtables + 1) * options_.write_buffer_size;
  // Arena blocks of flushed memtables kept for the next ones (a block is in
  // a memtable or here, and new ones are made only when none is here, so
  // the two together stay within the most the memtables ever held).
  j["memtable_pool_bytes"] = arena_pool_->PooledBytes();
  j["recovery"] = recovery_notes_.empty() ? "clean" : recovery_notes_;
  nlohmann::json levels = nlohmann::json::array();
  for (int level = 0; level < compaction::kNumLevels; ++level) {
    const auto* sc = score_of(level);
    const LevelStats& ls = st.levels[level];
    levels.push_back({{"level", level},
                      {"files", shape.levels[level].size()},
                      {"bytes", shape.LevelBytes(level)},
                      {"score", sc ? sc->score : 0.0},
                      {"target_bytes", sc ? sc->target_bytes : 0},
                      {"compactions", ls.compactions},
                      {"bytes_read", ls.bytes_read},
                      {"bytes_written", ls.bytes_written},
                      {"write_amp", st.user_bytes_written == 0
                                        ? 0.0
                                        : static_cast<double>(ls.bytes_written) /
                                              st.user_bytes_written},
                      {"seconds", ls.micros / 1e6}});
  }
  j["levels"] = levels;

  if (name == "stats.json" || name == "lsm.json") return j.dump(2);
  if (name == "lsm") {
    std::string out = fmt::format(
        "{:<5} {:>6} {:>12} {:>7} {:>12} {:>11} {:>12} {:>12} {:>7}\n", "level",
        "files", "size", "score", "target", "compactions", "read", "written",
        "w-amp");
    for (const auto& lv : levels) {
      out += fmt::format("L{:<4} {:>6} {:>12} {:>7.2f} {:>12} {:>11} {:>12} {:>12} {:>7.2f}\n",
                         lv["level"].get<int>(), lv["files"].get<size_t>(),
                         lv["bytes"].get<uint64_t>(), lv["score"].get<double>(),
                         lv["target_bytes"].get<uint64_t>(),
                         lv["compactions"].get<uint64_t>(), lv["bytes_read"].get<uint64_t>(),
                         lv["bytes_written"].get<uint64_t>(), lv["write_amp"].get<double>());
    }
    out += fmt::format(
        "user bytes written {}, table bytes written {}, write amplification {:.2f}\n"
        "stalls: {} slowdowns ({} us), {} stops ({} us), {} memtable waits ({} us)\n"
        "flushes {}, compactions {} ({} trivial moves), base level L{}, "
        "pending compaction bytes {}\n",
        st.user_bytes_written, table_bytes_written, write_amp, st.stall_slowdowns,
        st.stall_slowdown_micros, st.stall_stops, st.stall_stop_micros,
        st.stall_memtable_waits, st.stall_memtable_micros, st.flushes, st.compactions,
        st.trivial_moves, j["base_level"].get<int>(),
        j["pending_compaction_bytes"].get<uint64_t>());
    return out;
  }
  if (name == "stats") {
    std::string out;
    for (const auto& [k, v] : j.items()) {
      if (k == "levels") continue;
      out += k + ": " + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
    }
    return out;
  }
  return Store::GetProperty(name);
}

}  // namespace synapsed::storage::engine
