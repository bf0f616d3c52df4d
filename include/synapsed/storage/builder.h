// StorageBuilder: opens the configured backend and stacks layers on it.
//
//   SYNAPSED_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                             StorageBuilder(StorageConfig::Native("/tmp/db"))
//                                 .WithCache(CacheConfig{})
//                                 .Build());
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

  // Whether this build of the library has the backend `type` names (the
  // peers rocksdb, leveldb and sqlite are build options; distributed does
  // not exist yet). Build() on a missing one answers Unimplemented.
  [[nodiscard]] static bool HasBackend(BackendType type);

 private:
  StorageConfig config_;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_BUILDER_H_
