#include "env/uring_writable_file.h"

#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "env/posix_env.h"
#include "util/status_macros.h"

namespace synapsed::storage::env {

namespace {

// Enough for one write and its linked fsync; a deeper queue buys nothing
// because every call waits for its completions.
constexpr unsigned kQueueDepth = 4;
constexpr uint64_t kWriteTag = 1;
constexpr uint64_t kSyncTag = 2;

bool IoUringDisabledByEnv() {
  const char* v = std::getenv("SYNAPSED_DISABLE_IO_URING");
  return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
}

void LogFallbackOnce(const absl::Status& why) {
  static std::atomic<bool> logged{false};
  if (!logged.exchange(true)) {
    std::fprintf(stderr,
                 "io_uring unavailable (%s); WAL falls back to "
                 "pwrite+fdatasync\n",
                 std::string(why.message()).c_str());
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<UringWritableFile>> UringWritableFile::Open(
    const std::string& path, bool truncate,
    const UringWritableFileOptions& options) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return PosixError("open", path, errno);
  uint64_t size = 0;
  if (!truncate) {
    ASSIGN_OR_RETURN(size, FileSizeOrClose(fd, path));
  }
  std::unique_ptr<UringWritableFile> file(
      new UringWritableFile(path, fd, size, options));
  if (!options.disable_io_uring && !IoUringDisabledByEnv()) {
    if (absl::Status s = file->InitRing(); !s.ok()) LogFallbackOnce(s);
  }
  if (options.preallocate_bytes > 0) {
    RETURN_IF_ERROR(file->zeros_.Start(file->fd_, path, size, options.preallocate_bytes));
  }
  return file;
}

absl::StatusOr<std::unique_ptr<WritableFile>> NewUringWritableFile(
    const std::string& path, bool truncate,
    const UringWritableFileOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<UringWritableFile> f,
                   UringWritableFile::Open(path, truncate, options));
  return std::unique_ptr<WritableFile>(std::move(f));
}

UringWritableFile::UringWritableFile(std::string path, int fd, uint64_t size,
                                     const UringWritableFileOptions& options)
    : path_(std::move(path)),
      fd_(fd),
      options_(options),
      offset_(size),
      zeros_(size) {}

UringWritableFile::~UringWritableFile() { (void)Close(); }

absl::Status UringWritableFile::InitRing() {
  auto ring = std::make_unique<io_uring>();
  int rc = io_uring_queue_init(kQueueDepth, ring.get(), 0);
  if (rc < 0) return PosixError("io_uring_queue_init", path_, -rc);
  ring_ = std::move(ring);
  return absl::OkStatus();
}

absl::Status UringWritableFile::Append(std::string_view data) {
  return Write(data, /*sync=*/false);
}

absl::Status UringWritableFile::AppendAndSync(std::string_view data) {
  return Write(data, /*sync=*/true);
}

absl::Status UringWritableFile::Sync() { return Write({}, /*sync=*/true); }

absl::Status UringWritableFile::Write(std::string_view data, bool sync) {
  if (fd_ < 0) return absl::FailedPreconditionError("write to closed " + path_);
  RETURN_IF_ERROR(zeros_.Cover(fd_, path_, offset_ + data.size()));
  const bool uring =
      ring_ != nullptr && (sync || options_.uring_unsynced_appends);
  return uring ? UringWrite(data, sync) : PosixWrite(data, sync);
}

absl::Status UringWritableFile::UringWrite(std::string_view data, bool sync) {
  io_uring* ring = ring_.get();
  while (true) {
    const bool do_write = !data.empty();
    if (!do_write && !sync) return absl::OkStatus();
    // Every call reaps all it submitted, so the queue is empty here and has
    // room for the two entries.
    unsigned n = 0;
    if (do_write) {
      io_uring_sqe* sqe = io_uring_get_sqe(ring);
      // Larger writes go in pieces (the loop retries what is left).
      const unsigned len =
          static_cast<unsigned>(std::min<size_t>(data.size(), 1u << 30));
      io_uring_prep_write(sqe, fd_, data.data(), len, offset_);
      sqe->user_data = kWriteTag;
      // A short or failed write cancels the linked fsync (-ECANCELED).
      if (sync) sqe->flags |= IOSQE_IO_LINK;
      ++n;
    }
    if (sync) {
      io_uring_sqe* sqe = io_uring_get_sqe(ring);
      io_uring_prep_fsync(sqe, fd_, IORING_FSYNC_DATASYNC);
      sqe->user_data = kSyncTag;
      ++n;
    }
    int rc = io_uring_submit_and_wait(ring, n);
    // Interrupted: the entries may or may not have reached the kernel;
    // submitting again only sends what it has not consumed yet.
    while (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY) {
      rc = io_uring_submit(ring);
    }
    if (rc < 0) return PosixError("io_uring_submit", path_, -rc);

    int write_res = 0;
    int sync_res = 0;
    for (unsigned i = 0; i < n; ++i) {
      io_uring_cqe* cqe = nullptr;
      int wrc;
      do {
        wrc = io_uring_wait_cqe(ring, &cqe);
      } while (wrc == -EINTR);
      if (wrc < 0) return PosixError("io_uring_wait_cqe", path_, -wrc);
      (cqe->user_data == kWriteTag ? write_res : sync_res) = cqe->res;
      io_uring_cqe_seen(ring, cqe);
    }

    if (do_write) {
      if (write_res < 0) return PosixError("write", path_, -write_res);
      if (write_res == 0) {
        return absl::UnavailableError("write " + path_ + ": no progress");
      }
      offset_ += static_cast<uint64_t>(write_res);
      data.remove_prefix(static_cast<size_t>(write_res));
    }
    if (sync) {
      if (sync_res == 0 && data.empty()) return absl::OkStatus();
      // Cancelled because the write was short: loop to write the rest and
      // sync again. Any other failure is the sync's own.
      if (sync_res < 0 && sync_res != -ECANCELED) {
        return PosixError("fdatasync", path_, -sync_res);
      }
    }
  }
}

absl::Status UringWritableFile::PosixWrite(std::string_view data, bool sync) {
  while (!data.empty()) {
    ssize_t n =
        ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("write", path_, errno);
    }
    if (n == 0)
      return absl::UnavailableError("write " + path_ + ": no progress");
    offset_ += static_cast<uint64_t>(n);
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (sync && ::fdatasync(fd_) != 0)
    return PosixError("fdatasync", path_, errno);
  return absl::OkStatus();
}

absl::Status UringWritableFile::Preallocate(uint64_t ahead) {
  if (fd_ < 0) return absl::FailedPreconditionError("preallocate in closed " + path_);
  return zeros_.Start(fd_, path_, offset_, ahead);
}

absl::Status UringWritableFile::Close() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status s;
  if (zeros_.end() > offset_ &&
      ::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) {
    s = PosixError("ftruncate", path_, errno);
  }
  if (ring_ != nullptr) {
    io_uring_queue_exit(ring_.get());
    ring_.reset();
  }
  if (::close(fd_) != 0 && s.ok()) s = PosixError("close", path_, errno);
  fd_ = -1;
  return s;
}

}  // namespace synapsed::storage::env
