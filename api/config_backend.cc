// The backend's part of a StorageConfig's JSON: the table of backend names in
// their three spellings, the fields each backend takes, and their readers.
// StorageConfig::FromJson (config.cc) finds which form the document uses and
// calls ParseTagged or ParseBackendFields on the backend's part of it.
#include "api/config_json.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/config.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace config_internal {
namespace {

constexpr BackendName kBackends[] = {
    {BackendType::kMemory, "memory", "memory", "Memory"},
    {BackendType::kNative, "native", "native", "Native"},
    {BackendType::kRocksDb, "rocksdb", "rocks_db", "RocksDb"},
    {BackendType::kSqlite, "sqlite", "sqlite", "Sqlite"},
    {BackendType::kLevelDb, "leveldb", "level_db", "LevelDb"},
    {BackendType::kDistributed, "distributed", "distributed", "Distributed"},
};
constexpr const char* kBackendList =
    "memory, native, rocksdb (or rocks_db), sqlite, leveldb, distributed";

absl::Status SledError(std::string_view field) {
  return FieldError(field, fmt::format(
                               "the seed's sled backend has no C or C++ interface and "
                               "no Debian package, so it is not built here; the "
                               "backends that exist: {}",
                               kBackendList));
}

std::string Join(std::string_view where, std::string_view name) {
  return where.empty() ? std::string(name) : fmt::format("{}.{}", where, name);
}

// "a.b.c.d:port": four decimal parts 0 to 255 without leading zeros (which
// some resolvers read as octal), and a port 1 to 65535. Names are refused:
// the client does not resolve them.
bool IsIpv4HostPort(std::string_view s) {
  // A decimal number of 1 to `digits` digits, without a leading zero.
  auto number = [](std::string_view d,
                   size_t digits) -> std::optional<uint32_t> {
    if (d.empty() || d.size() > digits || (d.size() > 1 && d[0] == '0')) {
      return std::nullopt;
    }
    uint32_t n = 0;
    for (char ch : d) {
      if (ch < '0' || ch > '9') return std::nullopt;
      n = n * 10 + static_cast<uint32_t>(ch - '0');
    }
    return n;
  };
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  const auto port = number(s.substr(colon + 1), 5);
  if (!port || *port < 1 || *port > 65535) return false;
  std::string_view host = s.substr(0, colon);
  for (int part = 0; part < 4; ++part) {
    const size_t end = part < 3 ? host.find('.') : host.size();
    if (end == std::string_view::npos) return false;
    const auto n = number(host.substr(0, end), 3);
    if (!n || *n > 255) return false;
    host.remove_prefix(std::min(end + 1, host.size()));
  }
  return true;
}

// An optional count: absent or null leaves `out` unset.
absl::Status ReadCount(const json& obj, const char* name,
                       const std::string& field, std::optional<int>* out) {
  if (!obj.contains(name) || obj[name].is_null()) return absl::OkStatus();
  const json& v = obj[name];
  if (!v.is_number_unsigned() ||
      v.get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    return FieldError(field, fmt::format("expected an integer from 1 to {}",
                                         std::numeric_limits<int>::max()));
  }
  if (v.get<int>() < 1) return FieldError(field, "must be at least 1");
  *out = v.get<int>();
  return absl::OkStatus();
}

// The `distributed` backend's fields (DistributedOptions).
absl::Status ParseDistributed(const json& obj, std::string_view where,
                              DistributedOptions* d) {
  auto field = [&](const char* name) { return Join(where, name); };
  if (!obj.contains("nodes")) {
    return FieldError(
        field("nodes"),
        "required for backend \"distributed\": the cluster's seed nodes, "
        "[\"10.0.0.1:7000\", ...]");
  }
  const json& nodes = obj["nodes"];
  if (!nodes.is_array()) {
    return FieldError(field("nodes"), "expected an array of \"host:port\"");
  }
  if (nodes.empty()) {
    return FieldError(field("nodes"), "must name at least one node");
  }
  d->nodes.clear();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string at = fmt::format("{}[{}]", field("nodes"), i);
    ASSIGN_OR_RETURN(std::string node, ReadAnyString(nodes[i], at));
    if (!IsIpv4HostPort(node)) {
      return FieldError(
          at, fmt::format("\"{}\" is not \"host:port\" with a numeric IPv4 "
                          "host and a port from 1 to 65535",
                          node));
    }
    d->nodes.push_back(std::move(node));
  }
  RETURN_IF_ERROR(ReadCount(obj, "replication_factor",
                            field("replication_factor"),
                            &d->replication_factor));
  RETURN_IF_ERROR(
      ReadCount(obj, "min_replicas", field("min_replicas"), &d->min_replicas));
  if (d->min_replicas && d->replication_factor &&
      *d->min_replicas > *d->replication_factor) {
    return FieldError(field("min_replicas"),
                      fmt::format("{} is more than replication_factor {}",
                                  *d->min_replicas, *d->replication_factor));
  }
  if (obj.contains("consistency") && !obj["consistency"].is_null()) {
    ASSIGN_OR_RETURN(std::string s,
                     ReadAnyString(obj["consistency"], field("consistency")));
    auto consistency = LookupName(kConsistencies, s);
    if (!consistency) {
      return FieldError(
          field("consistency"),
          fmt::format("unknown consistency \"{}\" (strong, eventual)", s));
    }
    d->consistency = *consistency;
  }
  RETURN_IF_ERROR(
      ReadUnsigned(obj, "timeout_ms", field("timeout_ms"), &d->timeout_ms));
  if (d->timeout_ms == 0) {
    return FieldError(field("timeout_ms"), "must be at least 1");
  }
  RETURN_IF_ERROR(ReadUnsigned(obj, "retry_timeout_ms",
                               field("retry_timeout_ms"),
                               &d->retry_timeout_ms));
  if (obj.contains("user")) {
    ASSIGN_OR_RETURN(d->user, ReadAnyString(obj["user"], field("user")));
  }
  RETURN_IF_ERROR(ReadString(obj, "password_file", field("password_file"),
                             &d->password_file));
  // A user is only sent with a password: alone it would be silently unused.
  if (!d->user.empty() && d->password_file.empty()) {
    return FieldError(
        field("user"),
        "given without \"password_file\" (AUTH needs a password)");
  }
  return absl::OkStatus();
}

// "compression_per_level": ["none", "lz4", "zstd", ...], the native
// tables' codec per level (tables have no Snappy or adaptive codec).
absl::Status ReadTableCodecs(const json& obj, std::string_view field,
                             std::vector<CompressionConfig::Algorithm>* out) {
  if (!obj.contains("compression_per_level")) return absl::OkStatus();
  const json& list = obj["compression_per_level"];
  if (!list.is_array()) return FieldError(field, "expected an array of codec names");
  out->clear();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = fmt::format("{}[{}]", field, i);
    if (!list[i].is_string()) return FieldError(at, "expected a string");
    const std::string s = list[i].get<std::string>();
    auto codec = LookupName(kAlgorithms, s);
    if (!codec || *codec == CompressionConfig::Algorithm::kSnappy ||
        *codec == CompressionConfig::Algorithm::kAdaptive) {
      return FieldError(at, fmt::format("\"{}\" is not a table codec (none, lz4, zstd)", s));
    }
    out->push_back(*codec);
  }
  return absl::OkStatus();
}

}  // namespace

// What config.cc calls; the comments are on the declarations in config_json.h.

const BackendName* FindTag(std::string_view s) {
  for (const BackendName& b : kBackends) {
    if (s == b.name || s == b.seed) return &b;
  }
  return nullptr;
}

const BackendName* FindVariant(std::string_view s) {
  for (const BackendName& b : kBackends) {
    if (s == b.variant) return &b;
  }
  return nullptr;
}

const BackendName& BackendOf(BackendType type) {
  for (const BackendName& b : kBackends) {
    if (b.type == type) return b;
  }
  return kBackends[0];
}

bool IsSled(std::string_view s) { return s == "sled" || s == "Sled"; }

absl::StatusOr<const BackendName*> ReadTypeField(const json& j) {
  if (!j["type"].is_string()) return FieldError("type", "expected a string");
  const std::string s = j["type"].get<std::string>();
  if (IsSled(s)) return SledError("type");
  const BackendName* b = FindTag(s);
  if (b == nullptr) {
    return FieldError("type", fmt::format("unknown backend \"{}\" ({})", s, kBackendList));
  }
  return b;
}

std::set<std::string> BackendFields(BackendType type) {
  switch (type) {
    case BackendType::kMemory:
      return {"initial_capacity"};
    case BackendType::kNative:
      return {"path", "write_buffer_size", "block_cache_size", "create_if_missing",
              "error_if_exists", "compression_per_level", "adaptive_compression",
              "log_retention_bytes", "wal_buffer_bytes", "wal_flush_interval_ms"};
    case BackendType::kRocksDb:
      return {"path", "block_cache_size", "write_buffer_size", "max_open_files"};
    case BackendType::kSqlite:
    case BackendType::kLevelDb:
      return {"path"};
    case BackendType::kDistributed:
      return {"nodes",       "replication_factor", "min_replicas",
              "consistency", "timeout_ms",         "retry_timeout_ms",
              "user",        "password_file"};
  }
  return {};
}

absl::Status ParseBackendFields(const json& obj, std::string_view where,
                                const std::set<std::string>& others,
                                StorageConfig* c) {
  if (!obj.is_object()) {
    return FieldError(where, "expected an object of the backend's fields");
  }
  std::set<std::string> known = BackendFields(c->type);
  known.insert(others.begin(), others.end());
  RETURN_IF_ERROR(CheckKnownFields(obj, where, known));
  const std::string type(BackendOf(c->type).name);
  if (obj.contains("path")) {
    if (!obj["path"].is_string()) return FieldError(Join(where, "path"), "expected a string");
    c->path = obj["path"].get<std::string>();
    if (c->path.empty()) return FieldError(Join(where, "path"), "must not be empty");
  } else if (c->type != BackendType::kMemory &&
             c->type != BackendType::kDistributed) {
    return FieldError(Join(where, "path"), fmt::format("required for backend \"{}\"", type));
  }
  auto field = [&](const char* name) { return Join(where, name); };
  if (c->type == BackendType::kMemory) {
    RETURN_IF_ERROR(ReadUnsigned(obj, "initial_capacity", field("initial_capacity"),
                                 &c->memory.initial_capacity));
  } else if (c->type == BackendType::kNative) {
    RETURN_IF_ERROR(ReadUnsigned(obj, "write_buffer_size", field("write_buffer_size"),
                                 &c->native.write_buffer_size));
    if (c->native.write_buffer_size < 4096) {
      return FieldError(field("write_buffer_size"), "must be at least 4096");
    }
    RETURN_IF_ERROR(ReadUnsigned(obj, "block_cache_size", field("block_cache_size"),
                                 &c->native.block_cache_size));
    RETURN_IF_ERROR(ReadBool(obj, "create_if_missing", field("create_if_missing"),
                             &c->native.create_if_missing));
    RETURN_IF_ERROR(ReadBool(obj, "error_if_exists", field("error_if_exists"),
                             &c->native.error_if_exists));
    RETURN_IF_ERROR(ReadTableCodecs(obj, field("compression_per_level"),
                                    &c->native.compression_per_level));
    RETURN_IF_ERROR(ReadBool(obj, "adaptive_compression", field("adaptive_compression"),
                             &c->native.adaptive_compression));
    RETURN_IF_ERROR(ReadUnsigned(obj, "log_retention_bytes", field("log_retention_bytes"),
                                 &c->native.log_retention_bytes));
    // null, as ToJson writes it: the engine's default.
    if (obj.contains("wal_buffer_bytes") && !obj["wal_buffer_bytes"].is_null()) {
      uint64_t bytes = 0;
      RETURN_IF_ERROR(ReadUnsigned(obj, "wal_buffer_bytes", field("wal_buffer_bytes"), &bytes));
      c->native.wal_buffer_bytes = bytes;
    }
    RETURN_IF_ERROR(ReadUnsigned(obj, "wal_flush_interval_ms", field("wal_flush_interval_ms"),
                                 &c->native.wal_flush_interval_ms));
    if (c->native.wal_flush_interval_ms > kMaxWalFlushIntervalMs) {
      return FieldError(field("wal_flush_interval_ms"),
                        fmt::format("must be at most {}", kMaxWalFlushIntervalMs));
    }
  } else if (c->type == BackendType::kRocksDb) {
    RETURN_IF_ERROR(ReadUnsigned(obj, "block_cache_size", field("block_cache_size"),
                                 &c->rocksdb.block_cache_size));
    RETURN_IF_ERROR(ReadUnsigned(obj, "write_buffer_size", field("write_buffer_size"),
                                 &c->rocksdb.write_buffer_size));
    if (obj.contains("max_open_files")) {
      const json& v = obj["max_open_files"];
      if (!v.is_number_integer()) {
        return FieldError(field("max_open_files"), "expected an integer");
      }
      // Checked before narrowing: get<int>() would wrap 4294967297 to 1.
      using Limits = std::numeric_limits<int>;
      const bool fits =
          v.is_number_unsigned()
              ? v.get<uint64_t>() <= static_cast<uint64_t>(Limits::max())
              : v.get<int64_t>() >= Limits::min() &&
                    v.get<int64_t>() <= Limits::max();
      if (!fits) {
        return FieldError(field("max_open_files"),
                          fmt::format("{} is out of range ({} to {})", v.dump(),
                                      Limits::min(), Limits::max()));
      }
      c->rocksdb.max_open_files = v.get<int>();
    }
  } else if (c->type == BackendType::kDistributed) {
    RETURN_IF_ERROR(ParseDistributed(obj, where, &c->distributed));
  }
  return absl::OkStatus();
}

absl::Status ParseTagged(const json& v, std::string_view where, StorageConfig* c) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (IsSled(s)) return SledError(where);
    const BackendName* b = FindVariant(s);
    if (b == nullptr) {
      return FieldError(where, fmt::format("unknown backend variant \"{}\"", s));
    }
    c->type = b->type;
    return ParseBackendFields(json::object(), where, {}, c);
  }
  if (!v.is_object() || v.size() != 1) {
    return FieldError(where,
                      "expected one key, the backend's variant name (Memory, Native, "
                      "RocksDb, Sqlite, LevelDb, Distributed), holding its fields");
  }
  const std::string tag = v.begin().key();
  const std::string field = Join(where, tag);
  if (IsSled(tag)) return SledError(field);
  const BackendName* b = FindVariant(tag);
  if (b == nullptr) return FieldError(field, "unknown backend variant");
  c->type = b->type;
  return ParseBackendFields(v.begin().value(), field, {}, c);
}

}  // namespace config_internal

std::string_view BackendTypeName(BackendType type) {
  for (const config_internal::BackendName& b : config_internal::kBackends) {
    if (b.type == type) return b.name;
  }
  return "?";
}

}  // namespace synapsed::storage
