#include "env/mapped_writable_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "env/posix_env.h"
#include "env/zero_tail.h"
#include "util/status_macros.h"

namespace synapsed::storage::env {

namespace {

class MappedWritableFile final : public WritableFile {
 public:
  MappedWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), offset_(size), zeros_(size) {}
  ~MappedWritableFile() override { (void)Close(); }

  MappedWritableFile(const MappedWritableFile&) = delete;
  MappedWritableFile& operator=(const MappedWritableFile&) = delete;

  // Allocates and maps the window holding `offset`, unmapping the current
  // one. Its errno when fallocate fails is left in *fallocate_errno (0
  // otherwise) so the opener can tell "not supported" from a real error.
  absl::Status MapWindowAt(uint64_t offset, int* fallocate_errno = nullptr) {
    Unmap();
    const uint64_t start = offset / kMappedWindowBytes * kMappedWindowBytes;
    int rc;
    do {
      rc = ::fallocate(fd_, 0, static_cast<off_t>(start),
                       static_cast<off_t>(kMappedWindowBytes));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      if (fallocate_errno != nullptr) *fallocate_errno = errno;
      return PosixError("fallocate", path_, errno);
    }
    void* p = ::mmap(nullptr, kMappedWindowBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                     static_cast<off_t>(start));
    if (p == MAP_FAILED) return PosixError("mmap", path_, errno);
    window_ = static_cast<char*>(p);
    window_start_ = start;
    return absl::OkStatus();
  }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return absl::FailedPreconditionError("append to closed " + path_);
    RETURN_IF_ERROR(zeros_.Cover(fd_, path_, offset_ + data.size()));
    while (!data.empty()) {
      if (window_ == nullptr || offset_ == window_start_ + kMappedWindowBytes) {
        RETURN_IF_ERROR(MapWindowAt(offset_));
      }
      const size_t n = static_cast<size_t>(
          std::min<uint64_t>(data.size(), window_start_ + kMappedWindowBytes - offset_));
      std::memcpy(window_ + (offset_ - window_start_), data.data(), n);
      offset_ += n;
      data.remove_prefix(n);
    }
    return absl::OkStatus();
  }

  // fdatasync writes back the mapping's dirty pages with the rest.
  absl::Status Sync() override {
    if (fd_ < 0) return absl::FailedPreconditionError("sync of closed " + path_);
    if (::fdatasync(fd_) != 0) return PosixError("fdatasync", path_, errno);
    return absl::OkStatus();
  }

  absl::Status Preallocate(uint64_t ahead) override {
    if (fd_ < 0) return absl::FailedPreconditionError("preallocate in closed " + path_);
    return zeros_.Start(fd_, path_, offset_, ahead);
  }

  // Cuts off the zeros past the data (not synced) and closes. The file
  // has some once a window is mapped (a truncation to the size it has
  // changes nothing).
  absl::Status Close() override {
    if (fd_ < 0) return absl::OkStatus();
    Unmap();
    absl::Status s;
    if (::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) {
      s = PosixError("ftruncate", path_, errno);
    }
    if (::close(fd_) != 0 && s.ok()) s = PosixError("close", path_, errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return offset_; }

 private:
  void Unmap() {
    if (window_ == nullptr) return;
    // The dirty pages stay in the page cache; only the mapping goes.
    ::munmap(window_, kMappedWindowBytes);
    window_ = nullptr;
  }

  const std::string path_;
  int fd_;
  uint64_t offset_;         // logical size: where the next byte goes
  ZeroTail zeros_;          // the synced zeros when preallocating
  char* window_ = nullptr;  // the mapped window (kMappedWindowBytes)
  uint64_t window_start_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<WritableFile>> OpenMappedWritableFile(
    const std::string& path, bool truncate) {
  // A shared writable mapping needs the descriptor open for reading too.
  int flags = O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return PosixError("open", path, errno);
  uint64_t size = 0;
  if (!truncate) {
    ASSIGN_OR_RETURN(size, FileSizeOrClose(fd, path));
  }
  auto file = std::make_unique<MappedWritableFile>(path, fd, size);
  int fallocate_errno = 0;
  if (absl::Status s = file->MapWindowAt(size, &fallocate_errno); !s.ok()) {
    if (fallocate_errno == EOPNOTSUPP) return std::unique_ptr<WritableFile>();
    return s;  // the destructor closes the descriptor
  }
  return std::unique_ptr<WritableFile>(std::move(file));
}

}  // namespace synapsed::storage::env
