#include "security/audit_hash.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "crypto/openssl_error.h"

namespace synapsed::storage::security {

namespace {

// SHA-256, fetched once (OpenSSL 3 looks an implicitly fetched digest up on
// every init otherwise), and a context per thread reused for each hash.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadMdCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

}  // namespace

absl::StatusOr<Digest> Sha256(std::string_view a, std::string_view b) {
  EVP_MD_CTX* ctx = ThreadMdCtx();
  const EVP_MD* md = Sha256Md();
  if (ctx == nullptr || md == nullptr) return crypto::OpenSslError("SHA-256 setup");
  Digest d;
  unsigned int n = 0;
  const bool ok = EVP_DigestInit_ex2(ctx, md, nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
                  EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, d.data(), &n) == 1 &&
                  n == kDigestSize;
  if (!ok) return crypto::OpenSslError("SHA-256");
  return d;
}

absl::StatusOr<Digest> HmacSha256(std::span<const uint8_t> key,
                                  std::string_view domain,
                                  std::string_view data) {
  std::string input(domain);
  input.push_back('\0');
  input.append(data);
  Digest d;
  size_t n = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(),
                key.size(),
                reinterpret_cast<const unsigned char*>(input.data()),
                input.size(), d.data(), d.size(), &n) == nullptr ||
      n != kDigestSize) {
    return crypto::OpenSslError("HMAC-SHA-256");
  }
  return d;
}

std::string_view AsBytes(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string ToHex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

bool DigestFromHex(std::string_view hex, Digest* out) {
  if (hex.size() != 2 * kDigestSize) return false;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  const std::string bytes =
      absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

}  // namespace synapsed::storage::security
