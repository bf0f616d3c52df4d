#include "env/fault_injection_env.h"

#include <algorithm>

#include "fmt/format.h"
#include "util/mutex.h"
#include "util/status_macros.h"

namespace synapsed::storage::env {
namespace {

constexpr std::string_view kTrashMarker = ".fi-trash-";

bool IsMutating(OpKind kind) { return kind != OpKind::kRead; }

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(std::unique_ptr<WritableFile> base,
                    FaultInjectionFileSystem* fs, std::string path,
                    uint64_t generation)
      : base_(std::move(base)), fs_(fs), path_(std::move(path)),
        generation_(generation) {}

  absl::Status Append(std::string_view data) override {
    RETURN_IF_ERROR(fs_->MaybeFailWrite(OpKind::kAppend, path_, generation_));
    RETURN_IF_ERROR(base_->Append(data));
    // Hand appended bytes to the base at once so that power loss, not the
    // wrapper's buffering, decides what survives.
    RETURN_IF_ERROR(base_->Flush());
    fs_->OnAppend(path_, base_->Size(), generation_);
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    RETURN_IF_ERROR(fs_->MaybeFailWrite(OpKind::kSync, path_, generation_));
    RETURN_IF_ERROR(base_->Sync());
    fs_->OnSync(path_, base_->Size(), generation_);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return base_->Flush(); }
  absl::Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  absl::Status Preallocate(uint64_t ahead) override {
    RETURN_IF_ERROR(fs_->MaybeFailWrite(OpKind::kPreallocate, path_, generation_));
    RETURN_IF_ERROR(base_->Preallocate(ahead));
    fs_->OnPreallocate(path_, generation_);
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<WritableFile> base_;
  FaultInjectionFileSystem* fs_;
  std::string path_;
  uint64_t generation_;
};

class FaultRandomAccessFile final : public RandomAccessFile {
 public:
  FaultRandomAccessFile(std::unique_ptr<RandomAccessFile> base,
                        FaultInjectionFileSystem* fs, std::string path)
      : base_(std::move(base)), fs_(fs), path_(std::move(path)) {}
  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    RETURN_IF_ERROR(fs_->MaybeFail(OpKind::kRead, path_));
    return base_->Read(offset, n, scratch);
  }
  uint64_t Size() const override { return base_->Size(); }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  FaultInjectionFileSystem* fs_;
  std::string path_;
};

class FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(std::unique_ptr<SequentialFile> base,
                      FaultInjectionFileSystem* fs, std::string path)
      : base_(std::move(base)), fs_(fs), path_(std::move(path)) {}
  absl::StatusOr<std::string_view> Read(size_t n, char* scratch) override {
    RETURN_IF_ERROR(fs_->MaybeFail(OpKind::kRead, path_));
    return base_->Read(n, scratch);
  }
  absl::Status Skip(uint64_t n) override { return base_->Skip(n); }

 private:
  std::unique_ptr<SequentialFile> base_;
  FaultInjectionFileSystem* fs_;
  std::string path_;
};

}  // namespace

FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

void FaultInjectionFileSystem::FailNth(OpKind kind, int n) {
  MutexLock l(&mu_);
  fail_countdown_[static_cast<int>(kind)] = n;
}
void FaultInjectionFileSystem::Freeze() {
  MutexLock l(&mu_);
  frozen_ = true;
}
void FaultInjectionFileSystem::Unfreeze() {
  MutexLock l(&mu_);
  frozen_ = false;
}
void FaultInjectionFileSystem::SetNoSpace(std::optional<std::string> pattern) {
  MutexLock l(&mu_);
  no_space_ = std::move(pattern);
}
int FaultInjectionFileSystem::OpCount(OpKind kind) const {
  MutexLock l(&mu_);
  return op_count_[static_cast<int>(kind)];
}

absl::Status FaultInjectionFileSystem::MaybeFail(OpKind kind,
                                                 const std::string& path) {
  MutexLock l(&mu_);
  const int k = static_cast<int>(kind);
  ++op_count_[k];
  if (frozen_ && IsMutating(kind)) {
    return absl::UnavailableError(
        fmt::format("injected I/O error: file system frozen (simulated "
                    "crash) at {}",
                    path));
  }
  if (fail_countdown_[k] > 0 && --fail_countdown_[k] == 0) {
    return absl::UnavailableError(
        fmt::format("injected I/O error: operation {} on {}", k, path));
  }
  if (kind == OpKind::kAppend && no_space_ &&
      path.substr(path.rfind('/') + 1).find(*no_space_) != std::string::npos) {
    return absl::ResourceExhaustedError(fmt::format(
        "append {}: No space left on device (injected full disk)", path));
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::MaybeFailWrite(OpKind kind,
                                                      const std::string& path,
                                                      uint64_t generation) {
  {
    MutexLock l(&mu_);
    auto it = files_.find(path);
    if (it != files_.end() && it->second.generation != generation) {
      return absl::FailedPreconditionError(
          "write to " + path + " through a handle opened before a power loss");
    }
  }
  return MaybeFail(kind, path);
}

void FaultInjectionFileSystem::OnAppend(const std::string& path,
                                        uint64_t new_size,
                                        uint64_t generation) {
  MutexLock l(&mu_);
  auto it = files_.find(path);
  if (it != files_.end() && it->second.generation == generation) {
    it->second.size = new_size;
  }
}

void FaultInjectionFileSystem::OnSync(const std::string& path, uint64_t size,
                                      uint64_t generation) {
  MutexLock l(&mu_);
  auto it = files_.find(path);
  if (it != files_.end() && it->second.generation == generation) {
    it->second.size = size;
    it->second.synced_size = size;
  }
}

void FaultInjectionFileSystem::OnPreallocate(const std::string& path,
                                             uint64_t generation) {
  MutexLock l(&mu_);
  auto it = files_.find(path);
  if (it != files_.end() && it->second.generation == generation) {
    it->second.preallocated = true;
  }
}

uint64_t FaultInjectionFileSystem::UnsyncedBytes() const {
  MutexLock l(&mu_);
  uint64_t total = 0;
  for (const auto& [path, st] : files_) total += st.size - st.synced_size;
  return total;
}

void FaultInjectionFileSystem::MarkAllDurable() {
  MutexLock l(&mu_);
  for (auto& [path, st] : files_) st.synced_size = st.size;
  for (auto& [dir, ops] : dir_ops_) {
    for (const DirOp& op : ops) {
      if (!op.trash.empty()) (void)base_->DeleteFile(op.trash);
    }
  }
  dir_ops_.clear();
}

std::string FaultInjectionFileSystem::TrashPathLocked(const std::string& near) {
  return JoinPath(DirName(near), fmt::format("{}{}", kTrashMarker, next_trash_++));
}

absl::Status FaultInjectionFileSystem::MoveToTrashLocked(
    const std::string& path, DirOp* op) {
  op->trash = TrashPathLocked(path);
  RETURN_IF_ERROR(base_->RenameFile(path, op->trash));
  auto it = files_.find(path);
  if (it != files_.end()) {
    op->had_state = true;
    op->saved = it->second;
    files_.erase(it);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WritableFile>>
FaultInjectionFileSystem::OpenForWrite(const std::string& path,
                                       const WritableFileOptions& options,
                                       bool truncate) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kCreate, path));
  ASSIGN_OR_RETURN(bool existed, base_->FileExists(path));
  MutexLock l(&mu_);
  std::vector<DirOp>& ops = dir_ops_[DirName(path)];
  if (truncate && existed) {
    // Replacing a file: a power cut before SyncDir brings the old one back.
    DirOp del(DirOp::kDelete, path);
    RETURN_IF_ERROR(MoveToTrashLocked(path, &del));
    ops.push_back(std::move(del));
    existed = false;
  }
  const size_t create_op = ops.size();
  if (!existed) ops.push_back(DirOp(DirOp::kCreate, path));
  // Power cuts are simulated by cutting the base file back to what was
  // synced, which a file still mapped for writing would fault on (and a
  // mapped file's Close would then extend again): files here are written
  // with write(2). Mapped appends are checked with a real kill -9 instead.
  WritableFileOptions base_options = options;
  base_options.use_mmap = false;
  std::unique_ptr<WritableFile> base_file;
  if (truncate) {
    ASSIGN_OR_RETURN(base_file, base_->NewWritableFile(path, base_options));
  } else {
    ASSIGN_OR_RETURN(base_file, base_->NewAppendableFile(path, base_options));
  }
  FileState& st = files_[path];
  if (!existed) st = FileState{};
  if (existed && st.generation == 0) {
    st.size = st.synced_size = base_file->Size();  // never seen: durable
  }
  st.generation = next_generation_++;
  if (st.identity == 0) st.identity = next_identity_++;
  if (!existed) dir_ops_[DirName(path)][create_op].identity = st.identity;
  return std::unique_ptr<WritableFile>(std::make_unique<FaultWritableFile>(
      std::move(base_file), this, path, st.generation));
}

absl::StatusOr<std::unique_ptr<WritableFile>>
FaultInjectionFileSystem::NewWritableFile(const std::string& path,
                                          const WritableFileOptions& options) {
  return OpenForWrite(path, options, /*truncate=*/true);
}

absl::StatusOr<std::unique_ptr<WritableFile>>
FaultInjectionFileSystem::NewAppendableFile(
    const std::string& path, const WritableFileOptions& options) {
  return OpenForWrite(path, options, /*truncate=*/false);
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>>
FaultInjectionFileSystem::NewRandomAccessFile(const std::string& path,
                                              const RandomAccessFileOptions&) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kRead, path));
  // Never mapped: a simulated power loss rewrites and truncates files that
  // a mapping could still be reading.
  ASSIGN_OR_RETURN(auto file, base_->NewRandomAccessFile(path));
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<FaultRandomAccessFile>(std::move(file), this, path));
}

absl::StatusOr<std::unique_ptr<SequentialFile>>
FaultInjectionFileSystem::NewSequentialFile(const std::string& path) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kRead, path));
  ASSIGN_OR_RETURN(auto file, base_->NewSequentialFile(path));
  return std::unique_ptr<SequentialFile>(
      std::make_unique<FaultSequentialFile>(std::move(file), this, path));
}

absl::StatusOr<bool> FaultInjectionFileSystem::FileExists(
    const std::string& path) {
  return base_->FileExists(path);
}

absl::StatusOr<uint64_t> FaultInjectionFileSystem::GetFileSize(
    const std::string& path) {
  return base_->GetFileSize(path);
}

absl::StatusOr<std::vector<std::string>> FaultInjectionFileSystem::ListDir(
    const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, base_->ListDir(dir));
  std::erase_if(names, [](const std::string& n) {
    return n.find(kTrashMarker) != std::string::npos;
  });
  return names;
}

absl::Status FaultInjectionFileSystem::DeleteFile(const std::string& path) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kDelete, path));
  ASSIGN_OR_RETURN(bool exists, base_->FileExists(path));
  if (!exists) return absl::NotFoundError(path + ": No such file or directory");
  MutexLock l(&mu_);
  DirOp op(DirOp::kDelete, path);
  RETURN_IF_ERROR(MoveToTrashLocked(path, &op));
  dir_ops_[DirName(path)].push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::RenameFile(const std::string& from,
                                                  const std::string& to) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kRename, from));
  ASSIGN_OR_RETURN(bool from_exists, base_->FileExists(from));
  if (!from_exists) return absl::NotFoundError(from + ": No such file");
  ASSIGN_OR_RETURN(bool to_exists, base_->FileExists(to));
  MutexLock l(&mu_);
  DirOp op(DirOp::kRename, to, from);
  if (to_exists) RETURN_IF_ERROR(MoveToTrashLocked(to, &op));
  RETURN_IF_ERROR(base_->RenameFile(from, to));
  auto it = files_.find(from);
  if (it != files_.end()) {
    op.identity = it->second.identity;
    files_[to] = it->second;
    files_.erase(from);
  }
  dir_ops_[DirName(to)].push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::Truncate(const std::string& path,
                                                uint64_t size) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kAppend, path));
  RETURN_IF_ERROR(base_->Truncate(path, size));
  MutexLock l(&mu_);
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second.size = size;
    it->second.synced_size = std::min(it->second.synced_size, size);
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::CreateDirIfMissing(
    const std::string& dir) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kCreate, dir));
  return base_->CreateDirIfMissing(dir);
}

absl::Status FaultInjectionFileSystem::DeleteDir(const std::string& dir) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kDelete, dir));
  return base_->DeleteDir(dir);
}

absl::Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  RETURN_IF_ERROR(MaybeFail(OpKind::kSyncDir, dir));
  RETURN_IF_ERROR(base_->SyncDir(dir));
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  MutexLock l(&mu_);
  auto it = dir_ops_.find(d);
  if (it == dir_ops_.end()) return absl::OkStatus();
  for (const DirOp& op : it->second) {
    if (!op.trash.empty()) (void)base_->DeleteFile(op.trash);
  }
  dir_ops_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionFileSystem::LockFile(
    const std::string& path) {
  return base_->LockFile(path);
}

namespace {

// Zero-fills, on `fs`, each whole page of `path` in [from, to) that `rnd`
// picks (1 in 4), rewriting the file in place.
absl::Status LosePages(FileSystem* fs, const std::string& path, uint64_t from, uint64_t to,
                       Random* rnd) {
  constexpr uint64_t kPage = FaultInjectionFileSystem::kPageSize;
  bool any = false;
  std::string data;
  for (uint64_t page = (from + kPage - 1) / kPage * kPage; page + kPage <= to; page += kPage) {
    if (!rnd->OneIn(4)) continue;
    if (!any) {
      ASSIGN_OR_RETURN(data, ReadFileToString(fs, path));
      any = true;
    }
    std::fill(data.begin() + static_cast<std::ptrdiff_t>(page),
              data.begin() + static_cast<std::ptrdiff_t>(page + kPage), '\0');
  }
  if (!any) return absl::OkStatus();
  RETURN_IF_ERROR(fs->Truncate(path, 0));
  ASSIGN_OR_RETURN(auto file, fs->NewAppendableFile(path));
  RETURN_IF_ERROR(file->Append(data));
  RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

}  // namespace

absl::StatusOr<bool> FaultInjectionFileSystem::HoldsLocked(const std::string& path,
                                                          uint64_t identity) {
  if (identity == 0) return base_->FileExists(path);
  auto it = files_.find(path);
  return it != files_.end() && it->second.identity == identity;
}

absl::Status FaultInjectionFileSystem::UndoLocked(const DirOp& op) {
  // The file a delete or overwrite removed comes back, unless a kept later
  // change put another file at its name.
  auto restore = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    if (op.trash.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(bool taken, base_->FileExists(op.path));
    if (taken) return base_->DeleteFile(op.trash);
    RETURN_IF_ERROR(base_->RenameFile(op.trash, op.path));
    if (op.had_state) files_[op.path] = op.saved;
    return absl::OkStatus();
  };
  switch (op.kind) {
    case DirOp::kCreate: {
      // Only the file this op created: a kept rename may have moved it, or
      // a kept change replaced it.
      ASSIGN_OR_RETURN(bool holds, HoldsLocked(op.path, op.identity));
      if (holds) {
        (void)base_->DeleteFile(op.path);
        files_.erase(op.path);
      }
      return absl::OkStatus();
    }
    case DirOp::kDelete:
      return restore();
    case DirOp::kRename: {
      ASSIGN_OR_RETURN(bool holds, HoldsLocked(op.path, op.identity));
      ASSIGN_OR_RETURN(bool from_taken, base_->FileExists(op.from));
      if (holds && !from_taken) {
        RETURN_IF_ERROR(base_->RenameFile(op.path, op.from));
        auto it = files_.find(op.path);
        if (it != files_.end()) {
          files_[op.from] = it->second;
          files_.erase(op.path);
        }
        return restore();
      }
      // The rename stays: what it overwrote stays gone.
      if (!op.trash.empty()) (void)base_->DeleteFile(op.trash);
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::SimulatePowerLoss(const PowerCut& power_cut) {
  Random* rnd = power_cut.rnd;
  MutexLock l(&mu_);
  // The lambda runs under this function's lock; the annotation tells
  // clang's analysis so (it checks a lambda as a function of its own).
  auto cut = [&](const std::string& path,
                 FileState* st) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    uint64_t keep = st->synced_size;
    if (rnd != nullptr && st->size > st->synced_size) {
      keep += rnd->Uniform(st->size - st->synced_size + 1);
    }
    ASSIGN_OR_RETURN(uint64_t actual, base_->GetFileSize(path));
    if (actual > keep) RETURN_IF_ERROR(base_->Truncate(path, keep));
    if (power_cut.out_of_order_pages && rnd != nullptr && keep > st->synced_size) {
      RETURN_IF_ERROR(LosePages(base_, path, st->synced_size, std::min(keep, actual), rnd));
    }
    // The zeros a writer preallocated were synced: they are still there,
    // over whatever unsynced appends the cut removed.
    if (st->preallocated && actual > keep) RETURN_IF_ERROR(base_->Truncate(path, actual));
    st->size = st->synced_size = keep;
    st->generation = next_generation_++;  // open writers of it now fail
    return absl::OkStatus();
  };
  for (auto& [path, st] : files_) {
    if (absl::Status s = cut(path, &st); !s.ok() && !absl::IsNotFound(s)) {
      return s;
    }
  }
  const bool subsets = power_cut.directory_subsets && rnd != nullptr;
  for (auto& [dir, ops] : dir_ops_) {
    for (auto op = ops.rbegin(); op != ops.rend(); ++op) {
      if (subsets && rnd->OneIn(2)) {
        // This change reached the disk: what it removed stays removed.
        if (!op->trash.empty()) (void)base_->DeleteFile(op->trash);
        continue;
      }
      RETURN_IF_ERROR(UndoLocked(*op));
    }
  }
  // A file restored by an undo was cut when it was saved; cut it again in
  // case it came back longer than it was synced.
  for (auto& [path, st] : files_) {
    if (st.size > st.synced_size) {
      if (absl::Status s = cut(path, &st); !s.ok() && !absl::IsNotFound(s)) return s;
    }
  }
  dir_ops_.clear();
  frozen_ = false;
  for (int& c : fail_countdown_) c = 0;
  return absl::OkStatus();
}

absl::Status FaultInjectionFileSystem::FlipBit(const std::string& path,
                                               uint64_t offset, int bit) {
  ASSIGN_OR_RETURN(std::string data, ReadFileToString(base_, path));
  if (offset >= data.size()) {
    return absl::OutOfRangeError(
        fmt::format("FlipBit: offset {} past end of {} ({} bytes)", offset,
                    path, data.size()));
  }
  data[offset] ^= static_cast<char>(1u << (bit & 7));
  // Rewrite in place through the base so tracking is unchanged.
  RETURN_IF_ERROR(base_->Truncate(path, 0));
  ASSIGN_OR_RETURN(auto file, base_->NewAppendableFile(path));
  RETURN_IF_ERROR(file->Append(data));
  RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

}  // namespace synapsed::storage::env
