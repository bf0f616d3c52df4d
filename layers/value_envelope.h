// The integrity envelope of one value: what the encryption layer
// (layers/encryption_layer.h) stores in place of a value. Specified, with a
// worked example, in docs/format/encryption.md ("Value envelope"):
//
//   stored := version:u8 | id_length:u8 | key_id | nonce:12 | ciphertext |
//   tag:16 associated data := version | id_length | key_id | user_key
//
// AES-256-GCM under the master key `key_id` names, with a fresh random
// nonce per value. The header and the user key are authenticated, so a
// value altered, cut, given another header, or moved to another key fails
// to open: DataLoss("integrity check failed for key ..."), never data.
//
// Thread-safe (no shared state).
#ifndef SYNAPSED_LAYERS_VALUE_ENVELOPE_H_
#define SYNAPSED_LAYERS_VALUE_ENVELOPE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/aead.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"

namespace synapsed::storage::layers {

// On disk: do not change. A new layout takes a new version.
inline constexpr uint8_t kEnvelopeVersion = 1;

// Bytes the envelope adds to a value sealed under `key_id`.
constexpr size_t EnvelopeOverhead(std::string_view key_id) {
  return 2 + key_id.size() + crypto::kNonceSize + crypto::kTagSize;
}

// Seals `value`, stored under `user_key`, with `key` and a random nonce.
[[nodiscard]] absl::StatusOr<std::string> SealValue(
    const crypto::MasterKey& key, std::string_view user_key,
    std::string_view value);

// As SealValue with the nonce given: for the spec's worked example and
// tests. A nonce must never be used twice with one key.
[[nodiscard]] absl::StatusOr<std::string> SealValueWithNonce(
    const crypto::MasterKey& key, const crypto::Nonce& nonce,
    std::string_view user_key, std::string_view value);

// The id of the key that sealed `stored` (a view into it), read from the
// header without opening the value. DataLoss naming `user_key` if the
// header is malformed.
[[nodiscard]] absl::StatusOr<std::string_view> EnvelopeKeyId(
    std::string_view stored, std::string_view user_key);

// The value sealed in `stored` under `user_key`. DataLoss("integrity check
// failed for key ...") if it does not open; FailedPrecondition naming the
// key id if `keyring` lacks the key that sealed it.
[[nodiscard]] absl::StatusOr<std::string> OpenValue(
    const crypto::Keyring& keyring, std::string_view user_key,
    std::string_view stored);

// `key` for an error message: C-escaped, cut after 64 bytes.
std::string PrintableKey(std::string_view key);

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_VALUE_ENVELOPE_H_
