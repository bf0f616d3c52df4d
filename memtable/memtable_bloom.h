// MemTableBloom: a whole-key bloom filter over the user keys of one memtable,
// so a Get for a key the memtable does not hold usually costs one hash and
// one cache line instead of a skiplist search (under
// readwhilewriting most memtable probes are misses).
//
// Cache-local layout: a key's probes all fall in one 64-byte line picked by
// its hash (6 probes, as in RocksDB's FastLocalBloom), so a probe costs at
// most one cache miss. The filter never shrinks or rebuilds: when a memtable
// gets more keys than it was sized for, the false-positive rate rises but
// answers stay correct (a false positive only costs the skiplist search).
//
// Threads: Add from the memtable's single writer; MayContain from any thread
// concurrently. Bits are relaxed atomics. A reader is guaranteed to see a
// key's bits when it is guaranteed to see the key itself (see memtable.h):
// the writer sets the bits before it links the entry, and the reader learns
// of the entry through an acquire that happens after that link.
#ifndef SYNAPSED_MEMTABLE_MEMTABLE_BLOOM_H_
#define SYNAPSED_MEMTABLE_MEMTABLE_BLOOM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "memtable/arena.h"

namespace synapsed::storage::memtable {

class MemTableBloom {
 public:
  static constexpr size_t kLineBytes = 64;
  static constexpr int kProbes = 6;

  // A filter of `bytes` (rounded up to whole lines) taken from `arena`, which
  // must outlive it. bytes == 0 makes a disabled filter that admits every key.
  MemTableBloom(size_t bytes, Arena* arena);
  MemTableBloom(const MemTableBloom&) = delete;
  MemTableBloom& operator=(const MemTableBloom&) = delete;

  bool enabled() const { return num_lines_ != 0; }

  // Writer only.
  void Add(uint64_t hash) {
    std::atomic<uint64_t>* line = Line(hash);
    uint64_t h = Probes(hash);
    for (int i = 0; i < kProbes; ++i, h >>= 9) {
      std::atomic<uint64_t>& w = line[(h >> 6) & 7];
      const uint64_t bit = uint64_t{1} << (h & 63);
      // Single writer: a plain load and store, no locked RMW.
      const uint64_t old = w.load(std::memory_order_relaxed);
      if ((old & bit) == 0) w.store(old | bit, std::memory_order_relaxed);
    }
  }

  // Any thread. False only if no key with this hash was added.
  bool MayContain(uint64_t hash) const {
    if (num_lines_ == 0) return true;
    const std::atomic<uint64_t>* line = Line(hash);
    uint64_t h = Probes(hash);
    uint64_t all = 1;
    for (int i = 0; i < kProbes; ++i, h >>= 9) {
      all &= line[(h >> 6) & 7].load(std::memory_order_relaxed) >> (h & 63);
    }
    return all & 1;
  }

 private:
  // The line: the upper 32 bits scaled onto [0, num_lines) (no division).
  std::atomic<uint64_t>* Line(uint64_t hash) const {
    const uint64_t idx = ((hash >> 32) * num_lines_) >> 32;
    return words_ + idx * (kLineBytes / sizeof(uint64_t));
  }
  // Six 9-bit positions in the line, from bits the line choice did not use.
  static uint64_t Probes(uint64_t hash) {
    return (hash ^ (hash >> 29)) * 0x9e3779b97f4a7c15ULL >> 10;
  }

  std::atomic<uint64_t>* words_ = nullptr;
  uint64_t num_lines_ = 0;
};

}  // namespace synapsed::storage::memtable

#endif  // SYNAPSED_MEMTABLE_MEMTABLE_BLOOM_H_
