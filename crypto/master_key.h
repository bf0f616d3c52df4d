// MasterKey: a 256-bit key and its id, as a KeyProvider
// (include/synapsed/storage/encryption.h) hands it over. The id is stored
// in clear next to what the key sealed, so a reader knows which key opens
// it; the key itself is never stored by this library.
//
// Immutable once made; shared between threads by const pointer.
#ifndef SYNAPSED_CRYPTO_MASTER_KEY_H_
#define SYNAPSED_CRYPTO_MASTER_KEY_H_

#include <string>

#include "crypto/secure_key.h"

namespace synapsed::storage::crypto {

struct MasterKey {
  std::string id;  // IsValidKeyId(id)
  SecureKey key;
};

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_MASTER_KEY_H_
