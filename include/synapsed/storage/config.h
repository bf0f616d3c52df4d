// StorageConfig: which backend to open and which layers to stack on it, as
// the seed describes it. Readable from JSON:
//
//   {"type": "native", "path": "/var/lib/app/db",
//    "write_buffer_size": 4194304, "block_cache_size": 67108864,
//    "cache": {"policy": "arc", "max_entries": 100000, "ttl_seconds": 60},
//    "compression": {"enabled": true, "algorithm": "lz4", "min_size": 1024}}
//
// "type" is one of memory, native, rocksdb, sqlite, leveldb, distributed. The other
// top-level fields belong to the backend (see each *Options below; a field of
// another backend is an error). An unknown field, a wrong type or an unknown
// backend fails with InvalidArgument naming the field.
#ifndef SYNAPSED_STORAGE_CONFIG_H_
#define SYNAPSED_STORAGE_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace synapsed::storage {

enum class BackendType {
  kMemory,
  kNative,
  kRocksDb,
  kSqlite,
  kLevelDb,  // a benchmark peer; stands in for the seed's sled backend
  kDistributed,
};

// The value cache layer (layers/): whole values by key.
struct CacheConfig {
  enum class Policy { kLru, kLfu, kArc };
  Policy policy = Policy::kLru;
  size_t max_entries = 10000;
  std::optional<uint64_t> ttl_seconds;  // nullopt: entries never expire
};

// The value compression layer (layers/).
struct CompressionConfig {
  // kAdaptive: the layer picks none, LZ4 or Zstandard per value from
  // measured ratio and speed (layers/adaptive_codec.h).
  enum class Algorithm { kLz4, kZstd, kSnappy, kNone, kAdaptive };
  bool enabled = true;
  Algorithm algorithm = Algorithm::kLz4;
  size_t min_size = 1024;  // values shorter than this are stored as they are
};

// The native LSM engine.
struct NativeOptions {
  // Bytes of writes buffered in a memtable before it is flushed to a table:
  // bigger absorbs more overwrites, smaller stays in CPU cache.
  size_t write_buffer_size = 4 << 20;
  // Bytes of blocks the block cache may hold.
  size_t block_cache_size = 64 << 20;
  // Create the database if the directory holds none.
  bool create_if_missing = true;
  // Fail to open if a database already exists.
  bool error_if_exists = false;
};

// The RocksDB backend (as the seed's RocksDbOptions).
struct RocksDbOptions {
  size_t block_cache_size = 64 << 20;
  size_t write_buffer_size = 64 << 20;
  int max_open_files = -1;
};

struct StorageConfig {
  BackendType type = BackendType::kMemory;
  // The database directory (native, rocksdb) or file (sqlite).
  std::string path;
  NativeOptions native;
  RocksDbOptions rocksdb;
  std::optional<CacheConfig> cache;
  std::optional<CompressionConfig> compression;

  static StorageConfig Memory() { return StorageConfig(); }
  static StorageConfig Native(std::string path) {
    StorageConfig c;
    c.type = BackendType::kNative;
    c.path = std::move(path);
    return c;
  }

  [[nodiscard]] static absl::StatusOr<StorageConfig> FromJson(
      std::string_view json);
  std::string ToJson() const;
};

std::string_view BackendTypeName(BackendType type);

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_CONFIG_H_
