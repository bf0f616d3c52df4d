// The `distributed` backend's iterator: one cursor per partition, each
// reading pages of its partition's keys in order with SYNAPSED.RANGE
// (docs/server.md), merged into one walk of the range. A partition's keys
// are disjoint from every other's, so the merge never meets a key twice.
//
// Each page is one consistent read of its partition; across pages and
// partitions the iterator may see writes made while it walks (see
// distributed_store.h). Changing direction reads new pages from the
// current key. A failed read ends the walk with status() saying why.
#ifndef SYNAPSED_BACKENDS_DISTRIBUTED_ITERATOR_H_
#define SYNAPSED_BACKENDS_DISTRIBUTED_ITERATOR_H_

#include <cstddef>
#include <memory>

#include "backends/cluster_client.h"
#include "synapsed/storage/iterator.h"

namespace synapsed::storage {

// Pairs per SYNAPSED.RANGE page.
inline constexpr size_t kDistributedPageSize = 256;

// `client` must outlive the iterator.
std::unique_ptr<Iterator> NewDistributedIterator(ClusterClient* client, KeyRange range);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_DISTRIBUTED_ITERATOR_H_
