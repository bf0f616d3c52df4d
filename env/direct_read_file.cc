#include "env/direct_read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "env/posix_env.h"
#include "util/status_macros.h"

namespace synapsed::storage::env {
namespace {

// The calling thread's aligned read buffer; grows to the largest read.
class AlignedBuffer {
 public:
  ~AlignedBuffer() { std::free(data_); }
  char* Reserve(size_t n) {
    if (n > capacity_) {
      void* p = std::aligned_alloc(kDirectReadAlignment, n);
      if (p == nullptr) return nullptr;
      std::free(data_);
      data_ = static_cast<char*>(p);
      capacity_ = n;
    }
    return data_;
  }

 private:
  char* data_ = nullptr;
  size_t capacity_ = 0;
};

class DirectReadFile final : public RandomAccessFile {
 public:
  DirectReadFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~DirectReadFile() override { ::close(fd_); }

  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    if (offset >= size_ || n == 0) return std::string_view(scratch, 0);
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    const uint64_t start = offset / kDirectReadAlignment * kDirectReadAlignment;
    const uint64_t end =
        (offset + n + kDirectReadAlignment - 1) / kDirectReadAlignment * kDirectReadAlignment;
    const size_t span = static_cast<size_t>(end - start);
    thread_local AlignedBuffer buffer;
    char* buf = buffer.Reserve(span);
    if (buf == nullptr) {
      return absl::ResourceExhaustedError("no memory for a direct read of " + path_);
    }
    size_t done = 0;
    while (done < span) {
      ssize_t r = ::pread(fd_, buf + done, span - done, static_cast<off_t>(start + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError("read (O_DIRECT)", path_, errno);
      }
      if (r == 0) break;  // end of file inside the last page
      done += static_cast<size_t>(r);
    }
    const uint64_t skip = offset - start;
    const size_t got = done > skip ? std::min<size_t>(n, done - skip) : 0;
    std::memcpy(scratch, buf + skip, got);
    return std::string_view(scratch, got);
  }
  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenDirectReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
  if (fd < 0) {
    if (errno == EINVAL) return std::unique_ptr<RandomAccessFile>();  // no O_DIRECT here
    return PosixError("open (O_DIRECT)", path, errno);
  }
  ASSIGN_OR_RETURN(const uint64_t size, FileSizeOrClose(fd, path));
  return std::unique_ptr<RandomAccessFile>(new DirectReadFile(path, fd, size));
}

}  // namespace synapsed::storage::env
