#include "cache/huge_page_slab.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace synapsed::storage::cache {
namespace {

constexpr size_t kUnit = HugePageSlab::kUnitBytes;
constexpr size_t kRegion = HugePageSlab::kRegionBytes;

uintptr_t RegionStart(const char* p) {
  return reinterpret_cast<uintptr_t>(p) & ~(uintptr_t{kRegion} - 1);
}

TEST(HugePageSlabTest, SlotsAreAlignedDisjointAndInsideTheirRegion) {
  HugePageSlab slab(0);
  std::vector<char*> slots;
  for (size_t bytes : {kUnit, 17 * kUnit, 17 * kUnit, 256 * kUnit, kUnit}) {
    char* p = slab.Allocate(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    EXPECT_LE(reinterpret_cast<uintptr_t>(p) - RegionStart(p) + bytes, kRegion);
    std::memset(p, static_cast<int>(slots.size() + 1), bytes);
    slots.push_back(p);
  }
  // Each slot still holds its own byte: none overlaps another.
  const size_t sizes[] = {kUnit, 17 * kUnit, 17 * kUnit, 256 * kUnit, kUnit};
  for (size_t i = 0; i < slots.size(); ++i) {
    EXPECT_TRUE(std::all_of(slots[i], slots[i] + sizes[i],
                            [&](char c) { return c == static_cast<char>(i + 1); }))
        << "slot " << i;
  }
  // One region per slot size in use.
  EXPECT_EQ(slab.GetStats().regions, 3u);
  EXPECT_EQ(slab.GetStats().live_bytes, 2 * kUnit + 34 * kUnit + 256 * kUnit);
  for (size_t i = 0; i < slots.size(); ++i) slab.Free(slots[i], sizes[i]);
  EXPECT_EQ(slab.GetStats().live_bytes, 0u);
  EXPECT_EQ(slab.GetStats().regions, 0u);  // none kept
}

TEST(HugePageSlabTest, ANewRegionOnlyWhenEveryRegionOfTheSizeIsFull) {
  HugePageSlab slab(0);
  const size_t bytes = HugePageSlab::kMaxSlotBytes;
  const size_t per_region = kRegion / bytes;  // 32
  std::vector<char*> slots;
  for (size_t i = 0; i < per_region; ++i) slots.push_back(slab.Allocate(bytes));
  EXPECT_EQ(slab.GetStats().regions, 1u);
  for (char* p : slots) EXPECT_EQ(RegionStart(p), RegionStart(slots[0]));
  char* next = slab.Allocate(bytes);
  EXPECT_EQ(slab.GetStats().regions, 2u);
  EXPECT_NE(RegionStart(next), RegionStart(slots[0]));

  // A freed slot is taken before any never-used one; once none is free the
  // newest region hands out its never-used slots, and only when it is full
  // is a third region mapped.
  slab.Free(slots[7], bytes);
  char* again = slab.Allocate(bytes);
  EXPECT_EQ(again, slots[7]);
  std::vector<char*> second = {next};
  for (size_t i = 1; i < per_region; ++i) second.push_back(slab.Allocate(bytes));
  for (char* p : second) EXPECT_EQ(RegionStart(p), RegionStart(next));
  EXPECT_EQ(slab.GetStats().regions_mapped, 2u);
  char* third = slab.Allocate(bytes);
  EXPECT_EQ(slab.GetStats().regions_mapped, 3u);
  slab.Free(third, bytes);
  EXPECT_EQ(slab.GetStats().regions, 2u);
  for (char* p : slots) slab.Free(p, bytes);
  for (char* p : second) slab.Free(p, bytes);
  EXPECT_EQ(slab.GetStats().regions, 0u);
}

TEST(HugePageSlabTest, MostRecentlyFreedComesBackFirst) {
  HugePageSlab slab(1);
  char* a = slab.Allocate(4 * kUnit);
  char* b = slab.Allocate(4 * kUnit);
  slab.Free(a, 4 * kUnit);
  slab.Free(b, 4 * kUnit);
  EXPECT_EQ(slab.Allocate(4 * kUnit), b);
  EXPECT_EQ(slab.Allocate(4 * kUnit), a);
  HugePageSlab::Stats s = slab.GetStats();
  EXPECT_EQ(s.fresh, 2u);
  EXPECT_EQ(s.reused, 2u);
  EXPECT_EQ(s.free_slots, 0u);
  slab.Free(a, 4 * kUnit);
  slab.Free(b, 4 * kUnit);
}

TEST(HugePageSlabTest, EmptyRegionsAreKeptUpToTheLimitThenUnmapped) {
  HugePageSlab slab(2);
  std::vector<char*> slots;
  for (size_t n = 1; n <= 4; ++n) slots.push_back(slab.Allocate(n * kUnit));
  EXPECT_EQ(slab.GetStats().regions, 4u);
  for (size_t n = 1; n <= 4; ++n) slab.Free(slots[n - 1], n * kUnit);
  HugePageSlab::Stats s = slab.GetStats();
  EXPECT_EQ(s.regions, 2u);
  EXPECT_EQ(s.free_slots, 2u);  // one per kept region
  // A kept region serves its size again without a new mapping.
  char* p = slab.Allocate(1 * kUnit);
  EXPECT_EQ(p, slots[0]);
  EXPECT_EQ(slab.GetStats().regions_mapped, 4u);
  slab.Free(p, kUnit);

  slab.Trim();
  EXPECT_EQ(slab.GetStats().regions, 0u);
  EXPECT_EQ(slab.GetStats().free_slots, 0u);
}

TEST(HugePageSlabTest, TrimKeepsRegionsWithLiveSlots) {
  HugePageSlab slab(8);
  char* live = slab.Allocate(kUnit);
  char* gone = slab.Allocate(kUnit);
  char* other = slab.Allocate(2 * kUnit);
  slab.Free(gone, kUnit);
  slab.Free(other, 2 * kUnit);
  slab.Trim();
  EXPECT_EQ(slab.GetStats().regions, 1u);
  EXPECT_EQ(slab.GetStats().free_slots, 1u);  // `gone`, in the kept region
  std::memset(live, 1, kUnit);  // still mapped
  slab.Free(live, kUnit);
}

// The region is marked for transparent huge pages (VmFlags "hg" in smaps)
// wherever the kernel supports them; whether a huge page backs it also
// depends on free memory, so that is not asserted.
TEST(HugePageSlabTest, RegionsAreAdvisedForHugePages) {
  struct stat st;
  const bool thp = ::stat("/sys/kernel/mm/transparent_hugepage", &st) == 0;
  HugePageSlab slab(0);
  char* p = slab.Allocate(kUnit);
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_vma = false;
  std::string flags;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      in_vma = lo <= addr && addr < hi;
      continue;
    }
    if (in_vma && line.rfind("VmFlags:", 0) == 0) {
      flags = line;
    }
  }
  ASSERT_FALSE(flags.empty()) << "no mapping holds the slot";
  if (thp) {
    EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
  }
  slab.Free(p, kUnit);
}

// Slots change hands between threads: each thread allocates, marks its slots
// with its own byte, and queues some for another thread to check and free.
// A slot handed out twice shows up as a foreign byte (and as a race under
// TSan); regions come and go since none is kept.
TEST(HugePageSlabTest, ConcurrentUseAcrossThreads) {
  HugePageSlab slab(0);
  constexpr int kThreads = 4;
  struct Queued {
    char* slot;
    size_t bytes;
    char mark;
  };
  std::mutex mu;
  std::vector<Queued> handoff;
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const char mark = static_cast<char>('a' + t);
      for (int i = 0; i < 5000; ++i) {
        const size_t bytes = (1 + static_cast<size_t>((i * 7 + t) % 5) * 8) * kUnit;
        char* p = slab.Allocate(bytes);
        if (p == nullptr) {
          bad.fetch_add(1);
          continue;
        }
        std::memset(p, mark, bytes);
        std::vector<Queued> mine;
        {
          std::lock_guard<std::mutex> l(mu);
          handoff.push_back({p, bytes, mark});
          if (handoff.size() >= 8) mine.swap(handoff);
        }
        for (const Queued& q : mine) {
          for (size_t k = 0; k < q.bytes; k += 61) {
            if (q.slot[k] != q.mark) bad.fetch_add(1);
          }
          slab.Free(q.slot, q.bytes);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Queued& q : handoff) slab.Free(q.slot, q.bytes);
  EXPECT_EQ(bad.load(), 0);
  HugePageSlab::Stats s = slab.GetStats();
  EXPECT_EQ(s.fresh + s.reused, s.frees);
  EXPECT_EQ(s.live_bytes, 0u);
  EXPECT_EQ(s.regions, 0u);
  EXPECT_GT(s.reused, 0u);
}

// Freeing what is not a live slot (a foreign pointer, a slot freed twice
// with its region kept) stops the process rather than corrupting the counts.
TEST(HugePageSlabDeathTest, FreeOfWhatIsNotALiveSlotAborts) {
  HugePageSlab slab(1);
  alignas(64) static char foreign[kUnit];
  EXPECT_DEATH(slab.Free(foreign, kUnit), "not a live slot");
  char* p = slab.Allocate(kUnit);
  slab.Free(p, kUnit);  // the region stays (one empty region is kept)
  EXPECT_DEATH(slab.Free(p, kUnit), "not a live slot");
}

#if defined(__SANITIZE_ADDRESS__)
TEST(HugePageSlabDeathTest, UseAfterFreeIsReportedUnderAsan) {
  HugePageSlab slab(1);
  char* p = slab.Allocate(4 * kUnit);
  slab.Free(p, 4 * kUnit);
  volatile char* q = p;
  EXPECT_DEATH(q[500] = 1, "use-after-poison");
}

TEST(HugePageSlabDeathTest, NeverUsedSlotsArePoisonedUnderAsan) {
  HugePageSlab slab(1);
  char* p = slab.Allocate(4 * kUnit);
  volatile char* next = p + 4 * kUnit;  // the next slot, not handed out
  EXPECT_DEATH(next[0] = 1, "use-after-poison");
  slab.Free(p, 4 * kUnit);
}
#endif

}  // namespace
}  // namespace synapsed::storage::cache
