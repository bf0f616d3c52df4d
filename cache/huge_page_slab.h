// HugePageSlab: fixed-size slots carved from 2 MiB regions that the kernel
// is asked to back with transparent huge pages; each region holds slots of
// one size.
//
// Why: a point read touches a few cached blocks chosen at random among tens
// of MiB of them. On 4 KiB pages every such block needs its own TLB entry,
// so most of the read's loads start with a page walk; 2 MiB pages cover a
// 64 MiB block cache with 32 entries. docs/performance.md has the A/B.
//
// Layout: a region is kRegionBytes long and aligned to kRegionBytes, so the
// region of a slot is the slot's address with the low bits cleared. A region
// is cut into slots of one size, a multiple of kUnitBytes (so every slot is
// 64-byte aligned), from its first byte; nothing else is stored in it.
//
// Bookkeeping stays out of the slots and regions, in a few hot cache lines
// per slot size: a stack of freed slots, the live count of each region (a
// small map by region address) and the region still handing out never-used
// slots. A block evicted long ago is cold; freeing it or reusing its slot
// touches none of its lines.
//
// Allocation: the most recently freed slot of the size (likeliest still in
// the CPU cache), else the next never-used slot of the newest region, else a
// new region. A region is mapped only when the size has no free slot at
// all, so a size never holds more than ceil(its peak live slots / slots per
// region) regions. A region whose last live slot is freed is unmapped (its
// slots leave the stack), unless fewer than `max_empty_regions` empty
// regions are kept; then it stays, ready for the next burst.
//
// madvise(MADV_HUGEPAGE) is a request: where transparent huge pages are off
// the slots still work, on 4 KiB pages.
//
// Under AddressSanitizer every slot not handed out is poisoned, so a use
// after Free is reported.
//
// Thread safety: every method may be called from any thread concurrently
// (one mutex per slot size).
#ifndef SYNAPSED_CACHE_HUGE_PAGE_SLAB_H_
#define SYNAPSED_CACHE_HUGE_PAGE_SLAB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "util/mutex.h"

namespace synapsed::storage::cache {

class HugePageSlab {
 public:
  static constexpr size_t kRegionBytes = size_t{2} << 20;
  static constexpr size_t kUnitBytes = 256;  // slot sizes are multiples
  static constexpr size_t kMaxSlotBytes = size_t{64} << 10;

  explicit HugePageSlab(size_t max_empty_regions);
  // Unmaps every region. Every slot must have been freed.
  ~HugePageSlab();
  HugePageSlab(const HugePageSlab&) = delete;
  HugePageSlab& operator=(const HugePageSlab&) = delete;

  // A slot of exactly `slot_bytes`, a nonzero multiple of kUnitBytes no
  // larger than kMaxSlotBytes. Null only when a region cannot be mapped.
  // Its contents are unspecified.
  char* Allocate(size_t slot_bytes);
  // Gives back a slot Allocate(slot_bytes) returned (null is ignored).
  void Free(char* slot, size_t slot_bytes);
  // Unmaps every region that holds no live slot.
  void Trim();

  struct Stats {
    uint64_t reused = 0;          // Allocate calls served by a freed slot
    uint64_t fresh = 0;           // ... by a never-used slot
    uint64_t frees = 0;
    uint64_t regions = 0;         // mapped now
    uint64_t regions_mapped = 0;  // ever
    uint64_t live_bytes = 0;      // in slots handed out
    uint64_t free_slots = 0;      // freed and waiting on a free list
  };
  Stats GetStats() const;

 private:
  struct Region {
    uint32_t live = 0;  // slots handed out and not freed
    uint32_t used = 0;  // slots ever handed out; those past it never were
  };
  struct SlotSize {
    Mutex mu;
    std::vector<char*> free ABSL_GUARDED_BY(mu);  // most recently freed last
    absl::flat_hash_map<uintptr_t, Region> regions ABSL_GUARDED_BY(mu);
    uintptr_t newest ABSL_GUARDED_BY(mu) = 0;  // last mapped region, or 0
  };
  static constexpr size_t kNumSizes = kMaxSlotBytes / kUnitBytes;

  static uintptr_t RegionOf(const char* slot) {
    return reinterpret_cast<uintptr_t>(slot) & ~(uintptr_t{kRegionBytes} - 1);
  }
  // Maps an aligned region advised for huge pages; 0 on failure.
  static uintptr_t MapRegion();
  static void UnmapRegion(uintptr_t region);
  // Forgets `region` (which has no live slot) and its freed slots; the
  // caller unmaps it once the lock is dropped.
  void Drop(SlotSize& s, uintptr_t region) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);

  const size_t max_empty_regions_;
  std::unique_ptr<SlotSize[]> sizes_;
  std::atomic<uint64_t> empty_regions_{0};
  std::atomic<uint64_t> reused_{0};
  std::atomic<uint64_t> fresh_{0};
  std::atomic<uint64_t> frees_{0};
  std::atomic<uint64_t> regions_{0};
  std::atomic<uint64_t> regions_mapped_{0};
  std::atomic<uint64_t> live_bytes_{0};
  std::atomic<uint64_t> free_slots_{0};
};

}  // namespace synapsed::storage::cache

#endif  // SYNAPSED_CACHE_HUGE_PAGE_SLAB_H_
