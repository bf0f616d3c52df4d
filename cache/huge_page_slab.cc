#include "cache/huge_page_slab.h"

#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace synapsed::storage::cache {

HugePageSlab::HugePageSlab(size_t max_empty_regions)
    : max_empty_regions_(max_empty_regions), sizes_(new SlotSize[kNumSizes]) {}

HugePageSlab::~HugePageSlab() {
  for (size_t i = 0; i < kNumSizes; ++i) {
    SlotSize& s = sizes_[i];
    MutexLock l(&s.mu);
    for (const auto& [region, state] : s.regions) UnmapRegion(region);
  }
}

uintptr_t HugePageSlab::MapRegion() {
  // Map twice the size and keep the aligned region inside it.
  void* raw = mmap(nullptr, 2 * kRegionBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return 0;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t region = (start + kRegionBytes - 1) & ~(uintptr_t{kRegionBytes} - 1);
  if (region > start) munmap(raw, region - start);
  const uintptr_t end = start + 2 * kRegionBytes;
  if (end > region + kRegionBytes) {
    munmap(reinterpret_cast<void*>(region + kRegionBytes), end - region - kRegionBytes);
  }
  // Only a request: without transparent huge pages it fails, harmlessly.
  (void)madvise(reinterpret_cast<void*>(region), kRegionBytes, MADV_HUGEPAGE);
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<void*>(region), kRegionBytes);
  return region;
}

void HugePageSlab::UnmapRegion(uintptr_t region) {
  // The shadow outlives the mapping; a later mapping here must start clean.
  ASAN_UNPOISON_MEMORY_REGION(reinterpret_cast<void*>(region), kRegionBytes);
  munmap(reinterpret_cast<void*>(region), kRegionBytes);
}

void HugePageSlab::Drop(SlotSize& s, uintptr_t region) {
  const size_t before = s.free.size();
  std::erase_if(s.free, [region](char* slot) { return RegionOf(slot) == region; });
  free_slots_.fetch_sub(before - s.free.size(), std::memory_order_relaxed);
  s.regions.erase(region);
  if (s.newest == region) s.newest = 0;
}

char* HugePageSlab::Allocate(size_t slot_bytes) {
  SlotSize& s = sizes_[slot_bytes / kUnitBytes - 1];
  char* slot = nullptr;
  {
    MutexLock l(&s.mu);
    if (!s.free.empty()) {
      slot = s.free.back();
      s.free.pop_back();
      free_slots_.fetch_sub(1, std::memory_order_relaxed);
      reused_.fetch_add(1, std::memory_order_relaxed);
      Region& r = s.regions.find(RegionOf(slot))->second;  // a listed slot's region is mapped
      if (r.live++ == 0) empty_regions_.fetch_sub(1, std::memory_order_relaxed);
    } else {
      const uint32_t per_region = static_cast<uint32_t>(kRegionBytes / slot_bytes);
      Region* r = s.newest == 0 ? nullptr : &s.regions.find(s.newest)->second;
      if (r == nullptr || r->used == per_region) {
        const uintptr_t region = MapRegion();
        if (region == 0) return nullptr;
        r = &s.regions.emplace(region, Region{}).first->second;
        s.newest = region;
        regions_.fetch_add(1, std::memory_order_relaxed);
        regions_mapped_.fetch_add(1, std::memory_order_relaxed);
      }
      // Every slot of the newest region is live or never used (a freed one
      // would have been taken above), so live == used > 0 or it is fresh.
      slot = reinterpret_cast<char*>(s.newest) + size_t{r->used} * slot_bytes;
      ++r->used;
      ++r->live;
      fresh_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  ASAN_UNPOISON_MEMORY_REGION(slot, slot_bytes);
  live_bytes_.fetch_add(slot_bytes, std::memory_order_relaxed);
  return slot;
}

void HugePageSlab::Free(char* slot, size_t slot_bytes) {
  if (slot == nullptr) return;
  // Poisoned before it is listed: once listed another thread may take it.
  ASAN_POISON_MEMORY_REGION(slot, slot_bytes);
  live_bytes_.fetch_sub(slot_bytes, std::memory_order_relaxed);
  frees_.fetch_add(1, std::memory_order_relaxed);
  const uintptr_t region = RegionOf(slot);
  bool unmap = false;
  {
    SlotSize& s = sizes_[slot_bytes / kUnitBytes - 1];
    MutexLock l(&s.mu);
    auto it = s.regions.find(region);
    if (it == s.regions.end() || it->second.live == 0) {
      std::fprintf(stderr, "synapsed: HugePageSlab::Free of %p, not a live slot of %zu bytes\n",
                   static_cast<void*>(slot), slot_bytes);
      std::abort();
    }
    s.free.push_back(slot);
    free_slots_.fetch_add(1, std::memory_order_relaxed);
    if (--it->second.live == 0) {
      if (empty_regions_.fetch_add(1, std::memory_order_relaxed) >= max_empty_regions_) {
        empty_regions_.fetch_sub(1, std::memory_order_relaxed);
        Drop(s, region);
        unmap = true;
      }
    }
  }
  if (unmap) {
    UnmapRegion(region);
    regions_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void HugePageSlab::Trim() {
  std::vector<uintptr_t> empty;
  for (size_t i = 0; i < kNumSizes; ++i) {
    SlotSize& s = sizes_[i];
    {
      MutexLock l(&s.mu);
      for (const auto& [region, state] : s.regions) {
        if (state.live == 0) empty.push_back(region);
      }
      for (uintptr_t region : empty) {
        empty_regions_.fetch_sub(1, std::memory_order_relaxed);
        Drop(s, region);
      }
    }
    for (uintptr_t region : empty) {
      UnmapRegion(region);
      regions_.fetch_sub(1, std::memory_order_relaxed);
    }
    empty.clear();
  }
}

HugePageSlab::Stats HugePageSlab::GetStats() const {
  Stats s;
  s.reused = reused_.load(std::memory_order_relaxed);
  s.fresh = fresh_.load(std::memory_order_relaxed);
  s.frees = frees_.load(std::memory_order_relaxed);
  s.regions = regions_.load(std::memory_order_relaxed);
  s.regions_mapped = regions_mapped_.load(std::memory_order_relaxed);
  s.live_bytes = live_bytes_.load(std::memory_order_relaxed);
  s.free_slots = free_slots_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace synapsed::storage::cache
