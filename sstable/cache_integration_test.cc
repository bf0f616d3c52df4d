// Table readers over the real block caches (cache/arc_cache.h,
// cache/lru_cache.h): blocks are shared, index and filter stay pinned while
// the reader lives, and nothing stays pinned after.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cache/arc_cache.h"
#include "cache/lru_cache.h"
#include "gtest/gtest.h"
#include "sstable/table_iterator.h"
#include "sstable/table_test_util.h"
#include "util/internal_key.h"
#include "util/random.h"
#include "util/status_matchers.h"

namespace synapsed::storage::sstable {
namespace {

class RealCacheTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<cache::Cache> NewCache() {
    cache::CacheOptions o;
    o.capacity = 8 << 20;
    return GetParam() == "arc" ? cache::NewArcCache(o) : cache::NewLruCache(o);
  }
};

TEST_P(RealCacheTest, SharesBlocksAndReleasesPins) {
  testing::Model m;
  Random rnd(9);
  for (int i = 0; i < 3000; ++i) {
    char user[16];
    std::snprintf(user, sizeof(user), "k%06d", i);
    m[MakeInternalKey(user, 1, ValueType::kValue)] = rnd.Bytes(60);
  }
  ASSERT_OK_AND_ASSIGN(std::string bytes, testing::BuildTable({}, m));
  auto cache = NewCache();
  {
    ASSERT_OK_AND_ASSIGN(auto table, testing::OpenTable(bytes, cache.get()));
    EXPECT_GT(cache->PinnedUsage(), 0u);  // index and filter
    for (int round = 0; round < 2; ++round) {
      for (const auto& [k, v] : m) {
        GetResult r;
        ASSERT_OK(table->Get({}, k, &r));
        ASSERT_TRUE(r.found);
        ASSERT_EQ(r.value, v);
      }
    }
    EXPECT_GT(cache->Stats().hits, m.size());
    auto it = table->NewIterator({});
    auto want = m.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
      ASSERT_EQ(it->value(), want->second);
    }
    EXPECT_EQ(want, m.end());
  }
  EXPECT_EQ(cache->PinnedUsage(), 0u);
}

// One reader, many threads: Gets and scans share blocks through the cache.
TEST_P(RealCacheTest, ConcurrentGetsAndScans) {
  testing::Model m;
  Random rnd(10);
  for (int i = 0; i < 2000; ++i) {
    char user[16];
    std::snprintf(user, sizeof(user), "k%06d", i);
    m[MakeInternalKey(user, 1, ValueType::kValue)] = rnd.Bytes(80);
  }
  ASSERT_OK_AND_ASSIGN(std::string bytes, testing::BuildTable({}, m));
  cache::CacheOptions o;
  o.capacity = 64 << 10;  // small: blocks come and go while pinned
  auto cache = GetParam() == "arc" ? cache::NewArcCache(o)
                                   : cache::NewLruCache(o);
  ASSERT_OK_AND_ASSIGN(auto table, testing::OpenTable(bytes, cache.get()));
  std::vector<std::pair<std::string, std::string>> entries(m.begin(), m.end());
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Random r(100 + t);
      for (int i = 0; i < 500; ++i) {
        const auto& [k, v] = entries[r.Uniform(entries.size())];
        GetResult res;
        if (!table->Get({}, k, &res).ok() || !res.found || res.value != v) {
          ++errors;
        }
      }
      auto it = table->NewIterator({});
      size_t n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (it->value() != entries[n].second) ++errors;
        ++n;
      }
      if (n != entries.size() || !it->status().ok()) ++errors;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Caches, RealCacheTest,
                         ::testing::Values("arc", "lru"));

}  // namespace
}  // namespace synapsed::storage::sstable
