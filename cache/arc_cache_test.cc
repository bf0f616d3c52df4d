// ARC-specific behaviour: list moves, adaptation of p, scan resistance,
// directory invariants, shard-count derivation. One shard unless stated, and
// charge 1 per entry unless stated, so the traces can be followed by hand.
#include "cache/arc_cache.h"

#include <atomic>
#include <string>
#include <vector>

#include "cache/cache_test_util.h"
#include "cache/lru_cache.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::cache {
namespace {

using testing::MakeValue;

class ArcCacheTest : public ::testing::Test {
 protected:
  explicit ArcCacheTest(size_t capacity = 4)
      : cache_(CacheOptions{.capacity = capacity, .num_shard_bits = 0}) {}
  void Put(const std::string& key, size_t charge = 1,
           Priority pri = Priority::kLow) {
    ASSERT_OK_AND_ASSIGN(
        Handle h, cache_.Insert(key, MakeValue(key, &live_), charge, pri));
  }
  void Hit(const std::string& key) { ASSERT_TRUE(cache_.Lookup(key)) << key; }
  ArcShardState State() const { return cache_.ShardState(0); }

  std::atomic<int> live_{0};
  ArcCache cache_;
};

TEST_F(ArcCacheTest, NewEntriesEnterT1) {
  Put("a");
  Put("b");
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kT1);
  EXPECT_EQ(State().t1_count, 2u);
  EXPECT_EQ(State().t2_count, 0u);
}

TEST_F(ArcCacheTest, HitInT1MovesToT2WhenTheEvictionHandPasses) {
  for (const char* k : {"a", "b", "c", "d"}) Put(k);
  Hit("a");
  // Lazy promotion: the hit only sets the reference bit.
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kT1);
  Put("e");  // full: REPLACE scans T1 from the oldest end
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kT2);
  EXPECT_EQ(cache_.ListOf("b"), ArcList::kB1);  // unreferenced: the victim
  EXPECT_EQ(cache_.ListOf("e"), ArcList::kT1);
  EXPECT_EQ(State().t2_count, 1u);
  EXPECT_EQ(State().b1_count, 1u);
}

TEST_F(ArcCacheTest, GhostHitInB1GrowsPAndB2ShrinksIt) {
  for (const char* k : {"a", "b", "c", "d"}) Put(k);
  Hit("a");
  Hit("b");
  Put("e");  // a, b -> T2; c -> B1
  Put("f");  // d -> B1
  EXPECT_EQ(State().p, 0u);
  EXPECT_EQ(cache_.ListOf("c"), ArcList::kB1);
  EXPECT_EQ(cache_.ListOf("d"), ArcList::kB1);

  Put("c");  // B1 hit: p 0 -> 1; c enters T2; e (T1 > p) -> B1
  EXPECT_EQ(State().p, 1u);
  EXPECT_EQ(cache_.ListOf("c"), ArcList::kT2);
  EXPECT_EQ(cache_.ListOf("e"), ArcList::kB1);

  Put("d");  // B1 hit: p 1 -> 2; now |T1| = 1 <= p, so T2 gives: a -> B2
  EXPECT_EQ(State().p, 2u);
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kB2);

  Put("a");  // B2 hit: p 2 -> 1; a enters T2
  EXPECT_EQ(State().p, 1u);
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kT2);
  EXPECT_EQ(cache_.ListOf("f"), ArcList::kB1);  // |T1| = p on a B2 hit
}

TEST_F(ArcCacheTest, GhostDeltaScalesWithTheOtherGhostList) {
  // High-priority inserts fill T2, so T2 gives the victims and B2 grows.
  for (const char* k : {"a", "b", "c", "d", "e", "f"}) {
    Put(k, 1, Priority::kHigh);
  }
  EXPECT_EQ(State().b2_count, 2u);  // a, b
  Put("g");                         // T1 empty: c -> B2
  Put("h");                         // |T1| = 1 > p = 0: g -> B1
  ASSERT_EQ(State().b2_count, 3u);
  ASSERT_EQ(State().b1_count, 1u);
  ASSERT_EQ(State().p, 0u);
  Put("g");  // B1 hit with |B2|/|B1| = 3: p grows by 3 bytes, not 1
  EXPECT_EQ(State().p, 3u);
}

TEST_F(ArcCacheTest, HighPriorityEntersT2) {
  Put("index", 1, Priority::kHigh);
  EXPECT_EQ(cache_.ListOf("index"), ArcList::kT2);
}

TEST_F(ArcCacheTest, ReinsertOfResidentKeyGoesToT2) {
  Put("a");
  Put("a");
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kT2);
  EXPECT_EQ(live_.load(), 1);
}

TEST_F(ArcCacheTest, EraseLeavesNoGhost) {
  Put("a");
  cache_.Erase("a");
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kNone);
  EXPECT_EQ(live_.load(), 0);
}

TEST_F(ArcCacheTest, PinnedVictimIsSkipped) {
  ASSERT_OK_AND_ASSIGN(Handle pin,
                       cache_.Insert("a", MakeValue("a", &live_), 1));
  for (const char* k : {"b", "c", "d", "e"}) Put(k);
  EXPECT_EQ(cache_.ListOf("a"), ArcList::kT1);  // rotated, not evicted
  // b was the victim; T1 fills the shard, so |T1| + |B1| <= c leaves no room
  // for its ghost either.
  EXPECT_EQ(cache_.ListOf("b"), ArcList::kNone);
  EXPECT_EQ(live_.load(), 4);
}

class ArcScanTest : public ::testing::Test {
 protected:
  // A hot set of 50 keys, each read three times, then a one-time scan of
  // 1000 other keys (each a miss followed by an insert, as a table reader
  // does). Returns how many hot keys are still cached.
  static int HotKeysAfterScan(Cache& c) {
    std::atomic<int> live{0};
    for (int i = 0; i < 50; ++i) {
      const std::string k = "hot" + std::to_string(i);
      EXPECT_OK(c.Insert(k, MakeValue(k, &live), 1));
    }
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 50; ++i) c.Lookup("hot" + std::to_string(i));
    }
    for (int i = 0; i < 1000; ++i) {
      const std::string k = "scan" + std::to_string(i);
      EXPECT_FALSE(c.Lookup(k));
      EXPECT_OK(c.Insert(k, MakeValue(k, &live), 1));
    }
    int resident = 0;
    for (int i = 0; i < 50; ++i) {
      resident += c.Lookup("hot" + std::to_string(i)) ? 1 : 0;
    }
    return resident;
  }
};

TEST_F(ArcScanTest, OneTimeScanDoesNotFlushTheFrequentSet) {
  ArcCache arc(CacheOptions{.capacity = 100, .num_shard_bits = 0});
  EXPECT_EQ(HotKeysAfterScan(arc), 50);
}

TEST_F(ArcScanTest, SameScanFlushesAnLru) {
  // The contrast that makes the ARC test meaningful.
  LruCache lru(CacheOptions{.capacity = 100, .num_shard_bits = 0});
  EXPECT_EQ(HotKeysAfterScan(lru), 0);
}

TEST(ArcInvariantsTest, DirectoryBoundsHoldUnderRandomWork) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  std::atomic<int> live{0};
  ArcCache c(CacheOptions{.capacity = 5000, .num_shard_bits = 1});
  std::vector<Handle> pins;
  for (int i = 0; i < 20000; ++i) {
    // Skewed keys so that ghost hits of both kinds happen.
    const uint64_t r = rnd.Uniform(100);
    const std::string k =
        "k" + std::to_string(r < 70 ? rnd.Uniform(60) : rnd.Uniform(600));
    if (rnd.OneIn(2)) {
      Handle h = c.Lookup(k);
      if (h && rnd.OneIn(50)) pins.push_back(std::move(h));
    } else {
      ASSERT_OK(c.Insert(k, MakeValue(k, &live), 1 + rnd.Uniform(60),
                         rnd.OneIn(20) ? Priority::kHigh : Priority::kLow));
    }
    if (rnd.OneIn(200)) c.Erase(k);
    if (pins.size() > 8) pins.erase(pins.begin());
    for (int s = 0; s < c.num_shards(); ++s) {
      const ArcShardState st = c.ShardState(s);
      ASSERT_LE(st.p, st.capacity);
      ASSERT_LE(st.t1_bytes + st.t2_bytes, st.capacity) << "op " << i;
      ASSERT_LE(st.t1_bytes + st.b1_bytes, st.capacity) << "op " << i;
      ASSERT_LE(st.t1_bytes + st.t2_bytes + st.b1_bytes + st.b2_bytes,
                2 * st.capacity)
          << "op " << i;
    }
  }
  // Both kinds of adaptation happened in this workload.
  size_t ghosts = 0;
  for (int s = 0; s < c.num_shards(); ++s) {
    ghosts += c.ShardState(s).b1_count + c.ShardState(s).b2_count;
  }
  EXPECT_GT(ghosts, 0u);
}

TEST(ArcShardingTest, ShardCountDerivedFromCapacity) {
  // Explicit bits are taken as given.
  EXPECT_EQ(ArcCache(CacheOptions{.capacity = 1 << 20, .num_shard_bits = 3})
                .num_shards(),
            8);
  // Derived: every shard >= 512 KiB, and 16..64 shards for large caches.
  EXPECT_EQ(ArcCache(CacheOptions{.capacity = 100 << 10}).num_shards(), 1);
  EXPECT_EQ(ArcCache(CacheOptions{.capacity = 2 << 20}).num_shards(), 4);
  const int big =
      ArcCache(CacheOptions{.capacity = size_t{1} << 30}).num_shards();
  EXPECT_GE(big, 16);
  EXPECT_LE(big, 64);
  EXPECT_EQ(big & (big - 1), 0);
}

}  // namespace
}  // namespace synapsed::storage::cache
