#include "crypto/file_cipher.h"

#include "util/coding.h"

namespace synapsed::storage::crypto {

Nonce FileCipher::NonceFor(uint64_t offset) {
  Nonce nonce{};
  for (size_t i = 0; i < 8; ++i) {
    nonce[i] = static_cast<uint8_t>(offset >> (8 * i));
  }
  return nonce;  // bytes 8..11 stay zero
}

std::string FileCipher::AssociatedData(uint64_t offset, UnitKind unit,
                                       uint8_t codec) const {
  std::string ad = "SYNF";
  ad.push_back(static_cast<char>(kFormatVersion));
  ad.push_back(static_cast<char>(kind_));
  ad.push_back(static_cast<char>(unit));
  ad.push_back(static_cast<char>(codec));
  PutFixed64(&ad, file_number_);
  PutFixed64(&ad, offset);
  return ad;
}

absl::Status FileCipher::Seal(uint64_t offset, UnitKind unit, uint8_t codec,
                              std::string_view plaintext,
                              std::string* out) const {
  return AeadSeal(*key_, NonceFor(offset), AssociatedData(offset, unit, codec),
                  plaintext, out);
}

absl::Status FileCipher::Open(uint64_t offset, UnitKind unit, uint8_t codec,
                              std::string_view sealed, std::string* out) const {
  return AeadOpen(*key_, NonceFor(offset), AssociatedData(offset, unit, codec),
                  sealed, out);
}

}  // namespace synapsed::storage::crypto
