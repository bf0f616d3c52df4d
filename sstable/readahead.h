// Readahead: one iterator's window over a table file, so that a scan reads
// many blocks per system call instead of one.
//
// A read that starts where the previous one ended is sequential. Reads go
// straight to the file until kSequentialReadsBeforeWindow of them in a row
// were sequential; the next refills the window from its offset with
// kInitialWindow bytes (or the block, if larger), doubling on each later
// sequential refill up to kMaxWindow, and reads inside the window are
// served from it. A read anywhere else (a seek, a reverse step) goes to the
// file and starts the count again, so point lookups, reverse scans and
// short scans after a seek (which cross a block or two) pay nothing. The
// window is cut at the end of the file.
//
// The same idea as RocksDB's automatic iterator readahead (8 KiB doubling
// to 256 KiB after two sequential reads).
//
// Not thread-safe: one iterator at a time.
#ifndef SYNAPSED_SSTABLE_READAHEAD_H_
#define SYNAPSED_SSTABLE_READAHEAD_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "env/env.h"

namespace synapsed::storage::sstable {

class Readahead {
 public:
  static constexpr int kSequentialReadsBeforeWindow = 2;
  static constexpr size_t kInitialWindow = 16 << 10;
  static constexpr size_t kMaxWindow = 256 << 10;

  // Bytes [offset, offset + n) of `file` (of `file_size` bytes), from the
  // window when it holds them, else read (into the window, or into
  // `scratch`, which must hold n bytes). Points into the window, `scratch`
  // or the file's own memory; valid until the next call. May be shorter
  // than n only at the end of the file.
  absl::StatusOr<std::string_view> Read(const env::RandomAccessFile& file, uint64_t file_size,
                                        uint64_t offset, size_t n, char* scratch);

  // Reads served from the window, and refills made; for tests and stats.
  uint64_t hits() const { return hits_; }
  uint64_t refills() const { return refills_; }

 private:
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  uint64_t window_offset_ = 0;
  std::string_view window_;      // the bytes held, at window_offset_
  uint64_t next_expected_ = ~uint64_t{0};  // where a sequential read starts
  size_t next_window_ = kInitialWindow;
  int sequential_run_ = 0;  // sequential reads in a row, up to the trigger
  uint64_t hits_ = 0;
  uint64_t refills_ = 0;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_READAHEAD_H_
