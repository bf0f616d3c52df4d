#include "cache/buffer_pool.h"

#include <sanitizer/asan_interface.h>

#include <new>

namespace synapsed::storage::cache {
namespace {
constexpr std::align_val_t kAlign{BufferPool::kAlignment};
}  // namespace

BufferPool::BufferPool(size_t max_idle_bytes) : max_idle_bytes_(max_idle_bytes) {}

BufferPool::~BufferPool() { Trim(); }

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
    SizeClass& c = classes_[capacity / kClassBytes - 1];
    Idle* idle = nullptr;
    {
      MutexLock l(&c.mu);
      idle = c.head;
      if (idle != nullptr) c.head = idle->next;
    }
    if (idle != nullptr) {
      idle_bytes_.fetch_sub(capacity, std::memory_order_relaxed);
      idle_buffers_.fetch_sub(1, std::memory_order_relaxed);
      reused_.fetch_add(1, std::memory_order_relaxed);
      char* data = reinterpret_cast<char*>(idle);
      ASAN_UNPOISON_MEMORY_REGION(data, capacity);
      return {data, capacity};
    }
  }
  allocated_.fetch_add(1, std::memory_order_relaxed);
  return {HeapAllocate(capacity), capacity};
}

void BufferPool::Release(Buffer buffer) {
  if (buffer.data == nullptr) return;
  const size_t capacity = buffer.capacity;
  const bool fits =
      capacity <= kMaxPooledBytes &&
      idle_bytes_.fetch_add(capacity, std::memory_order_relaxed) + capacity <=
          max_idle_bytes_;
  if (!fits) {
    if (capacity <= kMaxPooledBytes) {
      idle_bytes_.fetch_sub(capacity, std::memory_order_relaxed);
    }
    freed_.fetch_add(1, std::memory_order_relaxed);
    HeapFree(buffer.data);
    return;
  }
  idle_buffers_.fetch_add(1, std::memory_order_relaxed);
  pooled_.fetch_add(1, std::memory_order_relaxed);
  auto* idle = reinterpret_cast<Idle*>(buffer.data);
  ASAN_POISON_MEMORY_REGION(buffer.data + sizeof(Idle), capacity - sizeof(Idle));
  SizeClass& c = classes_[capacity / kClassBytes - 1];
  MutexLock l(&c.mu);
  idle->next = c.head;
  c.head = idle;
}

void BufferPool::Trim() {
  for (size_t i = 0; i < kNumClasses; ++i) {
    SizeClass& c = classes_[i];
    Idle* list = nullptr;
    {
      MutexLock l(&c.mu);
      list = c.head;
      c.head = nullptr;
    }
    const size_t capacity = (i + 1) * kClassBytes;
    while (list != nullptr) {
      Idle* next = list->next;
      idle_bytes_.fetch_sub(capacity, std::memory_order_relaxed);
      idle_buffers_.fetch_sub(1, std::memory_order_relaxed);
      char* data = reinterpret_cast<char*>(list);
      ASAN_UNPOISON_MEMORY_REGION(data, capacity);
      HeapFree(data);
      list = next;
    }
  }
}

BufferPool::Stats BufferPool::GetStats() const {
  Stats s;
  s.reused = reused_.load(std::memory_order_relaxed);
  s.allocated = allocated_.load(std::memory_order_relaxed);
  s.pooled = pooled_.load(std::memory_order_relaxed);
  s.freed = freed_.load(std::memory_order_relaxed);
  s.idle_bytes = idle_bytes_.load(std::memory_order_relaxed);
  s.idle_buffers = idle_buffers_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace synapsed::storage::cache
