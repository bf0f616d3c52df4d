// MergingIterator: one sorted view over several internal-key iterators
// (a read's memtables, L0 tables and one level iterator per deeper level;
// a compaction's input tables), in internal-key order, forward and backward.
//
// It yields every entry of every child (all versions); DBIterator above it
// collapses versions. Ties cannot happen between children for well-formed
// data (each entry has a unique sequence); if they do, the lower-index child
// wins. Direction changes re-seek the other children around the current key,
// as LevelDB's merger does. One thread at a time.
#ifndef SYNAPSED_COMPACTION_MERGING_ITERATOR_H_
#define SYNAPSED_COMPACTION_MERGING_ITERATOR_H_

#include <memory>
#include <vector>

#include "util/internal_iterator.h"

namespace synapsed::storage::compaction {

// Engine code names it compaction::InternalIterator.
using ::synapsed::storage::InternalIterator;

// With a single child, returns that child itself.
std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children);

}  // namespace synapsed::storage::compaction

#endif  // SYNAPSED_COMPACTION_MERGING_ITERATOR_H_
