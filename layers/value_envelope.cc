#include "layers/value_envelope.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "crypto/random_bytes.h"
#include "fmt/format.h"
#include "synapsed/storage/encryption.h"
#include "util/status_macros.h"

namespace synapsed::storage::layers {
namespace {

// The header's fields, viewed in the stored bytes.
struct Envelope {
  std::string_view header;  // version | id_length | key_id
  std::string_view key_id;
  crypto::Nonce nonce;
  std::string_view sealed;  // ciphertext | tag
};

absl::Status IntegrityError(std::string_view user_key, std::string_view why) {
  return absl::DataLossError(
      fmt::format("integrity check failed for key \"{}\": {}",
                  PrintableKey(user_key), why));
}

absl::StatusOr<Envelope> Parse(std::string_view stored,
                               std::string_view user_key) {
  if (stored.size() < 2) {
    return IntegrityError(
        user_key,
        fmt::format("a stored value of {} bytes has no envelope header",
                    stored.size()));
  }
  const uint8_t version = static_cast<uint8_t>(stored[0]);
  if (version != kEnvelopeVersion) {
    return IntegrityError(user_key,
                          fmt::format("unknown envelope version {}", version));
  }
  const size_t id_length = static_cast<uint8_t>(stored[1]);
  const std::string_view id = stored.substr(2, id_length);
  if (id.size() != id_length || !IsValidKeyId(id)) {
    return IntegrityError(user_key, "the envelope's key id is malformed");
  }
  if (stored.size() < EnvelopeOverhead(id)) {
    return IntegrityError(
        user_key, fmt::format("a stored value of {} bytes is shorter than "
                              "its envelope ({} bytes)",
                              stored.size(), EnvelopeOverhead(id)));
  }
  Envelope e;
  e.header = stored.substr(0, 2 + id_length);
  e.key_id = id;
  std::copy_n(stored.data() + e.header.size(), crypto::kNonceSize,
              e.nonce.begin());
  e.sealed = stored.substr(e.header.size() + crypto::kNonceSize);
  return e;
}

std::string AssociatedData(std::string_view header, std::string_view user_key) {
  std::string ad;
  ad.reserve(header.size() + user_key.size());
  ad.append(header);
  ad.append(user_key);
  return ad;
}

}  // namespace

std::string PrintableKey(std::string_view key) {
  constexpr size_t kMax = 64;
  std::string s = absl::CHexEscape(
      absl::string_view(key.data(), std::min(key.size(), kMax)));
  if (key.size() > kMax) s += fmt::format("...({} bytes)", key.size());
  return s;
}

absl::StatusOr<std::string> SealValueWithNonce(const crypto::MasterKey& key,
                                               const crypto::Nonce& nonce,
                                               std::string_view user_key,
                                               std::string_view value) {
  std::string stored;
  stored.reserve(EnvelopeOverhead(key.id) + value.size());
  stored.push_back(static_cast<char>(kEnvelopeVersion));
  stored.push_back(
      static_cast<char>(key.id.size()));  // <= kMaxKeyIdSize (keyring)
  stored.append(key.id);
  const std::string ad = AssociatedData(stored, user_key);
  stored.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  RETURN_IF_ERROR(crypto::AeadSeal(key.key, nonce, ad, value, &stored));
  return stored;
}

absl::StatusOr<std::string> SealValue(const crypto::MasterKey& key,
                                      std::string_view user_key,
                                      std::string_view value) {
  crypto::Nonce nonce;
  RETURN_IF_ERROR(crypto::RandomBytes(nonce));
  return SealValueWithNonce(key, nonce, user_key, value);
}

absl::StatusOr<std::string_view> EnvelopeKeyId(std::string_view stored,
                                               std::string_view user_key) {
  ASSIGN_OR_RETURN(Envelope e, Parse(stored, user_key));
  return e.key_id;
}

absl::StatusOr<std::string> OpenValue(const crypto::Keyring& keyring,
                                      std::string_view user_key,
                                      std::string_view stored) {
  ASSIGN_OR_RETURN(Envelope e, Parse(stored, user_key));
  auto key = keyring.Find(e.key_id);
  if (!key.ok()) {
    // Not corruption as far as can be told: the key was not supplied.
    return absl::FailedPreconditionError(fmt::format(
        "the value of key \"{}\" is sealed under master key \"{}\", which this "
        "store was not given: {}",
        PrintableKey(user_key), e.key_id, std::string(key.status().message())));
  }
  std::string value;
  absl::Status s =
      crypto::AeadOpen((*key)->key, e.nonce, AssociatedData(e.header, user_key),
                       e.sealed, &value);
  if (absl::IsUnauthenticated(s)) {
    return IntegrityError(
        user_key, fmt::format("the value does not authenticate under master "
                              "key \"{}\" (altered, cut, or moved from "
                              "another key)",
                              e.key_id));
  }
  RETURN_IF_ERROR(s);
  return value;
}

}  // namespace synapsed::storage::layers
