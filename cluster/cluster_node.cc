#include "cluster/cluster_node.h"

#include <chrono>

#include "backends/hash_slot.h"
#include "cluster/partition_status.h"
#include "fmt/format.h"
#include "server/command.h"
#include "util/mutex.h"
#include "util/status_macros.h"

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

struct ClusterNode::Replica {
  std::unique_ptr<ReplicatedStore> store;
  Mutex mu;
  int64_t asked_ms ABSL_GUARDED_BY(mu) = -1;
  uint64_t leader ABSL_GUARDED_BY(mu) = 0;
  // When it was first seen without a leader (-1: it has one).
  int64_t leaderless_since_ms ABSL_GUARDED_BY(mu) = -1;
};

ClusterNode::ClusterNode(ClusterNodeOptions options) : options_(std::move(options)) {}

ClusterNode::~ClusterNode() = default;

std::string ClusterNode::NodeName(uint64_t id) { return fmt::format("{:040x}", id); }

absl::StatusOr<std::unique_ptr<ClusterNode>> ClusterNode::Open(ClusterNodeOptions options) {
  std::unique_ptr<ClusterNode> node(new ClusterNode(std::move(options)));
  const ClusterConfig& config = node->options_.config;
  node->self_ = config.FindNode(node->options_.node_id);
  if (node->self_ == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("node {} is not in the cluster config", node->options_.node_id));
  }
  node->replicas_.resize(config.partitions.size());
  bool any = false;
  for (const PartitionConfig& p : config.partitions) {
    bool here = false;
    for (uint64_t r : p.replicas) here |= r == node->self_->id;
    if (!here) continue;
    ReplicaOptions o;
    o.dir = fmt::format("{}/partition-{}", node->options_.dir, p.id);
    o.engine = node->options_.engine;
    o.raft.id = node->self_->id;
    o.raft.address = config.RaftAddress(*node->self_, p.id);
    for (uint64_t r : p.replicas) {
      o.raft.voters.push_back({r, config.RaftAddress(*config.FindNode(r), p.id)});
    }
    o.raft.cluster_secret = node->options_.cluster_secret;
    o.raft.election_timeout = node->options_.election_timeout;
    o.raft.heartbeat_timeout = node->options_.heartbeat_timeout;
    if (config.snapshot_threshold != 0) o.raft.snapshot_threshold = config.snapshot_threshold;
    if (config.snapshot_trailing != 0) o.raft.snapshot_trailing = config.snapshot_trailing;
    o.store.min_replicas = config.min_replicas;
    o.store.consistency =
        config.eventual_reads ? ReadConsistency::kEventual : ReadConsistency::kStrong;
    auto replica = std::make_unique<Replica>();
    auto store = ReplicatedStore::Open(o);
    if (!store.ok()) {
      return absl::Status(store.status().code(),
                          fmt::format("partition {}: {}", p.id, std::string(store.status().message())));
    }
    replica->store = std::move(*store);
    node->replicas_[p.id] = std::move(replica);
    any = true;
  }
  if (!any) {
    return absl::InvalidArgumentError(fmt::format(
        "node {} holds no partition's replica in the cluster config", node->self_->id));
  }
  return node;
}

Store* ClusterNode::any_store() const {
  for (const auto& r : replicas_) {
    if (r != nullptr) return r->store.get();
  }
  return nullptr;
}

uint64_t ClusterNode::LeaderOf(uint32_t p) {
  Replica* r = replicas_[p].get();
  if (r == nullptr) return 0;
  const int64_t now = NowMs();
  {
    MutexLock l(&r->mu);
    if (r->asked_ms >= 0 && now - r->asked_ms < kLeaderCacheTime.count()) return r->leader;
  }
  const RaftStatus status = r->store->node()->Status();
  MutexLock l(&r->mu);
  r->asked_ms = now;
  r->leader = status.leader_id;
  if (r->leader != 0) {
    r->leaderless_since_ms = -1;
  } else if (r->leaderless_since_ms < 0) {
    r->leaderless_since_ms = now;
  }
  return r->leader;
}

int64_t ClusterNode::LeaderlessMs(uint32_t p) {
  Replica* r = replicas_[p].get();
  MutexLock l(&r->mu);
  return r->leaderless_since_ms < 0 ? 0 : NowMs() - r->leaderless_since_ms;
}

const ClusterNodeAddress& ClusterNode::OwnerOf(uint32_t p) {
  const ClusterConfig& c = options_.config;
  if (const uint64_t leader = LeaderOf(p); leader != 0) {
    if (const ClusterNodeAddress* n = c.FindNode(leader)) return *n;
  }
  return *c.FindNode(c.partitions[p].replicas.front());
}

server::Route ClusterNode::RouteKeys(const std::vector<std::string_view>& keys) {
  // Keys of several slots are accepted when one partition holds them all:
  // its store applies the command (or the transaction) atomically.
  const ClusterConfig& c = options_.config;
  const uint16_t slot = KeyHashSlot(keys.front());
  const uint32_t partition = c.PartitionOfSlot(slot).id;
  for (std::string_view k : keys) {
    if (c.PartitionOfSlot(KeyHashSlot(k)).id != partition) {
      server::Route route;
      route.slot = slot;
      route.redirect = std::string(server::kCrossSlotError);
      return route;
    }
  }
  return RouteSlot(slot);
}

server::Route ClusterNode::RouteSlot(int slot) {
  server::Route route;
  route.slot = slot;
  if (slot < 0 || slot >= kHashSlots) {
    route.redirect = std::string(server::kSlotError);
    return route;
  }
  const ClusterConfig& c = options_.config;
  const PartitionConfig& p = c.PartitionOfSlot(static_cast<uint16_t>(slot));
  Replica* replica = replicas_[p.id].get();
  if (replica == nullptr) {
    const ClusterNodeAddress& n = *c.FindNode(p.replicas.front());
    route.redirect = fmt::format("MOVED {} {}:{}", slot, n.host, n.port);
    return route;
  }
  const uint64_t leader = LeaderOf(p.id);
  if (leader == self_->id) {
    route.store = replica->store.get();
  } else if (const ClusterNodeAddress* n = leader != 0 ? c.FindNode(leader) : nullptr) {
    route.redirect = fmt::format("MOVED {} {}:{}", slot, n->host, n->port);
  } else if (const int64_t ms = LeaderlessMs(p.id);
             ms > 3 * options_.election_timeout.count()) {
    // Three election timeouts without one: a majority is not there to
    // elect a leader. Nothing is proposed.
    route.redirect = fmt::format(
        "CLUSTERDOWN insufficient replicas: partition {} (slot {}) has had no leader for {} ms; "
        "a majority of its {} replicas must be reachable to elect one",
        p.id, slot, ms, p.replicas.size());
  } else {
    route.redirect = fmt::format(
        "TRYAGAIN partition {} (slot {}) has no leader yet; retry shortly", p.id, slot);
  }
  return route;
}

void ClusterNode::ClusterSlots(server::ReplyWriter& reply) {
  const ClusterConfig& c = options_.config;
  size_t ranges = 0;
  for (const PartitionConfig& p : c.partitions) ranges += p.slots.size();
  reply.Array(ranges);
  for (const PartitionConfig& p : c.partitions) {
    const ClusterNodeAddress& owner = OwnerOf(p.id);
    for (const auto& [first, last] : p.slots) {
      // The owner first (Redis: the master), then the other replicas.
      reply.Array(2 + p.replicas.size());
      reply.Integer(first);
      reply.Integer(last);
      auto node = [&](const ClusterNodeAddress& n) {
        reply.Array(3);
        reply.Bulk(n.host);
        reply.Integer(n.port);
        reply.Bulk(NodeName(n.id));
      };
      node(owner);
      for (uint64_t r : p.replicas) {
        if (r != owner.id) node(*c.FindNode(r));
      }
    }
  }
}

void ClusterNode::ClusterShards(server::ReplyWriter& reply) {
  const ClusterConfig& c = options_.config;
  reply.Array(c.partitions.size());
  for (const PartitionConfig& p : c.partitions) {
    const ClusterNodeAddress& owner = OwnerOf(p.id);
    reply.Map(2);
    reply.Bulk("slots");
    reply.Array(2 * p.slots.size());
    for (const auto& [first, last] : p.slots) {
      reply.Integer(first);
      reply.Integer(last);
    }
    reply.Bulk("nodes");
    reply.Array(p.replicas.size());
    for (uint64_t r : p.replicas) {
      const ClusterNodeAddress& n = *c.FindNode(r);
      reply.Map(6);
      reply.Bulk("id");
      reply.Bulk(NodeName(n.id));
      reply.Bulk("port");
      reply.Integer(n.port);
      reply.Bulk("ip");
      reply.Bulk(n.host);
      reply.Bulk("endpoint");
      reply.Bulk(n.host);
      reply.Bulk("role");
      reply.Bulk(n.id == owner.id ? "master" : "replica");
      reply.Bulk("health");
      reply.Bulk("online");
    }
  }
}

std::string ClusterNode::ClusterNodes() {
  const ClusterConfig& c = options_.config;
  std::vector<std::string> slots(c.nodes.size());
  for (const PartitionConfig& p : c.partitions) {
    const ClusterNodeAddress& owner = OwnerOf(p.id);
    const size_t i = &owner - c.nodes.data();
    for (const auto& [first, last] : p.slots) {
      slots[i] += first == last ? fmt::format(" {}", first) : fmt::format(" {}-{}", first, last);
    }
  }
  std::string out;
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    const ClusterNodeAddress& n = c.nodes[i];
    // id ip:port@cport flags master ping-sent pong-recv config-epoch link-state slots
    out += fmt::format("{} {}:{}@{} {} - 0 0 {} connected{}\n", NodeName(n.id), n.host, n.port,
                       n.raft_port, n.id == self_->id ? "myself,master" : "master", n.id,
                       slots[i]);
  }
  return out;
}

std::string ClusterNode::ClusterInfo() {
  const ClusterConfig& c = options_.config;
  // One line per partition held here, each from one look at its group.
  size_t here = 0, led = 0;
  std::string partitions;
  for (const PartitionConfig& p : c.partitions) {
    const Replica* r = replicas_[p.id].get();
    if (r == nullptr) continue;
    const RaftStatus s = r->store->node()->Status();
    const PartitionMachine* m = r->store->machine();
    ++here;
    led += s.leader_id != 0;
    partitions += FormatPartitionStatus(p.id, {.leader = s.leader_id,
                                               .term = s.term,
                                               .commit = s.commit_index,
                                               .applied = s.last_applied,
                                               .restores = m != nullptr ? m->restores() : 0});
  }
  return fmt::format(
             "cluster_enabled:1\r\ncluster_state:ok\r\ncluster_slots_assigned:{}\r\n"
             "cluster_slots_ok:{}\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\n"
             "cluster_known_nodes:{}\r\ncluster_size:{}\r\ncluster_partitions:{}\r\n"
             "cluster_partitions_here:{}\r\ncluster_partitions_here_with_leader:{}\r\n"
             "cluster_replication_factor:{}\r\ncluster_min_replicas:{}\r\n"
             "cluster_consistency:{}\r\n",
             kHashSlots, kHashSlots, c.nodes.size(), c.nodes.size(), c.partitions.size(), here,
             led, c.replication_factor, c.min_replicas,
             c.eventual_reads ? "eventual" : "strong") +
         partitions;
}

void ClusterNode::Cluster(const std::vector<std::string>& args, server::ReplyWriter& reply) {
  const std::string& sub = args[1];
  using server::EqualsIgnoreCase;
  if (EqualsIgnoreCase(sub, "keyslot") && args.size() == 3) {
    return reply.Integer(KeyHashSlot(args[2]));
  }
  if (EqualsIgnoreCase(sub, "myid") && args.size() == 2) return reply.Bulk(NodeName(self_->id));
  if (EqualsIgnoreCase(sub, "slots") && args.size() == 2) return ClusterSlots(reply);
  if (EqualsIgnoreCase(sub, "shards") && args.size() == 2) return ClusterShards(reply);
  if (EqualsIgnoreCase(sub, "nodes") && args.size() == 2) return reply.Bulk(ClusterNodes());
  if (EqualsIgnoreCase(sub, "info") && args.size() == 2) return reply.Bulk(ClusterInfo());
  reply.Error(fmt::format(
      "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLUSTER HELP.",
      std::string_view(sub).substr(0, 128)));
}

}  // namespace synapsed::storage::cluster
