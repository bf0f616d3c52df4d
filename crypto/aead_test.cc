#include "crypto/aead.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "crypto/random_bytes.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::crypto {
namespace {

using ::synapsed::storage::testing::StatusIs;

std::string Unhex(std::string_view hex) {
  return absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
}

SecureKey KeyFromHex(std::string_view hex) {
  auto key = SecureKey::FromHex(hex);
  EXPECT_TRUE(key.ok()) << key.status();
  return *std::move(key);
}

Nonce NonceFromHex(std::string_view hex) {
  const std::string bytes = Unhex(hex);
  Nonce n{};
  EXPECT_EQ(bytes.size(), n.size());
  std::copy(bytes.begin(), bytes.end(), n.begin());
  return n;
}

std::string Seal(const SecureKey& key, const Nonce& nonce, std::string_view ad,
                 std::string_view plaintext) {
  std::string out;
  EXPECT_OK(AeadSeal(key, nonce, ad, plaintext, &out));
  return out;
}

// Test cases 13, 14 and 16 of the GCM specification (McGrew and Viega, "The
// Galois/Counter Mode of Operation", 2005): 256-bit keys, 96-bit IVs.
TEST(Aead, KnownAnswers) {
  const std::string zero_key(64, '0');
  const Nonce zero_nonce{};
  EXPECT_EQ(Seal(KeyFromHex(zero_key), zero_nonce, "", ""),
            Unhex("530f8afbc74536b9a963b4f1c4cb738b"));
  EXPECT_EQ(Seal(KeyFromHex(zero_key), zero_nonce, "", std::string(16, '\0')),
            Unhex("cea7403d4d606b6e074ec5d3baf39d18"
                  "d0d1c8a799996bf0265b98b5d48ab919"));
  const SecureKey key = KeyFromHex(
      "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const Nonce nonce = NonceFromHex("cafebabefacedbaddecaf888");
  const std::string plaintext = Unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const std::string ad = Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string sealed = Unhex(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b");
  EXPECT_EQ(Seal(key, nonce, ad, plaintext), sealed);
  std::string opened = "prefix:";
  ASSERT_OK(AeadOpen(key, nonce, ad, sealed, &opened));
  EXPECT_EQ(opened, "prefix:" + plaintext);  // appended
}

TEST(Aead, RoundTripsEverySizeAndAppends) {
  ASSERT_OK_AND_ASSIGN(SecureKey key, SecureKey::Random());
  Nonce nonce{};
  for (size_t size : {0, 1, 15, 16, 17, 4096, 100000}) {
    ASSERT_OK(RandomBytes(nonce));
    const std::string plaintext(size, static_cast<char>('a' + size % 26));
    std::string sealed = "head";
    ASSERT_OK(AeadSeal(key, nonce, "ad", plaintext, &sealed));
    ASSERT_EQ(sealed.size(), 4 + size + kTagSize);
    EXPECT_EQ(sealed.substr(0, 4), "head");
    std::string opened;
    ASSERT_OK(AeadOpen(key, nonce, "ad", std::string_view(sealed).substr(4),
                       &opened));
    EXPECT_EQ(opened, plaintext);
  }
}

TEST(Aead, EveryTamperedByteFailsAndLeavesTheOutputAsItWas) {
  ASSERT_OK_AND_ASSIGN(SecureKey key, SecureKey::Random());
  const Nonce nonce = NonceFromHex("000102030405060708090a0b");
  const std::string sealed =
      Seal(key, nonce, "associated", "a secret of some length");
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (uint8_t flip : {0x01, 0x80}) {
      std::string bad = sealed;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      std::string out = "kept";
      EXPECT_THAT(AeadOpen(key, nonce, "associated", bad, &out),
                  StatusIs(absl::StatusCode::kUnauthenticated))
          << "byte " << i;
      EXPECT_EQ(out, "kept");
    }
  }
  for (size_t cut = 0; cut < sealed.size(); ++cut) {
    std::string out;
    EXPECT_THAT(AeadOpen(key, nonce, "associated", sealed.substr(0, cut), &out),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << "cut to " << cut;
    EXPECT_EQ(out, "");
  }
  std::string out;
  EXPECT_THAT(AeadOpen(key, nonce, "associated", sealed + "x", &out),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(Aead, OtherAssociatedDataKeyOrNonceFails) {
  ASSERT_OK_AND_ASSIGN(SecureKey key, SecureKey::Random());
  ASSERT_OK_AND_ASSIGN(SecureKey other, SecureKey::Random());
  const Nonce nonce = NonceFromHex("00000000000000000000002a");
  const std::string sealed = Seal(key, nonce, "key-a", "value");
  std::string out;
  EXPECT_THAT(AeadOpen(key, nonce, "key-b", sealed, &out),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(AeadOpen(key, nonce, "", sealed, &out),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(AeadOpen(other, nonce, "key-a", sealed, &out),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(AeadOpen(key, NonceFromHex("00000000000000000000002b"), "key-a",
                       sealed, &out),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(out, "");
  ASSERT_OK(AeadOpen(key, nonce, "key-a", sealed, &out));
  EXPECT_EQ(out, "value");
}

// Many threads sealing and opening at once, each under its own key and all
// under a shared one: every result must open under its own key only.
TEST(Aead, ConcurrentCallsAreIndependent) {
  ASSERT_OK_AND_ASSIGN(SecureKey shared, SecureKey::Random());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared, t] {
      auto own = SecureKey::Random();
      ASSERT_OK(own.status());
      Nonce nonce{};
      for (int i = 0; i < 500; ++i) {
        ASSERT_OK(RandomBytes(nonce));
        const std::string text = std::to_string(t) + "/" + std::to_string(i);
        for (const SecureKey* key : {&shared, &*own}) {
          std::string sealed, opened;
          ASSERT_OK(AeadSeal(*key, nonce, text, text, &sealed));
          ASSERT_OK(AeadOpen(*key, nonce, text, sealed, &opened));
          ASSERT_EQ(opened, text);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

// A reused context gives what a fresh one gives, call after call, whatever
// came before: other nonces and sizes, a failed open, seals and opens mixed.
TEST(AeadContext, ReuseMatchesOneShotCalls) {
  ASSERT_OK_AND_ASSIGN(SecureKey key, SecureKey::Random());
  AeadContext context(key);
  Nonce nonce{};
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(RandomBytes(nonce));
    const std::string ad = "ad" + std::to_string(i % 7);
    const std::string text(static_cast<size_t>(i * 13 % 300), static_cast<char>('a' + i % 26));
    std::string reused, fresh, opened;
    ASSERT_OK(context.Seal(nonce, ad, text, &reused));
    ASSERT_OK(AeadSeal(key, nonce, ad, text, &fresh));
    ASSERT_EQ(reused, fresh) << i;
    if (i % 3 == 0) {
      std::string bad = reused;
      bad[bad.size() - 1] ^= 1;
      EXPECT_THAT(context.Open(nonce, ad, bad, &opened),
                  StatusIs(absl::StatusCode::kUnauthenticated));
      EXPECT_THAT(context.Open(nonce, "other", reused, &opened),
                  StatusIs(absl::StatusCode::kUnauthenticated));
      EXPECT_TRUE(opened.empty());
    }
    ASSERT_OK(context.Open(nonce, ad, reused, &opened));
    ASSERT_EQ(opened, text) << i;
  }
}

TEST(AeadContext, KnownAnswerAfterOtherUse) {
  const SecureKey key = KeyFromHex(std::string(64, '0'));
  AeadContext context(key);
  std::string out;
  ASSERT_OK(context.Seal(NonceFromHex("cafebabefacedbaddecaf888"), "x", "warm up", &out));
  out.clear();
  ASSERT_OK(context.Seal(Nonce{}, "", std::string(16, '\0'), &out));
  EXPECT_EQ(out, Unhex("cea7403d4d606b6e074ec5d3baf39d18"
                       "d0d1c8a799996bf0265b98b5d48ab919"));
}

}  // namespace
}  // namespace synapsed::storage::crypto
