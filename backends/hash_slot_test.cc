#include "backends/hash_slot.h"

#include "gtest/gtest.h"

namespace synapsed::storage {
namespace {

TEST(HashSlot, Crc16CheckValue) {
  // The catalogued check value of CRC-16/XMODEM.
  EXPECT_EQ(Crc16Xmodem("123456789"), 0x31C3);
  EXPECT_EQ(Crc16Xmodem(""), 0);
}

TEST(HashSlot, SlotsRedisClustersAgreeOn) {
  // Slots `redis-cli cluster keyslot` gives for these keys.
  EXPECT_EQ(KeyHashSlot("foo"), 12182);
  EXPECT_EQ(KeyHashSlot("bar"), 5061);
  EXPECT_EQ(KeyHashSlot("hello"), 866);
  EXPECT_EQ(KeyHashSlot(""), 0);
  EXPECT_EQ(KeyHashSlot("{user1000}.following"), 3443);
  EXPECT_EQ(KeyHashSlot("foo{{bar}}zap"), 4015);
  EXPECT_EQ(KeyHashSlot("foo{}{bar}"), 8363);
}

TEST(HashSlot, HashTags) {
  EXPECT_EQ(HashTag("{user1000}.following"), "user1000");
  EXPECT_EQ(KeyHashSlot("{user1000}.following"), KeyHashSlot("{user1000}.followers"));
  EXPECT_EQ(KeyHashSlot("{user1000}.following"), KeyHashSlot("user1000"));
  // Only the first '{' and the first '}' after it count.
  EXPECT_EQ(HashTag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(HashTag("foo{{bar}}zap"), "{bar");
  // No tag: an empty one, or a '{' without a '}' after it, hashes the whole key.
  EXPECT_EQ(HashTag("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(HashTag("foo{bar"), "foo{bar");
  EXPECT_EQ(HashTag("foo}bar{"), "foo}bar{");
  EXPECT_EQ(HashTag("{}"), "{}");
}

TEST(HashSlot, EverySlotIsInRange) {
  for (int i = 0; i < 100000; ++i) {
    EXPECT_LT(KeyHashSlot("key:" + std::to_string(i)), kHashSlots);
  }
}

}  // namespace
}  // namespace synapsed::storage
