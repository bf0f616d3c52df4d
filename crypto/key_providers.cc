#include "crypto/key_providers.h"

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "crypto/key_file.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::crypto {
namespace {

// Keys read once from their source.
class LoadedKeyProvider final : public KeyProvider {
 public:
  LoadedKeyProvider(std::vector<MasterKey> keys, std::string source)
      : keys_(std::move(keys)), source_(std::move(source)) {}

  absl::StatusOr<std::vector<std::string>> KeyIds() override {
    std::vector<std::string> ids;
    for (const MasterKey& k : keys_) ids.push_back(k.id);
    return ids;
  }
  absl::Status ReadKey(std::string_view id,
                       std::span<uint8_t, kMasterKeySize> out) override {
    for (const MasterKey& k : keys_) {
      if (k.id != id) continue;
      std::copy(k.key.bytes().begin(), k.key.bytes().end(), out.begin());
      return absl::OkStatus();
    }
    return absl::NotFoundError(
        fmt::format("{} has no key \"{}\"", source_, id));
  }

 private:
  const std::vector<MasterKey> keys_;
  const std::string source_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KeyProvider>> NewKeyFileProvider(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<MasterKey> keys, ReadKeyFile(path));
  return std::make_unique<LoadedKeyProvider>(std::move(keys),
                                             "key file " + path);
}

absl::StatusOr<std::unique_ptr<KeyProvider>> NewEnvKeyProvider(
    const std::string& name) {
  const std::string source = "environment variable " + name;
  // Parsed in place: the environment is the program's, not ours to wipe.
  const char* text = std::getenv(name.c_str());
  if (text == nullptr) return absl::NotFoundError(source + " is not set");
  ASSIGN_OR_RETURN(std::vector<MasterKey> keys, ParseKeyFile(text, source));
  return std::make_unique<LoadedKeyProvider>(std::move(keys), source);
}

}  // namespace synapsed::storage::crypto
