#include "cluster/map_changes.h"

#include <algorithm>
#include <map>

#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {
namespace {

// Replicas each node holds (every listed node, zero included).
std::map<uint64_t, size_t> Load(const ClusterConfig& c) {
  std::map<uint64_t, size_t> load;
  for (const ClusterNodeAddress& n : c.nodes) load[n.id] = 0;
  for (const PartitionConfig& p : c.partitions) {
    for (uint64_t r : p.replicas) ++load[r];
  }
  return load;
}

bool Holds(const PartitionConfig& p, uint64_t id) {
  return std::find(p.replicas.begin(), p.replicas.end(), id) != p.replicas.end();
}

// Whether [a, a + n) and [b, b + m) overlap.
bool Overlap(int a, int n, int b, int m) { return a < b + m && b < a + n; }

}  // namespace

absl::StatusOr<MapChange> AddNodeToMap(const ClusterConfig& config,
                                       const ClusterNodeAddress& node) {
  if (node.id == 0) return absl::InvalidArgumentError("node.id: node ids start at 1");
  if (config.FindNode(node.id) != nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("node.id: node {} is in the map already", node.id));
  }
  const int groups = static_cast<int>(config.partitions.size());
  for (const ClusterNodeAddress& n : config.nodes) {
    if (n.host != node.host) continue;
    // Each node takes its client port and one Raft port per partition.
    const bool clash = node.port == n.port || Overlap(node.port, 1, n.raft_port, groups) ||
                       Overlap(node.raft_port, groups, n.port, 1) ||
                       Overlap(node.raft_port, groups, n.raft_port, groups);
    if (clash) {
      return absl::InvalidArgumentError(fmt::format(
          "node: {}:{} (Raft {}..{}) overlaps node {}'s ports on the same host ({}, Raft {}..{})",
          node.host, node.port, node.raft_port, node.raft_port + groups - 1, n.id, n.port,
          n.raft_port, n.raft_port + groups - 1));
    }
  }
  MapChange change;
  change.config = config;
  change.config.nodes.push_back(node);
  std::map<uint64_t, size_t> load = Load(change.config);
  for (;;) {
    // The most loaded node (lowest id on a tie: std::map is ordered).
    uint64_t from = 0;
    for (const auto& [id, n] : load) {
      if (id != node.id && (from == 0 || n > load[from])) from = id;
    }
    // Stop once a move would not even the load out.
    if (from == 0 || load[from] < load[node.id] + 2) break;
    PartitionConfig* moved = nullptr;
    for (PartitionConfig& p : change.config.partitions) {
      if (Holds(p, from) && !Holds(p, node.id)) {
        moved = &p;
        break;
      }
    }
    if (moved == nullptr) break;  // it holds every partition the other holds
    *std::find(moved->replicas.begin(), moved->replicas.end(), from) = node.id;
    --load[from];
    ++load[node.id];
    change.moves.push_back({moved->id, from, node.id});
  }
  RETURN_IF_ERROR(ValidateClusterConfig(&change.config));
  return change;
}

absl::StatusOr<MapChange> RemoveNodeFromMap(const ClusterConfig& config, uint64_t id) {
  if (config.FindNode(id) == nullptr) {
    return absl::NotFoundError(fmt::format("node {} is not in the map", id));
  }
  if (config.nodes.size() - 1 < config.replication_factor) {
    return absl::FailedPreconditionError(fmt::format(
        "removing node {} would leave {} nodes for a replication factor of {}", id,
        config.nodes.size() - 1, config.replication_factor));
  }
  MapChange change;
  change.config = config;
  std::erase_if(change.config.nodes, [id](const ClusterNodeAddress& n) { return n.id == id; });
  std::map<uint64_t, size_t> load = Load(change.config);
  load.erase(id);
  for (PartitionConfig& p : change.config.partitions) {
    auto leaving = std::find(p.replicas.begin(), p.replicas.end(), id);
    if (leaving == p.replicas.end()) continue;
    uint64_t to = 0;
    for (const auto& [n, held] : load) {
      if (!Holds(p, n) && (to == 0 || held < load[to])) to = n;
    }
    *leaving = to;  // a node is free: at least replication_factor remain
    ++load[to];
    change.moves.push_back({p.id, id, to});
  }
  RETURN_IF_ERROR(ValidateClusterConfig(&change.config));
  return change;
}

}  // namespace synapsed::storage::cluster
