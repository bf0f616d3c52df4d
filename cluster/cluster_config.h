// ClusterConfig: the static map of a cluster — its nodes, and which slots
// each partition serves on which nodes' replicas — as `cluster.json` holds
// it (spec and worked example: docs/format/cluster_config.md).
//
// `synapsed cluster init` writes one; `synapsed serve --cluster FILE
// --node-id N` reads it and hosts node N's replicas. Parsing refuses
// anything inconsistent with InvalidArgument naming the field: an unknown
// field, a slot no partition serves (or two do), a replica on a node that
// is not listed, a port out of range.
//
// Each partition is its own Raft group, so a node needs a Raft port per
// partition it holds a replica of: partition p's member on node n listens on
// n.host : n.raft_port + p (libraft's transport cannot share a port between
// groups). Keep the partitions per node modest.
#ifndef SYNAPSED_CLUSTER_CLUSTER_CONFIG_H_
#define SYNAPSED_CLUSTER_CLUSTER_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace synapsed::storage::cluster {

struct ClusterNodeAddress {
  uint64_t id = 0;  // >= 1; also the node's Raft id in every group
  std::string host;
  int port = 0;       // clients (RESP)
  int raft_port = 0;  // partition p's group: raft_port + p
};

struct PartitionConfig {
  uint32_t id = 0;  // 0, 1, ...: also the Raft port offset
  std::vector<std::pair<uint16_t, uint16_t>> slots;  // inclusive ranges
  std::vector<uint64_t> replicas;                     // node ids
};

struct ClusterConfig {
  // Rises by one with every change of the map (`cluster add-node`,
  // `remove-node`); a node adopts a map only if its epoch is newer than the
  // one it has (cluster_node.h). `cluster init` writes 1.
  uint64_t epoch = 1;
  std::vector<ClusterNodeAddress> nodes;
  std::vector<PartitionConfig> partitions;
  uint32_t replication_factor = 3;  // replicas of every partition
  uint32_t min_replicas = 0;        // see ReplicatedStoreOptions
  bool eventual_reads = false;      // "consistency": "eventual"
  // Entries after which each group snapshots, and how many it keeps behind
  // the snapshot (0: raft_node.h's defaults).
  uint32_t snapshot_threshold = 0;
  uint32_t snapshot_trailing = 0;

  const ClusterNodeAddress* FindNode(uint64_t id) const;
  // The partition serving `slot`; every slot has one in a parsed config.
  const PartitionConfig& PartitionOfSlot(uint16_t slot) const;
  // "host:port" of partition `p`'s Raft member on node `n`.
  std::string RaftAddress(const ClusterNodeAddress& n, uint32_t p) const;

  // Index into `partitions` of each slot's partition (filled when parsed or
  // made).
  std::vector<uint32_t> slot_owner;
};

// Fills config->slot_owner and checks everything that ties the parts
// together (what parsing checks after the fields' own types and ranges):
// InvalidArgument naming the field.
absl::Status ValidateClusterConfig(ClusterConfig* config);

absl::StatusOr<ClusterConfig> ParseClusterConfig(std::string_view json);
// Reads and parses the file at `path`; errors name it.
absl::StatusOr<ClusterConfig> ReadClusterConfig(const std::string& path);
std::string ClusterConfigToJson(const ClusterConfig& config);

// `cluster init`: `partitions` partitions of (near) equal slot ranges, each
// with `replication_factor` replicas on consecutive nodes (partition p
// starts at node p mod N). InvalidArgument if the factor exceeds the nodes.
absl::StatusOr<ClusterConfig> MakeClusterConfig(std::vector<ClusterNodeAddress> nodes,
                                                uint32_t partitions,
                                                uint32_t replication_factor,
                                                uint32_t min_replicas);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_CLUSTER_CONFIG_H_
