// A WritableFile for write-ahead logs that submits its writes through
// io_uring (liburing), so a commit that needs durability costs one
// submission: the write with an IORING_OP_FSYNC (IORING_FSYNC_DATASYNC)
// linked behind it (IOSQE_IO_LINK), and one wait for both completions.
//
// One small ring per file, no SQPOLL (its kernel thread would take one of the
// machine's two cores). Every call waits for its completions before
// returning: the caller (LogWriter) batches records into one Append, and
// errors are reported by the call that caused them. There is no user-space
// buffer here: LogWriter's buffer is the only one.
//
// Unsynced appends use plain pwrite by default: ext4 cannot do a buffered
// write without blocking, so io_uring hands every such write to a kernel
// worker thread (iou-wrk), which measured ~12 µs per 100-byte append against
// ~2 µs for pwrite on this machine. An fsync always goes to that worker, so
// for AppendAndSync the linked submission costs no extra hand-off and saves a
// syscall. UringWritableFileOptions::uring_unsynced_appends restores io_uring
// for plain appends (for file systems with async buffered writes, e.g. XFS).
//
// Fallback: if the ring cannot be set up (old kernel, seccomp, sysctl
// kernel.io_uring_disabled), the file uses pwrite + fdatasync instead, logs
// "io_uring unavailable (<reason>); WAL falls back to pwrite+fdatasync" once
// per process to stderr, and behaves identically. Tests force the fallback
// with UringWritableFileOptions::disable_io_uring or the environment variable
// SYNAPSED_DISABLE_IO_URING=1.
//
// Preallocation (optional, from open with `preallocate_bytes` or later with
// Preallocate): keeps that many bytes ahead of the logical end written with
// zeros and made durable, so an fdatasync after an append only
// flushes data blocks, not the inode's size (measured here: ≈77 µs instead
// of ≈135 µs; when the device's cache flush dominates, as in bench/wal_bench
// runs at ~4 ms per flush, the two are equal). Size() stays the appended size.
// The zero tail is cut off by Close(); after a crash it remains, and
// wal::LogReader reads a zero tail as the end of the log. Reopening such a file
// for append (NewAppendableFile) would append after the zeros: truncate it to
// LogReader::valid_end_offset() first.
//
// Thread safety: one thread at a time, like every WritableFile.
#ifndef SYNAPSED_ENV_URING_WRITABLE_FILE_H_
#define SYNAPSED_ENV_URING_WRITABLE_FILE_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/env.h"
#include "env/zero_tail.h"

struct io_uring;

namespace synapsed::storage::env {

struct UringWritableFileOptions {
  // Use pwrite + fdatasync even where io_uring works (tests and benchmarks;
  // SYNAPSED_DISABLE_IO_URING=1 in the environment does the same).
  bool disable_io_uring = false;
  // 0: off. Otherwise keep this many bytes of synced zeros ahead of the end:
  // the zeros are written at open and again, synchronously, each time appends
  // reach them (a write of this many bytes plus one fdatasync, amortised over
  // the appends it covers). Trades disk space and that periodic stall for a
  // cheaper fdatasync per commit.
  uint64_t preallocate_bytes = 0;
  // Submit Append (without sync) through io_uring too. Off by default: see
  // the header comment (a worker hand-off per write on ext4).
  bool uring_unsynced_appends = false;
};

class UringWritableFile final : public WritableFile {
 public:
  // Opens `path`: with `truncate`, created or truncated (NewWritableFile);
  // otherwise created if missing and appended at its current end
  // (NewAppendableFile).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<UringWritableFile>> Open(
      const std::string& path, bool truncate,
      const UringWritableFileOptions& options = {});
  ~UringWritableFile() override;

  UringWritableFile(const UringWritableFile&) = delete;
  UringWritableFile& operator=(const UringWritableFile&) = delete;

  // Writes at the logical end and waits for the write (short writes retried):
  // pwrite, or io_uring with uring_unsynced_appends.
  [[nodiscard]] absl::Status Append(std::string_view data) override;
  // fdatasync.
  [[nodiscard]] absl::Status Sync() override;
  // One linked write + fdatasync submission; both results checked.
  [[nodiscard]] absl::Status AppendAndSync(std::string_view data) override;
  // Cuts off the preallocated zero tail (not synced) and closes.
  [[nodiscard]] absl::Status Close() override;
  uint64_t Size() const override { return offset_; }
  // Keeps `ahead` bytes of synced zeros past the end from now on (the
  // header comment); 0 stops extending them.
  [[nodiscard]] absl::Status Preallocate(uint64_t ahead) override;

  // True when writes go through io_uring, false on the pwrite fallback.
  bool using_io_uring() const { return ring_ != nullptr; }
  // Physical end of the zero-filled, synced space (== Size() without
  // preallocation).
  uint64_t preallocated_end() const { return std::max(zeros_.end(), offset_); }

 private:
  UringWritableFile(std::string path, int fd, uint64_t size,
                    const UringWritableFileOptions& options);
  // Sets up the ring; on failure returns why (the caller falls back).
  absl::Status InitRing();
  absl::Status Write(std::string_view data, bool sync);
  absl::Status UringWrite(std::string_view data, bool sync);
  absl::Status PosixWrite(std::string_view data, bool sync);

  const std::string path_;
  int fd_;
  const UringWritableFileOptions options_;
  std::unique_ptr<io_uring> ring_;  // null: pwrite fallback
  uint64_t offset_;                 // logical size: where the next write goes
  ZeroTail zeros_;                  // the synced zeros when preallocating
};

// As UringWritableFile::Open, as the FileSystem interface's type.
[[nodiscard]] absl::StatusOr<std::unique_ptr<WritableFile>>
NewUringWritableFile(const std::string& path, bool truncate,
                     const UringWritableFileOptions& options = {});

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_URING_WRITABLE_FILE_H_
