// PasswordHash: a principal's password as it is stored — never the password
// itself, but scrypt (OpenSSL's EVP_KDF "SCRYPT") of it under a random
// per-password salt, with the cost recorded beside it so it can be raised
// for new passwords without breaking old ones. docs/format/password_hash.md
// is the spec, with a worked example that password_hash_test.cc checks.
//
//   $scrypt$ln=15,r=8,p=1$<salt>$<hash>
//   salt: 16 random bytes (RAND_bytes); hash: 32 bytes of scrypt output;
//   both in standard base64 without padding (the PHC string format, as
//   passlib and other password libraries write scrypt).
//
// Verification recomputes the hash and compares it in constant time
// (CRYPTO_memcmp). The derived bytes are wiped (OPENSSL_cleanse) before
// they are freed; wiping the caller's copy of the password is the caller's.
//
// Cost: ln=15, r=8, p=1 (32 MiB and tens of milliseconds a hash) by
// default, scrypt's interactive-login setting. A hash asking for more than
// kMaxScryptMemory is refused, so a config cannot make a check exhaust
// memory.
//
// Thread-safe: no shared state.
#ifndef SYNAPSED_SECURITY_PASSWORD_HASH_H_
#define SYNAPSED_SECURITY_PASSWORD_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace synapsed::storage::security {

struct ScryptCost {
  int log2_n = 15;  // N = 2^log2_n: time and memory grow with it
  int r = 8;        // block size: memory is 128 * r * N bytes
  int p = 1;        // parallelism: time grows with it, memory does not
};

inline constexpr size_t kPasswordSaltBytes = 16;
inline constexpr size_t kPasswordHashBytes = 32;
inline constexpr uint64_t kMaxScryptMemory = 256ull << 20;

struct ParsedPasswordHash {
  ScryptCost cost;
  std::string salt;  // kPasswordSaltBytes bytes
  std::string hash;  // kPasswordHashBytes bytes
};

// Hashes `password` under a fresh random salt, in the format above.
// InvalidArgument for a cost outside the limits; Internal if OpenSSL fails.
[[nodiscard]] absl::StatusOr<std::string> HashPassword(
    std::string_view password, ScryptCost cost = ScryptCost());

// Parses `encoded`; InvalidArgument saying what is wrong (it never echoes
// the string back, which may have been pasted in the wrong place).
[[nodiscard]] absl::StatusOr<ParsedPasswordHash> ParsePasswordHash(
    std::string_view encoded);

// Whether `password` hashes to `encoded`. InvalidArgument if `encoded` does
// not parse.
[[nodiscard]] absl::StatusOr<bool> VerifyPassword(std::string_view encoded,
                                                  std::string_view password);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_PASSWORD_HASH_H_
