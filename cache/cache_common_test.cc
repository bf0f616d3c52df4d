// Behaviour every Cache implementation must have, run against ARC and LRU:
// charges, capacity, pins, erase/replace while pinned, strict capacity,
// counters.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cache/arc_cache.h"
#include "cache/cache.h"
#include "cache/cache_test_util.h"
#include "cache/lfu_cache.h"
#include "cache/lru_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::cache {
namespace {

using ::synapsed::storage::testing::StatusIs;
using testing::MakeValue;
using testing::Tag;

using Factory = std::unique_ptr<Cache> (*)(const CacheOptions&);

class CacheCommonTest : public ::testing::TestWithParam<Factory> {
 protected:
  std::unique_ptr<Cache> Make(size_t capacity, int shard_bits = 0,
                              bool strict = false) {
    return GetParam()(CacheOptions{.capacity = capacity,
                                   .num_shard_bits = shard_bits,
                                   .strict_capacity_limit = strict});
  }
  // Inserts and drops the pin at once.
  void Put(Cache& c, const std::string& key, size_t charge) {
    ASSERT_OK_AND_ASSIGN(Handle h,
                         c.Insert(key, MakeValue(key, &live_), charge));
  }
  std::atomic<int> live_{0};
};

TEST_P(CacheCommonTest, InsertThenLookupReturnsTheValue) {
  auto c = Make(1000);
  ASSERT_OK_AND_ASSIGN(Handle h, c->Insert("a", MakeValue("va", &live_), 10));
  EXPECT_EQ(Tag(h), "va");
  Handle l = c->Lookup("a");
  ASSERT_TRUE(l);
  EXPECT_EQ(l.value(), h.value());
  EXPECT_FALSE(c->Lookup("b"));
}

TEST_P(CacheCommonTest, UsageCountsChargesInBytes) {
  auto c = Make(1000);
  Put(*c, "a", 100);
  Put(*c, "b", 250);
  EXPECT_EQ(c->Usage(), 350u);
  EXPECT_EQ(c->PinnedUsage(), 0u);
  {
    Handle h = c->Lookup("b");
    EXPECT_EQ(c->PinnedUsage(), 250u);
    Handle h2 = c->Lookup("b");  // a second pin is not counted twice
    EXPECT_EQ(c->PinnedUsage(), 250u);
  }
  EXPECT_EQ(c->PinnedUsage(), 0u);
  c->Erase("a");
  EXPECT_EQ(c->Usage(), 250u);
  EXPECT_EQ(live_.load(), 1);
}

TEST_P(CacheCommonTest, MetadataChargeCountsEntryMemory) {
  auto c = GetParam()(CacheOptions{
      .capacity = 10000, .num_shard_bits = 0, .charge_metadata = true});
  Put(*c, "key", 100);
  const size_t per_entry = c->Usage() - 100;
  EXPECT_GE(per_entry, sizeof(void*) * 6 + 3);  // at least header and key
  EXPECT_LE(per_entry, 200u);
  Put(*c, std::string(64, 'k'), 100);  // a longer key costs more
  EXPECT_GT(c->Usage() - 200, 2 * per_entry);
  // Capacity bounds values and metadata together.
  for (int i = 0; i < 500; ++i) Put(*c, "k" + std::to_string(i), 100);
  EXPECT_LE(c->Usage(), c->Capacity());
  EXPECT_LT(live_.load(), 10000 / 100);
}

TEST_P(CacheCommonTest, UnpinnedUsageNeverExceedsCapacity) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  // Several shards: the per-shard budgets must add up to at most capacity.
  auto c = Make(10000, 3);
  for (int i = 0; i < 5000; ++i) {
    Put(*c, "k" + std::to_string(rnd.Uniform(2000)), 1 + rnd.Uniform(300));
    ASSERT_LE(c->Usage(), c->Capacity()) << "op " << i;
    if (rnd.OneIn(3)) c->Lookup("k" + std::to_string(rnd.Uniform(2000)));
  }
  EXPECT_GT(c->Usage(), c->Capacity() / 2);  // it does fill up
}

TEST_P(CacheCommonTest, ResidentChargeStaysWithinCapacityWhilePinned) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  auto c = Make(2000, 0);
  std::vector<Handle> pins;
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "k" + std::to_string(rnd.Uniform(300));
    auto h = c->Insert(key, MakeValue(key, &live_), 1 + rnd.Uniform(100));
    ASSERT_OK(h);
    if (rnd.OneIn(20)) pins.push_back(std::move(*h));
    if (pins.size() > 10) pins.erase(pins.begin() + rnd.Uniform(pins.size()));
    if (rnd.OneIn(10)) c->Erase("k" + std::to_string(rnd.Uniform(300)));
    // Usage beyond capacity is only ever charge some Handle pins.
    ASSERT_LE(c->Usage() - c->PinnedUsage(), c->Capacity()) << "op " << i;
    ASSERT_LE(c->Usage(), c->Capacity() + c->PinnedUsage()) << "op " << i;
  }
  pins.clear();
  EXPECT_LE(c->Usage(), c->Capacity());
  EXPECT_EQ(c->PinnedUsage(), 0u);
}

TEST_P(CacheCommonTest, PinnedEntriesAreNotEvicted) {
  auto c = Make(100);
  ASSERT_OK_AND_ASSIGN(Handle pinned,
                       c->Insert("hot", MakeValue("hot", &live_), 30));
  for (int i = 0; i < 100; ++i) Put(*c, "cold" + std::to_string(i), 10);
  EXPECT_EQ(Tag(c->Lookup("hot")), "hot");
  EXPECT_LE(c->Usage(), 100u);
}

TEST_P(CacheCommonTest, EraseWhilePinnedFreesOnLastRelease) {
  auto c = Make(100);
  ASSERT_OK_AND_ASSIGN(Handle h1, c->Insert("a", MakeValue("a", &live_), 40));
  Handle h2 = c->Lookup("a");
  c->Erase("a");
  EXPECT_FALSE(c->Lookup("a"));
  EXPECT_EQ(live_.load(), 1);
  EXPECT_EQ(Tag(h1), "a");
  EXPECT_EQ(c->Usage(), 40u);  // still held in memory, so still counted
  EXPECT_EQ(c->PinnedUsage(), 40u);
  h1.Reset();
  EXPECT_EQ(live_.load(), 1);
  h2.Reset();
  EXPECT_EQ(live_.load(), 0);
  EXPECT_EQ(c->Usage(), 0u);
  EXPECT_EQ(c->PinnedUsage(), 0u);
}

TEST_P(CacheCommonTest, ReplaceKeepsOldValueAliveForItsHandle) {
  auto c = Make(100);
  ASSERT_OK_AND_ASSIGN(Handle old, c->Insert("k", MakeValue("v1", &live_), 10));
  Put(*c, "k", 20);
  EXPECT_EQ(live_.load(), 2);
  EXPECT_EQ(Tag(old), "v1");
  Handle now = c->Lookup("k");
  EXPECT_EQ(now.As<testing::TestValue>()->tag(), "k");
  EXPECT_EQ(c->Usage(), 30u);
  old.Reset();
  EXPECT_EQ(live_.load(), 1);
  EXPECT_EQ(c->Usage(), 20u);
  // Replacing an unpinned entry frees it at once.
  now.Reset();
  Put(*c, "k", 5);
  EXPECT_EQ(live_.load(), 1);
  EXPECT_EQ(c->Usage(), 5u);
}

TEST_P(CacheCommonTest, StrictCapacityRefusesWhatCannotFit) {
  auto c = Make(100, 0, /*strict=*/true);
  ASSERT_OK_AND_ASSIGN(Handle a, c->Insert("a", MakeValue("a", &live_), 60));
  ASSERT_OK_AND_ASSIGN(Handle b, c->Insert("b", MakeValue("b", &live_), 40));
  EXPECT_THAT(c->Insert("c", MakeValue("c", &live_), 10),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(live_.load(), 2);  // the refused value was destroyed
  EXPECT_EQ(c->Stats().insert_failures, 1u);
  EXPECT_EQ(c->Usage(), 100u);
  // Bigger than the whole cache: refused even when empty of pins.
  b.Reset();
  EXPECT_THAT(c->Insert("huge", MakeValue("huge", &live_), 101),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // Once a pin goes, the same insert fits by evicting the unpinned entry.
  ASSERT_OK(c->Insert("c", MakeValue("c", &live_), 10));
  EXPECT_FALSE(c->Lookup("b"));
  EXPECT_EQ(c->Usage(), 70u);
}

TEST_P(CacheCommonTest, NonStrictHandsBackDetachedEntryWhenFull) {
  auto c = Make(100, 0, /*strict=*/false);
  ASSERT_OK_AND_ASSIGN(Handle a, c->Insert("a", MakeValue("a", &live_), 100));
  {
    ASSERT_OK_AND_ASSIGN(Handle d, c->Insert("d", MakeValue("d", &live_), 50));
    EXPECT_EQ(Tag(d), "d");
    EXPECT_FALSE(c->Lookup("d"));  // not in the cache
    EXPECT_EQ(c->Usage(), 150u);   // but its memory is held and counted
    EXPECT_EQ(c->PinnedUsage(), 150u);
  }
  EXPECT_EQ(live_.load(), 1);
  EXPECT_EQ(c->Usage(), 100u);
  EXPECT_EQ(c->Stats().insert_failures, 0u);
}

TEST_P(CacheCommonTest, StatsCountHitsMissesInsertsEvictions) {
  auto c = Make(30);
  Put(*c, "a", 10);
  Put(*c, "b", 10);
  Put(*c, "c", 10);
  c->Lookup("a");
  c->Lookup("a");
  c->Lookup("zz");
  Put(*c, "d", 10);  // evicts one
  Put(*c, "e", 20);  // evicts two
  const CacheStats s = c->Stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.inserts, 5u);
  EXPECT_EQ(s.evictions, 3u);
  EXPECT_EQ(s.insert_failures, 0u);
  EXPECT_EQ(live_.load(), 2);
}

TEST_P(CacheCommonTest, DestroyingTheCacheFreesEverything) {
  {
    auto c = Make(1000, 2);
    for (int i = 0; i < 50; ++i) Put(*c, "k" + std::to_string(i), 7);
    EXPECT_EQ(live_.load(), 50);
  }
  EXPECT_EQ(live_.load(), 0);
}

TEST_P(CacheCommonTest, HugeCapacityDoesNotOverflow) {
  auto c = Make(SIZE_MAX, 0);
  for (int i = 0; i < 100; ++i) {
    Put(*c, "k" + std::to_string(i), SIZE_MAX / 1000);
  }
  EXPECT_TRUE(c->Lookup("k0"));
  EXPECT_EQ(live_.load(), 100);
}

TEST_P(CacheCommonTest, EmptyKeyAndZeroChargeWork) {
  auto c = Make(10);
  Put(*c, "", 0);
  EXPECT_TRUE(c->Lookup(""));
  c->Erase("");
  EXPECT_FALSE(c->Lookup(""));
  EXPECT_EQ(live_.load(), 0);
}

std::string ImplName(const ::testing::TestParamInfo<Factory>& info) {
  static const char* const kNames[] = {"Arc", "Lru", "Lfu"};
  return kNames[info.index];
}

INSTANTIATE_TEST_SUITE_P(Impls, CacheCommonTest,
                         ::testing::Values(&NewArcCache, &NewLruCache,
                                           &NewLfuCache),
                         ImplName);

}  // namespace
}  // namespace synapsed::storage::cache
