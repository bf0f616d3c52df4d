// A WritableFile for write-ahead logs that appends by copying into a shared
// mapping of the file, as RocksDB's allow_mmap_writes: an unsynced append is
// a memcpy, with no syscall. The bytes are in the page cache as soon as the
// copy returns, as after a pwrite, so a process crash (kill -9) loses none
// of them; only Sync (fdatasync, which writes back the mapping's dirty
// pages) makes them survive power loss.
//
// The file is mapped one window (kMappedWindowBytes, aligned) at a time.
// Before a window is mapped its range is allocated with fallocate, which
// also moves the file's size to the window's end: a store into the mapping
// then never lands past the end of the file (which would raise SIGBUS), and
// a full disk is an error from Append (ResourceExhausted), not a signal on
// the copy. The file therefore has zeros past the data until Close cuts
// them off; after a crash they remain, and wal::LogReader reads a zero tail
// as the end of the log (docs/format/wal.md). Reopening such a file for
// append would append after the zeros: truncate it to
// LogReader::valid_end_offset() first.
//
// Preallocate(ahead) writes and syncs zeros ahead of the end, as the io_uring
// file does, so a synced append overwrites written blocks (fallocate leaves
// them "unwritten", and an fdatasync over those must commit the extent's
// conversion in the journal).
//
// A file system without fallocate gets no mapped file (OpenMappedWritableFile
// returns null and the caller writes with pwrite).
//
// Thread safety: one thread at a time, like every WritableFile.
#ifndef SYNAPSED_ENV_MAPPED_WRITABLE_FILE_H_
#define SYNAPSED_ENV_MAPPED_WRITABLE_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "env/env.h"

namespace synapsed::storage::env {

// Bytes mapped at once; windows start at multiples of it.
inline constexpr uint64_t kMappedWindowBytes = 1 << 20;

// Opens `path` for mapped appends: with `truncate`, created or truncated;
// otherwise created if missing and appended at its current end. The first
// window is allocated and mapped here. nullptr (not an error) when the file
// system refuses fallocate: the caller writes another way.
[[nodiscard]] absl::StatusOr<std::unique_ptr<WritableFile>> OpenMappedWritableFile(
    const std::string& path, bool truncate);

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_MAPPED_WRITABLE_FILE_H_
