// LRU-specific behaviour: recency order and pinned entries rotating.
#include "cache/lru_cache.h"

#include <atomic>
#include <string>

#include "cache/cache_test_util.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cache {
namespace {

using testing::MakeValue;

TEST(LruCacheTest, EvictsLeastRecentlyUsed) {
  std::atomic<int> live{0};
  LruCache c(CacheOptions{.capacity = 3, .num_shard_bits = 0});
  for (const char* k : {"a", "b", "c"}) {
    ASSERT_OK(c.Insert(k, MakeValue(k, &live), 1));
  }
  EXPECT_TRUE(c.Lookup("a"));  // order now b, c, a
  ASSERT_OK(c.Insert("d", MakeValue("d", &live), 1));
  EXPECT_FALSE(c.Lookup("b"));
  EXPECT_TRUE(c.Lookup("c"));
  EXPECT_TRUE(c.Lookup("a"));
  EXPECT_EQ(c.ResidentBytes(0), 3u);
  EXPECT_EQ(c.Name(), "lru");
}

TEST(LruCacheTest, PinnedOldestIsSkipped) {
  std::atomic<int> live{0};
  LruCache c(CacheOptions{.capacity = 2, .num_shard_bits = 0});
  ASSERT_OK_AND_ASSIGN(Handle pin, c.Insert("a", MakeValue("a", &live), 1));
  ASSERT_OK(c.Insert("b", MakeValue("b", &live), 1));
  ASSERT_OK(c.Insert("c", MakeValue("c", &live), 1));
  EXPECT_TRUE(c.Lookup("a"));
  EXPECT_FALSE(c.Lookup("b"));
  EXPECT_EQ(live.load(), 2);
}

}  // namespace
}  // namespace synapsed::storage::cache
