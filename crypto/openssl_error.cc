#include "crypto/openssl_error.h"

#include <openssl/err.h>

#include "fmt/format.h"

namespace synapsed::storage::crypto {

absl::Status OpenSslError(std::string_view what) {
  const unsigned long code = ERR_get_error();  // the earliest: the cause
  char reason[256] = "no reason given";
  if (code != 0) ERR_error_string_n(code, reason, sizeof(reason));
  ERR_clear_error();
  return absl::InternalError(
      fmt::format("{} failed in OpenSSL: {}", what, reason));
}

}  // namespace synapsed::storage::crypto
