// An iterator that steps over every key with a given prefix, as if those
// keys did not exist: the access control layer hides its own state
// (kAclReservedPrefix) from every scan this way. Everything else passes
// through unchanged. Not thread-safe, as every Iterator.
#ifndef SYNAPSED_SECURITY_HIDING_ITERATOR_H_
#define SYNAPSED_SECURITY_HIDING_ITERATOR_H_

#include <memory>
#include <string_view>

#include "synapsed/storage/iterator.h"

namespace synapsed::storage::security {

// REQUIRES: PrefixSuccessor(hidden) exists (the prefix is not all 0xff).
std::unique_ptr<Iterator> NewHidingIterator(std::unique_ptr<Iterator> inner,
                                            std::string_view hidden);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_HIDING_ITERATOR_H_
