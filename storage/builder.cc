#include "synapsed/storage/builder.h"

#include "absl/status/status.h"
#include "backends/backend_registry.h"
#include "layers/cache_layer.h"
#include "layers/compression_layer.h"
#include "util/status_macros.h"

namespace synapsed::storage {

absl::StatusOr<std::unique_ptr<Store>> StorageBuilder::Build() const {
  std::unique_ptr<Store> store;
  if (backend_ && read_only_) {
    return absl::InvalidArgumentError(
        "ReadOnly() with a user-supplied backend: the builder cannot make that "
        "store read-only (open it read-only in the factory instead)");
  }
  if (backend_) {
    ASSIGN_OR_RETURN(store, backend_(config_));
    // A factory returning OK and no store would crash the first layer.
    if (store == nullptr) {
      return absl::InvalidArgumentError(
          "the user-supplied backend factory returned no store");
    }
  } else {
    ASSIGN_OR_RETURN(store, OpenBackend(config_, read_only_ ? OpenMode::kReadOnly
                                                            : OpenMode::kReadWrite));
  }
  // Innermost first: the cache above the compression holds plain values.
  if (config_.compression && config_.compression->enabled &&
      config_.compression->algorithm != CompressionConfig::Algorithm::kNone) {
    ASSIGN_OR_RETURN(store, layers::NewCompressionLayer(std::move(store),
                                                        *config_.compression));
  }
  if (config_.cache) {
    ASSIGN_OR_RETURN(store, NewCacheLayer(std::move(store), *config_.cache));
  }
  return store;
}

bool StorageBuilder::HasBackend(BackendType type) {
  return BackendAvailable(type);
}

}  // namespace synapsed::storage
