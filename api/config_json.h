// Internal to api/: the JSON reading helpers that config.cc
// (StorageConfig::FromJson and ToJson) and config_backend.cc (the backend's
// fields) share, and the part of config_backend.cc that FromJson calls. No
// other module includes it (synapsed_internal_headers in api/CMakeLists.txt).
//
// Every reader reports a bad value as InvalidArgument naming the field by its
// path in the document ("invalid config: field \"cache.max_entries\": ...");
// `field` and `where` are that path, "" at the top level. Stateless: any
// thread may call any of these.
#ifndef SYNAPSED_API_CONFIG_JSON_H_
#define SYNAPSED_API_CONFIG_JSON_H_

#include <cctype>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/config.h"

namespace synapsed::storage::config_internal {

using json = nlohmann::json;

inline absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("invalid config: field \"{}\": {}", field, why));
}

inline absl::Status CheckKnownFields(const json& obj, std::string_view where,
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

inline absl::Status ReadBool(const json& obj, const char* name,
                             std::string_view field, bool* out) {
  if (!obj.contains(name)) return absl::OkStatus();
  if (!obj[name].is_boolean()) return FieldError(field, "expected true or false");
  *out = obj[name].get<bool>();
  return absl::OkStatus();
}

// A non-empty string field, if present.
inline absl::Status ReadString(const json& obj, const char* name,
                               std::string_view field, std::string* out) {
  if (!obj.contains(name)) return absl::OkStatus();
  if (!obj[name].is_string()) return FieldError(field, "expected a string");
  *out = obj[name].get<std::string>();
  if (out->empty()) return FieldError(field, "must not be empty");
  return absl::OkStatus();
}

inline absl::StatusOr<std::string> ReadAnyString(const json& j,
                                                 std::string_view field) {
  if (!j.is_string()) return FieldError(field, "expected a string");
  return j.get<std::string>();
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

inline constexpr std::pair<const char*, CompressionConfig::Algorithm> kAlgorithms[] = {
    {"lz4", CompressionConfig::Algorithm::kLz4},
    {"zstd", CompressionConfig::Algorithm::kZstd},
    {"snappy", CompressionConfig::Algorithm::kSnappy},
    {"none", CompressionConfig::Algorithm::kNone},
    {"adaptive", CompressionConfig::Algorithm::kAdaptive}};

inline constexpr std::pair<const char*, ReadConsistency> kConsistencies[] = {
    {"strong", ReadConsistency::kStrong},
    {"eventual", ReadConsistency::kEventual}};

// The backend's fields: the table of backend names and the readers of each
// form's backend part, defined in config_backend.cc.

// How each backend is spelled: `name` in the flat form and ToJson, `seed` as
// the seed's serde snake_case tag ("type": "rocks_db", or the nested key),
// `variant` as the seed's externally tagged enum ({"RocksDb": {...}}).
struct BackendName {
  BackendType type;
  const char* name;
  const char* seed;
  const char* variant;
};

// A flat or nested tag: the name or the seed's spelling.
const BackendName* FindTag(std::string_view s);

// The seed's variant spelling ("RocksDb"), as a top-level key or in "backend".
const BackendName* FindVariant(std::string_view s);

// The table's entry for `type`.
const BackendName& BackendOf(BackendType type);

// "sled" or "Sled": the seed's backend that is not built here.
bool IsSled(std::string_view s);

// The backend that `j`'s "type" names (its name or the seed's spelling);
// `j` must contain "type".
absl::StatusOr<const BackendName*> ReadTypeField(const json& j);

// The fields each backend takes, wherever they are written.
std::set<std::string> BackendFields(BackendType type);

// Reads the backend's fields from `obj` (the whole config in the flat form,
// the backend's own object otherwise); `where` prefixes field names in errors
// and `others` are keys of `obj` that are not the backend's (flat form only).
absl::Status ParseBackendFields(const json& obj, std::string_view where,
                                const std::set<std::string>& others,
                                StorageConfig* c);

// The externally tagged form's value: {"RocksDb": {...}} (a struct variant)
// or "Memory" (a unit variant, as serde writes one without fields).
absl::Status ParseTagged(const json& v, std::string_view where,
                         StorageConfig* c);

}  // namespace synapsed::storage::config_internal

#endif  // SYNAPSED_API_CONFIG_JSON_H_
