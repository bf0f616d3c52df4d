#include "security/password_hash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "fmt/format.h"

namespace synapsed::storage::security {
namespace {

constexpr std::string_view kScheme = "scrypt";

absl::Status Malformed(std::string_view why) {
  return absl::InvalidArgumentError(fmt::format(
      "not a password hash of the form $scrypt$ln=N,r=R,p=P$SALT$HASH "
      "(docs/format/password_hash.md): {}",
      why));
}

absl::Status CheckCost(const ScryptCost& c) {
  if (c.log2_n < 1 || c.log2_n > 30 || c.r < 1 || c.r > 64 || c.p < 1 ||
      c.p > 64) {
    return absl::InvalidArgumentError(
        fmt::format("scrypt cost ln={},r={},p={} is out of range (ln 1..30, "
                    "r 1..64, p 1..64)",
                    c.log2_n, c.r, c.p));
  }
  const uint64_t memory = 128ull * c.r * (uint64_t{1} << c.log2_n);
  if (memory > kMaxScryptMemory) {
    return absl::InvalidArgumentError(fmt::format(
        "scrypt cost ln={},r={} needs {} MiB, over the limit of {} MiB",
        c.log2_n, c.r, memory >> 20, kMaxScryptMemory >> 20));
  }
  return absl::OkStatus();
}

// The derived bytes, wiped when they go.
struct Derived {
  unsigned char bytes[kPasswordHashBytes];
  ~Derived() { OPENSSL_cleanse(bytes, sizeof(bytes)); }
};

absl::Status Scrypt(std::string_view password, std::string_view salt,
                    const ScryptCost& cost, Derived* out) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(
      EVP_KDF_fetch(nullptr, "SCRYPT", nullptr), EVP_KDF_free);
  if (kdf == nullptr) return absl::InternalError("OpenSSL has no scrypt");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(
      EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  if (ctx == nullptr) return absl::InternalError("EVP_KDF_CTX_new failed");
  uint64_t n = uint64_t{1} << cost.log2_n;
  uint32_t r = static_cast<uint32_t>(cost.r);
  uint32_t p = static_cast<uint32_t>(cost.p);
  // OpenSSL's default memory cap (32 MiB) is just under the default cost's
  // need; allow what CheckCost allowed, plus scrypt's own buffers.
  uint64_t maxmem = kMaxScryptMemory + 128ull * r * p + (1 << 20);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
          password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                        const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  if (EVP_KDF_derive(ctx.get(), out->bytes, sizeof(out->bytes), params) != 1) {
    return absl::InternalError("scrypt (EVP_KDF_derive) failed");
  }
  return absl::OkStatus();
}

// `s` cut at every `sep` (empty pieces kept).
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (size_t from = 0;;) {
    const size_t at = s.find(sep, from);
    parts.push_back(s.substr(from, at == std::string_view::npos ? at : at - from));
    if (at == std::string_view::npos) return parts;
    from = at + 1;
  }
}

std::string Base64NoPad(std::string_view bytes) {
  std::string out;
  absl::Base64Escape(absl::string_view(bytes.data(), bytes.size()), &out);
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

// Standard base64 without padding, and nothing else (re-encoding must give
// the same text back, so one hash has exactly one spelling).
bool UnBase64NoPad(std::string_view text, std::string* out) {
  return absl::Base64Unescape(absl::string_view(text.data(), text.size()),
                              out) &&
         Base64NoPad(*out) == text;
}

bool ParseParam(std::string_view field, std::string_view name, int* value) {
  if (!field.starts_with(name) || field.size() <= name.size() ||
      field[name.size()] != '=') {
    return false;
  }
  std::string_view digits = field.substr(name.size() + 1);
  if (digits.size() > 1 && digits[0] == '0') return false;  // one spelling
  return absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()),
                          value);
}

}  // namespace

absl::StatusOr<std::string> HashPassword(std::string_view password,
                                         ScryptCost cost) {
  if (absl::Status s = CheckCost(cost); !s.ok()) return s;
  std::string salt(kPasswordSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()),
                 static_cast<int>(salt.size())) != 1) {
    return absl::InternalError("RAND_bytes failed to make a salt");
  }
  Derived derived;
  if (absl::Status s = Scrypt(password, salt, cost, &derived); !s.ok()) {
    return s;
  }
  return fmt::format(
      "${}$ln={},r={},p={}${}${}", kScheme, cost.log2_n, cost.r, cost.p,
      Base64NoPad(salt),
      Base64NoPad(std::string_view(reinterpret_cast<char*>(derived.bytes),
                                   sizeof(derived.bytes))));
}

absl::StatusOr<ParsedPasswordHash> ParsePasswordHash(std::string_view encoded) {
  // "", "scrypt", "ln=..,r=..,p=..", salt, hash
  std::vector<std::string_view> parts = Split(encoded, '$');
  if (parts.size() != 5 || !parts[0].empty()) {
    return Malformed("expected five '$'-separated fields, the first empty");
  }
  if (parts[1] != kScheme) {
    return Malformed("the scheme is not \"scrypt\"");
  }
  ParsedPasswordHash parsed;
  std::vector<std::string_view> params = Split(parts[2], ',');
  if (params.size() != 3 || !ParseParam(params[0], "ln", &parsed.cost.log2_n) ||
      !ParseParam(params[1], "r", &parsed.cost.r) ||
      !ParseParam(params[2], "p", &parsed.cost.p)) {
    return Malformed("the parameters are not \"ln=N,r=R,p=P\" in that order");
  }
  if (absl::Status s = CheckCost(parsed.cost); !s.ok()) return s;
  if (!UnBase64NoPad(parts[3], &parsed.salt) ||
      parsed.salt.size() != kPasswordSaltBytes) {
    return Malformed(fmt::format(
        "the salt is not {} bytes of unpadded base64", kPasswordSaltBytes));
  }
  if (!UnBase64NoPad(parts[4], &parsed.hash) ||
      parsed.hash.size() != kPasswordHashBytes) {
    return Malformed(fmt::format(
        "the hash is not {} bytes of unpadded base64", kPasswordHashBytes));
  }
  return parsed;
}

absl::StatusOr<bool> VerifyPassword(std::string_view encoded,
                                    std::string_view password) {
  absl::StatusOr<ParsedPasswordHash> parsed = ParsePasswordHash(encoded);
  if (!parsed.ok()) return parsed.status();
  Derived derived;
  if (absl::Status s = Scrypt(password, parsed->salt, parsed->cost, &derived);
      !s.ok()) {
    return s;
  }
  return CRYPTO_memcmp(derived.bytes, parsed->hash.data(),
                       kPasswordHashBytes) == 0;
}

}  // namespace synapsed::storage::security
