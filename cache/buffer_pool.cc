#include "cache/buffer_pool.h"

#include <new>

namespace synapsed::storage::cache {
namespace {
constexpr std::align_val_t kAlign{BufferPool::kAlignment};
}  // namespace

BufferPool::BufferPool(size_t max_idle_bytes)
    : slab_(max_idle_bytes / HugePageSlab::kRegionBytes) {}

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
  if (capacity > kMaxPooledBytes) {
    heap_allocated_.fetch_add(1, std::memory_order_relaxed);
    return {HeapAllocate(capacity), capacity};
  }
  char* data = slab_.Allocate(capacity);
  if (data == nullptr) throw std::bad_alloc();
  return {data, capacity};
}

void BufferPool::Release(Buffer buffer) {
  if (buffer.data == nullptr) return;
  if (buffer.capacity > kMaxPooledBytes) {
    heap_freed_.fetch_add(1, std::memory_order_relaxed);
    HeapFree(buffer.data);
    return;
  }
  slab_.Free(buffer.data, buffer.capacity);
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
