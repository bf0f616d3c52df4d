// libFuzzer target for the encryption envelope decoder (OpenValue and
// EnvelopeKeyId, layers/value_envelope.h), with a fixed keyring of the two
// test keys of tests/fuzz/fuzz_inputs.h.
//
// Input: mode:u8 (its low bit), then
//   raw (kEnvelopeRaw):  user_key_length:u8 user_key stored
//     The stored bytes are opened under the user key. They must not open,
//     unless they are exactly a seal of what they opened to: the seal of
//     that value under that user key, with the key and nonce they name
//     (the seed corpus holds such seals, made by SealValueWithNonce).
//     Anything else that opens would be a forgery or a decoder that ignores
//     part of the bytes.
//   structured (kEnvelopeStructured):
//     key:u8 value_length:u8 user_key_length:u8 nonce:u8 alter:u8 amount:u8
//     value user_key edit*        edit := offset:u16 xor:u8
//     The target seals the value itself, then cuts (alter bit 1) or extends
//     (bit 2) the stored bytes by `amount`, xors the edits in, and opens
//     them under the user key, or another one (bit 0). It must open to the
//     value exactly when nothing was changed, and fail otherwise.
//
// Invariants: no crash or sanitizer report; a failure is DataLoss
// ("integrity check failed for key <user key>: ...") or, for a key id the
// keyring lacks, FailedPrecondition naming the user key and the id;
// EnvelopeKeyId agrees with OpenValue about the id.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/keyring.h"
#include "layers/value_envelope.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using namespace synapsed::storage;  // NOLINT: a fuzz entry point

const crypto::Keyring& TestKeyring() {
  static const crypto::Keyring* ring = [] {
    auto* r = new crypto::Keyring;
    for (const auto& [id, hex] :
         {std::pair{fuzz::kEnvelopeKeyId1, fuzz::kEnvelopeKeyHex1},
          std::pair{fuzz::kEnvelopeKeyId2, fuzz::kEnvelopeKeyHex2}}) {
      absl::StatusOr<crypto::SecureKey> key = crypto::SecureKey::FromHex(hex);
      FUZZ_CHECK(key.ok());
      FUZZ_CHECK(
          r->Add(crypto::MasterKey{std::string(id), *std::move(key)}).ok());
    }
    return r;
  }();
  return *ring;
}

// Opens `stored` under `user_key` and checks what any answer must satisfy.
absl::StatusOr<std::string> Open(std::string_view user_key,
                                 std::string_view stored) {
  const crypto::Keyring& ring = TestKeyring();
  absl::StatusOr<std::string> value = layers::OpenValue(ring, user_key, stored);
  const absl::StatusOr<std::string_view> id =
      layers::EnvelopeKeyId(stored, user_key);
  const std::string printable = layers::PrintableKey(user_key);
  if (value.ok()) {
    FUZZ_CHECK(id.ok() && ring.Find(*id).ok());
  } else if (value.status().code() == absl::StatusCode::kFailedPrecondition) {
    FUZZ_CHECK(id.ok() && !ring.Find(*id).ok());
    FUZZ_CHECK(fuzz::Contains(fuzz::Message(value.status()), printable));
    FUZZ_CHECK(fuzz::Contains(fuzz::Message(value.status()), *id));
  } else {
    FUZZ_CHECK(value.status().code() == absl::StatusCode::kDataLoss);
    FUZZ_CHECK(fuzz::Message(value.status())
                   .starts_with("integrity check failed for key \"" +
                                printable + "\""));
    if (!id.ok())
      FUZZ_CHECK(fuzz::Message(id.status()) == fuzz::Message(value.status()));
  }
  return value;
}

void RunRaw(const uint8_t* p, size_t n) {
  if (n < 1) return;
  const size_t key_length = std::min<size_t>(p[0], n - 1);
  const std::string_view user_key(reinterpret_cast<const char*>(p + 1),
                                  key_length);
  const std::string_view stored(
      reinterpret_cast<const char*>(p + 1 + key_length), n - 1 - key_length);
  const absl::StatusOr<std::string> value = Open(user_key, stored);
  if (!value.ok()) return;
  // Opened: the bytes must be the seal of this value, byte for byte.
  const std::string_view id = *layers::EnvelopeKeyId(stored, user_key);
  crypto::Nonce nonce;
  std::copy_n(stored.data() + 2 + id.size(), nonce.size(), nonce.begin());
  const auto key = *TestKeyring().Find(id);
  const absl::StatusOr<std::string> seal =
      layers::SealValueWithNonce(*key, nonce, user_key, *value);
  FUZZ_CHECK(seal.ok() && *seal == stored);
}

void RunStructured(const uint8_t* p, size_t n) {
  constexpr size_t kHeader = 6;
  if (n < kHeader) return;
  const uint8_t alter = p[4], amount = p[5];
  std::string value(p[1], '\0'), user_key(p[2] % 80, '\0');
  size_t at = kHeader;
  for (char& c : value) c = at < n ? static_cast<char>(p[at++]) : 'v';
  for (char& c : user_key) c = at < n ? static_cast<char>(p[at++]) : 'k';
  crypto::Nonce nonce;
  for (size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = static_cast<uint8_t>(p[3] + i);
  const auto key = *TestKeyring().Find(p[0] & 1 ? fuzz::kEnvelopeKeyId2
                                                : fuzz::kEnvelopeKeyId1);
  const absl::StatusOr<std::string> sealed =
      layers::SealValueWithNonce(*key, nonce, user_key, value);
  FUZZ_CHECK(sealed.ok());

  std::string stored = *sealed;
  if (alter & 2)
    stored.resize(stored.size() - std::min<size_t>(amount, stored.size()));
  if (alter & 4) stored.append(amount, static_cast<char>(amount));
  for (; at + 3 <= n && !stored.empty(); at += 3) {
    stored[(p[at] | p[at + 1] << 8) % stored.size()] ^=
        static_cast<char>(p[at + 2]);
  }
  const std::string open_key = alter & 1 ? user_key + "/other" : user_key;
  const absl::StatusOr<std::string> opened = Open(open_key, stored);
  if (stored == *sealed && open_key == user_key) {
    FUZZ_CHECK(opened.ok() && *opened == value);
  } else {
    FUZZ_CHECK(!opened.ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  if ((data[0] & 1) == fuzz::kEnvelopeStructured) {
    RunStructured(data + 1, size - 1);
  } else {
    RunRaw(data + 1, size - 1);
  }
  return 0;
}
