// The memory backend: every version of every key in an ordered map, for
// tests and for embedding where nothing must persist. Right, not fast.
//
// Model: each committed write batch gets the next sequence number; a key keeps
// a list of (sequence, value-or-deleted) versions. A read at sequence S sees,
// per key, the newest version with sequence <= S. Snapshots pin a sequence;
// versions no live snapshot can see are pruned. Transactions are optimistic
// (api/optimistic_transaction.h): first committer wins.
//
// Thread-safe: one reader/writer lock guards the map; writers are serialized.
#ifndef SYNAPSED_BACKENDS_MEMORY_STORE_H_
#define SYNAPSED_BACKENDS_MEMORY_STORE_H_

#include <memory>

#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

// GetProperty("stats") reports, besides the counts, node_heap_bytes: the
// bytes of map nodes taken from the heap (with a reservation, the pool's).
std::unique_ptr<Store> NewMemoryStore(const MemoryOptions& options = {});

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_MEMORY_STORE_H_
