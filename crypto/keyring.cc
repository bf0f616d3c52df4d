#include "crypto/keyring.h"

#include <utility>

#include "crypto/key_providers.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::crypto {

absl::Status Keyring::Add(MasterKey key) {
  if (!IsValidKeyId(key.id)) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid master key id (1 to {} characters of A-Z a-z 0-9 . _ -)",
        kMaxKeyIdSize));
  }
  auto shared = std::make_shared<const MasterKey>(std::move(key));
  MutexLock lock(&mu_);
  for (const auto& k : keys_) {
    if (k->id == shared->id) {
      return absl::AlreadyExistsError(fmt::format(
          "the keyring already holds master key \"{}\"", shared->id));
    }
  }
  keys_.push_back(shared);
  current_ = std::move(shared);
  return absl::OkStatus();
}

absl::Status Keyring::SetCurrent(std::string_view id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const MasterKey> key, Find(id));
  MutexLock lock(&mu_);
  current_ = std::move(key);
  return absl::OkStatus();
}

std::shared_ptr<const MasterKey> Keyring::Current() const {
  MutexLock lock(&mu_);
  return current_;
}

absl::StatusOr<std::shared_ptr<const MasterKey>> Keyring::Find(
    std::string_view id) const {
  MutexLock lock(&mu_);
  std::vector<std::string_view> held;
  for (const auto& k : keys_) {
    if (k->id == id) return k;
    held.push_back(k->id);
  }
  return absl::NotFoundError(fmt::format(
      "unknown master key id \"{}\" (the keyring holds: {})", id,
      held.empty() ? "none" : fmt::format("{}", fmt::join(held, ", "))));
}

std::vector<std::string> Keyring::Ids() const {
  MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& k : keys_) ids.push_back(k->id);
  return ids;
}

absl::StatusOr<std::unique_ptr<Keyring>> LoadKeyring(
    KeyProvider& provider, std::string_view current_id,
    std::string_view source) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, provider.KeyIds());
  if (ids.empty()) {
    return absl::InvalidArgumentError(fmt::format("{} offers no key", source));
  }
  auto keyring = std::make_unique<Keyring>();
  for (const std::string& id : ids) {
    if (!IsValidKeyId(id)) {
      return absl::InvalidArgumentError(
          fmt::format("{} offers an invalid key id (1 to {} characters of A-Z "
                      "a-z 0-9 . _ -)",
                      source, kMaxKeyIdSize));
    }
    ASSIGN_OR_RETURN(SecureKey key, SecureKey::Allocate());
    RETURN_IF_ERROR(provider.ReadKey(id, key.mutable_bytes()));
    absl::Status added = keyring->Add(MasterKey{id, std::move(key)});
    if (absl::IsAlreadyExists(added)) {
      return absl::InvalidArgumentError(
          fmt::format("{} offers key id \"{}\" twice", source, id));
    }
    RETURN_IF_ERROR(added);
  }
  if (!current_id.empty() && !keyring->SetCurrent(current_id).ok()) {
    return absl::InvalidArgumentError(
        fmt::format("key_id \"{}\" is not among the keys of {} ({})",
                    current_id, source, fmt::join(ids, ", ")));
  }
  return keyring;
}

absl::StatusOr<std::unique_ptr<Keyring>> LoadKeyring(
    const EncryptionConfig& config) {
  const int sources = !config.key_file.empty() + !config.key_env.empty() +
                      (config.provider != nullptr);
  if (sources != 1) {
    return absl::InvalidArgumentError(
        fmt::format("encryption: give exactly one source of keys (key_file, "
                    "key_env or a provider), not {}",
                    sources));
  }
  if (config.provider != nullptr) {
    return LoadKeyring(*config.provider, config.key_id, "the key provider");
  }
  std::unique_ptr<KeyProvider> provider;
  std::string source;
  if (!config.key_file.empty()) {
    ASSIGN_OR_RETURN(provider, NewKeyFileProvider(config.key_file));
    source = "key file " + config.key_file;
  } else {
    ASSIGN_OR_RETURN(provider, NewEnvKeyProvider(config.key_env));
    source = "environment variable " + config.key_env;
  }
  return LoadKeyring(*provider, config.key_id, source);
}

}  // namespace synapsed::storage::crypto
