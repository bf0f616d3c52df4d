#include "backends/backend_registry.h"

#include "backends/memory_store.h"
#include "fmt/format.h"

namespace synapsed::storage {

absl::StatusOr<std::unique_ptr<Store>> OpenBackend(const StorageConfig& config) {
  switch (config.type) {
    case BackendType::kMemory:
      return NewMemoryStore();
    case BackendType::kNative:
    case BackendType::kRocksDb:
    case BackendType::kSqlite:
    case BackendType::kDistributed:
      break;
  }
  return absl::UnimplementedError(
      fmt::format("the \"{}\" backend is not built yet",
                  BackendTypeName(config.type)));
}

}  // namespace synapsed::storage
