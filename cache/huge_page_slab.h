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
// region of a slot is the slot's address with the low bits cleared. The
// region's first kHeaderBytes hold its header (slot size, counts, free
// list); the slots follow, each slot size a multiple of kHeaderBytes, so
// every slot is 64-byte aligned.
//
// Allocation: each slot size keeps a list of its regions that have a free
// slot. Allocate takes from the first of them: the most recently freed slot
// (likeliest still in the CPU cache), else the next never-used one. A new
// region is mapped only when every region of the size is full, so a size
// never holds more than ceil(its peak live slots / slots per region)
// regions. Free returns the slot to its region; a region left with no live
// slot is unmapped, unless fewer than `max_empty_regions` empty regions are
// kept (then it stays, ready for the next burst).
//
// madvise(MADV_HUGEPAGE) is a request: where transparent huge pages are off
// the slots still work, on 4 KiB pages.
//
// Under AddressSanitizer every slot not handed out is poisoned (a freed slot
// past its free-list link), so a use after Free is reported.
//
// Thread safety: every method may be called from any thread concurrently
// (one mutex per slot size).
#ifndef SYNAPSED_CACHE_HUGE_PAGE_SLAB_H_
#define SYNAPSED_CACHE_HUGE_PAGE_SLAB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "util/mutex.h"

namespace synapsed::storage::cache {

class HugePageSlab {
 public:
  static constexpr size_t kRegionBytes = size_t{2} << 20;
  static constexpr size_t kHeaderBytes = 256;  // also the slot-size unit
  static constexpr size_t kMaxSlotBytes = size_t{64} << 10;

  explicit HugePageSlab(size_t max_empty_regions);
  // Unmaps every region. Every slot must have been freed.
  ~HugePageSlab();
  HugePageSlab(const HugePageSlab&) = delete;
  HugePageSlab& operator=(const HugePageSlab&) = delete;

  // A slot of exactly `slot_bytes`, a nonzero multiple of kHeaderBytes no
  // larger than kMaxSlotBytes. Null only when a region cannot be mapped.
  // Its contents are unspecified.
  char* Allocate(size_t slot_bytes);
  // Gives back a slot Allocate returned (null is ignored).
  void Free(char* slot);
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
  struct Region;
  struct FreeSlot {
    FreeSlot* next;
  };
  struct SlotSize {
    Mutex mu;
    // Regions with at least one free (or never-used) slot, first to serve.
    Region* head ABSL_GUARDED_BY(mu) = nullptr;
    Region* tail ABSL_GUARDED_BY(mu) = nullptr;
  };
  static constexpr size_t kNumSizes = kMaxSlotBytes / kHeaderBytes;

  static Region* RegionOf(const char* slot);
  // Maps and initialises an empty region of `index`'s slot size; null on
  // failure.
  static Region* MapRegion(size_t index);
  static void UnmapRegion(Region* r);
  static void Unlink(SlotSize& s, Region* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  static void Append(SlotSize& s, Region* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);

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
