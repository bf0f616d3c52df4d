// Several threads inserting, looking up, erasing and releasing at once, on
// ARC and LRU. Meant to run under TSan too (build/cache-tsan); it checks that
// a Handle always sees the value for its key, that nothing leaks or is freed
// twice (live-value counter), and that the accounting settles.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cache/arc_cache.h"
#include "cache/cache.h"
#include "cache/cache_test_util.h"
#include "cache/lfu_cache.h"
#include "cache/lru_cache.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::cache {
namespace {

using testing::MakeValue;
using testing::Tag;

using Factory = std::unique_ptr<Cache> (*)(const CacheOptions&);

struct Param {
  Factory factory;
  bool strict;
  const char* name;
};

class CacheConcurrencyTest : public ::testing::TestWithParam<Param> {};

// Each thread runs a random mix over a small key space so that the same
// entries are pinned, erased, replaced and evicted by different threads.
void Worker(Cache* c, uint64_t seed, int ops, int keys, std::atomic<int>* live,
            std::atomic<int>* wrong) {
  Random rnd(seed);
  std::vector<Handle> held;
  for (int i = 0; i < ops; ++i) {
    const std::string key = "k" + std::to_string(rnd.Uniform(keys));
    const uint64_t op = rnd.Uniform(100);
    if (op < 45) {
      Handle h = c->Lookup(key);
      if (h && Tag(h) != key) wrong->fetch_add(1);
      if (h && rnd.OneIn(3)) held.push_back(std::move(h));
    } else if (op < 75) {
      auto h = c->Insert(key, MakeValue(key, live), 1 + rnd.Uniform(64),
                         rnd.OneIn(10) ? Priority::kHigh : Priority::kLow);
      if (h.ok()) {
        if (Tag(*h) != key) wrong->fetch_add(1);
        if (rnd.OneIn(4)) held.push_back(std::move(*h));
      }
    } else if (op < 85) {
      c->Erase(key);
    } else if (!held.empty()) {
      held.erase(held.begin() + rnd.Uniform(held.size()));
    }
    // Bound what one thread pins, so inserts keep succeeding mostly.
    if (held.size() > 6) held.erase(held.begin());
    for (const Handle& h : held) {
      if (Tag(h).empty()) wrong->fetch_add(1);  // touch pinned values
    }
  }
}

TEST_P(CacheConcurrencyTest, MixedOperationsStayConsistent) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  std::atomic<int> live{0};
  std::atomic<int> wrong{0};
  {
    auto c = GetParam().factory(
        CacheOptions{.capacity = 4000,
                     .num_shard_bits = 2,
                     .strict_capacity_limit = GetParam().strict});
    constexpr int kThreads = 4;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back(Worker, c.get(), seed + t, 20000, 150, &live,
                           &wrong);
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(c->PinnedUsage(), 0u);
    EXPECT_LE(c->Usage(), c->Capacity());
    const CacheStats s = c->Stats();
    EXPECT_GT(s.hits, 0u);
    EXPECT_GT(s.evictions, 0u);
  }
  EXPECT_EQ(live.load(), 0);
}

TEST_P(CacheConcurrencyTest, PinEraseReinsertRaceOnOneKey) {
  // Two readers pin and release one key while a writer erases and re-inserts
  // it: the interleaving where a last Release and an Erase meet.
  std::atomic<int> live{0};
  std::atomic<int> wrong{0};
  {
    auto c = GetParam().factory(
        CacheOptions{.capacity = 100,
                     .num_shard_bits = 0,
                     .strict_capacity_limit = GetParam().strict});
    std::atomic<bool> stop{false};
    std::atomic<int> lookups[2] = {0, 0};
    auto reader = [&](int id) {
      do {
        Handle h = c->Lookup("k");
        if (h && Tag(h) != "k") wrong.fetch_add(1);
        lookups[id].fetch_add(1, std::memory_order_relaxed);
      } while (!stop.load(std::memory_order_relaxed));
    };
    std::thread r1(reader, 0), r2(reader, 1);
    int mid[2] = {0, 0};
    for (int i = 0; i < 20000; ++i) {
      auto h = c->Insert("k", MakeValue("k", &live), 10);
      if (i % 2 == 0) c->Erase("k");
      if (i == 10000) {
        // Half way, wait (bounded) until both readers have looked up, so the
        // lookups are known to meet the erases and re-inserts.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while ((lookups[0].load() == 0 || lookups[1].load() == 0) &&
               std::chrono::steady_clock::now() < deadline) {
          std::this_thread::yield();
        }
        mid[0] = lookups[0].load();
        mid[1] = lookups[1].load();
      }
    }
    stop = true;
    r1.join();
    r2.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_GT(mid[0], 0);
    EXPECT_GT(mid[1], 0);
    EXPECT_EQ(c->PinnedUsage(), 0u);
    EXPECT_LE(c->Usage(), 10u);
  }
  EXPECT_EQ(live.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Impls, CacheConcurrencyTest,
    ::testing::Values(Param{&NewArcCache, false, "Arc"},
                      Param{&NewArcCache, true, "ArcStrict"},
                      Param{&NewLruCache, false, "Lru"},
                      Param{&NewLruCache, true, "LruStrict"},
                      Param{&NewLfuCache, false, "Lfu"},
                      Param{&NewLfuCache, true, "LfuStrict"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace synapsed::storage::cache
