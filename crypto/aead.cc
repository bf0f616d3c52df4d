#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>

#include "crypto/openssl_error.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::crypto {
namespace {

// The cipher, fetched once from the default provider (OpenSSL 3 looks an
// implicitly fetched cipher up on every init otherwise). Kept for the life
// of the process: EVP_CIPHER objects are shared between threads.
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* cipher =
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string* s, size_t at) {
  return reinterpret_cast<unsigned char*>(s->data() + at);
}

absl::Status CheckSizes(std::string_view ad, std::string_view text) {
  if (ad.size() > INT_MAX || text.size() > INT_MAX) {
    return absl::InvalidArgumentError(fmt::format(
        "AES-GCM input of {} bytes (associated data {}) exceeds 2 GiB",
        text.size(), ad.size()));
  }
  return absl::OkStatus();
}

// A context set up for `encrypt` with the key and nonce, and the associated
// data fed in.
absl::Status Start(bool encrypt, const SecureKey& key, const Nonce& nonce,
                   std::string_view ad, Ctx* ctx) {
  if (Aes256Gcm() == nullptr) return OpenSslError("fetching AES-256-GCM");
  ctx->reset(EVP_CIPHER_CTX_new());
  if (*ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  // GCM's default IV length is 96 bits, the nonce's size.
  const int ok =
      encrypt ? EVP_EncryptInit_ex2(ctx->get(), Aes256Gcm(), key.bytes().data(),
                                    nonce.data(), nullptr)
              : EVP_DecryptInit_ex2(ctx->get(), Aes256Gcm(), key.bytes().data(),
                                    nonce.data(), nullptr);
  if (ok != 1) return OpenSslError("AES-256-GCM init");
  int n = 0;
  if (!ad.empty() && EVP_CipherUpdate(ctx->get(), nullptr, &n, Bytes(ad),
                                      static_cast<int>(ad.size())) != 1) {
    return OpenSslError("AES-256-GCM associated data");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AeadSeal(const SecureKey& key, const Nonce& nonce,
                      std::string_view ad, std::string_view plaintext,
                      std::string* out) {
  RETURN_IF_ERROR(CheckSizes(ad, plaintext));
  Ctx ctx;
  RETURN_IF_ERROR(Start(true, key, nonce, ad, &ctx));
  const size_t at = out->size();
  out->resize(at + plaintext.size() + kTagSize);
  int n = 0, tail = 0;
  bool ok = plaintext.empty() ||
            EVP_EncryptUpdate(ctx.get(), Bytes(out, at), &n, Bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1;
  // GCM is a stream mode: Final writes nothing, but computes the tag.
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), Bytes(out, at + n), &tail) == 1 &&
       static_cast<size_t>(n + tail) == plaintext.size() &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG,
                           static_cast<int>(kTagSize),
                           Bytes(out, at + plaintext.size())) == 1;
  if (!ok) {
    out->resize(at);
    return OpenSslError("AES-256-GCM seal");
  }
  return absl::OkStatus();
}

absl::Status AeadOpen(const SecureKey& key, const Nonce& nonce,
                      std::string_view ad, std::string_view sealed,
                      std::string* out) {
  if (sealed.size() < kTagSize) {
    return absl::UnauthenticatedError(
        fmt::format("sealed data of {} bytes is shorter than the {}-byte tag",
                    sealed.size(), kTagSize));
  }
  RETURN_IF_ERROR(CheckSizes(ad, sealed));
  const std::string_view ciphertext =
      sealed.substr(0, sealed.size() - kTagSize);
  unsigned char tag[kTagSize];
  std::memcpy(tag, sealed.data() + ciphertext.size(), kTagSize);
  Ctx ctx;
  RETURN_IF_ERROR(Start(false, key, nonce, ad, &ctx));
  const size_t at = out->size();
  out->resize(at + ciphertext.size());
  int n = 0, tail = 0;
  if ((!ciphertext.empty() &&
       EVP_DecryptUpdate(ctx.get(), Bytes(out, at), &n, Bytes(ciphertext),
                         static_cast<int>(ciphertext.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG,
                          static_cast<int>(kTagSize), tag) != 1) {
    OPENSSL_cleanse(Bytes(out, at), ciphertext.size());
    out->resize(at);
    return OpenSslError("AES-256-GCM open");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), Bytes(out, at + n), &tail) != 1) {
    // The plaintext was decrypted before the tag was checked: unverified
    // bytes, wiped so that nothing of them is ever used.
    OPENSSL_cleanse(Bytes(out, at), ciphertext.size());
    out->resize(at);
    ERR_clear_error();
    return absl::UnauthenticatedError("AES-GCM tag mismatch");
  }
  return absl::OkStatus();
}

}  // namespace synapsed::storage::crypto
