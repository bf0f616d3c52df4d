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
// AeadSeal and AeadOpen set up their own OpenSSL context and free it
// (wiping the key schedule) before they return, so no expanded key outlives
// a call; any number may run at once, on any keys. AeadContext keeps one
// key's schedule for many calls, for the engine's files, where a context per
// call cost more than the sealing (an allocation, OpenSSL's parameter
// plumbing and a key expansion for every record of ~100 bytes).
#ifndef SYNAPSED_CRYPTO_AEAD_H_
#define SYNAPSED_CRYPTO_AEAD_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "crypto/secure_key.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

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

// A reusable AES-256-GCM context for one key: the key is expanded once, on
// the first seal (and once more on the first open), and each later call
// sets only the nonce. The expanded key stays in OpenSSL's context, in
// ordinary heap memory rather than the key's locked page, until the context
// is destroyed (which wipes it). Not thread-safe: one call at a time.
class AeadContext {
 public:
  // `key` must outlive the context.
  explicit AeadContext(const SecureKey& key);
  ~AeadContext();
  AeadContext(const AeadContext&) = delete;
  AeadContext& operator=(const AeadContext&) = delete;

  // As AeadSeal and AeadOpen, under the context's key.
  [[nodiscard]] absl::Status Seal(const Nonce& nonce, std::string_view associated_data,
                                  std::string_view plaintext, std::string* out);
  [[nodiscard]] absl::Status Open(const Nonce& nonce, std::string_view associated_data,
                                  std::string_view sealed, std::string* out);
  // Opens the `size` sealed bytes at `data` where they are: on success the
  // first size - kTagSize bytes are the plaintext. On failure they are
  // wiped (no unverified plaintext is left behind) and the status is as
  // Open's.
  [[nodiscard]] absl::Status OpenInPlace(const Nonce& nonce,
                                         std::string_view associated_data, char* data,
                                         size_t size);

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const;
  };
  using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

  // Readies `*ctx` (keyed on first use) for one unit under `nonce`, with the
  // associated data fed in. On failure `*ctx` is dropped, to be rebuilt.
  absl::Status Start(bool encrypt, const Nonce& nonce, std::string_view ad, Ctx* ctx);

  const SecureKey& key_;
  Ctx seal_;
  Ctx open_;
};

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_AEAD_H_
