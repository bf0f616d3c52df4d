#include "memtable/arena.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::memtable {
namespace {

TEST(ArenaTest, EmptyUsesNothing) {
  Arena arena;
  EXPECT_EQ(arena.MemoryUsage(), 0u);
  EXPECT_EQ(arena.AllocatedBytes(), 0u);
}

TEST(ArenaTest, AlignedAllocationsAreAligned) {
  Arena arena(Arena::Options{.block_size = 4096});
  Random rnd(testing::TestSeed());
  for (int i = 0; i < 2000; ++i) {
    const size_t align = size_t{1} << rnd.Uniform(7);  // 1..64
    const size_t bytes = 1 + rnd.Uniform(i % 50 == 0 ? 3000 : 100);
    char* p = arena.AllocateAligned(bytes, align);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u)
        << "align " << align << " bytes " << bytes;
    // Unaligned allocations in between shift the bump pointer.
    arena.Allocate(1 + rnd.Uniform(7));
  }
}

TEST(ArenaTest, ContentsSurviveLaterAllocations) {
  Arena arena(Arena::Options{.block_size = 8192});
  Random rnd(testing::TestSeed());
  std::vector<std::pair<char*, std::string>> written;
  for (int i = 0; i < 3000; ++i) {
    // Mostly small, some larger than a quarter block (own block).
    const size_t n = rnd.OneIn(20) ? 2048 + rnd.Uniform(20000)
                                   : 1 + rnd.Uniform(200);
    std::string data = rnd.Bytes(n);
    char* p = i % 2 ? arena.Allocate(n) : arena.AllocateAligned(n, 8);
    std::memcpy(p, data.data(), n);
    written.emplace_back(p, std::move(data));
  }
  for (const auto& [p, data] : written) {
    ASSERT_EQ(std::string(p, data.size()), data);
  }
}

TEST(ArenaTest, AccountingTracksAllocations) {
  Arena arena(Arena::Options{.block_size = 4096});
  size_t requested = 0;
  size_t last_allocated = 0;
  for (int i = 0; i < 1000; ++i) {
    arena.Allocate(100);
    requested += 100;
    EXPECT_GE(arena.AllocatedBytes(), requested);
    EXPECT_GT(arena.AllocatedBytes(), last_allocated);
    last_allocated = arena.AllocatedBytes();
    // Handed out never exceeds held; held exceeds handed out by < a block
    // (plus the block list's bookkeeping).
    EXPECT_LE(arena.AllocatedBytes(), arena.MemoryUsage());
    EXPECT_LT(arena.MemoryUsage() - arena.AllocatedBytes(), 4096u + 4096u);
  }
  // 100-byte pieces waste at most 99 bytes per 4 KiB block.
  EXPECT_LT(arena.AllocatedBytes(), requested + requested / 40 + 4096);
}

TEST(ArenaTest, BigAllocationGetsItsOwnBlockAndKeepsCurrentOne) {
  Arena arena(Arena::Options{.block_size = 4096});
  char* a = arena.Allocate(16);
  const size_t before = arena.MemoryUsage();
  char* big = arena.Allocate(1 << 20);
  std::memset(big, 0xab, 1 << 20);
  EXPECT_GE(arena.MemoryUsage(), before + (1 << 20));
  EXPECT_LT(arena.MemoryUsage(), before + (1 << 20) + 4096);
  // The next small allocation continues the first block.
  char* b = arena.Allocate(16);
  EXPECT_EQ(b, a + 16);
}

TEST(ArenaTest, BlockSizeIsRoundedUp) {
  Arena tiny(Arena::Options{.block_size = 10});
  EXPECT_EQ(tiny.block_size(), Arena::kMinBlockSize);
  Arena odd(Arena::Options{.block_size = 5000});
  EXPECT_EQ(odd.block_size() % Arena::kMaxAlign, 0u);
  EXPECT_GE(odd.block_size(), 5000u);
}

TEST(ArenaTest, HugePageBlocks) {
  // THP may be off; the arena must work either way.
  Arena arena(Arena::Options{.block_size = 2 << 20, .huge_pages = true});
  char* p = arena.Allocate(100);
  std::memset(p, 1, 100);
  EXPECT_GE(arena.MemoryUsage(), size_t{2} << 20);
}

TEST(ArenaBlockPoolTest, ArenasRecycleBlocksThroughThePool) {
  auto pool = std::make_shared<ArenaBlockPool>(ArenaBlockPool::Options{
      .block_size = 8192, .max_pooled_bytes = 8 * 8192});
  std::set<char*> first_blocks;
  {
    Arena arena(Arena::Options{.block_size = 999, .pool = pool});
    EXPECT_EQ(arena.block_size(), 8192u);  // the pool's size wins
    for (int i = 0; i < 16; ++i) {
      // Four 2000-byte pieces fill a block; note each block's start.
      char* p = arena.Allocate(2000);
      if (i % 4 == 0) first_blocks.insert(p);
    }
    arena.Allocate(100000);  // big: its own block, never pooled
    EXPECT_EQ(pool->PooledBytes(), 0u);
  }
  EXPECT_EQ(pool->PooledBytes(), 4 * 8192u);
  Arena again(Arena::Options{.pool = pool});
  for (int i = 0; i < 16; ++i) {
    char* p = again.Allocate(2000);
    if (i % 4 == 0) {
      EXPECT_TRUE(first_blocks.count(p)) << "block not reused";
    }
    std::memset(p, 0x5a, 2000);
  }
  EXPECT_EQ(pool->PooledBytes(), 0u);
}

TEST(ArenaBlockPoolTest, KeepsAtMostTheCap) {
  auto pool = std::make_shared<ArenaBlockPool>(ArenaBlockPool::Options{
      .block_size = 4096, .max_pooled_bytes = 3 * 4096});
  {
    Arena arena(Arena::Options{.pool = pool});
    for (int i = 0; i < 40; ++i) arena.Allocate(1000);  // 10 blocks
  }
  EXPECT_EQ(pool->PooledBytes(), 3 * 4096u);
  pool->Reserve(100 * 4096);  // capped too
  EXPECT_EQ(pool->PooledBytes(), 3 * 4096u);
}

TEST(ArenaBlockPoolTest, ReservePrefaultsBlocks) {
  ArenaBlockPool pool(ArenaBlockPool::Options{.block_size = 4096});
  pool.Reserve(5 * 4096 + 100);
  EXPECT_EQ(pool.PooledBytes(), 5 * 4096u);
  char* b = pool.Take();
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[4095], 0);
  pool.Give(b);
  EXPECT_EQ(pool.PooledBytes(), 5 * 4096u);
}

TEST(ArenaBlockPoolTest, ConcurrentArenas) {
  // Arenas on several threads share one pool (TSan checks the locking).
  auto pool = std::make_shared<ArenaBlockPool>(ArenaBlockPool::Options{
      .block_size = 4096, .max_pooled_bytes = 16 * 4096});
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([pool, t] {
      for (int round = 0; round < 50; ++round) {
        Arena arena(Arena::Options{.pool = pool});
        std::vector<char*> ps;
        for (int i = 0; i < 10; ++i) {
          char* p = arena.Allocate(1000);
          std::memset(p, t, 1000);
          ps.push_back(p);
        }
        for (char* p : ps) {
          for (int i = 0; i < 1000; i += 97) ASSERT_EQ(p[i], t);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(pool->PooledBytes(), 16 * 4096u);
}

}  // namespace
}  // namespace synapsed::storage::memtable
