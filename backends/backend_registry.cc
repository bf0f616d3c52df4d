#include "backends/backend_registry.h"

#include "backends/distributed_store.h"
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

absl::StatusOr<std::unique_ptr<Store>> OpenBackend(const StorageConfig& config,
                                                   OpenMode mode,
                                                   std::shared_ptr<crypto::Keyring> keyring) {
  const bool read_only = mode == OpenMode::kReadOnly;
  switch (config.type) {
    case BackendType::kMemory:
      if (read_only) {
        return absl::InvalidArgumentError(
            "a memory store keeps nothing between opens: there is nothing to open "
            "read-only");
      }
      return NewMemoryStore(config.memory);
    case BackendType::kNative: {
      auto from = engine::EngineOptionsFrom(config.native);
      if (!from.ok()) return from.status();
      engine::EngineOptions options = *std::move(from);
      options.keyring = std::move(keyring);
      if (read_only) {
        options.read_only = true;
        options.create_if_missing = false;
        options.error_if_exists = false;
      }
      return engine::OpenNativeStore(options, config.path);
    }
    case BackendType::kRocksDb: {
      RocksDbStoreOptions options;
      options.block_cache_size = config.rocksdb.block_cache_size;
      options.write_buffer_size = config.rocksdb.write_buffer_size;
      options.max_open_files = config.rocksdb.max_open_files;
      options.read_only = read_only;
      return OpenRocksDbStore(options, config.path);
    }
    case BackendType::kSqlite: {
      SqliteStoreOptions options;
      options.read_only = read_only;
      return OpenSqliteStore(options, config.path);
    }
    case BackendType::kLevelDb:
      if (read_only && kHaveLevelDb) {
        return absl::UnimplementedError(
            "leveldb has no read-only open: its Open writes a new log and manifest "
            "(open it read-write, or use another backend's tools)");
      }
      return OpenLevelDbStore(LevelDbStoreOptions(), config.path);
    case BackendType::kDistributed:
      if (read_only) {
        return absl::UnimplementedError(
            "distributed has no read-only open: it is a client of a cluster, whose nodes "
            "own their files (inspect a node's replicas with the tools instead)");
      }
      return OpenDistributedStore(config.distributed);
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
      return true;
  }
  return false;
}

}  // namespace synapsed::storage
