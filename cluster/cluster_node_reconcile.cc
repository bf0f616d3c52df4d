// ClusterNode's reconciling thread: brings the node's replicas and the
// groups it leads in line with the map (cluster_node.h says what each
// round does; docs/cluster.md, "Changing the map", why in that order).
#include <algorithm>

#include "absl/strings/str_replace.h"
#include "backends/resp_connection.h"
#include "cluster/cluster_node.h"
#include "cluster/reserved_keys.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {
namespace {

// How long one membership step (adding a voter, removing a member, handing
// leadership away) may take before the round moves on; the next round
// takes it up again where libraft left it.
constexpr std::chrono::milliseconds kMembershipTimeout{3000};
// How long asking a peer for its map may take.
constexpr std::chrono::milliseconds kPeerTimeout{500};
// Election timeouts without hearing from its group after which a replica
// the map moved elsewhere is taken to be removed from the group.
constexpr int kRetireAfterElectionTimeouts = 5;
// How often a reconciling failure may be printed.
constexpr std::chrono::seconds kErrorPrintInterval{10};

bool Names(const PartitionConfig& p, uint64_t node) {
  return std::find(p.replicas.begin(), p.replicas.end(), node) != p.replicas.end();
}

absl::Status InPartition(uint32_t p, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), fmt::format("partition {}: {}", p, std::string(s.message())));
}

}  // namespace

void ClusterNode::ReconcileLoop() {
  for (bool first = true;; first = false) {
    {
      MutexLock l(&mu_);
      if (stopping_) return;
    }
    ReconcileOnce(first);
    MutexLock l(&mu_);
    if (stopping_) return;
    stop_cv_.WaitWithTimeout(&mu_, absl::FromChrono(options_.reconcile_interval));
  }
}

void ClusterNode::ReconcileOnce(bool ask_every_peer) {
  AdoptCommittedMap();
  PullMaps(*config(), ask_every_peer);
  const std::shared_ptr<const ClusterConfig> map = config();
  absl::Status first = PlaceReplicas(*map);
  for (const PartitionConfig& p : map->partitions) {
    const std::shared_ptr<NodeReplica> replica = ReplicaOf(p.id);
    if (replica == nullptr) continue;
    {
      MutexLock l(&mu_);
      if (stopping_) return;
    }
    absl::Status s = InPartition(p.id, ReconcileGroup(*map, p.id, replica.get()));
    if (first.ok()) first = std::move(s);
  }
  NoteReconcileError(first.ok() ? std::string() : std::string(first.message()));
}

void ClusterNode::AdoptCommittedMap() {
  const std::shared_ptr<NodeReplica> group = ReplicaOf(0);
  if (group == nullptr) return;
  // This replica's copy: what the group committed, as far as it applied.
  absl::StatusOr<std::string> stored = group->store()->local()->Get(kClusterMapKey);
  if (!stored.ok()) return;  // none yet (the first map), or not readable now
  absl::StatusOr<ClusterConfig> map = ParseClusterConfig(*stored);
  if (!map.ok()) {
    return NoteReconcileError(fmt::format("the configuration group's map: {}",
                                          std::string(map.status().message())));
  }
  AdoptIfNewer(*map, "the configuration group's map");
}

void ClusterNode::AdoptIfNewer(const ClusterConfig& map, std::string_view from) {
  if (map.epoch <= config()->epoch) return;
  if (absl::StatusOr<bool> adopted = map_->Adopt(map); !adopted.ok()) {
    NoteReconcileError(fmt::format("{} of epoch {}: {}", from, map.epoch,
                                   std::string(adopted.status().message())));
  }
}

void ClusterNode::PullMaps(const ClusterConfig& map, bool ask_every_peer) {
  std::vector<const ClusterNodeAddress*> peers;
  for (const ClusterNodeAddress& n : map.nodes) {
    if (n.id != self_.id) peers.push_back(&n);
  }
  if (peers.empty()) return;
  if (!ask_every_peer) peers = {peers[next_peer_++ % peers.size()]};
  for (const ClusterNodeAddress* n : peers) {
    // A peer that is down, or answers something else, is asked again in a
    // later round.
    auto c = RespConnection::Connect(n->host, n->port, kPeerTimeout);
    if (!c.ok()) continue;
    absl::StatusOr<RespReply> r = (*c)->Call({"CLUSTER", "SYNAPSED-MAP"});
    if (!r.ok() || r->type != RespReply::Type::kBulk) continue;
    absl::StatusOr<ClusterConfig> theirs = ParseClusterConfig(r->str);
    if (theirs.ok()) AdoptIfNewer(*theirs, fmt::format("node {}'s map", n->id));
  }
}

absl::Status ClusterNode::PlaceReplicas(const ClusterConfig& map) {
  absl::Status first;
  for (const PartitionConfig& p : map.partitions) {
    const bool named = Names(p, self_.id);
    std::shared_ptr<NodeReplica> have = ReplicaOf(p.id);
    if (named && have == nullptr) {
      {
        MutexLock l(&mu_);
        // A retired replica still held by a session keeps its directory
        // and its Raft port until it closes.
        if (!retiring_[p.id].expired()) continue;
      }
      absl::StatusOr<std::shared_ptr<NodeReplica>> opened =
          NodeReplica::Open(replica_options_, map, p.id);
      if (!opened.ok()) {
        if (first.ok()) first = opened.status();
        continue;
      }
      MutexLock l(&mu_);
      replicas_[p.id] = *std::move(opened);
    } else if (!named && have != nullptr) {
      // A leader hands leadership away first (ReconcileGroup); a follower
      // goes once the group stopped talking to it.
      if (have->Leader() != 0) continue;
      if (have->LeaderlessMs() <
          kRetireAfterElectionTimeouts * options_.election_timeout.count()) {
        continue;
      }
      have->Retire(map.epoch);
      MutexLock l(&mu_);
      retiring_[p.id] = have;
      replicas_[p.id].reset();
    }
  }
  return first;
}

absl::Status ClusterNode::ReconcileGroup(const ClusterConfig& map, uint32_t p,
                                         NodeReplica* replica) {
  RaftNode* node = replica->store()->node();
  const RaftStatus status = node->Status();
  if (!status.is_leader) return absl::OkStatus();
  const PartitionConfig& want = map.partitions[p];
  auto member = [&](uint64_t id) -> const RaftPeerProgress* {
    for (const RaftPeerProgress& m : status.peers) {
      if (m.id == id) return &m;
    }
    return nullptr;
  };
  // Every replica the map names becomes a voter before anyone leaves, so
  // the group never has fewer voters than the map wants.
  for (uint64_t id : want.replicas) {
    const RaftPeerProgress* m = member(id);
    if (m != nullptr && m->voter) continue;
    const ClusterNodeAddress* n = map.FindNode(id);
    RETURN_IF_ERROR(node->AddVoter(id, map.RaftAddress(*n, p), kMembershipTimeout));
    return absl::OkStatus();  // one step per round
  }
  bool leaving = false;
  for (const RaftPeerProgress& m : status.peers) {
    if (Names(want, m.id)) continue;
    if (m.id == self_.id) {
      leaving = true;
      continue;
    }
    return node->RemoveMember(m.id, kMembershipTimeout);
  }
  // The others gone, this leader hands the group to the most up-to-date of
  // the replicas the map names; the new leader removes it.
  if (leaving) return node->TransferLeadership(0, kMembershipTimeout);
  return absl::OkStatus();
}

void ClusterNode::NoteReconcileError(std::string error) {
  // CLUSTER INFO shows it on one line.
  error = absl::StrReplaceAll(error, {{"\r", " "}, {"\n", " "}});
  MutexLock l(&mu_);
  // A failing step is taken again every round: its error goes to stderr
  // when it is new, and at most every kErrorPrintInterval.
  const auto now = std::chrono::steady_clock::now();
  if (error.empty()) {
    last_printed_error_.clear();
  } else if (error != last_printed_error_ && now - last_error_print_ >= kErrorPrintInterval) {
    fmt::print(stderr, "synapsed: cluster node {}: reconciling: {}\n", self_.id, error);
    last_printed_error_ = error;
    last_error_print_ = now;
  }
  reconcile_error_ = std::move(error);
}

}  // namespace synapsed::storage::cluster
