// Changes to a cluster's map that move replicas between nodes: what
// `synapsed cluster add-node` and `remove-node` will propose (docs/cluster.md,
// "The next step"). Pure functions of the map: they say where each replica
// goes; the partitions' leaders carry the moves out as Raft membership
// changes (RaftNode::AddVoter, then RemoveMember).
#ifndef SYNAPSED_CLUSTER_MAP_CHANGES_H_
#define SYNAPSED_CLUSTER_MAP_CHANGES_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/cluster_config.h"

namespace synapsed::storage::cluster {

// Partition `partition`'s replica leaves node `from` for node `to`.
struct ReplicaMove {
  uint32_t partition = 0;
  uint64_t from = 0;
  uint64_t to = 0;
  bool operator==(const ReplicaMove&) const = default;
};

struct MapChange {
  ClusterConfig config;  // the new map, validated
  std::vector<ReplicaMove> moves;
};

// `config` with `node` added, and replicas moved to it one at a time from
// the node holding the most (the lowest id on a tie; its lowest partition
// the new node does not hold yet) while that leaves the new node no more
// loaded than the one it takes from. InvalidArgument naming the field for
// an id of 0 or already listed, or a client port or Raft port range that
// overlaps another node's on the same host.
absl::StatusOr<MapChange> AddNodeToMap(const ClusterConfig& config,
                                       const ClusterNodeAddress& node);

// `config` without node `id`: each of its replicas moves to the node
// holding the fewest (the lowest id on a tie) among those without a replica
// of that partition. NotFound for an id not listed; FailedPrecondition when
// fewer nodes than replication_factor would remain.
absl::StatusOr<MapChange> RemoveNodeFromMap(const ClusterConfig& config, uint64_t id);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_MAP_CHANGES_H_
