// SYNAPSED.RANGE's limits (docs/format/resp.md, "Ordered ranges"), shared
// by the server that answers it (server/commands_range.cc) and the
// `distributed` backend that pages through it (distributed_iterator.cc).
#ifndef SYNAPSED_BACKENDS_RANGE_COMMAND_H_
#define SYNAPSED_BACKENDS_RANGE_COMMAND_H_

#include <cstddef>

namespace synapsed::storage {

// Pairs one reply holds at most (the request's count, 1 .. this).
inline constexpr size_t kRangeMaxCount = 10000;

// A reply stops after the pair that brings its keys' and values' bytes to
// this many, even short of the count: a page of large values stays a few
// MiB, not count times the largest value.
inline constexpr size_t kRangeReplyBytes = 4 << 20;

// Whether a reply of `pairs` pairs holding `bytes` bytes of keys and
// values, asked for `count`, ended the range; otherwise the next page
// starts after its last key.
inline bool RangeReplyIsLast(size_t pairs, size_t bytes, size_t count) {
  return pairs < count && bytes < kRangeReplyBytes;
}

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_RANGE_COMMAND_H_
