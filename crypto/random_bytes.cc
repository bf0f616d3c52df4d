#include "crypto/random_bytes.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "crypto/openssl_error.h"

namespace synapsed::storage::crypto {

absl::Status RandomBytes(std::span<uint8_t> out) {
  while (!out.empty()) {
    const size_t n = std::min<size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      return OpenSslError("RAND_bytes");
    }
    out = out.subspan(n);
  }
  return absl::OkStatus();
}

}  // namespace synapsed::storage::crypto
