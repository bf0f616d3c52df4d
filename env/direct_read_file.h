// A RandomAccessFile that reads with O_DIRECT: around the page cache, from
// the device, as RocksDB's use_direct_reads. For data much larger than
// memory, where the page cache would only duplicate the block cache.
//
// O_DIRECT needs the file offset, the length and the memory address of each
// read aligned (to the device's logical block size; 4096 covers 512- and
// 4096-byte devices). Read widens the asked range to whole 4 KiB pages, reads
// them into an aligned buffer of the calling thread, and copies the asked
// bytes into `scratch`: one copy, as a pread through the page cache makes.
//
// Thread-safe (pread on one descriptor; the buffer is per thread).
#ifndef SYNAPSED_ENV_DIRECT_READ_FILE_H_
#define SYNAPSED_ENV_DIRECT_READ_FILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "env/env.h"

namespace synapsed::storage::env {

// Opens `path` for direct reads. nullptr (not an error) when the file
// system refuses O_DIRECT (tmpfs, some overlays): the caller reads through
// the page cache instead.
[[nodiscard]] absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenDirectReadFile(
    const std::string& path);

// The alignment of every read's offset, length and buffer.
inline constexpr size_t kDirectReadAlignment = 4096;

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_DIRECT_READ_FILE_H_
