// ClusterNode: one node of a cluster as a server sees it — the replicas it
// holds (a ReplicatedStore per partition, cluster_config.h says which) and
// the routing of commands to them (server/command_router.h):
//
//   - a command's keys hash to slots of one partition (else -CROSSSLOT:
//     Redis Cluster wants one slot, but one partition is one store here,
//     which applies the command or a MULTI atomically); a command addressed
//     to a slot (SYNAPSED.RANGE) goes to that slot's partition, and reads
//     all of it;
//   - this node leads the partition: the command runs on its replica;
//   - another node leads it: -MOVED slot host:port (that node's client
//     port); no leader known yet: -TRYAGAIN; a partition with no replica
//     here: -MOVED to its first replica, which knows its leader.
//
// CLUSTER SLOTS, SHARDS, NODES, INFO, MYID and KEYSLOT answer from the
// config and from what this node knows of each of its groups' leaders (a
// node hears of the leaders of its own partitions only). CLUSTER INFO adds
// the config's replication factor, min_replicas and read consistency
// (cluster_replication_factor, cluster_min_replicas, cluster_consistency:
// strong or eventual), which a client can check against what it expects.
// Every node is shown as a master owning the slots of the partitions it
// leads, which is what cluster clients (redis-cli -c, redis-benchmark
// --cluster) need; replicas are members of Raft groups, not Redis replicas.
//
// Thread-safe. Leadership is asked of each group at most every 20 ms and
// cached in between; a command routed on a stale answer fails in the
// replica with "not the leader", and the client retries.
#ifndef SYNAPSED_CLUSTER_CLUSTER_NODE_H_
#define SYNAPSED_CLUSTER_CLUSTER_NODE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/cluster_config.h"
#include "cluster/replicated_store.h"
#include "crypto/secure_key.h"
#include "engine/options.h"
#include "server/command_router.h"

namespace synapsed::storage::cluster {

struct ClusterNodeOptions {
  ClusterConfig config;
  uint64_t node_id = 0;
  // The node's replicas go in dir/partition-<id>.
  std::string dir;
  engine::EngineOptions engine;
  // Required unless every node's host is loopback (raft_node.h). Not owned.
  const crypto::SecureKey* cluster_secret = nullptr;
  std::chrono::milliseconds election_timeout{500};
  std::chrono::milliseconds heartbeat_timeout{50};
};

class ClusterNode final : public server::CommandRouter {
 public:
  // Opens the node's replicas and starts their groups. InvalidArgument if
  // node_id is not in the config or holds no replica.
  static absl::StatusOr<std::unique_ptr<ClusterNode>> Open(ClusterNodeOptions options);
  ~ClusterNode() override;

  server::Route RouteKeys(const std::vector<std::string_view>& keys) override;
  server::Route RouteSlot(int slot) override;
  void Cluster(const std::vector<std::string>& args, server::ReplyWriter& reply) override;

  // The first replica held here: the server's store for commands with no
  // keys (INFO and the like).
  Store* any_store() const;
  const ClusterConfig& config() const { return options_.config; }
  // Redis's 40-hex-digit name of node `id`.
  static std::string NodeName(uint64_t id);

 private:
  struct Replica;
  explicit ClusterNode(ClusterNodeOptions options);
  // The leader of partition `p` as this node knows it (0: unknown).
  uint64_t LeaderOf(uint32_t p);
  // How long partition p (held here) has been seen without a leader.
  int64_t LeaderlessMs(uint32_t p);
  // The node shown as the owner of partition p: its leader if known, else
  // its first replica.
  const ClusterNodeAddress& OwnerOf(uint32_t p);
  void ClusterSlots(server::ReplyWriter& reply);
  void ClusterShards(server::ReplyWriter& reply);
  std::string ClusterNodes();
  std::string ClusterInfo();

  const ClusterNodeOptions options_;
  const ClusterNodeAddress* self_ = nullptr;
  // Indexed by partition id; null where this node holds no replica.
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_CLUSTER_NODE_H_
