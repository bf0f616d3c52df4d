#include "cache/huge_page_slab.h"

#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include <new>
#include <utility>

namespace synapsed::storage::cache {

// A region's header, at its first byte. Every field but `index`,
// `slot_bytes` and `num_slots` (fixed when mapped) is guarded by the mutex
// of the region's slot size.
struct HugePageSlab::Region {
  uint32_t index;       // of the slot size in sizes_
  uint32_t slot_bytes;
  uint32_t num_slots;
  uint32_t live = 0;    // slots handed out and not freed
  uint32_t used = 0;    // slots ever handed out; those past it never were
  bool listed = false;  // on its slot size's list
  FreeSlot* free = nullptr;
  Region* prev = nullptr;
  Region* next = nullptr;

  Region(uint32_t i, uint32_t bytes)
      : index(i),
        slot_bytes(bytes),
        num_slots(static_cast<uint32_t>((kRegionBytes - kHeaderBytes) / bytes)) {}
  char* SlotAt(uint32_t i) {
    return reinterpret_cast<char*>(this) + kHeaderBytes + size_t{i} * slot_bytes;
  }
  bool HasFree() const { return free != nullptr || used < num_slots; }
};

HugePageSlab::HugePageSlab(size_t max_empty_regions)
    : max_empty_regions_(max_empty_regions), sizes_(new SlotSize[kNumSizes]) {
  static_assert(sizeof(Region) <= kHeaderBytes);
}

HugePageSlab::~HugePageSlab() {
  for (size_t i = 0; i < kNumSizes; ++i) {
    SlotSize& s = sizes_[i];
    MutexLock l(&s.mu);
    while (s.head != nullptr) {
      Region* r = s.head;
      Unlink(s, r);
      UnmapRegion(r);
    }
  }
}

HugePageSlab::Region* HugePageSlab::RegionOf(const char* slot) {
  return reinterpret_cast<Region*>(reinterpret_cast<uintptr_t>(slot) &
                                   ~(uintptr_t{kRegionBytes} - 1));
}

HugePageSlab::Region* HugePageSlab::MapRegion(size_t index) {
  // Map twice the size and keep the aligned region inside it.
  void* raw = mmap(nullptr, 2 * kRegionBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kRegionBytes - 1) & ~(uintptr_t{kRegionBytes} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + 2 * kRegionBytes;
  if (end > aligned + kRegionBytes) {
    munmap(reinterpret_cast<void*>(aligned + kRegionBytes), end - aligned - kRegionBytes);
  }
  void* region = reinterpret_cast<void*>(aligned);
  // Only a request: without transparent huge pages it fails, harmlessly.
  (void)madvise(region, kRegionBytes, MADV_HUGEPAGE);
  auto* r = new (region) Region(static_cast<uint32_t>(index),
                                static_cast<uint32_t>((index + 1) * kHeaderBytes));
  ASAN_POISON_MEMORY_REGION(r->SlotAt(0), kRegionBytes - kHeaderBytes);
  return r;
}

void HugePageSlab::UnmapRegion(Region* r) {
  // The shadow outlives the mapping; a later mapping here must start clean.
  ASAN_UNPOISON_MEMORY_REGION(r, kRegionBytes);
  r->~Region();
  munmap(r, kRegionBytes);
}

void HugePageSlab::Unlink(SlotSize& s, Region* r) {
  (r->prev != nullptr ? r->prev->next : s.head) = r->next;
  (r->next != nullptr ? r->next->prev : s.tail) = r->prev;
  r->prev = r->next = nullptr;
  r->listed = false;
}

void HugePageSlab::Append(SlotSize& s, Region* r) {
  r->prev = s.tail;
  r->next = nullptr;
  (s.tail != nullptr ? s.tail->next : s.head) = r;
  s.tail = r;
  r->listed = true;
}

char* HugePageSlab::Allocate(size_t slot_bytes) {
  const size_t index = slot_bytes / kHeaderBytes - 1;
  SlotSize& s = sizes_[index];
  char* slot = nullptr;
  {
    MutexLock l(&s.mu);
    Region* r = s.head;
    if (r == nullptr) {
      r = MapRegion(index);
      if (r == nullptr) return nullptr;
      regions_.fetch_add(1, std::memory_order_relaxed);
      regions_mapped_.fetch_add(1, std::memory_order_relaxed);
      Append(s, r);
    } else if (r->live == 0) {
      empty_regions_.fetch_sub(1, std::memory_order_relaxed);  // kept empty
    }
    if (r->free != nullptr) {
      slot = reinterpret_cast<char*>(r->free);
      r->free = r->free->next;
      free_slots_.fetch_sub(1, std::memory_order_relaxed);
      reused_.fetch_add(1, std::memory_order_relaxed);
    } else {
      slot = r->SlotAt(r->used++);
      fresh_.fetch_add(1, std::memory_order_relaxed);
    }
    ++r->live;
    if (!r->HasFree()) Unlink(s, r);
  }
  ASAN_UNPOISON_MEMORY_REGION(slot, slot_bytes);
  live_bytes_.fetch_add(slot_bytes, std::memory_order_relaxed);
  return slot;
}

void HugePageSlab::Free(char* slot) {
  if (slot == nullptr) return;
  Region* r = RegionOf(slot);
  const size_t slot_bytes = r->slot_bytes;
  // Poisoned before it is listed: once listed another thread may take it.
  ASAN_POISON_MEMORY_REGION(slot + sizeof(FreeSlot), slot_bytes - sizeof(FreeSlot));
  live_bytes_.fetch_sub(slot_bytes, std::memory_order_relaxed);
  frees_.fetch_add(1, std::memory_order_relaxed);
  Region* unmap = nullptr;
  {
    SlotSize& s = sizes_[r->index];
    MutexLock l(&s.mu);
    auto* f = reinterpret_cast<FreeSlot*>(slot);
    f->next = r->free;
    r->free = f;
    free_slots_.fetch_add(1, std::memory_order_relaxed);
    if (!r->listed) Append(s, r);
    if (--r->live == 0) {
      if (empty_regions_.fetch_add(1, std::memory_order_relaxed) >= max_empty_regions_) {
        empty_regions_.fetch_sub(1, std::memory_order_relaxed);
        Unlink(s, r);
        free_slots_.fetch_sub(r->used, std::memory_order_relaxed);
        unmap = r;
      }
    }
  }
  if (unmap != nullptr) {
    UnmapRegion(unmap);
    regions_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void HugePageSlab::Trim() {
  for (size_t i = 0; i < kNumSizes; ++i) {
    SlotSize& s = sizes_[i];
    Region* empty = nullptr;  // chained through `next` once unlinked
    {
      MutexLock l(&s.mu);
      for (Region* r = s.head; r != nullptr;) {
        Region* next = r->next;
        if (r->live == 0) {
          Unlink(s, r);
          empty_regions_.fetch_sub(1, std::memory_order_relaxed);
          free_slots_.fetch_sub(r->used, std::memory_order_relaxed);
          r->next = empty;
          empty = r;
        }
        r = next;
      }
    }
    while (empty != nullptr) {
      Region* next = empty->next;
      UnmapRegion(empty);
      regions_.fetch_sub(1, std::memory_order_relaxed);
      empty = next;
    }
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
