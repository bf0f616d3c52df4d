// StorageBuilder: opens the configured backend and stacks layers on it.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                    StorageBuilder(StorageConfig::Native("/tmp/db"))
//                        .WithCache(CacheConfig{})
//                        .Build());
//
// Layers are applied innermost first: compression, then cache (so the cache
// holds uncompressed values). Whatever is stacked, the result offers all four
// capabilities.
#ifndef SYNAPSED_STORAGE_BUILDER_H_
#define SYNAPSED_STORAGE_BUILDER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

class StorageBuilder {
 public:
  explicit StorageBuilder(StorageConfig config) : config_(std::move(config)) {}

  StorageBuilder& WithCache(CacheConfig cache) {
    config_.cache = cache;
    return *this;
  }
  StorageBuilder& WithCompression(CompressionConfig compression) {
    config_.compression = compression;
    return *this;
  }

  [[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> Build() const;

 private:
  StorageConfig config_;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_BUILDER_H_
