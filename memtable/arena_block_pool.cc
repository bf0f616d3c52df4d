#include "util/mutex.h"
#include "memtable/arena_block_pool.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace synapsed::storage::memtable {
namespace {

constexpr size_t kHugePageSize = size_t{2} << 20;

}  // namespace

char* AllocateBlock(size_t size, size_t align, bool huge_pages) {
  if (huge_pages && align < kHugePageSize) align = kHugePageSize;
  const size_t alloc_size = (size + align - 1) & ~(align - 1);
  char* p = static_cast<char*>(std::aligned_alloc(align, alloc_size));
  if (p == nullptr) {
    std::fprintf(stderr, "synapsed: arena could not allocate %zu bytes\n",
                 alloc_size);
    std::abort();
  }
  if (huge_pages) {
    // Best effort: with THP off the kernel says no and we keep 4 KiB pages.
    (void)madvise(p, alloc_size, MADV_HUGEPAGE);
  }
  return p;
}

ArenaBlockPool::ArenaBlockPool(const Options& options) : options_(options) {}

ArenaBlockPool::~ArenaBlockPool() {
  MutexLock lock(&mu_);
  for (char* b : free_) std::free(b);
}

char* ArenaBlockPool::Allocate() const {
  return AllocateBlock(options_.block_size, 64,
                       options_.huge_pages &&
                           options_.block_size >= kHugePageSize);
}

char* ArenaBlockPool::Take() {
  {
    MutexLock lock(&mu_);
    if (!free_.empty()) {
      char* b = free_.back();
      free_.pop_back();
      return b;
    }
  }
  return Allocate();
}

void ArenaBlockPool::Give(char* block) {
  {
    MutexLock lock(&mu_);
    if ((free_.size() + 1) * options_.block_size <= options_.max_pooled_bytes) {
      free_.push_back(block);
      return;
    }
  }
  std::free(block);
}

void ArenaBlockPool::Reserve(size_t bytes) {
  if (bytes > options_.max_pooled_bytes) bytes = options_.max_pooled_bytes;
  while (PooledBytes() + options_.block_size <= bytes) {
    char* b = Allocate();
    // Touch every page now so the writer does not fault on them later.
    std::memset(b, 0, options_.block_size);
    Give(b);  // frees it instead if a concurrent Give filled the pool
  }
}

size_t ArenaBlockPool::PooledBytes() const {
  MutexLock lock(&mu_);
  return free_.size() * options_.block_size;
}

}  // namespace synapsed::storage::memtable
