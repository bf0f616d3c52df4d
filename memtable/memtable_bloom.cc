#include "memtable/memtable_bloom.h"

#include <new>

namespace synapsed::storage::memtable {

MemTableBloom::MemTableBloom(size_t bytes, Arena* arena) {
  num_lines_ = (bytes + kLineBytes - 1) / kLineBytes;
  if (num_lines_ == 0) return;
  // Line-aligned, so each key's probes touch exactly one cache line.
  const size_t num_words = num_lines_ * (kLineBytes / sizeof(uint64_t));
  char* mem = arena->AllocateAligned(num_words * sizeof(uint64_t), kLineBytes);
  words_ = reinterpret_cast<std::atomic<uint64_t>*>(mem);
  for (size_t i = 0; i < num_words; ++i) {
    new (mem + i * sizeof(uint64_t)) std::atomic<uint64_t>(0);
  }
}

}  // namespace synapsed::storage::memtable
