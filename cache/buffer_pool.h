// BufferPool: recycles the 64-byte-aligned buffers that table blocks are
// read and decompressed into, so a block-cache miss does not pay an aligned
// heap allocation (and the block it evicts an aligned free).
//
// Buffers are grouped in size classes of kClassBytes; a request gets a
// buffer of its class's size, the most recently released one first (its
// lines are the likeliest still in the CPU cache). Released buffers wait in
// their class's list, linked through their own first bytes, until the idle
// total would pass max_idle_bytes: then they go back to the heap. Requests
// above kMaxPooledBytes always go to the heap.
//
// Under AddressSanitizer an idle buffer is poisoned past its link, so a
// use after Release is still reported.
//
// Thread safety: every method may be called from any thread concurrently
// (one mutex per size class).
#ifndef SYNAPSED_CACHE_BUFFER_POOL_H_
#define SYNAPSED_CACHE_BUFFER_POOL_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "util/mutex.h"

namespace synapsed::storage::cache {

class BufferPool {
 public:
  static constexpr size_t kAlignment = 64;
  static constexpr size_t kClassBytes = 256;
  static constexpr size_t kMaxPooledBytes = 64 << 10;

  explicit BufferPool(size_t max_idle_bytes);
  ~BufferPool();  // frees the idle buffers; every buffer must be released
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The process-wide pool behind sstable::BlockBuffer, keeping up to 8 MiB
  // idle. Never destroyed.
  static BufferPool* Default();

  struct Buffer {
    char* data = nullptr;
    size_t capacity = 0;  // >= the size asked for; pass it to Release
  };
  // A kAlignment-aligned buffer of at least `size` bytes (a zero size gets
  // one of the smallest class). Its contents are unspecified.
  Buffer Allocate(size_t size);
  // Gives back a buffer Allocate returned; null is ignored.
  void Release(Buffer buffer);

  // Frees every idle buffer.
  void Trim();

  struct Stats {
    uint64_t reused = 0;    // Allocate calls served from the pool
    uint64_t allocated = 0;  // Allocate calls that went to the heap
    uint64_t pooled = 0;     // Release calls that kept the buffer
    uint64_t freed = 0;      // Release calls that freed it (over the limit or too big)
    uint64_t idle_bytes = 0;
    uint64_t idle_buffers = 0;
  };
  Stats GetStats() const;

  // The capacity Allocate(size) returns.
  static size_t CapacityFor(size_t size);

 private:
  static constexpr size_t kNumClasses = kMaxPooledBytes / kClassBytes;
  struct Idle {
    Idle* next;
  };
  struct SizeClass {
    Mutex mu;
    Idle* head ABSL_GUARDED_BY(mu) = nullptr;
  };

  static char* HeapAllocate(size_t capacity);
  static void HeapFree(char* data);

  const size_t max_idle_bytes_;
  std::array<SizeClass, kNumClasses> classes_;
  std::atomic<uint64_t> idle_bytes_{0};
  std::atomic<uint64_t> idle_buffers_{0};
  std::atomic<uint64_t> reused_{0};
  std::atomic<uint64_t> allocated_{0};
  std::atomic<uint64_t> pooled_{0};
  std::atomic<uint64_t> freed_{0};
};

}  // namespace synapsed::storage::cache

#endif  // SYNAPSED_CACHE_BUFFER_POOL_H_
