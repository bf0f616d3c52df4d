// The key providers this library has: a key file and an environment
// variable. The third source, a provider the embedder writes, is the
// KeyProvider interface itself (include/synapsed/storage/encryption.h).
//
// Both read their source once, when made, into locked memory
// (crypto/secure_key.h); ReadKey copies from there. A provider is used by
// one thread at a time (the one loading a keyring, crypto/keyring.h).
#ifndef SYNAPSED_CRYPTO_KEY_PROVIDERS_H_
#define SYNAPSED_CRYPTO_KEY_PROVIDERS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "synapsed/storage/encryption.h"

namespace synapsed::storage::crypto {

// The keys of the key file at `path` (crypto/key_file.h: its errors,
// including the refusal of a file group or others can access).
[[nodiscard]] absl::StatusOr<std::unique_ptr<KeyProvider>> NewKeyFileProvider(
    const std::string& path);

// The keys in the environment variable `name`, whose value is the text of a
// key file. NotFound naming the variable if it is not set.
[[nodiscard]] absl::StatusOr<std::unique_ptr<KeyProvider>> NewEnvKeyProvider(
    const std::string& name);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_KEY_PROVIDERS_H_
