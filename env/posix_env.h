// POSIX implementation of env::FileSystem (DefaultFileSystem() returns one).
//
// Writes go through a small user-space buffer and pwrite; Sync is fdatasync.
// Reads use pread. Locks are fcntl(F_SETLK) record locks on the whole file,
// plus an in-process set so a second open in the same process fails too
// (fcntl locks are per process).
#ifndef SYNAPSED_ENV_POSIX_ENV_H_
#define SYNAPSED_ENV_POSIX_ENV_H_

#include <memory>

#include "env/env.h"

namespace synapsed::storage::env {

std::unique_ptr<FileSystem> NewPosixFileSystem();

// Maps errno to an absl::Status whose message names the operation and path.
absl::Status PosixError(std::string_view op, const std::string& path, int err);

// The size of the open file `fd` (fstat). On failure `fd` is closed and the
// error names `path`.
absl::StatusOr<uint64_t> FileSizeOrClose(int fd, const std::string& path);

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_POSIX_ENV_H_
