// The status for a failed OpenSSL call: Internal, with OpenSSL's own reason
// taken off (and clearing) the calling thread's error queue.
#ifndef SYNAPSED_CRYPTO_OPENSSL_ERROR_H_
#define SYNAPSED_CRYPTO_OPENSSL_ERROR_H_

#include <string_view>

#include "absl/status/status.h"

namespace synapsed::storage::crypto {

absl::Status OpenSslError(std::string_view what);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_OPENSSL_ERROR_H_
