#include "backends/backend_registry.h"

#include "backends/leveldb_store.h"
#include "backends/memory_store.h"
#include "backends/rocksdb_store.h"
#include "backends/sqlite_store.h"
#include "engine/db.h"
#include "fmt/format.h"

namespace synapsed::storage {
namespace {

// Set by backends/CMakeLists.txt from the SYNAPSED_WITH_* options. A peer
// that is off still links: absent_backends.cc answers for it.
#ifdef SYNAPSED_WITH_ROCKSDB
constexpr bool kHaveRocksDb = true;
#else
constexpr bool kHaveRocksDb = false;
#endif
#ifdef SYNAPSED_WITH_SQLITE
constexpr bool kHaveSqlite = true;
#else
constexpr bool kHaveSqlite = false;
#endif
#ifdef SYNAPSED_WITH_LEVELDB
constexpr bool kHaveLevelDb = true;
#else
constexpr bool kHaveLevelDb = false;
#endif

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenBackend(const StorageConfig& config) {
  switch (config.type) {
    case BackendType::kMemory:
      return NewMemoryStore(config.memory);
    case BackendType::kNative:
      return engine::OpenNativeStore(engine::EngineOptionsFrom(config.native),
                                     config.path);
    case BackendType::kRocksDb: {
      RocksDbStoreOptions options;
      options.block_cache_size = config.rocksdb.block_cache_size;
      options.write_buffer_size = config.rocksdb.write_buffer_size;
      options.max_open_files = config.rocksdb.max_open_files;
      return OpenRocksDbStore(options, config.path);
    }
    case BackendType::kSqlite:
      return OpenSqliteStore(SqliteStoreOptions(), config.path);
    case BackendType::kLevelDb:
      return OpenLevelDbStore(LevelDbStoreOptions(), config.path);
    case BackendType::kDistributed:
      break;
  }
  return absl::UnimplementedError(
      fmt::format("the \"{}\" backend is not built yet",
                  BackendTypeName(config.type)));
}

bool BackendAvailable(BackendType type) {
  switch (type) {
    case BackendType::kMemory:
    case BackendType::kNative:
      return true;
    case BackendType::kRocksDb:
      return kHaveRocksDb;
    case BackendType::kSqlite:
      return kHaveSqlite;
    case BackendType::kLevelDb:
      return kHaveLevelDb;
    case BackendType::kDistributed:
      return false;
  }
  return false;
}

}  // namespace synapsed::storage
