// The keys a replica keeps for itself in its partition's store (the applied
// index, docs/format/raft_command.md; the cluster's map), and how the
// replicated store
// keeps them away from clients: writes to them are refused, and reads,
// iterators and change streams never show them.
#ifndef SYNAPSED_CLUSTER_RESERVED_KEYS_H_
#define SYNAPSED_CLUSTER_RESERVED_KEYS_H_

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "synapsed/storage/change_stream.h"
#include "synapsed/storage/iterator.h"
#include "synapsed/storage/write_batch.h"

namespace synapsed::storage::cluster {

inline constexpr std::string_view kReservedPrefix = "\xff\xffsynapsed/";
inline constexpr std::string_view kAppliedIndexKey = "\xff\xffsynapsed/raft-applied-index";
// The cluster's map, in partition 0's store only: partition 0's group is the
// cluster's configuration group (cluster_node.h).
inline constexpr std::string_view kClusterMapKey = "\xff\xffsynapsed/cluster-map";

inline bool IsReservedKey(std::string_view key) { return key.starts_with(kReservedPrefix); }

// InvalidArgument for a reserved key, naming the prefix.
absl::Status CheckUserKey(std::string_view key);
// CheckUserKey for every key `batch` writes.
absl::Status CheckUserKeys(const WriteBatch& batch);

// `base` with every reserved key skipped, in both directions (the reserved
// range is stepped over with one seek).
std::unique_ptr<Iterator> HideReservedKeys(std::unique_ptr<Iterator> base);
// `inner` without events on reserved keys (a batch left empty is skipped).
std::unique_ptr<ChangeStream> HideReservedKeys(std::unique_ptr<ChangeStream> inner);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_RESERVED_KEYS_H_
