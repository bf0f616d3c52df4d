// BufferPool: the 64-byte-aligned buffers that table blocks are read and
// decompressed into, recycled so that a block-cache miss reuses the buffer
// of the block the cache let go instead of paying an aligned heap
// allocation (and the eviction an aligned free).
//
// Requests are rounded up to a size class of kClassBytes. Buffers of a busy
// class up to kMaxPooledBytes are slots of a HugePageSlab
// (huge_page_slab.h): one slot size per class, on 2 MiB pages where the
// kernel grants them, so that the blocks a read touches share a few TLB
// entries. A released slot is the next one its class hands out (its lines
// are the likeliest still in the CPU cache). A class is busy once it has
// held `hot_buffers` heap buffers at once; until then it stays on the heap,
// because a 2 MiB region for a size that holds a filter or two (the sizes of
// index and filter blocks vary table by table) would cost more memory than
// its buffers. Larger requests always go to the heap and back.
//
// Under AddressSanitizer a released buffer is poisoned, so a use after
// Release is still reported.
//
// Thread safety: every method may be called from any thread concurrently
// (one mutex per size class).
#ifndef SYNAPSED_CACHE_BUFFER_POOL_H_
#define SYNAPSED_CACHE_BUFFER_POOL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "cache/huge_page_slab.h"

namespace synapsed::storage::cache {

class BufferPool {
 public:
  static constexpr size_t kAlignment = 64;
  static constexpr size_t kClassBytes = HugePageSlab::kUnitBytes;
  static constexpr size_t kMaxPooledBytes = HugePageSlab::kMaxSlotBytes;

  // Buffers of a class held at once before the class moves onto the slab.
  static constexpr uint32_t kHotBuffers = 64;

  // Keeps up to max_idle_bytes of wholly idle slab regions mapped, in whole
  // regions (under one region's worth keeps none). With hot_buffers 0 every
  // pooled class is on the slab from its first buffer.
  explicit BufferPool(size_t max_idle_bytes, uint32_t hot_buffers = kHotBuffers);
  ~BufferPool();  // every buffer must have been released
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The process-wide pool behind sstable::BlockBuffer, keeping up to 8 MiB
  // of idle regions. Never destroyed.
  static BufferPool* Default();

  struct Buffer {
    char* data = nullptr;
    size_t capacity = 0;  // >= the size asked for; pass it to Release
    bool slab = false;    // a slab slot (else heap memory)
  };
  // A kAlignment-aligned buffer of at least `size` bytes (a zero size gets
  // one of the smallest class). Its contents are unspecified. Throws
  // std::bad_alloc when no memory can be had, as operator new does.
  Buffer Allocate(size_t size);
  // Gives back a buffer Allocate returned; null is ignored.
  void Release(Buffer buffer);

  // Returns every wholly idle region to the system.
  void Trim();

  struct Stats {
    uint64_t reused = 0;     // Allocate calls served by a released buffer
    uint64_t allocated = 0;  // ... by a never-used slot or the heap
    uint64_t pooled = 0;     // Release calls that kept the buffer (a slot)
    uint64_t freed = 0;      // Release calls that freed it (heap memory)
    uint64_t idle_buffers = 0;  // released and waiting to be reused
    uint64_t regions = 0;       // slab regions mapped (2 MiB each)
    uint64_t live_bytes = 0;    // capacity of the pooled buffers held
  };
  Stats GetStats() const;

  // The capacity Allocate(size) returns.
  static size_t CapacityFor(size_t size);

 private:
  static char* HeapAllocate(size_t capacity);
  static void HeapFree(char* data);

  static constexpr size_t kNumClasses = kMaxPooledBytes / kClassBytes;
  struct ClassState {
    std::atomic<uint32_t> heap_live{0};  // heap buffers of the class held now
    std::atomic<bool> on_slab{false};    // busy: every new buffer is a slot
  };

  const uint32_t hot_buffers_;
  HugePageSlab slab_;
  std::unique_ptr<ClassState[]> classes_;
  std::atomic<uint64_t> heap_allocated_{0};
  std::atomic<uint64_t> heap_freed_{0};
};

}  // namespace synapsed::storage::cache

#endif  // SYNAPSED_CACHE_BUFFER_POOL_H_
