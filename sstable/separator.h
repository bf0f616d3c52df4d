// Index separators: short internal keys that split adjacent data blocks.
// Shorter separators make a smaller index, which the reader keeps in memory.
// Pure; any thread.
#ifndef SYNAPSED_SSTABLE_SEPARATOR_H_
#define SYNAPSED_SSTABLE_SEPARATOR_H_

#include <string>
#include <string_view>

namespace synapsed::storage::sstable {

// A short internal key s with last <= s < next (internal order). When the
// user keys differ and a shorter user key u fits strictly between them,
// s = u | (kMaxSequenceNumber, kValueTypeForSeek), which sorts before every
// real entry of u; otherwise s = last.
// REQUIRES: last < next, both valid internal keys.
std::string ShortestSeparator(std::string_view last, std::string_view next);

// A short internal key s >= last, for the final block.
std::string ShortSuccessor(std::string_view last);

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_SEPARATOR_H_
