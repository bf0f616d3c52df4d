#include "crypto/secure_key.h"

#include <openssl/crypto.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "crypto/random_bytes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::crypto {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(SecureKey, FromHexReadsBothCases) {
  ASSERT_OK_AND_ASSIGN(SecureKey lower, SecureKey::FromHex(kHex));
  for (size_t i = 0; i < SecureKey::kSize; ++i) EXPECT_EQ(lower.bytes()[i], i);
  ASSERT_OK_AND_ASSIGN(SecureKey upper,
                       SecureKey::FromHex("000102030405060708090A0B0C0D0E0F"
                                          "101112131415161718191A1B1C1D1E1F"));
  EXPECT_TRUE(lower.SameBytes(upper));
  ASSERT_OK_AND_ASSIGN(SecureKey other,
                       SecureKey::FromHex(std::string(64, 'f')));
  EXPECT_FALSE(lower.SameBytes(other));
}

// A bad key names the problem and never repeats the digits it was given.
TEST(SecureKey, FromHexErrorsSayWhatAndNotTheDigits) {
  const std::string short_hex(kHex.substr(0, 63));
  EXPECT_THAT(SecureKey::FromHex(short_hex),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("64 hex digits"), HasSubstr("63"),
                             Not(HasSubstr("0405060708")))));
  std::string bad(kHex);
  bad[40] = 'g';
  EXPECT_THAT(
      SecureKey::FromHex(bad),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("character 41"), Not(HasSubstr("0405060708")))));
  bad = std::string(kHex);
  bad[63] = ' ';
  EXPECT_THAT(
      SecureKey::FromHex(bad),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("character 64")));
}

TEST(SecureKey, RandomKeysDifferAndAllocateIsZero) {
  ASSERT_OK_AND_ASSIGN(SecureKey a, SecureKey::Random());
  ASSERT_OK_AND_ASSIGN(SecureKey b, SecureKey::Random());
  EXPECT_FALSE(a.SameBytes(b));
  ASSERT_OK_AND_ASSIGN(SecureKey zero, SecureKey::Allocate());
  for (uint8_t byte : zero.bytes()) EXPECT_EQ(byte, 0);
}

// Where locking is allowed (8 MiB RLIMIT_MEMLOCK is the usual default; root
// may lock any amount), keys live in OpenSSL's secure heap, and when it is
// full in locked pages of their own. Where it is not, OpenSSL's heap cannot
// be protected and keys live in pages excluded from core dumps, unlocked.
TEST(SecureKey, KeysLiveInTheSecureHeapAndFallBackToPagesWhenItIsFull) {
  struct rlimit limit;
  ASSERT_EQ(::getrlimit(RLIMIT_MEMLOCK, &limit), 0);
  const bool can_lock = ::geteuid() == 0 || limit.rlim_cur >= (1u << 20);
  ASSERT_OK_AND_ASSIGN(SecureKey first, SecureKey::Allocate());
  if (!can_lock) {
    EXPECT_EQ(first.memory(), SecureKey::Memory::kUnlockedPage);
    EXPECT_FALSE(CRYPTO_secure_allocated(first.bytes().data()));
    return;
  }
  ASSERT_EQ(first.memory(), SecureKey::Memory::kSecureHeap);
  EXPECT_TRUE(CRYPTO_secure_allocated(first.bytes().data()));
  std::vector<SecureKey> keys;
  // Keys take at most half of the 32 KiB heap: up to 512 of them, fewer
  // when OpenSSL holds some of that half too.
  while (keys.size() < 2000) {
    ASSERT_OK_AND_ASSIGN(SecureKey k, SecureKey::Allocate());
    const bool fell_back = k.memory() != SecureKey::Memory::kSecureHeap;
    k.mutable_bytes()[0] = 0x5a;  // the memory is writable
    keys.push_back(std::move(k));
    if (fell_back) break;
  }
  ASSERT_LT(keys.size(), 2000u);
  EXPECT_EQ(keys.back().memory(), SecureKey::Memory::kLockedPage);
  EXPECT_FALSE(CRYPTO_secure_allocated(keys.back().bytes().data()));
  keys.clear();  // every key freed: the heap has room again
  ASSERT_OK_AND_ASSIGN(SecureKey again, SecureKey::Allocate());
  EXPECT_EQ(again.memory(), SecureKey::Memory::kSecureHeap);
}

// OpenSSL's random generator takes its seed pools from the same secure
// heap. However many keys are held, a thread that has not drawn random
// bytes yet (its generator is made on first use) must still get them: keys
// leave the heap room for it. Found by the encrypted crash torture, where a
// child with many files held 1000+ data keys and RAND_bytes failed with
// "malloc failure".
TEST(SecureKey, ManyKeysLeaveTheRandomGeneratorItsRoom) {
  std::vector<SecureKey> keys;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_OK_AND_ASSIGN(SecureKey k, SecureKey::Random());
    keys.push_back(std::move(k));
  }
  for (int t = 0; t < 4; ++t) {
    absl::Status s;
    std::thread([&s] {
      std::array<uint8_t, 64> bytes{};
      s = RandomBytes(bytes);
    }).join();
    EXPECT_OK(s) << "thread " << t;
  }
}

TEST(SecureKey, MovesKeepTheBytesAndNeverPrintThem) {
  ASSERT_OK_AND_ASSIGN(SecureKey a, SecureKey::FromHex(kHex));
  const uint8_t* where = a.bytes().data();
  SecureKey b = std::move(a);
  EXPECT_EQ(b.bytes().data(), where);  // moved, not copied
  EXPECT_EQ(b.bytes()[31], 0x1f);
  ASSERT_OK_AND_ASSIGN(SecureKey c, SecureKey::Allocate());
  c = std::move(b);
  EXPECT_EQ(c.bytes()[31], 0x1f);
  EXPECT_EQ(::testing::PrintToString(c), "SecureKey(redacted)");
}

TEST(RandomBytes, FillsAndDiffers) {
  std::vector<uint8_t> a(64), b(64);
  ASSERT_OK(RandomBytes(a));
  ASSERT_OK(RandomBytes(b));
  EXPECT_NE(a, b);
  EXPECT_NE(a, std::vector<uint8_t>(64, 0));
  ASSERT_OK(RandomBytes(std::span<uint8_t>()));  // nothing to fill is fine
}

}  // namespace
}  // namespace synapsed::storage::crypto
