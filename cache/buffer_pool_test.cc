#include "cache/buffer_pool.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace synapsed::storage::cache {
namespace {

bool Aligned(const char* p) {
  return reinterpret_cast<uintptr_t>(p) % BufferPool::kAlignment == 0;
}

TEST(BufferPoolTest, CapacityIsTheSizeRoundedUpToItsClass) {
  EXPECT_EQ(BufferPool::CapacityFor(0), 256u);
  EXPECT_EQ(BufferPool::CapacityFor(1), 256u);
  EXPECT_EQ(BufferPool::CapacityFor(256), 256u);
  EXPECT_EQ(BufferPool::CapacityFor(257), 512u);
  EXPECT_EQ(BufferPool::CapacityFor(4133), 4352u);
  EXPECT_EQ(BufferPool::CapacityFor(64 << 10), size_t{64 << 10});
  EXPECT_EQ(BufferPool::CapacityFor((64 << 10) + 1), size_t{(64 << 10) + 1});
}

TEST(BufferPoolTest, ReleasedBufferServesTheNextRequestOfItsClass) {
  BufferPool pool(8 << 20, 0);
  BufferPool::Buffer a = pool.Allocate(4100);
  ASSERT_NE(a.data, nullptr);
  EXPECT_TRUE(Aligned(a.data));
  EXPECT_EQ(a.capacity, 4352u);
  std::memset(a.data, 0xab, a.capacity);
  EXPECT_EQ(pool.GetStats().live_bytes, 4352u);
  pool.Release(a);
  EXPECT_EQ(pool.GetStats().idle_buffers, 1u);
  EXPECT_EQ(pool.GetStats().live_bytes, 0u);

  // Another class does not take it.
  BufferPool::Buffer other = pool.Allocate(100);
  EXPECT_NE(other.data, a.data);
  // The same class does, whatever the exact size.
  BufferPool::Buffer b = pool.Allocate(4200);
  EXPECT_EQ(b.data, a.data);
  EXPECT_EQ(b.capacity, a.capacity);

  BufferPool::Stats s = pool.GetStats();
  EXPECT_EQ(s.allocated, 2u);
  EXPECT_EQ(s.reused, 1u);
  EXPECT_EQ(s.pooled, 1u);
  EXPECT_EQ(s.idle_buffers, 0u);
  EXPECT_EQ(s.regions, 2u);  // one per class in use
  EXPECT_EQ(s.live_bytes, 4352u + 256u);
  pool.Release(b);
  pool.Release(other);
}

TEST(BufferPoolTest, MostRecentlyReleasedComesBackFirst) {
  BufferPool pool(8 << 20, 0);
  BufferPool::Buffer a = pool.Allocate(1000);
  BufferPool::Buffer b = pool.Allocate(1000);
  pool.Release(a);
  pool.Release(b);
  BufferPool::Buffer first = pool.Allocate(1000);
  BufferPool::Buffer second = pool.Allocate(1000);
  EXPECT_EQ(first.data, b.data);
  EXPECT_EQ(second.data, a.data);
  pool.Release(first);
  pool.Release(second);
}

TEST(BufferPoolTest, IdleRegionsStayWithinTheLimit) {
  // Room for one idle region: of three classes released in full, two
  // regions go back to the system.
  BufferPool pool(HugePageSlab::kRegionBytes, 0);
  std::vector<BufferPool::Buffer> held;
  for (size_t size : {1000, 5000, 9000}) held.push_back(pool.Allocate(size));
  EXPECT_EQ(pool.GetStats().regions, 3u);
  for (const auto& b : held) pool.Release(b);
  BufferPool::Stats s = pool.GetStats();
  EXPECT_EQ(s.regions, 1u);
  EXPECT_EQ(s.pooled, 3u);
  EXPECT_EQ(s.idle_buffers, 1u);  // the kept region's one released buffer
  EXPECT_EQ(s.live_bytes, 0u);
}

TEST(BufferPoolTest, LargeBuffersGoStraightBackToTheHeap) {
  BufferPool pool(8 << 20, 0);
  BufferPool::Buffer big = pool.Allocate(100 << 10);
  EXPECT_TRUE(Aligned(big.data));
  EXPECT_EQ(big.capacity, size_t{100 << 10});
  pool.Release(big);
  BufferPool::Stats s = pool.GetStats();
  EXPECT_EQ(s.allocated, 1u);
  EXPECT_EQ(s.freed, 1u);
  EXPECT_EQ(s.pooled, 0u);
  EXPECT_EQ(s.regions, 0u);
}

TEST(BufferPoolTest, TrimReturnsEveryIdleRegion) {
  BufferPool pool(64 << 20, 0);
  std::vector<BufferPool::Buffer> held;
  for (size_t size : {10, 300, 4000, 4000, 60000}) held.push_back(pool.Allocate(size));
  for (const auto& b : held) pool.Release(b);
  EXPECT_EQ(pool.GetStats().idle_buffers, 5u);
  EXPECT_EQ(pool.GetStats().regions, 4u);
  pool.Trim();
  EXPECT_EQ(pool.GetStats().idle_buffers, 0u);
  EXPECT_EQ(pool.GetStats().regions, 0u);
  // Nothing is left to reuse.
  BufferPool::Buffer again = pool.Allocate(4000);
  EXPECT_EQ(pool.GetStats().reused, 0u);
  pool.Release(again);
}

// A class stays on the heap until it holds hot_buffers buffers at once; then
// its new buffers are slab slots, and buffers of either kind go back where
// they came from.
TEST(BufferPoolTest, AClassMovesOntoTheSlabOnceBusy) {
  BufferPool pool(8 << 20, /*hot_buffers=*/3);
  std::vector<BufferPool::Buffer> held;
  for (int i = 0; i < 3; ++i) held.push_back(pool.Allocate(5000));
  for (const auto& b : held) EXPECT_FALSE(b.slab);
  EXPECT_EQ(pool.GetStats().regions, 0u);
  // Another class is still cold.
  BufferPool::Buffer cold = pool.Allocate(100);
  EXPECT_FALSE(cold.slab);
  BufferPool::Buffer hot = pool.Allocate(5000);
  EXPECT_TRUE(hot.slab);
  EXPECT_TRUE(Aligned(hot.data));
  EXPECT_EQ(pool.GetStats().regions, 1u);
  held.push_back(hot);
  held.push_back(cold);
  for (const auto& b : held) pool.Release(b);
  BufferPool::Stats s = pool.GetStats();
  EXPECT_EQ(s.freed, 4u);   // the heap buffers
  EXPECT_EQ(s.pooled, 1u);  // the slot
  EXPECT_EQ(s.live_bytes, 0u);
  // The class stays on the slab.
  BufferPool::Buffer again = pool.Allocate(5000);
  EXPECT_TRUE(again.slab);
  EXPECT_EQ(again.data, hot.data);
  pool.Release(again);
}

TEST(BufferPoolTest, ReleaseOfNullIsIgnored) {
  BufferPool pool(8 << 20, 0);
  pool.Release({});
  EXPECT_EQ(pool.GetStats().pooled, 0u);
  EXPECT_EQ(pool.GetStats().freed, 0u);
}

// Threads share the pool; each fills its buffers with its own byte and
// checks it is still there before releasing them. A buffer handed to two
// holders at once shows up as a foreign byte (and as a race under TSan).
TEST(BufferPoolTest, ConcurrentUseNeverSharesABuffer) {
  BufferPool pool(8 << 20, /*hot_buffers=*/2);  // classes move onto the slab under load
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&pool, &bad, t] {
      const char mark = static_cast<char>('a' + t);
      std::vector<BufferPool::Buffer> held;
      for (int i = 0; i < 20000; ++i) {
        const size_t size = 200 + static_cast<size_t>((i * 7 + t) % 5) * 1000;
        BufferPool::Buffer b = pool.Allocate(size);
        std::memset(b.data, mark, size);
        held.push_back(b);
        if (held.size() == 4 || i % 3 == 0) {
          for (const auto& h : held) {
            for (size_t k = 0; k < 200; ++k) {
              if (h.data[k] != mark) bad.fetch_add(1);
            }
            pool.Release(h);
          }
          held.clear();
        }
      }
      for (const auto& h : held) pool.Release(h);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  BufferPool::Stats s = pool.GetStats();
  EXPECT_EQ(s.reused + s.allocated, s.pooled + s.freed);
  EXPECT_GT(s.reused, 0u);
  EXPECT_EQ(s.live_bytes, 0u);
}

#if defined(__SANITIZE_ADDRESS__)
TEST(BufferPoolDeathTest, UseAfterReleaseIsReportedUnderAsan) {
  BufferPool pool(8 << 20, 0);
  BufferPool::Buffer b = pool.Allocate(1000);
  pool.Release(b);
  volatile char* p = b.data;
  EXPECT_DEATH(p[500] = 1, "use-after-poison");
}
#endif

}  // namespace
}  // namespace synapsed::storage::cache
