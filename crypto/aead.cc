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

}  // namespace

void AeadContext::CtxFree::operator()(EVP_CIPHER_CTX* ctx) const {
  EVP_CIPHER_CTX_free(ctx);
}

AeadContext::AeadContext(const SecureKey& key) : key_(key) {}
AeadContext::~AeadContext() = default;

absl::Status AeadContext::Start(bool encrypt, const Nonce& nonce,
                                std::string_view ad, Ctx* ctx) {
  // The first use keys the context; later ones pass no cipher and no key,
  // which keeps the expanded key and resets the GCM state for the new nonce.
  const EVP_CIPHER* cipher = nullptr;
  const unsigned char* key = nullptr;
  if (*ctx == nullptr) {
    if (Aes256Gcm() == nullptr) return OpenSslError("fetching AES-256-GCM");
    ctx->reset(EVP_CIPHER_CTX_new());
    if (*ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
    cipher = Aes256Gcm();
    key = key_.bytes().data();
  }
  // GCM's default IV length is 96 bits, the nonce's size.
  int n = 0;
  const bool ok =
      (encrypt ? EVP_EncryptInit_ex2(ctx->get(), cipher, key, nonce.data(), nullptr)
               : EVP_DecryptInit_ex2(ctx->get(), cipher, key, nonce.data(), nullptr)) == 1 &&
      (ad.empty() || EVP_CipherUpdate(ctx->get(), nullptr, &n, Bytes(ad),
                                      static_cast<int>(ad.size())) == 1);
  if (!ok) {
    ctx->reset();
    return OpenSslError("AES-256-GCM init");
  }
  return absl::OkStatus();
}

absl::Status AeadContext::Seal(const Nonce& nonce, std::string_view ad,
                               std::string_view plaintext, std::string* out) {
  RETURN_IF_ERROR(CheckSizes(ad, plaintext));
  RETURN_IF_ERROR(Start(true, nonce, ad, &seal_));
  const size_t at = out->size();
  out->resize(at + plaintext.size() + kTagSize);
  int n = 0, tail = 0;
  EVP_CIPHER_CTX* ctx = seal_.get();
  bool ok = plaintext.empty() ||
            EVP_EncryptUpdate(ctx, Bytes(out, at), &n, Bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1;
  // GCM is a stream mode: Final writes nothing, but computes the tag.
  ok = ok && EVP_EncryptFinal_ex(ctx, Bytes(out, at + n), &tail) == 1 &&
       static_cast<size_t>(n + tail) == plaintext.size() &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                           Bytes(out, at + plaintext.size())) == 1;
  if (!ok) {
    out->resize(at);
    seal_.reset();
    return OpenSslError("AES-256-GCM seal");
  }
  return absl::OkStatus();
}

absl::Status AeadContext::Open(const Nonce& nonce, std::string_view ad,
                               std::string_view sealed, std::string* out) {
  const size_t at = out->size();
  out->append(sealed);
  absl::Status s = OpenInPlace(nonce, ad, out->data() + at, sealed.size());
  out->resize(s.ok() ? at + sealed.size() - kTagSize : at);
  return s;
}

absl::Status AeadContext::OpenInPlace(const Nonce& nonce, std::string_view ad,
                                      char* data, size_t size) {
  if (size < kTagSize) {
    return absl::UnauthenticatedError(fmt::format(
        "sealed data of {} bytes is shorter than the {}-byte tag", size, kTagSize));
  }
  RETURN_IF_ERROR(CheckSizes(ad, std::string_view(data, size)));
  const size_t length = size - kTagSize;
  unsigned char tag[kTagSize];
  std::memcpy(tag, data + length, kTagSize);
  RETURN_IF_ERROR(Start(false, nonce, ad, &open_));
  EVP_CIPHER_CTX* ctx = open_.get();
  unsigned char* text = reinterpret_cast<unsigned char*>(data);
  int n = 0, tail = 0;
  // GCM decrypts in place (OpenSSL allows the output to be the input).
  if ((length > 0 &&
       EVP_DecryptUpdate(ctx, text, &n, text, static_cast<int>(length)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                          tag) != 1) {
    OPENSSL_cleanse(data, size);
    open_.reset();
    return OpenSslError("AES-256-GCM open");
  }
  if (EVP_DecryptFinal_ex(ctx, text + n, &tail) != 1) {
    // The bytes were decrypted before the tag was checked: unverified
    // plaintext, wiped so that nothing of it is ever used.
    OPENSSL_cleanse(data, size);
    ERR_clear_error();
    open_.reset();
    return absl::UnauthenticatedError("AES-GCM tag mismatch");
  }
  return absl::OkStatus();
}

absl::Status AeadSeal(const SecureKey& key, const Nonce& nonce,
                      std::string_view ad, std::string_view plaintext,
                      std::string* out) {
  return AeadContext(key).Seal(nonce, ad, plaintext, out);
}

absl::Status AeadOpen(const SecureKey& key, const Nonce& nonce,
                      std::string_view ad, std::string_view sealed,
                      std::string* out) {
  return AeadContext(key).Open(nonce, ad, sealed, out);
}

}  // namespace synapsed::storage::crypto
