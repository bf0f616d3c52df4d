#include "synapsed/storage/builder.h"

#include "backends/backend_registry.h"
#include "util/status_macros.h"

namespace synapsed::storage {

absl::StatusOr<std::unique_ptr<Store>> StorageBuilder::Build() const {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenBackend(config_));
  if (config_.compression && config_.compression->enabled &&
      config_.compression->algorithm != CompressionConfig::Algorithm::kNone) {
    return absl::UnimplementedError(
        "the compression layer is not built yet; leave \"compression\" unset "
        "or set \"enabled\": false");
  }
  if (config_.cache) {
    return absl::UnimplementedError(
        "the value cache layer is not built yet; leave \"cache\" unset");
  }
  return store;
}

}  // namespace synapsed::storage
