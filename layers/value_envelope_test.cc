#include "layers/value_envelope.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::layers {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

crypto::MasterKey TestKey(std::string id, std::string_view hex) {
  auto key = crypto::SecureKey::FromHex(hex);
  EXPECT_TRUE(key.ok()) << key.status();
  return crypto::MasterKey{std::move(id), *std::move(key)};
}

constexpr std::string_view kKey1 =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kKey2 =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

std::shared_ptr<crypto::Keyring> Ring(
    std::initializer_list<std::pair<const char*, std::string_view>> keys) {
  auto ring = std::make_shared<crypto::Keyring>();
  for (const auto& [id, hex] : keys) EXPECT_OK(ring->Add(TestKey(id, hex)));
  return ring;
}

TEST(ValueEnvelope, DocExampleOpens) {
  // docs/format/encryption.md, "Value envelope", "Example".
  const std::string stored(
      "\x01\x0a"
      "test-key-1"
      "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab"
      "\x87\x7c\x1d"
      "\x5e\x26\x66\x52\x85\x0b\x6e\xc6\x92\x49\x53\x82\x0c\x7c\x4e\x7d",
      43);
  auto ring = Ring({{"test-key-1", kKey1}});
  ASSERT_OK_AND_ASSIGN(std::string value, OpenValue(*ring, "user/1", stored));
  EXPECT_EQ(value, "ada");
  const crypto::Nonce nonce = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                               0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};
  ASSERT_OK_AND_ASSIGN(
      std::string sealed,
      SealValueWithNonce(*ring->Current(), nonce, "user/1", "ada"));
  EXPECT_EQ(sealed, stored);
  EXPECT_THAT(OpenValue(*ring, "user/2", stored),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("integrity check failed for key \"user/2\"")));
}

TEST(ValueEnvelope, EveryValueGetsAFreshNonce) {
  auto ring = Ring({{"k1", kKey1}});
  ASSERT_OK_AND_ASSIGN(std::string a,
                       SealValue(*ring->Current(), "k", "same value"));
  ASSERT_OK_AND_ASSIGN(std::string b,
                       SealValue(*ring->Current(), "k", "same value"));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), EnvelopeOverhead("k1") + 10);
  ASSERT_OK_AND_ASSIGN(std::string opened_a, OpenValue(*ring, "k", a));
  ASSERT_OK_AND_ASSIGN(std::string opened_b, OpenValue(*ring, "k", b));
  EXPECT_EQ(opened_a, "same value");
  EXPECT_EQ(opened_b, "same value");
  ASSERT_OK_AND_ASSIGN(std::string empty, SealValue(*ring->Current(), "", ""));
  ASSERT_OK_AND_ASSIGN(std::string opened, OpenValue(*ring, "", empty));
  EXPECT_EQ(opened, "");
}

// Any change to the stored bytes fails: DataLoss, or, where the change
// turns the key id into another valid one, an unknown key id. Never data.
TEST(ValueEnvelope, EveryAlteredOrCutByteFails) {
  auto ring = Ring({{"k1", kKey1}});
  const std::string secret = "the marker value 0123456789";
  ASSERT_OK_AND_ASSIGN(std::string stored,
                       SealValue(*ring->Current(), "user/7", secret));
  const size_t header = 2 + 2;
  for (size_t i = 0; i < stored.size(); ++i) {
    for (uint8_t flip : {0x01, 0x40, 0x80}) {
      std::string bad = stored;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      auto opened = OpenValue(*ring, "user/7", bad);
      if (i < header) {
        EXPECT_THAT(opened,
                    AnyOf(StatusIs(absl::StatusCode::kDataLoss),
                          StatusIs(absl::StatusCode::kFailedPrecondition)))
            << "byte " << i;
      } else {
        EXPECT_THAT(opened,
                    StatusIs(absl::StatusCode::kDataLoss,
                             AllOf(HasSubstr("integrity check failed for key "
                                             "\"user/7\""),
                                   Not(HasSubstr("marker")))))
            << "byte " << i;
      }
    }
  }
  for (size_t cut = 0; cut < stored.size(); ++cut) {
    EXPECT_THAT(OpenValue(*ring, "user/7", stored.substr(0, cut)),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr("integrity check failed")))
        << "cut to " << cut;
  }
}

TEST(ValueEnvelope, MalformedHeadersSayWhy) {
  auto ring = Ring({{"k1", kKey1}});
  ASSERT_OK_AND_ASSIGN(std::string good, SealValue(*ring->Current(), "k", "v"));
  const std::pair<std::string, std::string> cases[] = {
      {"", "a stored value of 0 bytes has no envelope header"},
      {"\x01", "a stored value of 1 bytes has no envelope header"},
      {"\x02" + good.substr(1), "unknown envelope version 2"},
      {std::string("\x01\x00", 2) + good.substr(2),
       "the envelope's key id is malformed"},
      {"\x01\x05k1", "the envelope's key id is malformed"},
      {"\x01\x02k/" + good.substr(4), "the envelope's key id is malformed"},
      {good.substr(0, 10),
       "a stored value of 10 bytes is shorter than its envelope (32 bytes)"},
  };
  for (const auto& [stored, why] : cases) {
    EXPECT_THAT(OpenValue(*ring, "k", stored),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(why)))
        << why;
    EXPECT_THAT(EnvelopeKeyId(stored, "k"),
                StatusIs(absl::StatusCode::kDataLoss));
  }
  ASSERT_OK_AND_ASSIGN(std::string_view id, EnvelopeKeyId(good, "k"));
  EXPECT_EQ(id, "k1");
}

TEST(ValueEnvelope, ValuesMovedBetweenKeysOrUnderAnotherMasterKeyFail) {
  auto ring = Ring({{"k1", kKey1}, {"k2", kKey2}});
  ASSERT_OK_AND_ASSIGN(auto k1, ring->Find("k1"));
  ASSERT_OK_AND_ASSIGN(std::string a, SealValue(*k1, "a", "value of a"));
  ASSERT_OK_AND_ASSIGN(std::string b,
                       SealValue(*ring->Current(), "b", "value of b"));
  EXPECT_THAT(OpenValue(*ring, "b", a), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(OpenValue(*ring, "a", b), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(std::string opened,
                       OpenValue(*ring, "a", a));  // k1 still held
  EXPECT_EQ(opened, "value of a");
  // The same id naming other key bytes: the tag does not verify.
  auto impostor = Ring({{"k1", kKey2}});
  EXPECT_THAT(
      OpenValue(*impostor, "a", a),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("master key \"k1\"")));
  // An id the keyring lacks is named, with the ids it holds.
  auto other = Ring({{"k2", kKey2}, {"k3", kKey1}});
  EXPECT_THAT(OpenValue(*other, "a", a),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("sealed under master key \"k1\""),
                             HasSubstr("holds: k2, k3"))));
}

TEST(ValueEnvelope, ErrorsPrintTheKeyEscapedAndCut) {
  auto ring = Ring({{"k1", kKey1}});
  const std::string binary_key =
      std::string("\x00\x01\xff", 3) + std::string(100, 'z');
  EXPECT_THAT(OpenValue(*ring, binary_key, "junk"),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("\\x00\\x01\\xffzzz"),
                             HasSubstr("...(103 bytes)"),
                             Not(HasSubstr(std::string(100, 'z'))))));
}

}  // namespace
}  // namespace synapsed::storage::layers
