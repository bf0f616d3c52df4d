// LFU-specific behaviour: the least used entry goes first, ties by age.
#include "cache/lfu_cache.h"

#include <atomic>
#include <string>

#include "cache/cache_test_util.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cache {
namespace {

using testing::MakeValue;

class LfuCacheTest : public ::testing::Test {
 protected:
  LfuCacheTest() : c_(CacheOptions{.capacity = 3, .num_shard_bits = 0}) {}
  void Put(const std::string& k) {
    ASSERT_OK(c_.Insert(k, MakeValue(k, &live_), 1));
  }
  std::atomic<int> live_{0};
  LfuCache c_;
};

TEST_F(LfuCacheTest, EvictsLeastFrequentlyUsed) {
  Put("a");
  Put("b");
  Put("c");
  c_.Lookup("a");
  c_.Lookup("a");
  c_.Lookup("c");
  EXPECT_EQ(c_.FrequencyOf("a"), 3u);
  EXPECT_EQ(c_.FrequencyOf("b"), 1u);
  Put("d");  // b has the lowest count
  EXPECT_FALSE(c_.Lookup("b"));
  EXPECT_EQ(c_.FrequencyOf("d"), 1u);
  Put("e");  // d (count 1) goes before c (count 2)
  EXPECT_EQ(c_.FrequencyOf("d"), 0u);
  EXPECT_EQ(c_.FrequencyOf("c"), 2u);
  EXPECT_EQ(live_.load(), 3);
}

TEST_F(LfuCacheTest, TiesGoToTheOldest) {
  Put("a");
  Put("b");
  Put("c");
  Put("d");
  EXPECT_EQ(c_.FrequencyOf("a"), 0u);
  EXPECT_EQ(c_.FrequencyOf("b"), 1u);
}

TEST_F(LfuCacheTest, ReplacingKeepsTheCount) {
  Put("a");
  c_.Lookup("a");
  Put("a");
  EXPECT_EQ(c_.FrequencyOf("a"), 3u);
  EXPECT_EQ(live_.load(), 1);
}

TEST_F(LfuCacheTest, PinnedLeastUsedIsPassedOver) {
  ASSERT_OK_AND_ASSIGN(Handle pin, c_.Insert("a", MakeValue("a", &live_), 1));
  Put("b");
  Put("c");
  c_.Lookup("b");
  Put("d");  // a (count 1) is pinned, so c (count 1) goes
  EXPECT_EQ(c_.FrequencyOf("a"), 1u);
  EXPECT_EQ(c_.FrequencyOf("c"), 0u);
}

}  // namespace
}  // namespace synapsed::storage::cache
