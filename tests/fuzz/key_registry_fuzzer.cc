// libFuzzer target for the reader of KEYS, the key registry of an encrypted
// native database (DecodeKeys, engine/key_registry.h): a file an attacker
// may have edited, and the one that hands out every data key. Input layout
// and keys: fuzz_inputs.h; keys.dict holds the magic and the key ids.
//
// What the registry promises, and the invariants checked here: no crash or
// sanitizer report, and
//   - a failure is DataLoss naming the file and an offset inside it, or
//     FailedPrecondition naming the file (the master key is not given, or
//     is not the one that wrote it); all or nothing, so no key comes back
//     with an error; and no master key's bytes or hex appear in a message
//     unless the input holds them;
//   - nothing decodes without authenticating: the master key named is in
//     the keyring, the same file under a keyring that holds other keys
//     under the same ids is FailedPrecondition, and each data key returned
//     is the one sealed for its entry's number, kind and generation
//     (KeysFuzzDataKey: the fuzzer cannot forge a seal, so a key bound to
//     another entry would mean the binding is broken);
//   - what decodes, encoded again (EncodeKeys), decodes to the same master
//     id and the same entries.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/keyring.h"
#include "engine/key_registry.h"
#include "tests/fuzz/fuzz_inputs.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace {

using namespace synapsed::storage;  // NOLINT: a fuzz entry point
using engine::KeysContents;

std::shared_ptr<const crypto::Keyring> Ring(std::string_view hex1, std::string_view hex2) {
  auto ring = std::make_shared<crypto::Keyring>();
  for (auto [id, hex] : {std::pair{fuzz::kEnvelopeKeyId1, hex1},
                         std::pair{fuzz::kEnvelopeKeyId2, hex2}}) {
    absl::StatusOr<crypto::SecureKey> key = crypto::SecureKey::FromHex(hex);
    FUZZ_CHECK(key.ok());
    FUZZ_CHECK(ring->Add(crypto::MasterKey{std::string(id), *std::move(key)}).ok());
  }
  return ring;
}

// The fuzz keyring, and an impostor holding each id with the other's bytes.
const crypto::Keyring& Keys() {
  static const auto ring = Ring(fuzz::kEnvelopeKeyHex1, fuzz::kEnvelopeKeyHex2);
  return *ring;
}
const crypto::Keyring& Impostor() {
  static const auto ring = Ring(fuzz::kEnvelopeKeyHex2, fuzz::kEnvelopeKeyHex1);
  return *ring;
}

void CheckError(std::string_view file, const absl::Status& s) {
  const std::string_view message = fuzz::Message(s);
  FUZZ_CHECK(message.starts_with(fuzz::kKeysFuzzPath));
  if (s.code() == absl::StatusCode::kDataLoss) {
    constexpr std::string_view kAt = " at offset ";
    const size_t at = message.rfind(kAt);
    FUZZ_CHECK(at != std::string_view::npos);
    size_t offset = 0;
    const char* digits = message.data() + at + kAt.size();
    const auto [end, ec] = std::from_chars(digits, message.data() + message.size(), offset);
    FUZZ_CHECK(ec == std::errc() && end == message.data() + message.size());
    FUZZ_CHECK(offset <= file.size());
  } else {
    FUZZ_CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  }
  for (const std::string_view hex : {fuzz::kEnvelopeKeyHex1, fuzz::kEnvelopeKeyHex2}) {
    FUZZ_CHECK(!fuzz::Contains(message, hex) || fuzz::Contains(file, hex));
    const absl::StatusOr<crypto::SecureKey> key = crypto::SecureKey::FromHex(hex);
    FUZZ_CHECK(key.ok());
    const std::string_view bytes(reinterpret_cast<const char*>(key->bytes().data()),
                                 key->bytes().size());
    FUZZ_CHECK(!fuzz::Contains(message, bytes) || fuzz::Contains(file, bytes));
  }
}

void CheckAuthenticated(std::string_view file, const KeysContents& got) {
  FUZZ_CHECK(Keys().Find(got.master_id).ok());
  absl::StatusOr<KeysContents> impostor =
      engine::DecodeKeys(file, Impostor(), fuzz::kKeysFuzzPath);
  FUZZ_CHECK(!impostor.ok() &&
             impostor.status().code() == absl::StatusCode::kFailedPrecondition);
  for (const auto& [number, e] : got.entries) {
    FUZZ_CHECK(e.key != nullptr);
    const std::array<uint8_t, 32> sealed =
        fuzz::KeysFuzzDataKey(number, static_cast<uint8_t>(e.kind), e.generation);
    FUZZ_CHECK(std::equal(sealed.begin(), sealed.end(), e.key->bytes().begin()));
  }
}

void CheckRoundTrip(const KeysContents& got) {
  absl::StatusOr<std::shared_ptr<const crypto::MasterKey>> master =
      Keys().Find(got.master_id);
  FUZZ_CHECK(master.ok());
  uint64_t counter = 0;
  absl::StatusOr<std::string> again = engine::EncodeKeys(
      **master, got.entries, [&]() -> absl::StatusOr<crypto::Nonce> {
        crypto::Nonce n{};
        for (int i = 0; i < 8; ++i) n[i] = static_cast<uint8_t>(counter >> (8 * i));
        ++counter;
        return n;
      });
  FUZZ_CHECK(again.ok());
  absl::StatusOr<KeysContents> back =
      engine::DecodeKeys(*again, Keys(), fuzz::kKeysFuzzPath);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->master_id == got.master_id);
  FUZZ_CHECK(back->entries.size() == got.entries.size());
  for (const auto& [number, e] : got.entries) {
    auto it = back->entries.find(number);
    FUZZ_CHECK(it != back->entries.end());
    FUZZ_CHECK(it->second.kind == e.kind && it->second.generation == e.generation);
    FUZZ_CHECK(it->second.key->SameBytes(*e.key));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & fuzz::kKeysFixChecksum) && file.size() >= 4) {
    const size_t covered = file.size() - 4;
    file.resize(covered);
    PutFixed32(&file, static_cast<uint32_t>(Hash64(file)));
  }
  absl::StatusOr<KeysContents> got =
      engine::DecodeKeys(file, Keys(), fuzz::kKeysFuzzPath);
  if (!got.ok()) {
    CheckError(file, got.status());
    return 0;
  }
  CheckAuthenticated(file, *got);
  CheckRoundTrip(*got);
  return 0;
}
