// The `distributed` backend's transaction: Redis's optimistic WATCH,
// MULTI and EXEC on one connection to the leader of one partition.
//
// - The first key it touches picks the partition; a key of another
//   partition is InvalidArgument (CROSSSLOT) and changes nothing.
// - Reads see the transaction's own writes, then the latest committed value
//   (read committed, not a snapshot from BeginTransaction).
// - GetForUpdate, Put and Delete WATCH their key: Commit fails with Aborted
//   (naming the watched keys) if another client changed one of them after
//   it was watched. A key read with Get before it is written is also
//   checked when it is written: if its value changed since the read, the
//   commit fails. So a read-modify-write never loses an update, and the
//   transactions that commit are serializable on the keys they write or
//   read for update. Keys read with plain Get and not written are not
//   checked (write skew is possible, as under snapshot isolation); range
//   reads through NewIterator are not checked either.
// - Commit sends MULTI, the writes and EXEC at once. It is never re-sent:
//   if the connection fails during it, the outcome is unknown and Commit
//   says so (Unavailable).
#ifndef SYNAPSED_BACKENDS_DISTRIBUTED_TRANSACTION_H_
#define SYNAPSED_BACKENDS_DISTRIBUTED_TRANSACTION_H_

#include <memory>

#include "backends/cluster_client.h"
#include "synapsed/storage/transaction.h"

namespace synapsed::storage {

// `client` must outlive the transaction.
std::unique_ptr<Transaction> NewDistributedTransaction(ClusterClient* client);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_DISTRIBUTED_TRANSACTION_H_
