// Opens the backend a StorageConfig names. Backends not built yet answer
// Unimplemented with a clear message.
#ifndef SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_
#define SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenBackend(
    const StorageConfig& config);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_BACKEND_REGISTRY_H_
