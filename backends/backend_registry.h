// Opens the backend a StorageConfig names. Backends this build lacks (a peer
// configured off, or one not written yet) answer Unimplemented with a clear
// message.
#ifndef SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_
#define SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenBackend(
    const StorageConfig& config);

// Whether OpenBackend can open `type` in this build.
[[nodiscard]] bool BackendAvailable(BackendType type);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_
