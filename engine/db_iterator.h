// DBIterator: the user-key view of an internal iterator at one sequence.
//
// Over an internal iterator yielding every version (user key ascending,
// sequence descending), it shows each user key once, with the newest value
// whose sequence is <= `sequence`, and hides keys whose newest visible
// version is a deletion. Forward and backward, as LevelDB's DBIter: moving
// forward it stands on the internal entry it shows; moving backward it keeps
// a copy of the key and value, since the internal iterator has moved past
// them. `pin` keeps alive whatever the internal iterator reads (memtables,
// table readers) and is released with the iterator. One thread at a time.
#ifndef SYNAPSED_ENGINE_DB_ITERATOR_H_
#define SYNAPSED_ENGINE_DB_ITERATOR_H_

#include <memory>

#include "compaction/merging_iterator.h"
#include "synapsed/storage/iterator.h"
#include "util/internal_key.h"

namespace synapsed::storage::engine {

using compaction::InternalIterator;
using compaction::NewMergingIterator;

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> internal,
                                        SequenceNumber sequence,
                                        std::shared_ptr<const void> pin);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_DB_ITERATOR_H_
