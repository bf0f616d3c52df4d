#include "cluster/cluster_node.h"

#include <algorithm>
#include <filesystem>

#include "backends/hash_slot.h"
#include "backends/memory_store.h"
#include "cluster/partition_status.h"
#include "cluster/reserved_keys.h"
#include "fmt/format.h"
#include "server/command.h"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {

ClusterNode::ClusterNode(ClusterNodeOptions options) : options_(std::move(options)) {}

ClusterNode::~ClusterNode() {
  {
    MutexLock l(&mu_);
    stopping_ = true;
  }
  stop_cv_.SignalAll();
  if (reconciler_.joinable()) reconciler_.join();
  std::vector<std::shared_ptr<NodeReplica>> replicas;
  {
    MutexLock l(&mu_);
    replicas.swap(replicas_);
  }
  replicas.clear();  // stops the groups and closes the replicas nobody else holds
}

std::string ClusterNode::NodeName(uint64_t id) { return fmt::format("{:040x}", id); }

absl::StatusOr<std::unique_ptr<ClusterNode>> ClusterNode::Open(ClusterNodeOptions options) {
  std::unique_ptr<ClusterNode> node(new ClusterNode(std::move(options)));
  const ClusterNodeOptions& o = node->options_;
  const ClusterNodeAddress* self = o.config.FindNode(o.node_id);
  if (self == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("node {} is not in the cluster config", o.node_id));
  }
  node->self_ = *self;
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec) return absl::UnavailableError(fmt::format("create {}: {}", o.dir, ec.message()));
  ASSIGN_OR_RETURN(node->map_, NodeMap::Open(o.config, o.dir));
  node->replica_options_ = {.node_id = o.node_id,
                            .dir = o.dir,
                            .engine = o.engine,
                            .cluster_secret = o.cluster_secret,
                            .election_timeout = o.election_timeout,
                            .heartbeat_timeout = o.heartbeat_timeout};
  node->node_store_ = NewMemoryStore();
  const std::shared_ptr<const ClusterConfig> map = node->config();
  {
    MutexLock l(&node->mu_);
    node->replicas_.resize(map->partitions.size());
    node->retiring_.resize(map->partitions.size());
  }
  // The replicas the map gives this node open before it serves; later
  // changes are the reconciling thread's.
  RETURN_IF_ERROR(node->PlaceReplicas(*map));
  node->reconciler_ = std::thread([n = node.get()] { n->ReconcileLoop(); });
  return node;
}

std::shared_ptr<NodeReplica> ClusterNode::ReplicaOf(uint32_t p) const {
  MutexLock l(&mu_);
  return p < replicas_.size() ? replicas_[p] : nullptr;
}

uint64_t ClusterNode::LeaderOf(uint32_t p) {
  const std::shared_ptr<NodeReplica> r = ReplicaOf(p);
  return r == nullptr ? 0 : r->Leader();
}

const ClusterNodeAddress& ClusterNode::OwnerOf(const ClusterConfig& c, uint32_t p) {
  if (const uint64_t leader = LeaderOf(p); leader != 0) {
    if (const ClusterNodeAddress* n = c.FindNode(leader)) return *n;
  }
  return *c.FindNode(c.partitions[p].replicas.front());
}

server::Route ClusterNode::RouteKeys(const std::vector<std::string_view>& keys) {
  // Keys of several slots are accepted when one partition holds them all:
  // its store applies the command (or the transaction) atomically.
  const std::shared_ptr<const ClusterConfig> c = config();
  const uint16_t slot = KeyHashSlot(keys.front());
  const uint32_t partition = c->PartitionOfSlot(slot).id;
  for (std::string_view k : keys) {
    if (c->PartitionOfSlot(KeyHashSlot(k)).id != partition) {
      server::Route route;
      route.slot = slot;
      route.redirect = std::string(server::kCrossSlotError);
      return route;
    }
  }
  return RouteSlotIn(*c, slot);
}

server::Route ClusterNode::RouteSlot(int slot) { return RouteSlotIn(*config(), slot); }

server::Route ClusterNode::RouteSlotIn(const ClusterConfig& c, int slot) {
  server::Route route;
  route.slot = slot;
  if (slot < 0 || slot >= kHashSlots) {
    route.redirect = std::string(server::kSlotError);
    return route;
  }
  const PartitionConfig& p = c.PartitionOfSlot(static_cast<uint16_t>(slot));
  const std::shared_ptr<NodeReplica> replica = ReplicaOf(p.id);
  if (replica == nullptr) {
    const ClusterNodeAddress& n = *c.FindNode(p.replicas.front());
    route.redirect = fmt::format("MOVED {} {}:{}", slot, n.host, n.port);
    return route;
  }
  const uint64_t leader = replica->Leader();
  if (leader == self_.id) {
    route.store = NodeReplica::SharedStore(replica);
  } else if (const ClusterNodeAddress* n = leader != 0 ? c.FindNode(leader) : nullptr) {
    route.redirect = fmt::format("MOVED {} {}:{}", slot, n->host, n->port);
  } else if (const int64_t ms = replica->LeaderlessMs();
             ms > 3 * options_.election_timeout.count()) {
    // Three election timeouts without one: a majority is not there to
    // elect a leader. Nothing is proposed.
    route.redirect = fmt::format(
        "CLUSTERDOWN insufficient replicas: partition {} (slot {}) has had no leader for {} ms; "
        "a majority of its {} replicas must be reachable to elect one",
        p.id, slot, ms, p.replicas.size());
  } else {
    // No leader yet, or one the map no longer lists (a node leaving).
    route.redirect = fmt::format(
        "TRYAGAIN partition {} (slot {}) has no leader yet; retry shortly", p.id, slot);
  }
  return route;
}

void ClusterNode::ClusterSlots(server::ReplyWriter& reply) {
  const std::shared_ptr<const ClusterConfig> map = config();
  const ClusterConfig& c = *map;
  size_t ranges = 0;
  for (const PartitionConfig& p : c.partitions) ranges += p.slots.size();
  reply.Array(ranges);
  for (const PartitionConfig& p : c.partitions) {
    const ClusterNodeAddress& owner = OwnerOf(c, p.id);
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
  const std::shared_ptr<const ClusterConfig> map = config();
  const ClusterConfig& c = *map;
  reply.Array(c.partitions.size());
  for (const PartitionConfig& p : c.partitions) {
    const ClusterNodeAddress& owner = OwnerOf(c, p.id);
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
  const std::shared_ptr<const ClusterConfig> map = config();
  const ClusterConfig& c = *map;
  std::vector<std::string> slots(c.nodes.size());
  for (const PartitionConfig& p : c.partitions) {
    const ClusterNodeAddress& owner = OwnerOf(c, p.id);
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
                       n.raft_port, n.id == self_.id ? "myself,master" : "master", n.id,
                       slots[i]);
  }
  return out;
}

std::string ClusterNode::ClusterInfo() {
  const std::shared_ptr<const ClusterConfig> map = config();
  const ClusterConfig& c = *map;
  // One line per partition held here, each from one look at its group.
  size_t here = 0, led = 0;
  std::string partitions;
  std::string reconcile;
  {
    MutexLock l(&mu_);
    reconcile = reconcile_error_.empty() ? "ok" : reconcile_error_;
  }
  for (const PartitionConfig& p : c.partitions) {
    const std::shared_ptr<NodeReplica> r = ReplicaOf(p.id);
    if (r == nullptr) continue;
    const RaftStatus s = r->store()->node()->Status();
    const PartitionMachine* m = r->store()->machine();
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
             "cluster_consistency:{}\r\ncluster_epoch:{}\r\ncluster_reconcile:{}\r\n",
             kHashSlots, kHashSlots, c.nodes.size(), c.nodes.size(), c.partitions.size(), here,
             led, c.replication_factor, c.min_replicas,
             c.eventual_reads ? "eventual" : "strong", c.epoch, reconcile) +
         partitions;
}

void ClusterNode::SetMap(const std::string& json, server::ReplyWriter& reply) {
  absl::StatusOr<ClusterConfig> next = ParseClusterConfig(json);
  if (!next.ok()) return reply.Error("ERR invalid map: " + std::string(next.status().message()));
  // The configuration group is partition 0's: its leader takes the change,
  // and any other node sends the client there.
  const std::shared_ptr<const ClusterConfig> map = config();
  const server::Route route = RouteSlotIn(*map, map->partitions.front().slots.front().first);
  if (!route.redirect.empty()) return reply.Error(route.redirect);
  const std::shared_ptr<NodeReplica> group = ReplicaOf(0);
  if (group == nullptr) return reply.Error("TRYAGAIN partition 0 moved away; retry");
  if (absl::Status s = ProposeMap(group->store(), *next); !s.ok()) {
    const bool invalid = s.code() == absl::StatusCode::kInvalidArgument;
    return reply.Error(
        fmt::format("ERR {}{}", invalid ? "invalid map: " : "", std::string(s.message())));
  }
  reply.Status("OK");
}

absl::Status ClusterNode::ProposeMap(ReplicatedStore* group, const ClusterConfig& next) {
  // What the group committed last; before the first change, nothing, and
  // the cluster goes by its first map (epoch 1).
  absl::StatusOr<std::string> stored = group->ReadReserved(kClusterMapKey);
  if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
  ClusterConfig committed;
  if (stored.ok()) {
    absl::StatusOr<ClusterConfig> parsed = ParseClusterConfig(*stored);
    if (!parsed.ok()) {
      return absl::DataLossError(fmt::format("the configuration group's map does not parse: {}",
                                             std::string(parsed.status().message())));
    }
    committed = *std::move(parsed);
  } else {
    committed = *config();
    if (committed.epoch != 1) {
      return absl::FailedPreconditionError(fmt::format(
          "the configuration group holds no map, but this node goes by epoch {}", committed.epoch));
    }
  }
  const std::string json = ClusterConfigToJson(next);
  if (json != ClusterConfigToJson(committed)) {
    if (next.epoch != committed.epoch + 1) {
      return absl::FailedPreconditionError(
          fmt::format("stale map: epoch {} does not follow the cluster's epoch {}", next.epoch,
                      committed.epoch));
    }
    RETURN_IF_ERROR(CheckMapChange(committed, next));
    absl::Status s = group->CompareAndSetReserved(
        kClusterMapKey, stored.ok() ? std::optional<std::string_view>(*stored) : std::nullopt,
        json);
    if (absl::IsAborted(s)) {
      return absl::FailedPreconditionError(
          "stale map: the cluster's map changed while this one was proposed; read it again");
    }
    RETURN_IF_ERROR(s);
  }
  // Committed: this node goes by it now; the others hear of it from the
  // group's replicas and their peers.
  if (absl::StatusOr<bool> adopted = map_->Adopt(next); !adopted.ok() &&
                                                       !absl::IsFailedPrecondition(adopted.status())) {
    return adopted.status();
  }
  stop_cv_.SignalAll();  // reconcile now rather than in a round
  return absl::OkStatus();
}

void ClusterNode::Cluster(const std::vector<std::string>& args, server::ReplyWriter& reply) {
  const std::string& sub = args[1];
  using server::EqualsIgnoreCase;
  if (EqualsIgnoreCase(sub, "keyslot") && args.size() == 3) {
    return reply.Integer(KeyHashSlot(args[2]));
  }
  if (EqualsIgnoreCase(sub, "myid") && args.size() == 2) return reply.Bulk(NodeName(self_.id));
  if (EqualsIgnoreCase(sub, "slots") && args.size() == 2) return ClusterSlots(reply);
  if (EqualsIgnoreCase(sub, "shards") && args.size() == 2) return ClusterShards(reply);
  if (EqualsIgnoreCase(sub, "nodes") && args.size() == 2) return reply.Bulk(ClusterNodes());
  if (EqualsIgnoreCase(sub, "info") && args.size() == 2) return reply.Bulk(ClusterInfo());
  if (EqualsIgnoreCase(sub, "synapsed-map") && args.size() == 2) {
    return reply.Bulk(ClusterConfigToJson(*config()));
  }
  if (EqualsIgnoreCase(sub, "synapsed-setmap") && args.size() == 3) return SetMap(args[2], reply);
  reply.Error(fmt::format(
      "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLUSTER HELP.",
      std::string_view(sub).substr(0, 128)));
}

}  // namespace synapsed::storage::cluster
