#include "sstable/readahead.h"

#include <algorithm>

namespace synapsed::storage::sstable {

absl::StatusOr<std::string_view> Readahead::Read(const env::RandomAccessFile& file,
                                                 uint64_t file_size, uint64_t offset, size_t n,
                                                 char* scratch) {
  const bool sequential = offset == next_expected_;
  next_expected_ = offset + n;
  if (offset >= window_offset_ && offset - window_offset_ + n <= window_.size()) {
    ++hits_;
    return window_.substr(offset - window_offset_, n);
  }
  if (!sequential) {
    sequential_run_ = 0;
    next_window_ = kInitialWindow;
  } else if (sequential_run_ < kSequentialReadsBeforeWindow) {
    ++sequential_run_;
  }
  if (sequential_run_ < kSequentialReadsBeforeWindow || offset >= file_size) {
    return file.Read(offset, n, scratch);
  }
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>(std::max(next_window_, n), file_size - offset));
  if (want > capacity_) {
    buffer_.reset(new char[want]);
    capacity_ = want;
  }
  window_ = {};
  auto read = file.Read(offset, want, buffer_.get());
  if (!read.ok()) return read.status();
  window_offset_ = offset;
  window_ = *read;  // the buffer, or the file's own memory
  next_window_ = std::min(next_window_ * 2, kMaxWindow);
  ++refills_;
  return window_.substr(0, std::min(n, window_.size()));
}

}  // namespace synapsed::storage::sstable
