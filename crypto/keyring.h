// Keyring: the master keys a store holds, by id. One of them is current:
// new data is sealed under it. Data sealed under any other key held stays
// readable, which is how a key is rotated: Add a newer key (it becomes
// current), re-seal what older keys sealed, then stop supplying them.
//
// Keys are shared as std::shared_ptr<const MasterKey>, so a key handed to
// a reader stays valid while the keyring changes. Thread-safe: any method
// from any thread.
#ifndef SYNAPSED_CRYPTO_KEYRING_H_
#define SYNAPSED_CRYPTO_KEYRING_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/master_key.h"
#include "synapsed/storage/encryption.h"
#include "util/mutex.h"

namespace synapsed::storage::crypto {

class Keyring {
 public:
  Keyring() = default;
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // Adds `key`, which becomes the current key. InvalidArgument for an
  // invalid id (IsValidKeyId), AlreadyExists for an id already held.
  [[nodiscard]] absl::Status Add(MasterKey key);
  // Makes the held key `id` the current one; NotFound naming it otherwise.
  [[nodiscard]] absl::Status SetCurrent(std::string_view id);

  // The key to seal with; null while the keyring is empty.
  std::shared_ptr<const MasterKey> Current() const;
  // The key `id`, or NotFound naming the id and the ids held.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const MasterKey>> Find(
      std::string_view id) const;
  // The ids held, in the order they were added.
  std::vector<std::string> Ids() const;

 private:
  mutable Mutex mu_;
  std::vector<std::shared_ptr<const MasterKey>> keys_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const MasterKey> current_ ABSL_GUARDED_BY(mu_);
};

// A keyring of every key `provider` offers, in its order; the current key
// is `current_id`, or the last one when it is empty. `source` names the
// provider in errors. InvalidArgument if the provider offers no key, an
// invalid or repeated id, or not `current_id`.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Keyring>> LoadKeyring(
    KeyProvider& provider, std::string_view current_id,
    std::string_view source);

// The keyring `config` describes: from its key_file, key_env or provider
// (exactly one must be given), with key_id as the current key.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Keyring>> LoadKeyring(
    const EncryptionConfig& config);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_KEYRING_H_
