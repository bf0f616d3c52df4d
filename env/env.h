// The file-system seam: every file the engine touches is created, appended,
// synced, read, renamed, deleted, listed and locked through `FileSystem`.
//
// Implementations: POSIX (posix_env.h, with an io_uring path for the WAL), an
// in-memory file system for fast tests (mem_env.h), and a fault-injecting
// wrapper that simulates power loss and I/O errors (fault_injection_env.h).
//
// Thread safety: a FileSystem is safe to use from any thread. A file object is
// used by one thread at a time, except RandomAccessFile, whose Read() may be
// called concurrently.
//
// Durability model (what the fault injector enforces): bytes appended to a
// WritableFile are durable only after Sync() returns OK; a newly created,
// renamed or deleted directory entry is durable only after SyncDir() on its
// parent directory returns OK.
#ifndef SYNAPSED_ENV_ENV_H_
#define SYNAPSED_ENV_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace synapsed::storage::env {

// Written with Append, sequentially.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends at the logical end of the file.
  [[nodiscard]] virtual absl::Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync semantics).
  [[nodiscard]] virtual absl::Status Sync() = 0;
  // Appends then syncs. The io_uring implementation submits both as one
  // linked submission; the default simply calls Append then Sync.
  [[nodiscard]] virtual absl::Status AppendAndSync(std::string_view data) {
    if (absl::Status s = Append(data); !s.ok()) return s;
    return Sync();
  }
  // Flushes any user-space buffer to the OS (not durable). No-op by default.
  [[nodiscard]] virtual absl::Status Flush() { return absl::OkStatus(); }
  // Closes the file; further calls fail. The destructor closes if needed.
  [[nodiscard]] virtual absl::Status Close() = 0;
  // Logical size: bytes appended so far (plus the size at open).
  virtual uint64_t Size() const = 0;
  // From now on keeps the file's zero-filled, durable end ahead of its
  // logical end: `ahead` bytes of zeros are written and synced now, and
  // again each time appends reach them, so a synced append overwrites
  // blocks the file already has and its fdatasync need not commit a new
  // size. Close cuts the zero tail off; after a crash it stays, and a log
  // reader reads zeros as the end of the log. 0 stops extending the tail.
  // Files that cannot do it ignore the call (the default; the io_uring file
  // does it).
  [[nodiscard]] virtual absl::Status Preallocate(uint64_t ahead) {
    (void)ahead;
    return absl::OkStatus();
  }
};

// Positional reads; thread-safe.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset. The result points into `scratch` (which
  // must hold n bytes) or into memory owned by the file (mmap, in-memory FS)
  // that stays valid while the file is open. Short at end of file.
  [[nodiscard]] virtual absl::StatusOr<std::string_view> Read(
      uint64_t offset, size_t n, char* scratch) const = 0;
  virtual uint64_t Size() const = 0;
  // True when Read never uses `scratch` (it may be null): every result is
  // a view of memory the file owns (a mapping), valid while it is open.
  virtual bool ReadsInPlace() const { return false; }
  // A hint that [offset, offset + n) is about to be read: a mapping starts
  // loading the range's first lines and its last into the CPU cache, so
  // that the wait overlaps other work. Never fails, never faults; does
  // nothing for files that read through a syscall.
  virtual void Prefetch(uint64_t offset, size_t n) const {
    (void)offset;
    (void)n;
  }
};

struct RandomAccessFileOptions {
  // Map the file and read from the mapping: no syscall and no copy per
  // read (ReadsInPlace). The file must not shrink while it is open: a read
  // of a page past its new end would fault. File systems that cannot map
  // ignore it.
  bool use_mmap = false;
  // Read around the page cache (O_DIRECT, env/direct_read_file.h); wins over
  // use_mmap. A file system that refuses O_DIRECT reads through the cache
  // (said once on stderr). File systems without it ignore the option.
  bool use_direct_io = false;
};

// Reads front to back.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch; an empty result means end of file.
  [[nodiscard]] virtual absl::StatusOr<std::string_view> Read(size_t n,
                                                              char* scratch) = 0;
  [[nodiscard]] virtual absl::Status Skip(uint64_t n) = 0;
};

// Held while a database is open; unlocks when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

struct WritableFileOptions {
  // Submit Append/Sync through io_uring when the implementation supports it
  // (POSIX only). Falls back to pwrite + fdatasync when the kernel refuses.
  bool use_io_uring = false;
  // Append by copying into a shared mapping of the file (POSIX only;
  // env/mapped_writable_file.h): no syscall per unsynced append, and the
  // bytes are in the OS as after a write, so a process crash loses none.
  // Sync is fdatasync. Wins over use_io_uring. The file holds zeros past its
  // data until Close, and after a crash: for logs, whose reader takes zeros
  // as the end. A file system without fallocate writes as if it were off.
  // Others ignore it.
  bool use_mmap = false;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates (or truncates) a file for writing.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<WritableFile>>
  NewWritableFile(const std::string& path,
                  const WritableFileOptions& options = {}) = 0;
  // Opens an existing file for appending at its end (creates it if missing).
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<WritableFile>>
  NewAppendableFile(const std::string& path,
                    const WritableFileOptions& options = {}) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>>
  NewRandomAccessFile(const std::string& path,
                      const RandomAccessFileOptions& options = {}) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<SequentialFile>>
  NewSequentialFile(const std::string& path) = 0;

  [[nodiscard]] virtual absl::StatusOr<bool> FileExists(
      const std::string& path) = 0;
  [[nodiscard]] virtual absl::StatusOr<uint64_t> GetFileSize(
      const std::string& path) = 0;
  // Names (not paths) of the entries in `dir`, without "." and "..".
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) = 0;
  [[nodiscard]] virtual absl::Status DeleteFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)).
  [[nodiscard]] virtual absl::Status RenameFile(const std::string& from,
                                                const std::string& to) = 0;
  [[nodiscard]] virtual absl::Status Truncate(const std::string& path,
                                              uint64_t size) = 0;
  // Creates `dir` (one level); OK if it already exists as a directory.
  [[nodiscard]] virtual absl::Status CreateDirIfMissing(
      const std::string& dir) = 0;
  [[nodiscard]] virtual absl::Status DeleteDir(const std::string& dir) = 0;
  // Makes creations, renames and deletions of entries in `dir` durable.
  [[nodiscard]] virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive lock on `path` (created if missing). Fails with
  // FailedPrecondition if another holder, in this or another process, has it.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) = 0;
};

// The process-wide POSIX file system. Never destroyed.
FileSystem* DefaultFileSystem();

// Helpers over any FileSystem.
[[nodiscard]] absl::Status WriteStringToFile(FileSystem* fs,
                                             std::string_view data,
                                             const std::string& path,
                                             bool sync);
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(
    FileSystem* fs, const std::string& path);
// "dir/name" (no doubled slash).
std::string JoinPath(std::string_view dir, std::string_view name);
// The directory part of a path ("." if none).
std::string DirName(std::string_view path);

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_ENV_H_
