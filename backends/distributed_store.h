// The `distributed` backend: a Store that is a client of a cluster of
// `synapsed serve --cluster` nodes (docs/cluster.md), over RESP and TCP
// (cluster_client.h). It routes each key to the leader of its slot's
// partition, follows -MOVED, and retries through leader changes until
// DistributedOptions::retry_timeout_ms.
//
// What each call is on the wire, and what it promises:
//   Get/Exists/Put/Delete  GET / EXISTS / SET / DEL on the key's partition.
//   Write(batch)           MULTI, SET/DEL..., EXEC on one partition: atomic.
//   BatchGet               MGET on one partition: one consistent read.
//     A batch or BatchGet whose keys span partitions is InvalidArgument
//     (CROSSSLOT) and changes nothing; use hash tags ("{user1}.name") to
//     keep related keys in one slot.
//   NewIterator / Scan     SYNAPSED.RANGE pages (256 pairs) from every
//     partition, merged in key order. Each page is one consistent read of
//     its partition; an iteration longer than a page, or over several
//     partitions, is not one snapshot of the whole store.
//   BeginTransaction       a transaction on one partition through WATCH,
//     MULTI and EXEC (distributed_transaction.h): serializable for the
//     keys it writes or reads with GetForUpdate, but reads see the latest
//     committed value, not a snapshot taken when it began.
//   Flush                  nothing to do: an acknowledged write is already
//     committed on a majority of the partition's replicas and in their
//     synced Raft logs.
//   GetSnapshot, Subscribe, CompactRange  Unimplemented: the cluster has
//     no cross-partition snapshot, refuses keyspace subscriptions, and
//     compacts each replica on its own.
// Keys and values are checked against the limits before anything is sent.
#ifndef SYNAPSED_BACKENDS_DISTRIBUTED_STORE_H_
#define SYNAPSED_BACKENDS_DISTRIBUTED_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

// Connects to the cluster (one of options.nodes must answer) and learns its
// map; FailedPrecondition if the cluster does not match the options'
// replication_factor, min_replicas or consistency.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenDistributedStore(
    const DistributedOptions& options);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_DISTRIBUTED_STORE_H_
