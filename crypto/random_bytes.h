// Random bytes for keys and nonces, from OpenSSL's CSPRNG (RAND_bytes),
// which is seeded from the operating system and safe to call from any
// thread. util/random.h is a test PRNG: never use it here.
#ifndef SYNAPSED_CRYPTO_RANDOM_BYTES_H_
#define SYNAPSED_CRYPTO_RANDOM_BYTES_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"

namespace synapsed::storage::crypto {

// Fills `out`. Internal if the generator fails (it is not seeded, ...):
// nothing random is used then.
[[nodiscard]] absl::Status RandomBytes(std::span<uint8_t> out);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_RANDOM_BYTES_H_
