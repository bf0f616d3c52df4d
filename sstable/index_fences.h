// IndexFences: a table's index block summarised for point lookups, so that
// finding the data block of a key does not binary-search the index block
// itself.
//
// The index block (docs/format/sstable.md, "Index block") holds one entry per
// data block, a separator key and the block's handle, with a restart at every
// entry. Its binary search loads a restart offset and then the entry it
// points to at every step: two dependent cache misses per step, a dozen steps
// for a 4 MiB table. The fences keep, in one array, 8 bytes of each
// separator's user key: the 8 after the prefix that every separator but the
// last shares, zero-padded, as a big-endian integer. A search compares
// integers in that contiguous array, whose upper levels stay in the CPU's
// cache, and returns the entry's ordinal; the handles are kept decoded beside
// it, so a lookup usually touches the index block not at all.
//
// Exact: a fence greater than the target's says the separator is greater; an
// equal fence is settled by comparing the whole internal keys in the index
// block. The last separator (often a short successor key that shares nothing
// with the others) has no fence and is always compared whole.
//
// Built only for an index block with a restart at every entry and handles
// that decode, which is what TableBuilder writes; otherwise Build returns
// null and the reader searches the block as before. In-memory only: nothing
// here is stored in the file.
#ifndef SYNAPSED_SSTABLE_INDEX_FENCES_H_
#define SYNAPSED_SSTABLE_INDEX_FENCES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache.h"
#include "sstable/block.h"
#include "sstable/format.h"

namespace synapsed::storage::sstable {

class IndexFences final : public cache::CacheValue {
 public:
  // The fences of `index` (an index block: internal keys, handle values), or
  // null when it does not qualify (see above).
  static std::unique_ptr<IndexFences> Build(const Block& index);

  // The number of index entries (data blocks).
  size_t size() const { return handles_.size(); }
  // The ordinal of the first index entry whose key is >= `target` (an
  // internal key, at least 8 bytes), or size() when every key is smaller.
  // `index` must be the block the fences were built from.
  size_t Find(std::string_view target, const Block& index) const;
  const BlockHandle& handle(size_t ordinal) const { return handles_[ordinal]; }

  // Bytes of memory held, for the block cache's charge.
  size_t charge() const {
    return sizeof(*this) + fences_.capacity() * sizeof(uint64_t) +
           handles_.capacity() * sizeof(BlockHandle) + prefix_.capacity() +
           last_key_.capacity();
  }

 private:
  IndexFences() = default;
  // Whether index entry `ordinal`'s key is >= target.
  bool EntryAtLeast(size_t ordinal, std::string_view target,
                    const Block& index) const;

  std::string prefix_;            // shared by every separator but the last
  std::vector<uint64_t> fences_;  // one per entry but the last
  std::vector<BlockHandle> handles_;  // one per entry
  std::string last_key_;          // the last entry's whole internal key
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_INDEX_FENCES_H_
