// Helpers that backends share to implement the iteration contract.
//
// NewBoundedIterator: turns an iterator over all keys into one that honours
// a KeyRange (SeekToFirst/SeekToLast land on the range's ends, Seek* clamp,
// keys outside the range are never Valid()).
#ifndef SYNAPSED_API_BOUNDED_ITERATOR_H_
#define SYNAPSED_API_BOUNDED_ITERATOR_H_

#include <memory>

#include "synapsed/storage/iterator.h"

namespace synapsed::storage {

std::unique_ptr<Iterator> NewBoundedIterator(std::unique_ptr<Iterator> base,
                                             KeyRange range);

}  // namespace synapsed::storage

#endif  // SYNAPSED_API_BOUNDED_ITERATOR_H_
