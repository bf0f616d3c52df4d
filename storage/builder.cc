#include "synapsed/storage/builder.h"

#include "backends/backend_registry.h"
#include "layers/cache_layer.h"
#include "layers/compression_layer.h"
#include "util/status_macros.h"

namespace synapsed::storage {

absl::StatusOr<std::unique_ptr<Store>> StorageBuilder::Build() const {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenBackend(config_));
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
