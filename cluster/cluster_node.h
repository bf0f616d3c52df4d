// ClusterNode: one node of a cluster as a server sees it — the map it goes
// by (node_map.h), the replicas the map gives it (node_replica.h) and the
// routing of commands to them (server/command_router.h):
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
// CLUSTER SYNAPSED-MAP answers the map as JSON (docs/format/cluster_config.md).
// CLUSTER SYNAPSED-SETMAP <json> proposes a new one to the cluster's
// configuration group, which is partition 0's Raft group: the map is kept
// in its replicas' stores under a reserved key (reserved_keys.h). On
// partition 0's leader, the map commits by compare-and-set over the one
// committed before it (epoch one past it, the same partitions and slots:
// NodeMap's checks), then this node adopts it: +OK. -ERR stale map or
// -ERR invalid map otherwise, and nothing changes; another node answers
// -MOVED (or -TRYAGAIN) as it would for a key of partition 0.
//
// The map changes while the node serves. A thread reconciles the node with
// it every `reconcile_interval` (docs/cluster.md, "Changing the map"):
//   - it adopts the map its replica of partition 0 holds if newer, then
//     asks one peer per round for its map (every peer in the first round)
//     and adopts a newer one: a node learns a committed map within a few
//     rounds, and one that was down catches up when it is back;
//   - it opens each replica the map gives this node and it lacks;
//   - for each partition it leads, it makes the group's voters the map's
//     replicas: first AddVoter for each replica the group lacks (libraft
//     catches it up by the log or a snapshot), then, once all are voters,
//     RemoveMember for each member the map no longer names — or, if that
//     member is this node, it hands leadership to another first;
//   - it retires a replica the map no longer gives this node once the group
//     has not been heard from for five election timeouts (the leader
//     removed it; a removed member hears nothing more).
// What failed in the last round is in CLUSTER INFO (cluster_reconcile).
//
// Thread-safe. Leadership is asked of each group at most every 20 ms and
// cached in between; a command routed on a stale answer fails in the
// replica with "not the leader", and the client retries.
#ifndef SYNAPSED_CLUSTER_CLUSTER_NODE_H_
#define SYNAPSED_CLUSTER_CLUSTER_NODE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/cluster_config.h"
#include "cluster/node_map.h"
#include "cluster/node_replica.h"
#include "server/command_router.h"
#include "util/mutex.h"

namespace synapsed::storage::cluster {

struct ClusterNodeOptions {
  // The map to start from (a newer one kept in `dir` wins: node_map.h).
  ClusterConfig config;
  uint64_t node_id = 0;
  // The node's replicas go in dir/partition-<id>, its adopted map in
  // dir/cluster-map.json.
  std::string dir;
  engine::EngineOptions engine;
  // Required unless every node's host is loopback (raft_node.h). Not owned.
  const crypto::SecureKey* cluster_secret = nullptr;
  std::chrono::milliseconds election_timeout{500};
  std::chrono::milliseconds heartbeat_timeout{50};
  // How often the node reconciles its replicas with the map.
  std::chrono::milliseconds reconcile_interval{200};
};

class ClusterNode final : public server::CommandRouter {
 public:
  // Opens the node's replicas and starts their groups and the reconciling
  // thread. InvalidArgument if node_id is not in the map.
  static absl::StatusOr<std::unique_ptr<ClusterNode>> Open(ClusterNodeOptions options);
  ~ClusterNode() override;

  server::Route RouteKeys(const std::vector<std::string_view>& keys) override;
  server::Route RouteSlot(int slot) override;
  void Cluster(const std::vector<std::string>& args, server::ReplyWriter& reply) override;

  // The server's store for commands with no keys (INFO and the like): an
  // empty in-memory store, since replicas come and go.
  Store* node_store() const { return node_store_.get(); }
  // The map the node goes by now.
  std::shared_ptr<const ClusterConfig> config() const { return map_->Get(); }
  // This node's addresses (as the map it started from lists them).
  const ClusterNodeAddress& self() const { return self_; }
  // Redis's 40-hex-digit name of node `id`.
  static std::string NodeName(uint64_t id);

 private:
  explicit ClusterNode(ClusterNodeOptions options);
  std::shared_ptr<NodeReplica> ReplicaOf(uint32_t p) const;
  // RouteSlot under map `c` (one read of the map per command).
  server::Route RouteSlotIn(const ClusterConfig& c, int slot);
  // The leader of partition `p` as this node knows it (0: unknown).
  uint64_t LeaderOf(uint32_t p);
  // The node shown as the owner of partition p: its leader if known, else
  // its first replica.
  const ClusterNodeAddress& OwnerOf(const ClusterConfig& c, uint32_t p);
  void ClusterSlots(server::ReplyWriter& reply);
  void ClusterShards(server::ReplyWriter& reply);
  std::string ClusterNodes();
  std::string ClusterInfo();
  void SetMap(const std::string& json, server::ReplyWriter& reply);
  // On partition 0's leader: commits `next` in the configuration group if
  // it follows the map committed there (compare-and-set), and adopts it.
  absl::Status ProposeMap(ReplicatedStore* group, const ClusterConfig& next);

  // Reconciliation (cluster_node_reconcile.cc).
  void ReconcileLoop();
  void ReconcileOnce(bool ask_every_peer);
  // Adopts the map partition 0's replica here holds, if newer.
  void AdoptCommittedMap();
  // Adopts `map` if its epoch is newer; a refusal is noted, naming `from`.
  void AdoptIfNewer(const ClusterConfig& map, std::string_view from);
  void PullMaps(const ClusterConfig& map, bool ask_every_peer);
  // Opens or retires replicas as `map` says; returns the first failure.
  absl::Status PlaceReplicas(const ClusterConfig& map);
  // On the leader of `p`: one membership step towards the map's replicas.
  absl::Status ReconcileGroup(const ClusterConfig& map, uint32_t p, NodeReplica* replica);
  void NoteReconcileError(std::string error);

  const ClusterNodeOptions options_;
  ClusterNodeAddress self_;
  NodeReplicaOptions replica_options_;
  std::unique_ptr<NodeMap> map_;
  std::unique_ptr<Store> node_store_;

  mutable Mutex mu_;
  // Indexed by partition id; null where this node holds no replica.
  std::vector<std::shared_ptr<NodeReplica>> replicas_ ABSL_GUARDED_BY(mu_);
  // Replicas retired and maybe still held by a session: a partition is not
  // opened again here until its retired replica has closed.
  std::vector<std::weak_ptr<NodeReplica>> retiring_ ABSL_GUARDED_BY(mu_);
  std::string reconcile_error_ ABSL_GUARDED_BY(mu_);
  std::string last_printed_error_ ABSL_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point last_error_print_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  CondVar stop_cv_;
  size_t next_peer_ = 0;  // the reconciling thread's only
  std::thread reconciler_;
};

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_CLUSTER_NODE_H_
