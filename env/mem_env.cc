#include "env/mem_env.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "util/mutex.h"

namespace synapsed::storage::env {
namespace {

struct MemFile {
  Mutex mu;
  std::string data ABSL_GUARDED_BY(mu);
};

class MemWritableFile final : public WritableFile {
 public:
  explicit MemWritableFile(std::shared_ptr<MemFile> file)
      : file_(std::move(file)) {}
  absl::Status Append(std::string_view data) override {
    if (closed_) return absl::FailedPreconditionError("append to closed file");
    MutexLock l(&file_->mu);
    file_->data.append(data);
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    if (closed_) return absl::FailedPreconditionError("sync of closed file");
    return absl::OkStatus();
  }
  absl::Status Close() override {
    closed_ = true;
    return absl::OkStatus();
  }
  uint64_t Size() const override {
    MutexLock l(&file_->mu);
    return file_->data.size();
  }

 private:
  std::shared_ptr<MemFile> file_;
  bool closed_ = false;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::shared_ptr<MemFile> file)
      : file_(std::move(file)) {}
  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    MutexLock l(&file_->mu);
    if (offset >= file_->data.size()) return std::string_view(scratch, 0);
    size_t len = std::min<uint64_t>(n, file_->data.size() - offset);
    std::memcpy(scratch, file_->data.data() + offset, len);
    return std::string_view(scratch, len);
  }
  uint64_t Size() const override {
    MutexLock l(&file_->mu);
    return file_->data.size();
  }

 private:
  std::shared_ptr<MemFile> file_;
};

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(std::shared_ptr<MemFile> file)
      : file_(std::move(file)) {}
  absl::StatusOr<std::string_view> Read(size_t n, char* scratch) override {
    MutexLock l(&file_->mu);
    if (pos_ >= file_->data.size()) return std::string_view(scratch, 0);
    size_t len = std::min<uint64_t>(n, file_->data.size() - pos_);
    std::memcpy(scratch, file_->data.data() + pos_, len);
    pos_ += len;
    return std::string_view(scratch, len);
  }
  absl::Status Skip(uint64_t n) override {
    pos_ += n;
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<MemFile> file_;
  uint64_t pos_ = 0;
};

class MemFileSystem;

class MemFileLock final : public FileLock {
 public:
  MemFileLock(MemFileSystem* fs, std::string path)
      : fs_(fs), path_(std::move(path)) {}
  ~MemFileLock() override;

 private:
  MemFileSystem* fs_;
  std::string path_;
};

class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem() { dirs_.insert("/"); }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, const WritableFileOptions&) override {
    MutexLock l(&mu_);
    if (absl::Status s = CheckParentLocked(path); !s.ok()) return s;
    auto file = std::make_shared<MemFile>();
    files_[path] = file;
    return std::make_unique<MemWritableFile>(std::move(file));
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path, const WritableFileOptions&) override {
    MutexLock l(&mu_);
    auto it = files_.find(path);
    if (it != files_.end()) return std::make_unique<MemWritableFile>(it->second);
    if (absl::Status s = CheckParentLocked(path); !s.ok()) return s;
    auto file = std::make_shared<MemFile>();
    files_[path] = file;
    return std::make_unique<MemWritableFile>(std::move(file));
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path, const RandomAccessFileOptions&) override {
    MutexLock l(&mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return NotFound(path);
    return std::make_unique<MemRandomAccessFile>(it->second);
  }

  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override {
    MutexLock l(&mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return NotFound(path);
    return std::make_unique<MemSequentialFile>(it->second);
  }

  absl::StatusOr<bool> FileExists(const std::string& path) override {
    MutexLock l(&mu_);
    return files_.count(path) > 0 || dirs_.count(Normalize(path)) > 0;
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    MutexLock l(&mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return NotFound(path);
    MutexLock fl(&it->second->mu);
    return it->second->data.size();
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    MutexLock l(&mu_);
    std::string d = Normalize(dir);
    if (!dirs_.count(d)) return NotFound(dir);
    std::vector<std::string> names;
    for (const auto& [path, file] : files_) {
      if (DirName(path) == d) names.push_back(path.substr(path.rfind('/') + 1));
    }
    for (const auto& sub : dirs_) {
      if (sub != d && sub != "/" && DirName(sub) == d) {
        names.push_back(sub.substr(sub.rfind('/') + 1));
      }
    }
    return names;
  }

  absl::Status DeleteFile(const std::string& path) override {
    MutexLock l(&mu_);
    if (files_.erase(path) == 0) return NotFound(path);
    return absl::OkStatus();
  }

  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    MutexLock l(&mu_);
    auto it = files_.find(from);
    if (it == files_.end()) return NotFound(from);
    if (absl::Status s = CheckParentLocked(to); !s.ok()) return s;
    auto file = it->second;
    files_.erase(it);
    files_[to] = std::move(file);
    return absl::OkStatus();
  }

  absl::Status Truncate(const std::string& path, uint64_t size) override {
    MutexLock l(&mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return NotFound(path);
    MutexLock fl(&it->second->mu);
    it->second->data.resize(size);
    return absl::OkStatus();
  }

  absl::Status CreateDirIfMissing(const std::string& dir) override {
    MutexLock l(&mu_);
    std::string d = Normalize(dir);
    if (files_.count(d)) {
      return absl::FailedPreconditionError(dir + " exists and is not a directory");
    }
    if (!dirs_.count(DirName(d))) return NotFound(DirName(d));
    dirs_.insert(d);
    return absl::OkStatus();
  }

  absl::Status DeleteDir(const std::string& dir) override {
    MutexLock l(&mu_);
    std::string d = Normalize(dir);
    if (!dirs_.count(d)) return NotFound(dir);
    for (const auto& [path, file] : files_) {
      if (DirName(path) == d) {
        return absl::FailedPreconditionError("rmdir " + dir + ": not empty");
      }
    }
    dirs_.erase(d);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    MutexLock l(&mu_);
    if (!dirs_.count(Normalize(dir))) return NotFound(dir);
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    MutexLock l(&mu_);
    if (!locks_.insert(path).second) {
      return absl::FailedPreconditionError("lock " + path + ": already held");
    }
    if (!files_.count(path)) files_[path] = std::make_shared<MemFile>();
    return std::make_unique<MemFileLock>(this, path);
  }

  void Unlock(const std::string& path) {
    MutexLock l(&mu_);
    locks_.erase(path);
  }

 private:
  static std::string Normalize(const std::string& dir) {
    std::string d = dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return d;
  }
  static absl::Status NotFound(const std::string& path) {
    return absl::NotFoundError(path + ": No such file or directory");
  }
  absl::Status CheckParentLocked(const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!dirs_.count(DirName(path))) return NotFound(DirName(path));
    if (dirs_.count(path)) {
      return absl::FailedPreconditionError(path + " is a directory");
    }
    return absl::OkStatus();
  }

  Mutex mu_;
  std::map<std::string, std::shared_ptr<MemFile>> files_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirs_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> locks_ ABSL_GUARDED_BY(mu_);
};

MemFileLock::~MemFileLock() { fs_->Unlock(path_); }

}  // namespace

std::unique_ptr<FileSystem> NewMemFileSystem() {
  return std::make_unique<MemFileSystem>();
}

}  // namespace synapsed::storage::env
