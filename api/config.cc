// StorageConfig <-> JSON, with errors that name the offending field.
#include "synapsed/storage/config.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <set>
#include <utility>

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

// A name as this library writes it (lowercase) or as the seed's serde enum
// does (the variant: "Lru", "Zstd").
template <typename E, size_t N>
std::optional<E> LookupName(const std::pair<const char*, E> (&names)[N],
                            std::string_view s) {
  for (const auto& [name, value] : names) {
    std::string variant = name;
    variant[0] = static_cast<char>(std::toupper(variant[0]));
    if (s == name || s == variant) return value;
  }
  return std::nullopt;
}

constexpr std::pair<const char*, CacheConfig::Policy> kPolicies[] = {
    {"lru", CacheConfig::Policy::kLru},
    {"lfu", CacheConfig::Policy::kLfu},
    {"arc", CacheConfig::Policy::kArc}};

constexpr std::pair<const char*, CompressionConfig::Algorithm> kAlgorithms[] = {
    {"lz4", CompressionConfig::Algorithm::kLz4},
    {"zstd", CompressionConfig::Algorithm::kZstd},
    {"snappy", CompressionConfig::Algorithm::kSnappy},
    {"none", CompressionConfig::Algorithm::kNone},
    {"adaptive", CompressionConfig::Algorithm::kAdaptive}};

absl::StatusOr<CacheConfig::Policy> ReadPolicy(const json& j, const char* name) {
  const std::string field = fmt::format("cache.{}", name);
  if (!j[name].is_string()) return FieldError(field, "expected a string");
  const std::string s = j[name].get<std::string>();
  auto p = LookupName(kPolicies, s);
  if (!p) return FieldError(field, fmt::format("unknown policy \"{}\" (lru, lfu, arc)", s));
  return *p;
}

absl::StatusOr<CacheConfig> ParseCache(const json& j) {
  if (!j.is_object()) return FieldError("cache", "expected an object");
  RETURN_IF_ERROR(CheckKnownFields(
      j, "cache", {"policy", "cache_type", "max_entries", "ttl_seconds"}));
  CacheConfig c;
  // "cache_type" is the seed's name for "policy"; both may be given only if
  // they agree, so that no reader has to guess which one wins.
  if (j.contains("policy")) {
    ASSIGN_OR_RETURN(c.policy, ReadPolicy(j, "policy"));
  }
  if (j.contains("cache_type")) {
    ASSIGN_OR_RETURN(CacheConfig::Policy p, ReadPolicy(j, "cache_type"));
    if (j.contains("policy") && p != c.policy) {
      return FieldError("cache.cache_type", "disagrees with \"cache.policy\"; give one");
    }
    c.policy = p;
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
    const std::string s = a.get<std::string>();
    auto algorithm = LookupName(kAlgorithms, s);
    if (!algorithm) {
      return FieldError("compression.algorithm",
                        fmt::format("unknown algorithm \"{}\" (lz4, zstd, snappy, none, adaptive)", s));
    }
    c.algorithm = *algorithm;
  }
  RETURN_IF_ERROR(ReadUnsigned(j, "min_size", "compression.min_size", &c.min_size));
  return c;
}

// A non-empty string field, if present.
absl::Status ReadString(const json& obj, const char* name,
                        std::string_view field, std::string* out) {
  if (!obj.contains(name)) return absl::OkStatus();
  if (!obj[name].is_string()) return FieldError(field, "expected a string");
  *out = obj[name].get<std::string>();
  if (out->empty()) return FieldError(field, "must not be empty");
  return absl::OkStatus();
}

absl::StatusOr<EncryptionConfig> ParseEncryption(const json& j) {
  if (!j.is_object()) return FieldError("encryption", "expected an object");
  RETURN_IF_ERROR(
      CheckKnownFields(j, "encryption", {"key_file", "key_env", "key_id"}));
  EncryptionConfig c;
  RETURN_IF_ERROR(
      ReadString(j, "key_file", "encryption.key_file", &c.key_file));
  RETURN_IF_ERROR(ReadString(j, "key_env", "encryption.key_env", &c.key_env));
  RETURN_IF_ERROR(ReadString(j, "key_id", "encryption.key_id", &c.key_id));
  if (c.key_file.empty() && c.key_env.empty()) {
    return FieldError(
        "encryption.key_file",
        "missing: give the key file, or \"key_env\" naming an environment "
        "variable that holds the keys");
  }
  if (!c.key_file.empty() && !c.key_env.empty()) {
    return FieldError("encryption.key_env",
                      "given next to \"encryption.key_file\"; give one");
  }
  if (j.contains("key_id") && !IsValidKeyId(c.key_id)) {
    return FieldError(
        "encryption.key_id",
        fmt::format("not a key id (1 to {} characters of A-Z a-z 0-9 . _ -)",
                    kMaxKeyIdSize));
  }
  return c;
}

constexpr std::pair<const char*, AclRule::Access> kAccesses[] = {
    {"read", AclRule::Access::kRead},
    {"write", AclRule::Access::kWrite},
    {"readwrite", AclRule::Access::kReadWrite}};

absl::StatusOr<std::string> ReadAnyString(const json& j, std::string_view field) {
  if (!j.is_string()) return FieldError(field, "expected a string");
  return j.get<std::string>();
}

absl::StatusOr<AclRule> ParseAclRule(const json& j, const std::string& where) {
  if (!j.is_object()) return FieldError(where, "expected an object");
  RETURN_IF_ERROR(CheckKnownFields(j, where, {"prefix", "begin", "end", "access"}));
  AclRule r;
  if (j.contains("prefix")) {
    if (j.contains("begin") || j.contains("end")) {
      return FieldError(where + ".prefix", "given next to \"begin\"/\"end\"; give one");
    }
    ASSIGN_OR_RETURN(r.prefix, ReadAnyString(j["prefix"], where + ".prefix"));
  } else if (!j.contains("begin")) {
    return FieldError(where + ".prefix", "missing: give \"prefix\" or \"begin\" (and \"end\")");
  } else {
    ASSIGN_OR_RETURN(r.begin, ReadAnyString(j["begin"], where + ".begin"));
    if (j.contains("end") && !j["end"].is_null()) {
      ASSIGN_OR_RETURN(r.end, ReadAnyString(j["end"], where + ".end"));
    }
  }
  if (!j.contains("access")) return FieldError(where + ".access", "missing");
  ASSIGN_OR_RETURN(std::string a, ReadAnyString(j["access"], where + ".access"));
  auto access = LookupName(kAccesses, a);
  if (!access) {
    return FieldError(where + ".access",
                      fmt::format("unknown access \"{}\" (read, write, readwrite)", a));
  }
  r.access = *access;
  return r;
}

absl::StatusOr<AclRole> ParseAclRole(const json& j, const std::string& where) {
  if (!j.is_object()) return FieldError(where, "expected an object");
  RETURN_IF_ERROR(CheckKnownFields(j, where, {"rules", "admin"}));
  AclRole role;
  RETURN_IF_ERROR(ReadBool(j, "admin", where + ".admin", &role.admin));
  if (j.contains("rules")) {
    if (!j["rules"].is_array()) return FieldError(where + ".rules", "expected an array");
    for (size_t i = 0; i < j["rules"].size(); ++i) {
      ASSIGN_OR_RETURN(AclRule r, ParseAclRule(j["rules"][i],
                                               fmt::format("{}.rules[{}]", where, i)));
      role.rules.push_back(std::move(r));
    }
  }
  return role;
}

absl::StatusOr<std::vector<std::string>> ReadNames(const json& j, const std::string& where) {
  if (!j.is_array()) return FieldError(where, "expected an array of strings");
  std::vector<std::string> names;
  for (size_t i = 0; i < j.size(); ++i) {
    ASSIGN_OR_RETURN(std::string n, ReadAnyString(j[i], fmt::format("{}[{}]", where, i)));
    names.push_back(std::move(n));
  }
  return names;
}

// Only the shape is checked here; which names exist is the access control
// layer's to check (security/acl_rules.h).
absl::StatusOr<AclConfig> ParseAccessControl(const json& j) {
  if (!j.is_object()) return FieldError("access_control", "expected an object");
  RETURN_IF_ERROR(
      CheckKnownFields(j, "access_control", {"roles", "users", "grants", "passwords"}));
  AclConfig c;
  if (j.contains("roles")) {
    if (!j["roles"].is_object()) return FieldError("access_control.roles", "expected an object");
    for (const auto& [name, role] : j["roles"].items()) {
      ASSIGN_OR_RETURN(c.roles[name], ParseAclRole(role, "access_control.roles." + name));
    }
  }
  if (j.contains("users")) {
    ASSIGN_OR_RETURN(c.users, ReadNames(j["users"], "access_control.users"));
  }
  if (j.contains("grants")) {
    if (!j["grants"].is_object()) return FieldError("access_control.grants", "expected an object");
    for (const auto& [user, roles] : j["grants"].items()) {
      ASSIGN_OR_RETURN(c.grants[user], ReadNames(roles, "access_control.grants." + user));
    }
  }
  if (j.contains("passwords")) {
    if (!j["passwords"].is_object()) {
      return FieldError("access_control.passwords", "expected an object");
    }
    for (const auto& [user, hash] : j["passwords"].items()) {
      ASSIGN_OR_RETURN(c.passwords[user],
                       ReadAnyString(hash, "access_control.passwords." + user));
    }
  }
  return c;
}

absl::StatusOr<AuditConfig> ParseAudit(const json& j) {
  if (!j.is_object()) return FieldError("audit", "expected an object");
  RETURN_IF_ERROR(CheckKnownFields(
      j, "audit", {"path", "hmac_key_file", "checkpoint_path", "sensitive_prefixes",
                   "checkpoint_every_records", "checkpoint_every_seconds"}));
  AuditConfig c;
  RETURN_IF_ERROR(ReadString(j, "path", "audit.path", &c.path));
  RETURN_IF_ERROR(ReadString(j, "hmac_key_file", "audit.hmac_key_file", &c.hmac_key_file));
  RETURN_IF_ERROR(ReadString(j, "checkpoint_path", "audit.checkpoint_path", &c.checkpoint_path));
  if (c.path.empty()) return FieldError("audit.path", "missing");
  if (c.hmac_key_file.empty()) return FieldError("audit.hmac_key_file", "missing");
  if (c.checkpoint_path.empty()) return FieldError("audit.checkpoint_path", "missing");
  if (j.contains("sensitive_prefixes")) {
    ASSIGN_OR_RETURN(c.sensitive_prefixes,
                     ReadNames(j["sensitive_prefixes"], "audit.sensitive_prefixes"));
  }
  RETURN_IF_ERROR(ReadUnsigned(j, "checkpoint_every_records", "audit.checkpoint_every_records",
                               &c.checkpoint_every_records));
  RETURN_IF_ERROR(ReadUnsigned(j, "checkpoint_every_seconds", "audit.checkpoint_every_seconds",
                               &c.checkpoint_every_seconds));
  return c;
}

template <typename E, size_t N>
const char* NameOf(const std::pair<const char*, E> (&names)[N], E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

// How each backend is spelled: `name` in the flat form and ToJson, `seed` as
// the seed's serde snake_case tag ("type": "rocks_db", or the nested key),
// `variant` as the seed's externally tagged enum ({"RocksDb": {...}}).
struct BackendName {
  BackendType type;
  const char* name;
  const char* seed;
  const char* variant;
};
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

// A flat or nested tag: the name or the seed's spelling.
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

absl::Status SledError(std::string_view field) {
  return FieldError(field, fmt::format(
                               "the seed's sled backend has no C or C++ interface and "
                               "no Debian package, so it is not built here; the "
                               "backends that exist: {}",
                               kBackendList));
}

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

std::string Join(std::string_view where, std::string_view name) {
  return where.empty() ? std::string(name) : fmt::format("{}.{}", where, name);
}

// The fields each backend takes, wherever they are written.
std::set<std::string> BackendFields(BackendType type) {
  switch (type) {
    case BackendType::kMemory:
      return {"initial_capacity"};
    case BackendType::kNative:
      return {"path", "write_buffer_size", "block_cache_size", "create_if_missing",
              "error_if_exists", "compression_per_level", "adaptive_compression",
              "log_retention_bytes"};
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

constexpr std::pair<const char*, ReadConsistency> kConsistencies[] = {
    {"strong", ReadConsistency::kStrong},
    {"eventual", ReadConsistency::kEventual}};

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

// Reads the backend's fields from `obj` (the whole config in the flat form,
// the backend's own object otherwise); `where` prefixes field names in errors
// and `others` are keys of `obj` that are not the backend's (flat form only).
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

// The externally tagged form's value: {"RocksDb": {...}} (a struct variant)
// or "Memory" (a unit variant, as serde writes one without fields).
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

// "metrics": true (the defaults), false (none), or an object of fields.
absl::StatusOr<std::optional<MetricsConfig>> ParseMetrics(const json& j) {
  if (j.is_boolean()) {
    if (!j.get<bool>()) return std::optional<MetricsConfig>();
    return std::optional<MetricsConfig>(MetricsConfig());
  }
  if (!j.is_object()) return FieldError("metrics", "expected true, false or an object");
  RETURN_IF_ERROR(CheckKnownFields(j, "metrics", {"engine_stats"}));
  MetricsConfig m;
  RETURN_IF_ERROR(ReadBool(j, "engine_stats", "metrics.engine_stats", &m.engine_stats));
  return std::optional<MetricsConfig>(m);
}

}  // namespace

std::string_view BackendTypeName(BackendType type) {
  for (const BackendName& b : kBackends) {
    if (b.type == type) return b.name;
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
  StorageConfig c;
  // Which form: "backend", a top-level variant key, or "type" (flat, or
  // nested when a key names the same backend).
  std::vector<std::string> variants;
  for (const auto& [key, value] : j.items()) {
    if (FindVariant(key) != nullptr || key == "Sled") variants.push_back(key);
  }
  std::set<std::string> known = {"type", "cache", "compression", "encryption",
                                 "access_control", "audit", "metrics"};
  if (j.contains("backend")) {
    if (!variants.empty()) {
      return FieldError(variants[0], "a backend tag next to \"backend\"; give one");
    }
    RETURN_IF_ERROR(ParseTagged(j["backend"], "backend", &c));
    known.insert("backend");
    RETURN_IF_ERROR(CheckKnownFields(j, "", known));
  } else if (!variants.empty()) {
    if (variants.size() > 1) {
      return FieldError(variants[1], fmt::format("a second backend tag (after \"{}\")",
                                                 variants[0]));
    }
    RETURN_IF_ERROR(ParseTagged(json{{variants[0], j[variants[0]]}}, "", &c));
    known.insert(variants[0]);
    RETURN_IF_ERROR(CheckKnownFields(j, "", known));
  } else {
    if (!j.contains("type")) {
      return FieldError("type", "missing (or give the backend as {\"RocksDb\": {...}})");
    }
    ASSIGN_OR_RETURN(const BackendName* b, ReadTypeField(j));
    c.type = b->type;
    // The nested form: a key naming a backend holds its fields.
    std::string nested;
    for (const auto& [key, value] : j.items()) {
      const BackendName* n = FindTag(key);
      if (n == nullptr && !IsSled(key)) continue;
      if (n != b) {
        return FieldError(key, fmt::format("names another backend than \"type\" (\"{}\")",
                                           j["type"].get<std::string>()));
      }
      if (!nested.empty()) {
        return FieldError(key, fmt::format("given twice (also as \"{}\")", nested));
      }
      nested = key;
    }
    if (nested.empty()) {
      RETURN_IF_ERROR(ParseBackendFields(j, "", known, &c));
    } else {
      for (const std::string& f : BackendFields(c.type)) {
        if (j.contains(f)) {
          return FieldError(f, fmt::format("given next to \"{}\"; put the backend's "
                                           "fields in one place",
                                           nested));
        }
      }
      known.insert(nested);
      RETURN_IF_ERROR(CheckKnownFields(j, "", known));
      RETURN_IF_ERROR(ParseBackendFields(j[nested], nested, {}, &c));
    }
  }
  // "type" may accompany a tag (serde's internally tagged habit); it must agree.
  if (j.contains("type") && (j.contains("backend") || !variants.empty())) {
    ASSIGN_OR_RETURN(const BackendName* b, ReadTypeField(j));
    if (b->type != c.type) {
      return FieldError("type", fmt::format("\"{}\" disagrees with the backend tag \"{}\"",
                                            j["type"].get<std::string>(),
                                            BackendOf(c.type).variant));
    }
  }
  if (j.contains("cache") && !j["cache"].is_null()) {
    ASSIGN_OR_RETURN(c.cache, ParseCache(j["cache"]));
  }
  if (j.contains("compression") && !j["compression"].is_null()) {
    ASSIGN_OR_RETURN(c.compression, ParseCompression(j["compression"]));
  }
  if (j.contains("encryption") && !j["encryption"].is_null()) {
    ASSIGN_OR_RETURN(c.encryption, ParseEncryption(j["encryption"]));
  }
  if (j.contains("access_control") && !j["access_control"].is_null()) {
    ASSIGN_OR_RETURN(c.access_control, ParseAccessControl(j["access_control"]));
  }
  if (j.contains("audit") && !j["audit"].is_null()) {
    ASSIGN_OR_RETURN(c.audit, ParseAudit(j["audit"]));
  }
  if (j.contains("metrics") && !j["metrics"].is_null()) {
    ASSIGN_OR_RETURN(c.metrics, ParseMetrics(j["metrics"]));
  }
  return c;
}

std::string StorageConfig::ToJson() const {
  json j;
  j["type"] = std::string(BackendTypeName(type));
  // Only where the backend takes one: FromJson refuses a "path" elsewhere.
  if (!path.empty() && BackendFields(type).count("path")) j["path"] = path;
  if (type == BackendType::kNative) {
    j["write_buffer_size"] = native.write_buffer_size;
    j["block_cache_size"] = native.block_cache_size;
    j["create_if_missing"] = native.create_if_missing;
    j["error_if_exists"] = native.error_if_exists;
    j["compression_per_level"] = json::array();
    for (CompressionConfig::Algorithm a : native.compression_per_level) {
      j["compression_per_level"].push_back(NameOf(kAlgorithms, a));
    }
    j["adaptive_compression"] = native.adaptive_compression;
    j["log_retention_bytes"] = native.log_retention_bytes;
  } else if (type == BackendType::kMemory) {
    j["initial_capacity"] = memory.initial_capacity;
  } else if (type == BackendType::kRocksDb) {
    j["block_cache_size"] = rocksdb.block_cache_size;
    j["write_buffer_size"] = rocksdb.write_buffer_size;
    j["max_open_files"] = rocksdb.max_open_files;
  } else if (type == BackendType::kDistributed) {
    j["nodes"] = distributed.nodes;
    if (distributed.replication_factor) {
      j["replication_factor"] = *distributed.replication_factor;
    }
    if (distributed.min_replicas) j["min_replicas"] = *distributed.min_replicas;
    if (distributed.consistency) {
      j["consistency"] = NameOf(kConsistencies, *distributed.consistency);
    }
    j["timeout_ms"] = distributed.timeout_ms;
    j["retry_timeout_ms"] = distributed.retry_timeout_ms;
    // The file's name only; the password stays in the file.
    if (!distributed.user.empty()) j["user"] = distributed.user;
    if (!distributed.password_file.empty()) {
      j["password_file"] = distributed.password_file;
    }
  }
  if (cache) {
    j["cache"] = {{"policy", NameOf(kPolicies, cache->policy)},
                  {"max_entries", cache->max_entries}};
    if (cache->ttl_seconds) j["cache"]["ttl_seconds"] = *cache->ttl_seconds;
  }
  if (compression) {
    j["compression"] = {{"enabled", compression->enabled},
                        {"algorithm", NameOf(kAlgorithms, compression->algorithm)},
                        {"min_size", compression->min_size}};
  }
  if (encryption) {
    // A provider set in code has no JSON form and is left out.
    json e = json::object();
    if (!encryption->key_file.empty()) e["key_file"] = encryption->key_file;
    if (!encryption->key_env.empty()) e["key_env"] = encryption->key_env;
    if (!encryption->key_id.empty()) e["key_id"] = encryption->key_id;
    j["encryption"] = e;
  }
  if (access_control) {
    json a = {{"roles", json::object()}, {"users", access_control->users},
              {"grants", access_control->grants}};
    for (const auto& [name, role] : access_control->roles) {
      json rules = json::array();
      for (const AclRule& r : role.rules) {
        json rule = {{"access", NameOf(kAccesses, r.access)}};
        if (r.prefix) {
          rule["prefix"] = *r.prefix;
        } else {
          rule["begin"] = r.begin;
          if (r.end) rule["end"] = *r.end;
        }
        rules.push_back(rule);
      }
      a["roles"][name] = {{"rules", rules}, {"admin", role.admin}};
    }
    // Hashes only (docs/format/password_hash.md); left out when none.
    if (!access_control->passwords.empty()) a["passwords"] = access_control->passwords;
    j["access_control"] = a;
  }
  if (audit) {
    // A sink set in code has no JSON form and is left out.
    j["audit"] = {{"path", audit->path},
                  {"hmac_key_file", audit->hmac_key_file},
                  {"sensitive_prefixes", audit->sensitive_prefixes},
                  {"checkpoint_every_records", audit->checkpoint_every_records},
                  {"checkpoint_every_seconds", audit->checkpoint_every_seconds}};
    if (!audit->checkpoint_path.empty()) j["audit"]["checkpoint_path"] = audit->checkpoint_path;
  }
  if (metrics) j["metrics"] = {{"engine_stats", metrics->engine_stats}};
  return j.dump();
}

}  // namespace synapsed::storage
