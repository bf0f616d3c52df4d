// StorageConfig <-> JSON, with errors that name the offending field.
#include "synapsed/storage/config.h"

#include <set>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

using json = nlohmann::json;

absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("invalid config: field \"{}\": {}", field, why));
}

absl::Status CheckKnownFields(const json& obj, std::string_view where,
                              const std::set<std::string>& known) {
  for (const auto& [name, value] : obj.items()) {
    if (!known.count(name)) {
      std::string field = where.empty() ? name : fmt::format("{}.{}", where, name);
      return FieldError(field, "unknown field");
    }
  }
  return absl::OkStatus();
}

template <typename T>
absl::Status ReadUnsigned(const json& obj, const char* name,
                          std::string_view field, T* out) {
  if (!obj.contains(name)) return absl::OkStatus();
  const json& v = obj[name];
  if (!v.is_number_unsigned()) {
    return FieldError(field, "expected a non-negative integer");
  }
  *out = v.get<T>();
  return absl::OkStatus();
}

absl::Status ReadBool(const json& obj, const char* name, std::string_view field,
                      bool* out) {
  if (!obj.contains(name)) return absl::OkStatus();
  if (!obj[name].is_boolean()) return FieldError(field, "expected true or false");
  *out = obj[name].get<bool>();
  return absl::OkStatus();
}

absl::StatusOr<CacheConfig> ParseCache(const json& j) {
  if (!j.is_object()) return FieldError("cache", "expected an object");
  RETURN_IF_ERROR(CheckKnownFields(j, "cache", {"policy", "max_entries", "ttl_seconds"}));
  CacheConfig c;
  if (j.contains("policy")) {
    const json& p = j["policy"];
    if (!p.is_string()) return FieldError("cache.policy", "expected a string");
    std::string s = p.get<std::string>();
    if (s == "lru") {
      c.policy = CacheConfig::Policy::kLru;
    } else if (s == "lfu") {
      c.policy = CacheConfig::Policy::kLfu;
    } else if (s == "arc") {
      c.policy = CacheConfig::Policy::kArc;
    } else {
      return FieldError("cache.policy",
                        fmt::format("unknown policy \"{}\" (lru, lfu, arc)", s));
    }
  }
  RETURN_IF_ERROR(ReadUnsigned(j, "max_entries", "cache.max_entries", &c.max_entries));
  if (c.max_entries == 0) return FieldError("cache.max_entries", "must be > 0");
  if (j.contains("ttl_seconds") && !j["ttl_seconds"].is_null()) {
    uint64_t ttl = 0;
    RETURN_IF_ERROR(ReadUnsigned(j, "ttl_seconds", "cache.ttl_seconds", &ttl));
    c.ttl_seconds = ttl;
  }
  return c;
}

absl::StatusOr<CompressionConfig> ParseCompression(const json& j) {
  if (!j.is_object()) return FieldError("compression", "expected an object");
  RETURN_IF_ERROR(CheckKnownFields(j, "compression", {"enabled", "algorithm", "min_size"}));
  CompressionConfig c;
  RETURN_IF_ERROR(ReadBool(j, "enabled", "compression.enabled", &c.enabled));
  if (j.contains("algorithm")) {
    const json& a = j["algorithm"];
    if (!a.is_string()) return FieldError("compression.algorithm", "expected a string");
    std::string s = a.get<std::string>();
    if (s == "lz4") {
      c.algorithm = CompressionConfig::Algorithm::kLz4;
    } else if (s == "zstd") {
      c.algorithm = CompressionConfig::Algorithm::kZstd;
    } else if (s == "snappy") {
      c.algorithm = CompressionConfig::Algorithm::kSnappy;
    } else if (s == "none") {
      c.algorithm = CompressionConfig::Algorithm::kNone;
    } else if (s == "adaptive") {
      c.algorithm = CompressionConfig::Algorithm::kAdaptive;
    } else {
      return FieldError("compression.algorithm",
                        fmt::format("unknown algorithm \"{}\" (lz4, zstd, snappy, none, adaptive)", s));
    }
  }
  RETURN_IF_ERROR(ReadUnsigned(j, "min_size", "compression.min_size", &c.min_size));
  return c;
}

const char* PolicyName(CacheConfig::Policy p) {
  switch (p) {
    case CacheConfig::Policy::kLru: return "lru";
    case CacheConfig::Policy::kLfu: return "lfu";
    case CacheConfig::Policy::kArc: return "arc";
  }
  return "?";
}

const char* AlgorithmName(CompressionConfig::Algorithm a) {
  switch (a) {
    case CompressionConfig::Algorithm::kLz4: return "lz4";
    case CompressionConfig::Algorithm::kZstd: return "zstd";
    case CompressionConfig::Algorithm::kSnappy: return "snappy";
    case CompressionConfig::Algorithm::kNone: return "none";
    case CompressionConfig::Algorithm::kAdaptive: return "adaptive";
  }
  return "?";
}

}  // namespace

std::string_view BackendTypeName(BackendType type) {
  switch (type) {
    case BackendType::kMemory: return "memory";
    case BackendType::kNative: return "native";
    case BackendType::kRocksDb: return "rocksdb";
    case BackendType::kSqlite: return "sqlite";
    case BackendType::kLevelDb: return "leveldb";
    case BackendType::kDistributed: return "distributed";
  }
  return "?";
}

absl::StatusOr<StorageConfig> StorageConfig::FromJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError("invalid config: not valid JSON");
  }
  if (!j.is_object()) {
    return absl::InvalidArgumentError("invalid config: expected a JSON object");
  }
  if (!j.contains("type")) return FieldError("type", "missing");
  if (!j["type"].is_string()) return FieldError("type", "expected a string");
  StorageConfig c;
  const std::string type = j["type"].get<std::string>();
  std::set<std::string> known = {"type", "cache", "compression"};
  if (type == "memory") {
    c.type = BackendType::kMemory;
  } else if (type == "native") {
    c.type = BackendType::kNative;
    known.insert({"path", "write_buffer_size", "block_cache_size",
                  "create_if_missing", "error_if_exists"});
  } else if (type == "rocksdb") {
    c.type = BackendType::kRocksDb;
    known.insert({"path", "block_cache_size", "write_buffer_size", "max_open_files"});
  } else if (type == "sqlite") {
    c.type = BackendType::kSqlite;
    known.insert("path");
  } else if (type == "leveldb") {
    c.type = BackendType::kLevelDb;
    known.insert("path");
  } else if (type == "distributed") {
    c.type = BackendType::kDistributed;
    known.insert("path");
  } else {
    return FieldError("type",
                      fmt::format("unknown backend \"{}\" (memory, native, "
                                  "rocksdb, sqlite, leveldb, distributed)",
                                  type));
  }
  RETURN_IF_ERROR(CheckKnownFields(j, "", known));
  if (j.contains("path")) {
    if (!j["path"].is_string()) return FieldError("path", "expected a string");
    c.path = j["path"].get<std::string>();
    if (c.path.empty()) return FieldError("path", "must not be empty");
  } else if (c.type != BackendType::kMemory) {
    return FieldError("path", fmt::format("required for backend \"{}\"", type));
  }
  if (c.type == BackendType::kNative) {
    RETURN_IF_ERROR(ReadUnsigned(j, "write_buffer_size", "write_buffer_size",
                                 &c.native.write_buffer_size));
    if (c.native.write_buffer_size < 4096) {
      return FieldError("write_buffer_size", "must be at least 4096");
    }
    RETURN_IF_ERROR(ReadUnsigned(j, "block_cache_size", "block_cache_size",
                                 &c.native.block_cache_size));
    RETURN_IF_ERROR(ReadBool(j, "create_if_missing", "create_if_missing",
                             &c.native.create_if_missing));
    RETURN_IF_ERROR(ReadBool(j, "error_if_exists", "error_if_exists",
                             &c.native.error_if_exists));
  } else if (c.type == BackendType::kRocksDb) {
    RETURN_IF_ERROR(ReadUnsigned(j, "block_cache_size", "block_cache_size",
                                 &c.rocksdb.block_cache_size));
    RETURN_IF_ERROR(ReadUnsigned(j, "write_buffer_size", "write_buffer_size",
                                 &c.rocksdb.write_buffer_size));
    if (j.contains("max_open_files")) {
      if (!j["max_open_files"].is_number_integer()) {
        return FieldError("max_open_files", "expected an integer");
      }
      c.rocksdb.max_open_files = j["max_open_files"].get<int>();
    }
  }
  if (j.contains("cache") && !j["cache"].is_null()) {
    ASSIGN_OR_RETURN(c.cache, ParseCache(j["cache"]));
  }
  if (j.contains("compression") && !j["compression"].is_null()) {
    ASSIGN_OR_RETURN(c.compression, ParseCompression(j["compression"]));
  }
  return c;
}

std::string StorageConfig::ToJson() const {
  json j;
  j["type"] = std::string(BackendTypeName(type));
  if (!path.empty()) j["path"] = path;
  if (type == BackendType::kNative) {
    j["write_buffer_size"] = native.write_buffer_size;
    j["block_cache_size"] = native.block_cache_size;
    j["create_if_missing"] = native.create_if_missing;
    j["error_if_exists"] = native.error_if_exists;
  } else if (type == BackendType::kRocksDb) {
    j["block_cache_size"] = rocksdb.block_cache_size;
    j["write_buffer_size"] = rocksdb.write_buffer_size;
    j["max_open_files"] = rocksdb.max_open_files;
  }
  if (cache) {
    j["cache"] = {{"policy", PolicyName(cache->policy)},
                  {"max_entries", cache->max_entries}};
    if (cache->ttl_seconds) j["cache"]["ttl_seconds"] = *cache->ttl_seconds;
  }
  if (compression) {
    j["compression"] = {{"enabled", compression->enabled},
                        {"algorithm", AlgorithmName(compression->algorithm)},
                        {"min_size", compression->min_size}};
  }
  return j.dump();
}

}  // namespace synapsed::storage
