#include "memtable/arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace synapsed::storage::memtable {
namespace {

constexpr size_t kHugePageSize = 2 << 20;

size_t RoundUp(size_t n, size_t align) { return (n + align - 1) & ~(align - 1); }

}  // namespace

Arena::Arena(const Options& options) : options_([&] {
  Options o = options;
  o.block_size = std::max(RoundUp(o.block_size, kMaxAlign), kMinBlockSize);
  return o;
}()) {}

Arena::~Arena() {
  for (const Block& b : blocks_) std::free(b.data);
}

char* Arena::AllocateFallback(size_t bytes, size_t align) {
  if (bytes > options_.block_size / 4) {
    // A big object gets its own block, and the current block keeps serving
    // small ones: otherwise one large value would throw away most of a block.
    char* p = NewBlock(bytes, std::max(align, kMaxAlign));
    Account(bytes);
    return p;
  }
  // The tail of the current block is wasted; count it so AllocatedBytes()
  // never drifts more than a block away from what the process holds.
  Account(remaining_);
  const size_t block_align =
      options_.huge_pages && options_.block_size >= kHugePageSize ? kHugePageSize
                                                                  : kMaxAlign;
  ptr_ = NewBlock(options_.block_size, block_align);
  remaining_ = options_.block_size;
  // The block start is aligned to kMaxAlign >= align: no padding needed.
  char* p = ptr_;
  ptr_ += bytes;
  remaining_ -= bytes;
  Account(bytes);
  return p;
}

char* Arena::NewBlock(size_t size, size_t align) {
  const size_t alloc_size = RoundUp(size, align);
  char* p = static_cast<char*>(std::aligned_alloc(align, alloc_size));
  if (p == nullptr) {
    // Running out of memory for the memtable leaves nothing sensible to do.
    std::fprintf(stderr, "synapsed: arena could not allocate %zu bytes\n",
                 alloc_size);
    std::abort();
  }
  if (align == kHugePageSize) {
    // Best effort: if THP is off the kernel says no and we keep 4 KiB pages.
    (void)madvise(p, alloc_size, MADV_HUGEPAGE);
  }
  const size_t old_capacity = blocks_.capacity();
  blocks_.push_back(Block{p, alloc_size});
  const size_t bookkeeping =
      (blocks_.capacity() - old_capacity) * sizeof(Block);
  reserved_.store(reserved_.load(std::memory_order_relaxed) + alloc_size +
                      bookkeeping,
                  std::memory_order_relaxed);
  return p;
}

}  // namespace synapsed::storage::memtable
