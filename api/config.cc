// StorageConfig <-> JSON, with errors that name the offending field. The
// backend's fields are read in config_backend.cc; the helpers both files use
// are in config_json.h.
#include "synapsed/storage/config.h"

#include <optional>
#include <set>
#include <utility>

#include "api/config_json.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

using config_internal::BackendFields;
using config_internal::BackendName;
using config_internal::BackendOf;
using config_internal::CheckKnownFields;
using config_internal::FieldError;
using config_internal::FindTag;
using config_internal::FindVariant;
using config_internal::IsSled;
using config_internal::json;
using config_internal::kAlgorithms;
using config_internal::kConsistencies;
using config_internal::LookupName;
using config_internal::ParseBackendFields;
using config_internal::ParseTagged;
using config_internal::ReadAnyString;
using config_internal::ReadBool;
using config_internal::ReadString;
using config_internal::ReadTypeField;
using config_internal::ReadUnsigned;

constexpr std::pair<const char*, CacheConfig::Policy> kPolicies[] = {
    {"lru", CacheConfig::Policy::kLru},
    {"lfu", CacheConfig::Policy::kLfu},
    {"arc", CacheConfig::Policy::kArc}};

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
    j["wal_buffer_bytes"] = native.wal_buffer_bytes.has_value()
                                ? json(*native.wal_buffer_bytes)
                                : json(nullptr);
    j["wal_flush_interval_ms"] = native.wal_flush_interval_ms;
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