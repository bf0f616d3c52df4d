// libFuzzer target for the JSON config parser (StorageConfig::FromJson,
// include/synapsed/storage/config.h). The input is the JSON text; a
// dictionary of the field and backend names (config.dict) helps it along.
//
// Invariants: no crash, sanitizer report or exception out of FromJson; an
// error is InvalidArgument ("invalid config: ..."). An accepted config
// round-trips: ToJson() parses back to an equal config that writes the same
// text. And nothing is lost on the way: every number the input gives a field
// is the number ToJson writes for that field.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"
#include "synapsed/storage/config.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using json = nlohmann::json;
namespace fuzz = synapsed::storage::fuzz;
using synapsed::storage::StorageConfig;

// The numbers of `j`'s objects, by field name, at any depth. Field names
// are unique across a config's sections, so the name says which field.
void Numbers(const json& j, std::multimap<std::string, json>* out) {
  if (!j.is_object()) return;
  for (const auto& [name, value] : j.items()) {
    if (value.is_number()) out->emplace(name, value);
    Numbers(value, out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<StorageConfig> config = StorageConfig::FromJson(text);
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(fuzz::Message(config.status()).starts_with("invalid config"));
    return 0;
  }
  const std::string written = config->ToJson();
  const absl::StatusOr<StorageConfig> again = StorageConfig::FromJson(written);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *config);
  FUZZ_CHECK(again->ToJson() == written);

  std::multimap<std::string, json> given, kept;
  Numbers(json::parse(text, nullptr, /*allow_exceptions=*/false), &given);
  Numbers(json::parse(written, nullptr, /*allow_exceptions=*/false), &kept);
  for (const auto& [name, value] : given) {
    const auto [first, last] = kept.equal_range(name);
    for (auto it = first; it != last; ++it) {
      if (it->second != value) {
        std::fprintf(stderr, "field \"%s\": given %s, kept %s\n", name.c_str(),
                     value.dump().c_str(), it->second.dump().c_str());
      }
      FUZZ_CHECK(it->second == value);
    }
  }
  return 0;
}
