// An in-memory FileSystem for fast tests. Every byte lives in process memory;
// Sync and SyncDir are no-ops (wrap it in FaultInjectionFileSystem to model
// power loss). Thread-safe. Directories are explicit: a file can only be
// created in a directory that exists ("/" always does).
#ifndef SYNAPSED_ENV_MEM_ENV_H_
#define SYNAPSED_ENV_MEM_ENV_H_

#include <memory>

#include "env/env.h"

namespace synapsed::storage::env {

std::unique_ptr<FileSystem> NewMemFileSystem();

}  // namespace synapsed::storage::env

#endif  // SYNAPSED_ENV_MEM_ENV_H_
