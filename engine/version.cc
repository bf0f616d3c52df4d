#include "engine/version.h"

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "engine/filenames.h"
#include "engine/manifest_replay.h"
#include "fmt/format.h"
#include "sstable/bloom.h"
#include "sstable/table_iterator.h"
#include "util/coding.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace synapsed::storage::engine {
namespace {

// The index of the first file in a sorted level whose largest key is >= ikey.
size_t FindFile(const std::vector<FileRef>& files, std::string_view ikey) {
  auto it = std::lower_bound(files.begin(), files.end(), ikey,
                             [](const FileRef& f, std::string_view k) {
                               return CompareInternalKeys(f->largest, k) < 0;
                             });
  return it - files.begin();
}

bool UserKeyInFile(const FileMetaData& f, std::string_view user_key) {
  return user_key >= ExtractUserKey(f.smallest) && user_key <= ExtractUserKey(f.largest);
}

}  // namespace

namespace {
// Keeps a data block (cache handle or owned copy) alive for a pinned value.
class BlockPin final : public PinnableValue::Pin {
 public:
  explicit BlockPin(sstable::BlockRef ref) : ref_(std::move(ref)) {}

 private:
  sstable::BlockRef ref_;
};
}  // namespace

absl::StatusOr<memtable::LookupResult> Version::Get(
    sstable::TableCache* tables, const sstable::ReadOptions& options,
    std::string_view user_key, SequenceNumber seq, PinnableValue* value,
    SequenceNumber* found_seq, int* l0_misses) const {
  // The lookup key, on the stack unless the user key is long.
  absl::InlinedVector<char, 64> lookup_buf(user_key.begin(), user_key.end());
  lookup_buf.resize(user_key.size() + 8);
  EncodeFixed64(lookup_buf.data() + user_key.size(), PackSequenceAndType(seq, kValueTypeForSeek));
  const std::string_view lookup(lookup_buf.data(), lookup_buf.size());
  const uint64_t hash = sstable::FilterHash(user_key);
  sstable::GetResult r;
  auto probe = [&](const FileMetaData& f) -> absl::StatusOr<memtable::LookupResult> {
    r.Clear();
    RETURN_IF_ERROR(tables->Get(options, f.number, f.file_size, &f.table, lookup, hash, &r));
    if (!r.found) return memtable::LookupResult::kNotPresent;
    ParsedInternalKey p;
    if (!ParseInternalKey(r.key, &p)) {
      return absl::DataLossError(fmt::format("{}: corrupt internal key",
                                             TableFileName("", f.number)));
    }
    if (found_seq != nullptr) *found_seq = p.sequence;
    if (p.type == ValueType::kDeletion) return memtable::LookupResult::kDeleted;
    if (r.value.size() >= kPinThreshold && r.pin) {
      const std::string_view v = r.value;
      value->PinSlice(v, std::make_unique<BlockPin>(std::move(r.pin)));
    } else {
      value->Assign(r.value);
    }
    return memtable::LookupResult::kFound;
  };
  // L0: newest table first (higher numbers were flushed later).
  const auto& l0 = shape_.levels[0];
  for (auto it = l0.rbegin(); it != l0.rend(); ++it) {
    if (!UserKeyInFile(**it, user_key)) continue;
    ASSIGN_OR_RETURN(auto result, probe(**it));
    if (result != memtable::LookupResult::kNotPresent) return result;
    if (l0_misses != nullptr) ++*l0_misses;
  }
  for (int level = 1; level < compaction::kNumLevels; ++level) {
    const auto& files = shape_.levels[level];
    if (files.empty()) continue;
    size_t i = FindFile(files, lookup);
    if (i == files.size() || !UserKeyInFile(*files[i], user_key)) continue;
    ASSIGN_OR_RETURN(auto result, probe(*files[i]));
    if (result != memtable::LookupResult::kNotPresent) return result;
  }
  return memtable::LookupResult::kNotPresent;
}

absl::Status Version::MultiGet(sstable::TableCache* tables,
                               const sstable::ReadOptions& options,
                               SequenceNumber seq, std::span<BatchKey> keys) const {
  // Lookup keys (one buffer for all) and filter hashes, made once for
  // every table.
  std::vector<sstable::MultiGetKey> probes(keys.size());
  std::string lookups;
  size_t total = 0;
  for (const BatchKey& k : keys) total += k.user_key.size() + 8;
  lookups.reserve(total);
  for (size_t i = 0; i < keys.size(); ++i) {
    AppendInternalKey(&lookups, keys[i].user_key, seq, kValueTypeForSeek);
    probes[i].user_key_hash = sstable::FilterHash(keys[i].user_key);
    probes[i].value = &keys[i].value;
  }
  for (size_t i = 0, at = 0; i < keys.size(); ++i) {
    probes[i].lookup_key = std::string_view(lookups).substr(at, keys[i].user_key.size() + 8);
    at += probes[i].lookup_key.size();
  }
  // A key is decided once a table holds a version of it.
  auto decided = [&](size_t i) {
    return keys[i].result != memtable::LookupResult::kNotPresent;
  };
  // Decides key `i` if table `f` holds a version of it.
  auto decide = [&](size_t i, const FileMetaData& f) -> absl::Status {
    const sstable::MultiGetKey& p = probes[i];
    if (!p.found) return absl::OkStatus();
    const uint8_t type = p.trailer & 0xff;
    if (!IsKnownValueType(type)) {
      return absl::DataLossError(
          fmt::format("{}: corrupt internal key", TableFileName("", f.number)));
    }
    keys[i].result = static_cast<ValueType>(type) == ValueType::kDeletion
                         ? memtable::LookupResult::kDeleted
                         : memtable::LookupResult::kFound;
    return absl::OkStatus();
  };
  std::vector<size_t> batch_keys;
  std::vector<sstable::MultiGetKey*> batch;
  // Asks table `f` for the keys in `batch_keys` and decides those it holds.
  auto probe = [&](const FileMetaData& f) -> absl::Status {
    batch.clear();
    for (size_t i : batch_keys) batch.push_back(&probes[i]);
    RETURN_IF_ERROR(tables->MultiGet(options, f.number, f.file_size, &f.table, batch));
    for (size_t i : batch_keys) RETURN_IF_ERROR(decide(i, f));
    return absl::OkStatus();
  };
  // L0: newest table first; each takes the undecided keys in its range.
  const auto& l0 = shape_.levels[0];
  for (auto it = l0.rbegin(); it != l0.rend(); ++it) {
    batch_keys.clear();
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!decided(i) && UserKeyInFile(**it, keys[i].user_key)) batch_keys.push_back(i);
    }
    if (!batch_keys.empty()) RETURN_IF_ERROR(probe(**it));
  }
  // Deeper levels: at most one table per key, looked up in stages over
  // all of the level's keys (TableReader's staged Get): the filter lines
  // of every key are loaded together, then each key that passes its filter
  // finds its data block (TableReader::FindDataBlock: the fences, or an
  // index seek for a table without them), then the data blocks are read
  // and sought in lockstep.
  struct Staged {
    size_t key;
    const FileMetaData* file;
    const sstable::TableReader* reader;
    std::optional<sstable::BlockHandle> block;
  };
  std::vector<Staged> staged;
  std::vector<std::shared_ptr<const sstable::TableReader>> holds;
  std::vector<sstable::BlockRef> blocks;
  std::vector<sstable::BlockIterator> data_its;
  std::vector<sstable::BlockIterator*> seeking;
  std::vector<std::string_view> targets;
  for (int level = 1; level < compaction::kNumLevels; ++level) {
    const auto& files = shape_.levels[level];
    if (files.empty()) continue;
    staged.clear();
    holds.clear();
    for (size_t i = 0; i < keys.size(); ++i) {
      if (decided(i)) continue;
      const size_t f = FindFile(files, probes[i].lookup_key);
      if (f == files.size() || !UserKeyInFile(*files[f], keys[i].user_key)) continue;
      const FileMetaData& file = *files[f];
      std::shared_ptr<const sstable::TableReader> hold;
      ASSIGN_OR_RETURN(const sstable::TableReader* reader,
                       tables->Reader(file.number, file.file_size, &file.table, &hold));
      if (hold != nullptr) holds.push_back(std::move(hold));
      reader->PrefetchFilter(probes[i].user_key_hash);
      staged.push_back({.key = i, .file = &file, .reader = reader, .block = std::nullopt});
    }
    for (Staged& s : staged) {
      if (!s.reader->KeyMayMatch(probes[s.key].user_key_hash)) continue;
      ASSIGN_OR_RETURN(s.block, s.reader->FindDataBlock(probes[s.key].lookup_key));
    }
    // The data blocks, then the seeks in them, in lockstep.
    blocks.clear();
    data_its.clear();
    data_its.reserve(staged.size());
    seeking.clear();
    targets.clear();
    for (const Staged& s : staged) {
      if (s.block.has_value()) s.reader->PrefetchBlock(*s.block);
    }
    for (const Staged& s : staged) {
      if (!s.block.has_value()) continue;
      ASSIGN_OR_RETURN(sstable::BlockRef block, s.reader->ReadDataBlock(options, *s.block));
      data_its.emplace_back(block.get(), sstable::KeyOrder::kInternal, s.reader->file_name());
      blocks.push_back(std::move(block));
      targets.push_back(probes[s.key].lookup_key);
    }
    for (sstable::BlockIterator& it : data_its) seeking.push_back(&it);
    sstable::BlockIterator::SeekAll(seeking, targets);
    size_t next = 0;
    for (const Staged& s : staged) {
      if (!s.block.has_value()) continue;
      RETURN_IF_ERROR(s.reader->MatchAt(data_its[next++], &probes[s.key]));
      RETURN_IF_ERROR(decide(s.key, *s.file));
    }
  }
  return absl::OkStatus();
}

namespace {

// Walks a sorted level's files, one table iterator at a time.
class LevelIterator final : public InternalIterator {
 public:
  LevelIterator(sstable::TableCache* tables, const sstable::ReadOptions& options,
                const std::vector<FileRef>* files)
      : tables_(tables), options_(options), files_(files) {}

  bool Valid() const override { return table_ != nullptr && table_->Valid(); }
  void SeekToFirst() override {
    Open(0);
    if (table_) table_->SeekToFirst();
    SkipForward();
  }
  void SeekToLast() override {
    Open(files_->empty() ? kNone : files_->size() - 1);
    if (table_) table_->SeekToLast();
    SkipBackward();
  }
  void Seek(std::string_view target) override {
    Open(FindFile(*files_, target));
    if (table_) table_->Seek(target);
    SkipForward();
  }
  void Next() override {
    table_->Next();
    SkipForward();
  }
  void Prev() override {
    table_->Prev();
    SkipBackward();
  }
  std::string_view key() const override { return table_->key(); }
  std::string_view value() const override { return table_->value(); }
  absl::Status status() const override {
    if (!status_.ok()) return status_;
    return table_ ? table_->status() : absl::OkStatus();
  }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  void Open(size_t index) {
    if (index == index_ && table_ != nullptr) return;
    table_.reset();
    index_ = index;
    if (index >= files_->size()) {
      index_ = kNone;
      return;
    }
    const FileMetaData& f = *(*files_)[index];
    auto it = tables_->NewIterator(options_, f.number, f.file_size, &f.table);
    if (!it.ok()) {
      status_ = it.status();
      index_ = kNone;
      return;
    }
    table_ = std::move(*it);
  }
  void SkipForward() {
    while (table_ != nullptr && !table_->Valid() && table_->status().ok()) {
      if (index_ + 1 >= files_->size()) {
        table_.reset();
        index_ = kNone;
        return;
      }
      Open(index_ + 1);
      if (table_) table_->SeekToFirst();
    }
  }
  void SkipBackward() {
    while (table_ != nullptr && !table_->Valid() && table_->status().ok()) {
      if (index_ == 0) {
        table_.reset();
        index_ = kNone;
        return;
      }
      Open(index_ - 1);
      if (table_) table_->SeekToLast();
    }
  }

  sstable::TableCache* const tables_;
  const sstable::ReadOptions options_;
  const std::vector<FileRef>* const files_;
  size_t index_ = kNone;
  std::unique_ptr<sstable::TableIterator> table_;
  absl::Status status_;
};

// An iterator that only reports an error.
class ErrorInternalIterator final : public InternalIterator {
 public:
  explicit ErrorInternalIterator(absl::Status s) : s_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  absl::Status status() const override { return s_; }

 private:
  absl::Status s_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewLevelIterator(sstable::TableCache* tables,
                                                   const sstable::ReadOptions& options,
                                                   const std::vector<FileRef>* files) {
  return std::make_unique<LevelIterator>(tables, options, files);
}

void Version::AddIterators(sstable::TableCache* tables,
                           const sstable::ReadOptions& options,
                           std::vector<std::unique_ptr<InternalIterator>>* out) const {
  for (const FileRef& f : shape_.levels[0]) {
    auto it = tables->NewIterator(options, f->number, f->file_size, &f->table);
    if (it.ok()) {
      out->push_back(std::move(*it));
    } else {
      out->push_back(std::make_unique<ErrorInternalIterator>(it.status()));
    }
  }
  for (int level = 1; level < compaction::kNumLevels; ++level) {
    if (!shape_.levels[level].empty()) {
      out->push_back(NewLevelIterator(tables, options, &shape_.levels[level]));
    }
  }
}

std::string Version::DebugString() const {
  std::string s;
  for (int level = 0; level < compaction::kNumLevels; ++level) {
    const auto& files = shape_.levels[level];
    if (files.empty()) continue;
    s += fmt::format("L{}: {} file(s), {} bytes\n", level, files.size(),
                     shape_.LevelBytes(level));
  }
  return s;
}

// --- VersionSet ----------------------------------------------------------------

VersionSet::VersionSet(env::FileSystem* fs, std::string dir, sstable::TableCache* tables,
                       KeyRegistry* keys)
    : fs_(fs), dir_(std::move(dir)), tables_(tables), keys_(keys) {
  Install(std::make_shared<Version>(LsmShape()));
}

VersionSet::~VersionSet() {
  if (manifest_ != nullptr) (void)manifest_->Close();
}

void VersionSet::Install(std::shared_ptr<const Version> v) {
  MutexLock l(&mu_);
  all_.push_back(v);
  current_ = std::move(v);
}

std::shared_ptr<const Version> VersionSet::current() const {
  MutexLock l(&mu_);
  return current_;
}

void VersionSet::MarkFileNumberUsed(uint64_t number) {
  uint64_t cur = next_file_number_.load();
  while (cur <= number && !next_file_number_.compare_exchange_weak(cur, number + 1)) {
  }
}

std::set<uint64_t> VersionSet::LiveFiles() const {
  MutexLock l(&mu_);
  std::set<uint64_t> live;
  for (auto it = all_.begin(); it != all_.end();) {
    if (auto v = it->lock()) {
      for (const auto& level : v->shape().levels) {
        for (const auto& f : level) live.insert(f->number);
      }
      ++it;
    } else {
      it = all_.erase(it);
    }
  }
  return live;
}

absl::StatusOr<std::shared_ptr<const Version>> VersionSet::Apply(
    const Version& base, const VersionEdit& edit) const {
  ASSIGN_OR_RETURN(LsmShape shape,
                   ApplyVersionEdit(base.shape(), edit,
                                    ManifestFileName(dir_, manifest_number_)));
  return std::make_shared<const Version>(std::move(shape));
}

absl::Status VersionSet::WriteSnapshotManifest() {
  const uint64_t number = NewFileNumber();
  const std::string path = ManifestFileName(dir_, number);
  std::shared_ptr<const crypto::FileCipher> cipher;
  if (keys_ != nullptr) {
    // Durable before the manifest's first byte is written under it.
    ASSIGN_OR_RETURN(cipher, keys_->NewFile(number, crypto::FileKind::kManifest));
  }
  ASSIGN_OR_RETURN(auto file, fs_->NewWritableFile(path));
  wal::LogWriterOptions wo;
  wo.cipher = cipher.get();
  auto writer = std::make_unique<wal::LogWriter>(std::move(file), number, wo);
  VersionEdit snap;
  snap.format_version = kManifestFormatVersion;
  snap.log_number = log_number_.load();
  snap.next_file_number = next_file_number_.load();
  snap.last_sequence = last_sequence_.load();
  auto v = current();
  for (int level = 0; level < compaction::kNumLevels; ++level) {
    for (const auto& f : v->shape().levels[level]) snap.new_files.emplace_back(level, *f);
  }
  absl::Status s = writer->AddRecord(snap.Encode(), /*sync=*/true);
  if (s.ok()) s = fs_->SyncDir(dir_);  // the manifest exists before CURRENT names it
  SYNAPSED_KILL_POINT("manifest.after_create");
  if (s.ok()) {
    const std::string tmp = CurrentFileName(dir_) + ".tmp";
    s = env::WriteStringToFile(fs_, fmt::format("MANIFEST-{:06}\n", number), tmp,
                               /*sync=*/true);
    SYNAPSED_KILL_POINT("manifest.after_current_tmp");
    if (s.ok()) s = fs_->RenameFile(tmp, CurrentFileName(dir_));
    SYNAPSED_KILL_POINT("manifest.after_rename");
    if (s.ok()) s = fs_->SyncDir(dir_);
  }
  if (!s.ok()) {
    (void)writer->Close();
    return s;
  }
  if (manifest_ != nullptr) (void)manifest_->Close();
  manifest_ = std::move(writer);
  manifest_cipher_ = std::move(cipher);
  manifest_number_ = number;
  return absl::OkStatus();
}

absl::Status VersionSet::Create() { return WriteSnapshotManifest(); }

absl::Status VersionSet::Recover() {
  // Every failure is DataLoss: a database whose CURRENT or manifest cannot
  // be read must not open as an empty one.
  auto path = CurrentManifestPath(fs_, dir_);
  if (!path.ok()) {
    if (absl::IsDataLoss(path.status())) return path.status();
    return absl::DataLossError(fmt::format("{}: cannot read: {}", CurrentFileName(dir_),
                                           std::string(path.status().message())));
  }
  ManifestReplay r = ReplayManifest(fs_, *path, /*keep_records=*/false, keys_);
  if (!r.status.ok()) {
    if (absl::IsDataLoss(r.status)) return r.status;
    return absl::DataLossError(fmt::format("{} (named by CURRENT): {}", *path,
                                           std::string(r.status.message())));
  }
  manifest_number_ = r.number;
  log_number_ = *r.log_number;
  next_file_number_ = *r.next_file_number;
  last_sequence_ = *r.last_sequence;
  MarkFileNumberUsed(r.number);
  Install(std::make_shared<const Version>(std::move(r.shape)));
  return absl::OkStatus();
}

absl::Status VersionSet::StartNewManifest() { return WriteSnapshotManifest(); }

absl::Status VersionSet::LogAndApply(VersionEdit* edit) {
  if (!manifest_error_.ok()) return manifest_error_;
  if (manifest_ == nullptr) return absl::FailedPreconditionError("no manifest open for writing");
  edit->next_file_number = next_file_number_.load();
  if (!edit->last_sequence) edit->last_sequence = last_sequence_.load();
  ASSIGN_OR_RETURN(auto v, Apply(*current(), *edit));
  absl::Status s = manifest_->AddRecord(edit->Encode(), /*sync=*/true);
  if (!s.ok()) {
    manifest_error_ = s;
    return s;
  }
  if (edit->log_number) log_number_ = *edit->log_number;
  Install(std::move(v));
  return absl::OkStatus();
}

}  // namespace synapsed::storage::engine
