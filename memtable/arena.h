// Arena: a bump allocator that hands out memory from large blocks and frees
// it all at once when it is destroyed. A memtable owns one; every skiplist
// node (tower, internal key and value in one piece) comes from it, so an
// insert costs a pointer bump instead of a malloc, entries inserted together
// sit together in memory, and dropping a flushed memtable is one free per
// block.
//
// Threads: Allocate/AllocateAligned belong to one thread at a time (the
// memtable's single writer). MemoryUsage() and AllocatedBytes() may be read
// from any thread at any time (relaxed atomics: a reader sees a recent value,
// never a torn one).
//
// Promises: memory returned stays valid and unmoved until the arena is
// destroyed; AllocateAligned returns memory aligned to the requested power of
// two (up to kMaxAlign); an allocation larger than a quarter of the block
// size gets a block of its own, so a 32 MiB value wastes nothing and does not
// retire a half-used block.
#ifndef SYNAPSED_MEMTABLE_ARENA_H_
#define SYNAPSED_MEMTABLE_ARENA_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "memtable/arena_block_pool.h"

namespace synapsed::storage::memtable {

class Arena {
 public:
  static constexpr size_t kDefaultBlockSize = 1 << 20;  // 1 MiB
  static constexpr size_t kMinBlockSize = 4096;
  // Blocks are aligned to this, so any alignment up to it is free to honour.
  static constexpr size_t kMaxAlign = 64;

  struct Options {
    // Size of a regular block. Bigger blocks mean fewer mallocs and page-table
    // setups; smaller ones mean less memory held past the last allocation.
    size_t block_size = kDefaultBlockSize;
    // Ask the kernel for transparent huge pages on regular blocks (madvise).
    // Blocks are then aligned to 2 MiB: one fault per 2 MiB instead of one
    // per 4 KiB on first touch, which was measured at up to
    // ~5 µs per page on the benchmark VM. Only useful with block_size >= 2 MiB.
    bool huge_pages = false;
    // Take regular blocks from this pool and give them back on destruction
    // (block_size and huge_pages then come from the pool). Blocks for big
    // allocations are never pooled.
    std::shared_ptr<ArenaBlockPool> pool = nullptr;
  };

  Arena() : Arena(Options{}) {}
  explicit Arena(const Options& options);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns `bytes` bytes with no alignment promise. REQUIRES: bytes > 0.
  char* Allocate(size_t bytes) {
    if (bytes <= remaining_) {
      char* p = ptr_;
      ptr_ += bytes;
      remaining_ -= bytes;
      Account(bytes);
      return p;
    }
    return AllocateFallback(bytes, 1);
  }

  // Returns `bytes` bytes aligned to `align` (a power of two <= kMaxAlign).
  char* AllocateAligned(size_t bytes, size_t align = alignof(std::max_align_t)) {
    const size_t pad = (-reinterpret_cast<uintptr_t>(ptr_)) & (align - 1);
    if (bytes + pad <= remaining_) {
      char* p = ptr_ + pad;
      ptr_ += bytes + pad;
      remaining_ -= bytes + pad;
      Account(bytes + pad);
      return p;
    }
    return AllocateFallback(bytes, align);
  }

  // Bytes taken from the system (every block, plus the block list). This is
  // what the process holds for this arena.
  size_t MemoryUsage() const {
    return reserved_.load(std::memory_order_relaxed);
  }

  // Bytes handed out, including alignment padding and the unused tails of
  // retired blocks; at most one block below MemoryUsage(). Grows smoothly
  // with every allocation, so it is the right number to compare against a
  // write-buffer budget.
  size_t AllocatedBytes() const {
    return allocated_.load(std::memory_order_relaxed);
  }

  size_t block_size() const { return options_.block_size; }

 private:
  struct Block {
    char* data;
    size_t size;
    bool pooled;
  };

  // Writer-only read-modify-write: a plain load and store, not an atomic RMW.
  void Account(size_t bytes) {
    allocated_.store(allocated_.load(std::memory_order_relaxed) + bytes,
                     std::memory_order_relaxed);
  }
  char* AllocateFallback(size_t bytes, size_t align);
  char* NewBlock(size_t size, size_t align, bool regular);

  const Options options_;
  char* ptr_ = nullptr;    // next free byte of the current block
  size_t remaining_ = 0;   // bytes left in the current block
  std::vector<Block> blocks_;
  std::atomic<size_t> reserved_{0};
  std::atomic<size_t> allocated_{0};
};

}  // namespace synapsed::storage::memtable

#endif  // SYNAPSED_MEMTABLE_ARENA_H_
