// NodeReplica: one partition's replica as a cluster node holds it — the
// ReplicatedStore in `dir`/partition-<p>, and what the node last heard of
// its group's leader (asked at most every 20 ms, cached in between).
//
// Opened in one of two ways:
//   - from a map of epoch 1 (`cluster init`'s), a replica with no Raft state
//     yet bootstraps its group with the map's replicas as voters: every
//     first member writes the same first configuration;
//   - from a later map, it joins: it waits with no configuration until the
//     group's leader adds it (AddVoter) and sends it the log or a snapshot.
// A replica with Raft state goes by that state either way.
//
// A replica the node gives up (the map moved it elsewhere and the group no
// longer hears from it) is retired: when the last holder lets go of it
// (a session may still be running a command on it), its group stops and
// its directory is renamed `partition-<p>.retired-<epoch>`. The data is
// kept, not deleted: the operator removes it.
//
// Thread-safe.
#ifndef SYNAPSED_CLUSTER_NODE_REPLICA_H_
#define SYNAPSED_CLUSTER_NODE_REPLICA_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cluster/cluster_config.h"
#include "cluster/replicated_store.h"
#include "crypto/secure_key.h"
#include "engine/options.h"
#include "util/mutex.h"

namespace synapsed::storage::cluster {

// What every replica of one node shares.
struct NodeReplicaOptions {
  uint64_t node_id = 0;
  std::string dir;  // the node's; replicas go in dir/partition-<p>
  engine::EngineOptions engine;
  const crypto::SecureKey* cluster_secret = nullptr;  // not owned
  std::chrono::milliseconds election_timeout{500};
  std::chrono::milliseconds heartbeat_timeout{50};
};

class NodeReplica {
 public:
  // Opens partition `p`'s replica on this node as `map` places it.
  static absl::StatusOr<std::shared_ptr<NodeReplica>> Open(const NodeReplicaOptions& options,
                                                           const ClusterConfig& map,
                                                           uint32_t p);
  ~NodeReplica();

  uint32_t partition() const { return partition_; }
  ReplicatedStore* store() const { return store_.get(); }
  // The store, keeping this replica open while it is held.
  static std::shared_ptr<Store> SharedStore(const std::shared_ptr<NodeReplica>& replica);

  // The leader this node knows of (0: none), cached for 20 ms.
  uint64_t Leader();
  // How long the replica has been seen without a leader (0: it has one).
  int64_t LeaderlessMs();

  // Renames the directory away when the replica closes (see above).
  void Retire(uint64_t epoch);

 private:
  NodeReplica(uint32_t p, std::string dir) : partition_(p), dir_(std::move(dir)) {}

  const uint32_t partition_;
  const std::string dir_;
  std::unique_ptr<ReplicatedStore> store_;
  Mutex mu_;
  int64_t asked_ms_ ABSL_GUARDED_BY(mu_) = -1;
  uint64_t leader_ ABSL_GUARDED_BY(mu_) = 0;
  // When it was first seen without a leader (-1: it has one).
  int64_t leaderless_since_ms_ ABSL_GUARDED_BY(mu_) = -1;
  // Nonzero once retired: the epoch of the map that moved it away.
  uint64_t retired_epoch_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_NODE_REPLICA_H_
