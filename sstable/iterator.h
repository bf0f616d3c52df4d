// sstable::Iterator: the table modules' name for the shared InternalIterator
// (util/internal_iterator.h states the contract).
#ifndef SYNAPSED_SSTABLE_ITERATOR_H_
#define SYNAPSED_SSTABLE_ITERATOR_H_

#include "util/internal_iterator.h"

namespace synapsed::storage::sstable {

using Iterator = InternalIterator;

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_ITERATOR_H_
