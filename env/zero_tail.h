// The synced zeros a preallocating log file keeps past its data
// (WritableFile::Preallocate): while on, [data end, data end + ahead) holds
// zeros that are written and durable, so a synced append overwrites blocks
// the file already has and its fdatasync commits no new size.
//
// The zeros go out one 4 KiB page per pwrite: a larger write makes the page
// cache use large folios, and each later small overwrite would then dirty,
// and fdatasync write back, a whole folio (measured: +50% CPU per fdatasync,
// and 2.5x the cost of an unbuffered 100-byte append, with 1 MiB writes).
//
// Used by the io_uring and the mapped log files; not thread-safe (it belongs
// to one file).
#ifndef SYNAPSED_ENV_ZERO_TAIL_H_
#define SYNAPSED_ENV_ZERO_TAIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace synapsed::storage::env {

class ZeroTail {
 public:
  // A file whose data ends at `data_end`; off until Start.
  explicit ZeroTail(uint64_t data_end) : end_(data_end) {}

  // From now on keeps `ahead` bytes of zeros past `data_end` (0 stops
  // extending them); writes them now.
  [[nodiscard]] absl::Status Start(int fd, const std::string& path, uint64_t data_end,
                                   uint64_t ahead);
  // Before an append that ends at `data_end`: writes and syncs the next
  // `ahead` bytes of zeros if the append would reach past the current ones
  // (whole pages, so the fill never splits one). No-op when off.
  [[nodiscard]] absl::Status Cover(int fd, const std::string& path, uint64_t data_end);

  // Where the written zeros end (at or before the data's end when off).
  uint64_t end() const { return end_; }

 private:
  // Zeros up to `data_end` + ahead, rounded up to a page, then fdatasync.
  absl::Status Fill(int fd, const std::string& path, uint64_t data_end);

  uint64_t end_;
  uint64_t ahead_ = 0;
};

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_ZERO_TAIL_H_
