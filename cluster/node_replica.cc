#include "cluster/node_replica.h"

#include <filesystem>

#include "fmt/format.h"

namespace synapsed::storage::cluster {
namespace {

// How long a group's leadership answer is reused.
constexpr std::chrono::milliseconds kLeaderCacheTime{20};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<std::shared_ptr<NodeReplica>> NodeReplica::Open(const NodeReplicaOptions& options,
                                                               const ClusterConfig& map,
                                                               uint32_t p) {
  const ClusterNodeAddress* self = map.FindNode(options.node_id);
  if (self == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("node {} is not in the cluster map", options.node_id));
  }
  const PartitionConfig& partition = map.partitions[p];
  ReplicaOptions o;
  o.dir = fmt::format("{}/partition-{}", options.dir, p);
  o.engine = options.engine;
  o.raft.id = self->id;
  o.raft.address = map.RaftAddress(*self, p);
  if (map.epoch == 1) {
    for (uint64_t r : partition.replicas) {
      o.raft.voters.push_back({r, map.RaftAddress(*map.FindNode(r), p)});
    }
  }
  o.raft.cluster_secret = options.cluster_secret;
  o.raft.election_timeout = options.election_timeout;
  o.raft.heartbeat_timeout = options.heartbeat_timeout;
  if (map.snapshot_threshold != 0) o.raft.snapshot_threshold = map.snapshot_threshold;
  if (map.snapshot_trailing != 0) o.raft.snapshot_trailing = map.snapshot_trailing;
  o.store.min_replicas = map.min_replicas;
  o.store.consistency = map.eventual_reads ? ReadConsistency::kEventual : ReadConsistency::kStrong;
  auto store = ReplicatedStore::Open(o);
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        fmt::format("partition {}: {}", p, std::string(store.status().message())));
  }
  std::shared_ptr<NodeReplica> replica(new NodeReplica(p, o.dir));
  replica->store_ = std::move(*store);
  return replica;
}

NodeReplica::~NodeReplica() {
  store_.reset();  // stops the group, closes the engine
  uint64_t epoch;
  {
    MutexLock l(&mu_);
    epoch = retired_epoch_;
  }
  if (epoch == 0) return;
  std::error_code ec;
  std::filesystem::rename(dir_, fmt::format("{}.retired-{}", dir_, epoch), ec);
  if (ec) {
    fmt::print(stderr, "synapsed: partition {}: retiring {}: {}\n", partition_, dir_,
               ec.message());
  }
}

std::shared_ptr<Store> NodeReplica::SharedStore(const std::shared_ptr<NodeReplica>& replica) {
  if (replica == nullptr) return nullptr;
  return std::shared_ptr<Store>(replica, replica->store_.get());
}

uint64_t NodeReplica::Leader() {
  const int64_t now = NowMs();
  {
    MutexLock l(&mu_);
    if (asked_ms_ >= 0 && now - asked_ms_ < kLeaderCacheTime.count()) return leader_;
  }
  const RaftStatus status = store_->node()->Status();
  MutexLock l(&mu_);
  asked_ms_ = now;
  leader_ = status.leader_id;
  if (leader_ != 0) {
    leaderless_since_ms_ = -1;
  } else if (leaderless_since_ms_ < 0) {
    leaderless_since_ms_ = now;
  }
  return leader_;
}

int64_t NodeReplica::LeaderlessMs() {
  MutexLock l(&mu_);
  return leaderless_since_ms_ < 0 ? 0 : NowMs() - leaderless_since_ms_;
}

void NodeReplica::Retire(uint64_t epoch) {
  MutexLock l(&mu_);
  retired_epoch_ = epoch;
}

}  // namespace synapsed::storage::cluster
