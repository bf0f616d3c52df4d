#include "env/zero_tail.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "env/posix_env.h"

namespace synapsed::storage::env {

absl::Status ZeroTail::Start(int fd, const std::string& path, uint64_t data_end,
                             uint64_t ahead) {
  ahead_ = ahead;
  // Appends made while off moved the data past the old zeros: the fill
  // starts at the data's end, never inside it.
  end_ = std::max(end_, data_end);
  return ahead_ > 0 ? Fill(fd, path, data_end) : absl::OkStatus();
}

absl::Status ZeroTail::Cover(int fd, const std::string& path, uint64_t data_end) {
  if (ahead_ == 0 || data_end <= end_) return absl::OkStatus();
  return Fill(fd, path, data_end);
}

absl::Status ZeroTail::Fill(int fd, const std::string& path, uint64_t data_end) {
  constexpr uint64_t kPage = 4096;
  const uint64_t target = (data_end + ahead_ + kPage - 1) / kPage * kPage;
  if (target <= end_) return absl::OkStatus();
  static const std::vector<char> zeros(kPage, '\0');
  uint64_t at = end_;
  while (at < target) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(target - at, kPage));
    ssize_t w = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(at));
    if (w < 0) {
      if (errno == EINTR) continue;
      return PosixError("preallocate", path, errno);
    }
    at += static_cast<uint64_t>(w);
  }
  // Both the zeros and the new size must be durable before appends rely on
  // them; this is the one fdatasync that updates the inode.
  if (::fdatasync(fd) != 0) return PosixError("fdatasync", path, errno);
  end_ = target;
  return absl::OkStatus();
}

}  // namespace synapsed::storage::env
