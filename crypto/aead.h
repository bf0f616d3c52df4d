// AES-256-GCM sealing and opening (authenticated encryption with associated
// data), through OpenSSL 3's EVP interface.
//
//   sealed := ciphertext (as long as the plaintext) | tag (16 bytes)
//
// The caller gives the 96-bit nonce and must never use one twice with the
// same key: GCM's confidentiality and authenticity both fail on a repeat.
// The associated data is authenticated, not encrypted: bytes that must
// match at open time (a key, a header, a position) without being stored in
// the sealed bytes.
//
// Each call sets up its own OpenSSL context and frees it (wiping the key
// schedule) before it returns, so no expanded key outlives a call.
// Thread-safe: any number of calls may run at once, on any keys.
#ifndef SYNAPSED_CRYPTO_AEAD_H_
#define SYNAPSED_CRYPTO_AEAD_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "crypto/secure_key.h"

namespace synapsed::storage::crypto {

inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kTagSize = 16;

using Nonce = std::array<uint8_t, kNonceSize>;

// Appends the sealed form of `plaintext` (ciphertext, then tag) to `*out`.
// InvalidArgument for inputs over 2 GiB; Internal if OpenSSL fails.
[[nodiscard]] absl::Status AeadSeal(const SecureKey& key, const Nonce& nonce,
                                    std::string_view associated_data,
                                    std::string_view plaintext,
                                    std::string* out);

// Appends the plaintext of `sealed` to `*out` if the tag verifies.
// Unauthenticated, and `*out` as it was, if it does not: the sealed bytes
// were altered or cut, or the key, nonce or associated data differ from the
// sealing. Only this function answers Unauthenticated; callers report it as
// DataLoss naming what they opened. Internal if OpenSSL fails otherwise.
[[nodiscard]] absl::Status AeadOpen(const SecureKey& key, const Nonce& nonce,
                                    std::string_view associated_data,
                                    std::string_view sealed, std::string* out);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_AEAD_H_
