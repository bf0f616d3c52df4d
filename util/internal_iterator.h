// InternalIterator: the iterator interface over sorted (key, value) entries
// that the lower modules share: sstable's block and two-level table
// iterators, the memtable iterator and compaction's merging iterator. It
// lives in util/ so that compaction and engine can merge sources without
// depending on sstable for the interface alone.
//
// Contract:
//   1. Seek(t) positions at the first entry with key >= t (in the source's
//      order); SeekToFirst/SeekToLast at the ends; Next/Prev step once.
//   2. Valid() is false past either end and after an error; Next/Prev/key/
//      value REQUIRE Valid().
//   3. key()/value() stay valid until the iterator is moved or destroyed.
//   4. status() is the first error met (DataLoss naming file and offset on
//      corruption); an iterator never returns a corrupt entry as data.
//
// One thread at a time per iterator; distinct iterators over the same table
// may run concurrently.
#ifndef SYNAPSED_UTIL_INTERNAL_ITERATOR_H_
#define SYNAPSED_UTIL_INTERNAL_ITERATOR_H_

#include <string_view>

#include "absl/status/status.h"

namespace synapsed::storage {

class InternalIterator {
 public:
  virtual ~InternalIterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual absl::Status status() const = 0;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_UTIL_INTERNAL_ITERATOR_H_
