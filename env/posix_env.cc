#include "env/posix_env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <set>

#include "util/mutex.h"
#include "env/direct_read_file.h"
#include "env/mapped_writable_file.h"
#include "env/uring_writable_file.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::env {

absl::Status PosixError(std::string_view op, const std::string& path,
                        int err) {
  std::string msg = fmt::format("{} {}: {}", op, path, std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(msg);
    case EEXIST:
      return absl::AlreadyExistsError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg);
    case ENOSPC:
      return absl::ResourceExhaustedError(msg);
    case EAGAIN:
      return absl::FailedPreconditionError(msg);
    default:
      return absl::UnavailableError(msg);  // an I/O error
  }
}

absl::StatusOr<uint64_t> FileSizeOrClose(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return PosixError("stat", path, err);
  }
  return static_cast<uint64_t>(st.st_size);
}

namespace {

constexpr size_t kWriteBufferSize = 64 * 1024;

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size), flushed_(size) {}
  ~PosixWritableFile() override { (void)Close(); }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return absl::FailedPreconditionError("append to closed " + path_);
    size_ += data.size();
    if (buf_.size() + data.size() <= kWriteBufferSize) {
      buf_.append(data);
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(Flush());
    if (data.size() <= kWriteBufferSize) {
      buf_.append(data);
      return absl::OkStatus();
    }
    return WriteRaw(data);
  }

  absl::Status Flush() override {
    if (buf_.empty()) return absl::OkStatus();
    absl::Status s = WriteRaw(buf_);
    buf_.clear();
    return s;
  }

  absl::Status Sync() override {
    RETURN_IF_ERROR(Flush());
    if (::fdatasync(fd_) != 0) return PosixError("fdatasync", path_, errno);
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (fd_ < 0) return absl::OkStatus();
    absl::Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = PosixError("close", path_, errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }

 private:
  absl::Status WriteRaw(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), flushed_);
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      data.remove_prefix(n);
      flushed_ += n;
    }
    return absl::OkStatus();
  }

  std::string path_;
  int fd_;
  uint64_t size_;     // logical size, including buffered bytes
  uint64_t flushed_;  // bytes handed to the OS
  std::string buf_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, offset + done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError("read", path_, errno);
      }
      if (r == 0) break;
      done += r;
    }
    return std::string_view(scratch, done);
  }
  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

// A whole file mapped read-only; reads are views of the mapping.
class PosixMmapFile final : public RandomAccessFile {
 public:
  PosixMmapFile(const char* base, size_t size) : base_(base), size_(size) {}
  ~PosixMmapFile() override { ::munmap(const_cast<char*>(base_), size_); }

  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char*) const override {
    if (offset >= size_) return std::string_view();
    return std::string_view(base_ + offset, std::min<uint64_t>(n, size_ - offset));
  }
  uint64_t Size() const override { return size_; }
  bool ReadsInPlace() const override { return true; }
  void Prefetch(uint64_t offset, size_t n) const override {
    if (offset >= size_ || n == 0) return;
    const char* p = base_ + offset;
    n = std::min<uint64_t>(n, size_ - offset);
    // The first lines; the hardware prefetcher follows a read that walks
    // on from there. And the last line: a block's trailer is read first.
    constexpr size_t kHead = 256;
    for (size_t i = 0; i < std::min(n, kHead); i += 64) __builtin_prefetch(p + i);
    __builtin_prefetch(p + n - 1);
  }

 private:
  const char* const base_;
  const size_t size_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  absl::StatusOr<std::string_view> Read(size_t n, char* scratch) override {
    while (true) {
      ssize_t r = ::read(fd_, scratch, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError("read", path_, errno);
      }
      return std::string_view(scratch, r);
    }
  }
  absl::Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0) {
      return PosixError("seek", path_, errno);
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_;
};

// fcntl locks do not exclude a second open from the same process, so the
// paths locked by this process are also kept here.
Mutex& LockedMu() {
  static Mutex* mu = new Mutex;
  return *mu;
}
std::set<std::string>* LockedPaths() {
  static auto* paths = new std::set<std::string>;
  return paths;
}

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFileLock() override {
    struct flock f = {};
    f.l_type = F_UNLCK;
    f.l_whence = SEEK_SET;
    ::fcntl(fd_, F_SETLK, &f);
    ::close(fd_);
    MutexLock l(&LockedMu());
    LockedPaths()->erase(path_);
  }

 private:
  std::string path_;
  int fd_;
};

// A mapped file, or null after saying once on stderr that the file system
// cannot give one (the caller then writes with pwrite or io_uring).
absl::StatusOr<std::unique_ptr<WritableFile>> OpenMappedWritableFileOrSay(
    const std::string& path, bool truncate) {
  ASSIGN_OR_RETURN(auto mapped, OpenMappedWritableFile(path, truncate));
  static std::atomic<bool> said{false};
  if (mapped == nullptr && !said.exchange(true)) {
    std::fprintf(stderr, "fallocate refused for %s; logs are written without a mapping\n",
                 path.c_str());
  }
  return mapped;
}

class PosixFileSystem final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, const WritableFileOptions& options) override {
    if (options.use_mmap) {
      ASSIGN_OR_RETURN(auto mapped, OpenMappedWritableFileOrSay(path, /*truncate=*/true));
      if (mapped != nullptr) return mapped;
    }
    // The io_uring file falls back to pwrite + fdatasync by itself when the
    // kernel refuses a ring (uring_writable_file.h).
    if (options.use_io_uring) return NewUringWritableFile(path, /*truncate=*/true);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("open", path, errno);
    return std::make_unique<PosixWritableFile>(path, fd, 0);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path, const WritableFileOptions& options) override {
    if (options.use_mmap) {
      ASSIGN_OR_RETURN(auto mapped, OpenMappedWritableFileOrSay(path, /*truncate=*/false));
      if (mapped != nullptr) return mapped;
    }
    if (options.use_io_uring) return NewUringWritableFile(path, /*truncate=*/false);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("open", path, errno);
    ASSIGN_OR_RETURN(const uint64_t size, FileSizeOrClose(fd, path));
    return std::make_unique<PosixWritableFile>(path, fd, size);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path, const RandomAccessFileOptions& options) override {
    if (options.use_direct_io) {
      absl::StatusOr<std::unique_ptr<RandomAccessFile>> direct = OpenDirectReadFile(path);
      if (!direct.ok() || *direct != nullptr) return direct;
      static std::atomic<bool> said{false};
      if (!said.exchange(true)) {
        std::fprintf(stderr,
                     "O_DIRECT refused for %s; direct reads go through the page cache\n",
                     path.c_str());
      }
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    ASSIGN_OR_RETURN(const uint64_t size, FileSizeOrClose(fd, path));
    if (options.use_mmap && size > 0) {
      // The mapping outlives the descriptor. A file that cannot be mapped
      // (address space, a file system without mmap) is read with pread.
      void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (base != MAP_FAILED) {
        ::close(fd);
        return std::make_unique<PosixMmapFile>(static_cast<const char*>(base),
                                               size);
      }
    }
    return std::make_unique<PosixRandomAccessFile>(path, fd, size);
  }

  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    return std::make_unique<PosixSequentialFile>(path, fd);
  }

  absl::StatusOr<bool> FileExists(const std::string& path) override {
    if (::access(path.c_str(), F_OK) == 0) return true;
    if (errno == ENOENT) return false;
    return PosixError("access", path, errno);
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError("opendir", dir, errno);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }

  absl::Status DeleteFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink", path, errno);
    return absl::OkStatus();
  }

  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError("rename", from + " -> " + to, errno);
    }
    return absl::OkStatus();
  }

  absl::Status Truncate(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return PosixError("truncate", path, errno);
    }
    return absl::OkStatus();
  }

  absl::Status CreateDirIfMissing(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return absl::OkStatus();
    if (errno != EEXIST) return PosixError("mkdir", dir, errno);
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(dir + " exists and is not a directory");
  }

  absl::Status DeleteDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return PosixError("rmdir", dir, errno);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", dir, errno);
    absl::Status s;
    if (::fsync(fd) != 0) s = PosixError("fsync", dir, errno);
    ::close(fd);
    return s;
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    {
      MutexLock l(&LockedMu());
      if (!LockedPaths()->insert(path).second) {
        return absl::FailedPreconditionError(
            "lock " + path + ": already held by this process");
      }
    }
    auto unregister = [&path] {
      MutexLock l(&LockedMu());
      LockedPaths()->erase(path);
    };
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      int err = errno;
      unregister();
      return PosixError("open", path, err);
    }
    struct flock f = {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &f) != 0) {
      int err = errno;
      ::close(fd);
      unregister();
      if (err == EACCES || err == EAGAIN) {
        return absl::FailedPreconditionError(
            "lock " + path + ": held by another process");
      }
      return PosixError("lock", path, err);
    }
    return std::make_unique<PosixFileLock>(path, fd);
  }
};

}  // namespace

std::unique_ptr<FileSystem> NewPosixFileSystem() {
  return std::make_unique<PosixFileSystem>();
}

FileSystem* DefaultFileSystem() {
  static FileSystem* fs = NewPosixFileSystem().release();
  return fs;
}

}  // namespace synapsed::storage::env
