// SHA-256 and HMAC-SHA-256 for the audit log, through OpenSSL 3's EVP
// interface (a digest fetched once and a context per thread; EVP_Q_mac):
// nothing written by hand. Thread-safe.
#ifndef SYNAPSED_SECURITY_AUDIT_HASH_H_
#define SYNAPSED_SECURITY_AUDIT_HASH_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace synapsed::storage::security {

inline constexpr size_t kDigestSize = 32;
using Digest = std::array<uint8_t, kDigestSize>;

// SHA-256(a ‖ b).
[[nodiscard]] absl::StatusOr<Digest> Sha256(std::string_view a,
                                            std::string_view b = {});
// HMAC-SHA-256 under `key` of `domain` ‖ 0x00 ‖ `data`: the domain keeps
// the MAC of a key apart from the MAC of a checkpoint under one audit key.
[[nodiscard]] absl::StatusOr<Digest> HmacSha256(std::span<const uint8_t> key,
                                                std::string_view domain,
                                                std::string_view data);

std::string_view AsBytes(const Digest& d);
std::string ToHex(std::string_view bytes);
// False unless `hex` is exactly 64 hex digits.
bool DigestFromHex(std::string_view hex, Digest* out);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_AUDIT_HASH_H_
