#include "engine/options.h"

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace synapsed::storage::engine {

absl::StatusOr<EngineOptions> EngineOptionsFrom(const NativeOptions& native) {
  EngineOptions o;
  o.write_buffer_size = native.write_buffer_size;
  o.block_cache_size = native.block_cache_size;
  o.create_if_missing = native.create_if_missing;
  o.error_if_exists = native.error_if_exists;
  for (size_t i = 0; i < native.compression_per_level.size(); ++i) {
    switch (native.compression_per_level[i]) {
      case CompressionConfig::Algorithm::kNone:
        o.compression_per_level.push_back(sstable::CompressionType::kNone);
        break;
      case CompressionConfig::Algorithm::kLz4:
        o.compression_per_level.push_back(sstable::CompressionType::kLz4);
        break;
      case CompressionConfig::Algorithm::kZstd:
        o.compression_per_level.push_back(sstable::CompressionType::kZstd);
        break;
      case CompressionConfig::Algorithm::kSnappy:
      case CompressionConfig::Algorithm::kAdaptive:
        return absl::InvalidArgumentError(fmt::format(
            "native.compression_per_level[{}]: tables are compressed with none, lz4 or "
            "zstd (adaptive_compression samples blocks on top of any of them)",
            i));
    }
  }
  o.table.adaptive_compression = native.adaptive_compression;
  o.log_retention_bytes = native.log_retention_bytes;
  if (native.wal_buffer_bytes.has_value()) {
    o.wal_buffer_bytes = static_cast<size_t>(*native.wal_buffer_bytes);
  }
  if (native.wal_flush_interval_ms > kMaxWalFlushIntervalMs) {
    return absl::InvalidArgumentError(fmt::format(
        "native.wal_flush_interval_ms: {} is more than {}", native.wal_flush_interval_ms,
        kMaxWalFlushIntervalMs));
  }
  o.wal_flush_interval_ms = static_cast<uint32_t>(native.wal_flush_interval_ms);
  return o;
}

EngineOptions WithEngineDefaults(EngineOptions options) {
  if (!options.wal_buffer_bytes.has_value()) {
    options.wal_buffer_bytes = options.keyring != nullptr ? kEncryptedWalBufferBytes : 0;
  }
  return options;
}

std::string EngineOptionsToJson(const EngineOptions& o) {
  nlohmann::json j;
  j["fs"] = o.fs == nullptr ? "default" : "custom";
  j["create_if_missing"] = o.create_if_missing;
  j["error_if_exists"] = o.error_if_exists;
  j["read_only"] = o.read_only;
  j["encrypted"] = o.keyring != nullptr;
  j["write_buffer_size"] = o.write_buffer_size;
  j["max_immutable_memtables"] = o.max_immutable_memtables;
  j["use_io_uring"] = o.use_io_uring;
  j["wal_buffer_bytes"] = o.wal_buffer_bytes.has_value()
                              ? nlohmann::json(*o.wal_buffer_bytes)
                              : nlohmann::json(nullptr);
  j["wal_flush_interval_ms"] = o.wal_flush_interval_ms;
  j["use_mmap_writes"] = o.use_mmap_writes;
  j["wal_preallocate_bytes"] = o.wal_preallocate_bytes;
  j["log_retention_bytes"] = o.log_retention_bytes;
  j["table"] = {{"block_size", o.table.block_size},
                {"restart_interval", o.table.restart_interval},
                {"index_restart_interval", o.table.index_restart_interval},
                {"bloom_bits_per_key", o.table.bloom_bits_per_key},
                {"compression", sstable::CompressionTypeName(o.table.compression)},
                {"adaptive_compression", o.table.adaptive_compression},
                {"zstd_level", o.table.zstd_level},
                {"creation_time", o.table.creation_time}};
  j["compression_per_level"] = nlohmann::json::array();
  for (sstable::CompressionType t : o.compression_per_level) {
    j["compression_per_level"].push_back(sstable::CompressionTypeName(t));
  }
  j["block_cache_size"] = o.block_cache_size;
  j["max_open_files"] = o.max_open_files;
  j["use_mmap_reads"] = o.use_mmap_reads;
  j["use_direct_reads"] = o.use_direct_reads;
  j["l0_compaction_trigger"] = o.l0_compaction_trigger;
  j["l0_slowdown_trigger"] = o.l0_slowdown_trigger;
  j["l0_stop_trigger"] = o.l0_stop_trigger;
  j["base_level_bytes"] = o.base_level_bytes;
  j["level_multiplier"] = o.level_multiplier;
  j["target_file_size"] = o.target_file_size;
  j["background_threads"] = o.background_threads;
  return j.dump(2);
}

}  // namespace synapsed::storage::engine
