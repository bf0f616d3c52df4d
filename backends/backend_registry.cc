#include "backends/backend_registry.h"

#include "backends/memory_store.h"
#include "engine/db.h"
#include "fmt/format.h"

namespace synapsed::storage {

absl::StatusOr<std::unique_ptr<Store>> OpenBackend(const StorageConfig& config) {
  switch (config.type) {
    case BackendType::kMemory:
      return NewMemoryStore();
    case BackendType::kNative: {
      engine::EngineOptions options;
      options.create_if_missing = config.native.create_if_missing;
      options.error_if_exists = config.native.error_if_exists;
      options.write_buffer_size = config.native.write_buffer_size;
      return engine::OpenNativeStore(options, config.path);
    }
    case BackendType::kRocksDb:
    case BackendType::kSqlite:
    case BackendType::kLevelDb:
    case BackendType::kDistributed:
      break;
  }
  return absl::UnimplementedError(
      fmt::format("the \"{}\" backend is not built yet",
                  BackendTypeName(config.type)));
}

}  // namespace synapsed::storage
