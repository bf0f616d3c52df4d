#include "memtable/arena.h"

#include <algorithm>
#include <cstdlib>

namespace synapsed::storage::memtable {
namespace {

constexpr size_t kHugePageSize = size_t{2} << 20;

size_t RoundUp(size_t n, size_t align) { return (n + align - 1) & ~(align - 1); }

Arena::Options Normalize(Arena::Options o) {
  if (o.pool != nullptr) {
    o.block_size = o.pool->block_size();
    o.huge_pages = false;  // the pool's blocks carry their own advice
  }
  o.block_size = std::max(RoundUp(o.block_size, Arena::kMaxAlign),
                          Arena::kMinBlockSize);
  return o;
}

}  // namespace

Arena::Arena(const Options& options) : options_(Normalize(options)) {}

Arena::~Arena() {
  for (const Block& b : blocks_) {
    if (b.pooled) {
      options_.pool->Give(b.data);
    } else {
      std::free(b.data);
    }
  }
}

char* Arena::AllocateFallback(size_t bytes, size_t align) {
  if (bytes > options_.block_size / 4) {
    // A big object gets its own block, and the current block keeps serving
    // small ones: otherwise one large value would throw away most of a block.
    char* p = NewBlock(bytes, std::max(align, kMaxAlign), /*regular=*/false);
    Account(bytes);
    return p;
  }
  // The tail of the current block is wasted; count it so AllocatedBytes()
  // never drifts more than a block away from what the process holds.
  Account(remaining_);
  ptr_ = NewBlock(options_.block_size, kMaxAlign, /*regular=*/true);
  remaining_ = options_.block_size;
  // The block start is aligned to kMaxAlign >= align: no padding needed.
  char* p = ptr_;
  ptr_ += bytes;
  remaining_ -= bytes;
  Account(bytes);
  return p;
}

char* Arena::NewBlock(size_t size, size_t align, bool regular) {
  const bool pooled = regular && options_.pool != nullptr;
  char* p;
  size_t alloc_size;
  if (pooled) {
    p = options_.pool->Take();
    alloc_size = size;
  } else {
    alloc_size = RoundUp(size, align);
    p = AllocateBlock(alloc_size, align,
                      regular && options_.huge_pages &&
                          options_.block_size >= kHugePageSize);
  }
  const size_t old_capacity = blocks_.capacity();
  blocks_.push_back(Block{p, alloc_size, pooled});
  const size_t bookkeeping =
      (blocks_.capacity() - old_capacity) * sizeof(Block);
  reserved_.store(reserved_.load(std::memory_order_relaxed) + alloc_size +
                      bookkeeping,
                  std::memory_order_relaxed);
  return p;
}

}  // namespace synapsed::storage::memtable
