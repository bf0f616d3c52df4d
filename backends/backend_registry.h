// Opens the backend a StorageConfig names. Backends this build lacks (a peer
// configured off, or one not written yet) answer Unimplemented with a clear
// message.
#ifndef SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_
#define SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "crypto/keyring.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

// kReadOnly opens an existing store without writing it (what the tools'
// reading commands use): native (EngineOptions::read_only), rocksdb
// (OpenForReadOnly) and sqlite (SQLITE_OPEN_READONLY) refuse writes, Flush
// and CompactRange with FailedPrecondition. LevelDB has no read-only open
// (its Open always writes a new log and manifest) and a memory store has
// nothing to reopen: both are refused with the reason. NotFound when there
// is no store to open.
enum class OpenMode { kReadWrite, kReadOnly };

// `keyring`: the native engine encrypts its files under it (the other
// backends ignore it; the builder stacks the envelope layer on them).
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenBackend(
    const StorageConfig& config, OpenMode mode = OpenMode::kReadWrite,
    std::shared_ptr<crypto::Keyring> keyring = nullptr);

// Whether OpenBackend can open `type` in this build.
[[nodiscard]] bool BackendAvailable(BackendType type);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_
