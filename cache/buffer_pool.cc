#include "cache/buffer_pool.h"

#include <new>

namespace synapsed::storage::cache {
namespace {
constexpr std::align_val_t kAlign{BufferPool::kAlignment};
}  // namespace

BufferPool::BufferPool(size_t max_idle_bytes, uint32_t hot_buffers)
    : hot_buffers_(hot_buffers),
      slab_(max_idle_bytes / HugePageSlab::kRegionBytes),
      classes_(new ClassState[kNumClasses]) {}

BufferPool::~BufferPool() = default;

BufferPool* BufferPool::Default() {
  static BufferPool* pool = new BufferPool(8 << 20);
  return pool;
}

size_t BufferPool::CapacityFor(size_t size) {
  if (size == 0) return kClassBytes;
  if (size > kMaxPooledBytes) return size;
  return (size + kClassBytes - 1) / kClassBytes * kClassBytes;
}

char* BufferPool::HeapAllocate(size_t capacity) {
  return static_cast<char*>(::operator new[](capacity, kAlign));
}

void BufferPool::HeapFree(char* data) {
  ::operator delete[](data, kAlign);
}

BufferPool::Buffer BufferPool::Allocate(size_t size) {
  const size_t capacity = CapacityFor(size);
  if (capacity <= kMaxPooledBytes) {
    ClassState& c = classes_[capacity / kClassBytes - 1];
    if (hot_buffers_ == 0 || c.on_slab.load(std::memory_order_relaxed)) {
      char* data = slab_.Allocate(capacity);
      if (data == nullptr) throw std::bad_alloc();
      return {data, capacity, true};
    }
    if (c.heap_live.fetch_add(1, std::memory_order_relaxed) + 1 >= hot_buffers_) {
      c.on_slab.store(true, std::memory_order_relaxed);
    }
  }
  heap_allocated_.fetch_add(1, std::memory_order_relaxed);
  return {HeapAllocate(capacity), capacity, false};
}

void BufferPool::Release(Buffer buffer) {
  if (buffer.data == nullptr) return;
  if (buffer.slab) {
    slab_.Free(buffer.data, buffer.capacity);
    return;
  }
  if (buffer.capacity <= kMaxPooledBytes) {
    classes_[buffer.capacity / kClassBytes - 1].heap_live.fetch_sub(
        1, std::memory_order_relaxed);
  }
  heap_freed_.fetch_add(1, std::memory_order_relaxed);
  HeapFree(buffer.data);
}

void BufferPool::Trim() { slab_.Trim(); }

BufferPool::Stats BufferPool::GetStats() const {
  const HugePageSlab::Stats slab = slab_.GetStats();
  Stats s;
  s.reused = slab.reused;
  s.allocated = slab.fresh + heap_allocated_.load(std::memory_order_relaxed);
  s.pooled = slab.frees;
  s.freed = heap_freed_.load(std::memory_order_relaxed);
  s.idle_buffers = slab.free_slots;
  s.regions = slab.regions;
  s.live_bytes = slab.live_bytes;
  return s;
}

}  // namespace synapsed::storage::cache
