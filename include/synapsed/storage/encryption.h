// Encryption at rest: where master keys come from (KeyProvider) and how a
// store is told to encrypt (EncryptionConfig, set with
// StorageBuilder::WithEncryption or the JSON "encryption" section).
//
// A master key is 256 bits with an id. A store holds several, oldest first:
// new data is sealed under the current one (the newest, unless key_id names
// another) and data sealed under any other one it holds stays readable, so a
// key is rotated by adding a newer one and re-sealing what the old one
// sealed. The formats are specified in docs/format/encryption.md.
//
// Where the keys come from, exactly one of:
//   key_file  a file in the key-file format (docs/format/encryption.md);
//             refused if its mode lets group or others read or write it.
//   key_env   an environment variable holding the text of a key file.
//   provider  an object the embedder implements (below): keys from a KMS,
//             an HSM, a prompt, ...
//
// Thread safety: EncryptionConfig is a value. A KeyProvider is called from
// the thread that builds the store, during Build(), and not after.
#ifndef SYNAPSED_STORAGE_ENCRYPTION_H_
#define SYNAPSED_STORAGE_ENCRYPTION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace synapsed::storage {

// A master key is 256 bits (AES-256).
inline constexpr size_t kMasterKeySize = 32;
// A key id is 1 to kMaxKeyIdSize bytes of [A-Za-z0-9._-]: it is stored in
// clear next to what the key sealed, and printed in error messages.
inline constexpr size_t kMaxKeyIdSize = 64;

[[nodiscard]] bool IsValidKeyId(std::string_view id);

// The source of master keys, which an embedder may implement.
class KeyProvider {
 public:
  virtual ~KeyProvider() = default;

  // The ids of the keys on offer, oldest first. Each must be a valid key id
  // (IsValidKeyId), and ids must not repeat.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> KeyIds() = 0;

  // Writes the 32 bytes of key `id` into `out`: memory owned by the caller,
  // locked and excluded from core dumps. Copy the key nowhere else, and wipe
  // any copy of your own (OPENSSL_cleanse) when done with it. Return an
  // error (NotFound for an id you do not have) to fail the open.
  [[nodiscard]] virtual absl::Status ReadKey(
      std::string_view id, std::span<uint8_t, kMasterKeySize> out) = 0;
};

struct EncryptionConfig {
  // Path of a key file (JSON "key_file").
  std::string key_file;
  // Name of an environment variable whose value is the text of a key file
  // (JSON "key_env"). Prefer key_file: the environment of a process can be
  // read by its user (/proc/PID/environ) and is inherited by its children.
  std::string key_env;
  // The id of the key new data is sealed with (JSON "key_id"); it must be
  // one the source offers. Empty: the newest (the last one listed).
  std::string key_id;
  // The embedder's own source; not expressible in JSON (ToJson leaves it
  // out).
  std::shared_ptr<KeyProvider> provider;

  friend bool operator==(const EncryptionConfig&,
                         const EncryptionConfig&) = default;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_ENCRYPTION_H_
