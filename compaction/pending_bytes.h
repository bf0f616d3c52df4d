// How many bytes compaction still has to rewrite before every level is
// within its target: the gauge RocksDB calls "estimated pending compaction
// bytes", which tells an operator (and, one day, write throttling) how far
// behind the background work is. Pure arithmetic over an LsmShape.
#ifndef SYNAPSED_COMPACTION_PENDING_BYTES_H_
#define SYNAPSED_COMPACTION_PENDING_BYTES_H_

#include <cstdint>

#include "compaction/file_metadata.h"
#include "compaction/picker.h"

namespace synapsed::storage::compaction {

// The estimate, walking down from L0 with the bytes each level must pass to
// the one below ("carry"):
// - L0 at or over l0_compaction_trigger tables: all of L0 moves down, and
//   the compaction reads and rewrites the base level with it, so L0's bytes
//   and the base level's count, and L0's bytes are carried.
// - An empty level above the base level passes the carry through.
// - Any other level L1..L5 holds its bytes plus the carry. What exceeds its
//   target (0 above the base level: all of it) moves down; moving it
//   rewrites it and, in proportion, the level it goes to (the next one at or
//   below the base level; above it, the first non-empty level or the base
//   level), so it counts excess * (1 + bytes(output) / size), and the
//   excess is carried.
// - L6 is never compacted by size.
// 0 when every level is within its target.
uint64_t EstimatePendingCompactionBytes(const LsmShape& shape,
                                        const PickerOptions& options);

}  // namespace synapsed::storage::compaction

#endif  // SYNAPSED_COMPACTION_PENDING_BYTES_H_
