#include "tools/cluster_command.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "backends/resp_connection.h"
#include "cluster/cluster_config.h"
#include "cluster/map_changes.h"
#include "cluster/partition_status.h"
#include "env/env.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

// `cluster status` when a node is unreachable or a partition has no leader.
constexpr int kExitDegraded = 3;

struct InitFlags {
  std::vector<std::string> nodes;
  uint32_t partitions = 3;
  uint32_t replication_factor = 3;
  uint32_t min_replicas = 0;
  uint32_t snapshot_threshold = 0;
  uint32_t snapshot_trailing = 0;
  std::string out;
  bool force = false;
};

// A port number: all digits, 1 to 65535; 0 otherwise.
int ParsePort(std::string_view digits) {
  int port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return ec == std::errc() && end == digits.data() + digits.size() && port >= 1 && port <= 65535
             ? port
             : 0;
}

// "HOST:PORT" into *host and *port; false if it is not one.
bool ParseHostPort(std::string_view spec, std::string* host, int* port) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  *host = spec.substr(0, colon);
  *port = ParsePort(spec.substr(colon + 1));
  return *port != 0;
}

// "HOST:PORT:RAFT_PORT" for node `id`; nullopt if it is not one.
std::optional<cluster::ClusterNodeAddress> ParseNode(std::string_view spec, uint64_t id) {
  cluster::ClusterNodeAddress n;
  n.id = id;
  const size_t last = spec.rfind(':');
  if (last == std::string_view::npos || !ParseHostPort(spec.substr(0, last), &n.host, &n.port) ||
      (n.raft_port = ParsePort(spec.substr(last + 1))) == 0) {
    return std::nullopt;
  }
  return n;
}

// Writes `config` to `path`.tmp, refusing when `path` exists unless
// `force`; CommitMap renames it to `path`. Staged apart so that a command
// that changes the cluster finds a bad path before it changes anything.
// `what` names the command in errors.
void StageMap(const cluster::ClusterConfig& config, const std::string& path, bool force,
              std::string_view what) {
  if (!force && std::filesystem::exists(path)) {
    FailWith(kExitError, fmt::format("{}: {} exists (--force replaces it)", what, path));
  }
  CheckOk(env::WriteStringToFile(env::DefaultFileSystem(), cluster::ClusterConfigToJson(config),
                                 path + ".tmp", /*sync=*/true),
          what);
}
void CommitMap(const std::string& path, std::string_view what) {
  std::error_code ec;
  std::filesystem::rename(path + ".tmp", path, ec);
  if (ec) FailWith(kExitError, fmt::format("{}: {}: {}", what, path, ec.message()));
}

void Init(const InitFlags& f) {
  std::vector<cluster::ClusterNodeAddress> nodes;
  for (const std::string& spec : f.nodes) {
    auto n = ParseNode(spec, nodes.size() + 1);
    if (!n) {
      FailWith(kExitError,
               fmt::format("cluster init: --node wants HOST:PORT:RAFT_PORT, not \"{}\"", spec));
    }
    nodes.push_back(*std::move(n));
  }
  auto config = cluster::MakeClusterConfig(std::move(nodes), f.partitions,
                                           f.replication_factor, f.min_replicas);
  CheckOk(config.status(), "cluster init");
  config->snapshot_threshold = f.snapshot_threshold;
  config->snapshot_trailing = f.snapshot_trailing;
  StageMap(*config, f.out, f.force, "cluster init");
  CommitMap(f.out, "cluster init");
  std::cout << fmt::format("wrote {}: {} nodes, {} partitions, replication factor {}", f.out,
                           config->nodes.size(), config->partitions.size(),
                           config->replication_factor)
            << std::endl;
}

struct StatusFlags {
  std::string cluster;
  int timeout_ms = 2000;
};

void Status(const StatusFlags& f) {
  auto config = cluster::ReadClusterConfig(f.cluster);
  CheckOk(config.status(), "cluster status: --cluster");
  // node id -> (partition -> its line); absent: the node did not answer.
  std::map<uint64_t, std::map<uint32_t, cluster::PartitionStatus>> views;
  bool healthy = true;
  for (const cluster::ClusterNodeAddress& n : config->nodes) {
    auto c = RespConnection::Connect(n.host, n.port, std::chrono::milliseconds(f.timeout_ms));
    absl::StatusOr<RespReply> info =
        c.ok() ? (*c)->Call({"CLUSTER", "INFO"}) : absl::StatusOr<RespReply>(c.status());
    if (info.ok() && info->type != RespReply::Type::kBulk) {
      info = absl::UnavailableError(fmt::format("CLUSTER INFO answered {}", info->ToString()));
    }
    if (!info.ok()) {
      healthy = false;
      std::cout << fmt::format("node {} {}:{}: unreachable ({})", n.id, n.host, n.port,
                               std::string(info.status().message()))
                << std::endl;
      continue;
    }
    views[n.id] = cluster::ParsePartitionStatus(info->str);
    std::cout << fmt::format("node {} {}:{}: up", n.id, n.host, n.port) << std::endl;
  }
  for (const cluster::PartitionConfig& p : config->partitions) {
    std::string slots;
    for (const auto& [first, last] : p.slots) {
      slots += fmt::format("{}{}-{}", slots.empty() ? "" : ",", first, last);
    }
    // The leader as the replicas see it, and the highest commit any reports.
    uint64_t leader = 0, term = 0, commit = 0;
    for (uint64_t r : p.replicas) {
      auto node = views.find(r);
      if (node == views.end() || !node->second.count(p.id)) continue;
      const cluster::PartitionStatus& v = node->second.at(p.id);
      if (v.term >= term && v.leader != 0) {
        term = v.term;
        leader = v.leader;
      }
      commit = std::max(commit, v.commit);
    }
    healthy = healthy && leader != 0;
    std::cout << fmt::format("partition {} slots {}: leader {} term {} commit {}", p.id, slots,
                             leader != 0 ? std::to_string(leader) : "none", term, commit)
              << std::endl;
    for (uint64_t r : p.replicas) {
      auto node = views.find(r);
      if (node == views.end() || !node->second.count(p.id)) {
        std::cout << fmt::format("  node {}: unreachable", r) << std::endl;
        continue;
      }
      const cluster::PartitionStatus& v = node->second.at(p.id);
      std::cout << fmt::format("  node {}: applied {} lag {}{}", r, v.applied,
                               commit > v.applied ? commit - v.applied : 0,
                               r == leader ? " (leader)" : "")
                << std::endl;
    }
  }
  if (!healthy) std::exit(kExitDegraded);
}

// `cluster add-node` and `remove-node`.
struct MapChangeFlags {
  std::string seed;      // HOST:PORT of any node
  std::string node;      // add-node: ID:HOST:PORT:RAFT_PORT
  uint64_t node_id = 0;  // remove-node
  std::string out;       // where the new map goes ("": nowhere)
  bool force = false;
  int timeout_ms = 2000;
};

// One command to host:port over a fresh connection. Unavailable when the
// node cannot be reached; an error reply is a reply.
absl::StatusOr<RespReply> CallNode(const std::string& host, int port,
                                   const std::vector<std::string_view>& args, int timeout_ms) {
  auto c = RespConnection::Connect(host, port, std::chrono::milliseconds(timeout_ms));
  if (!c.ok()) return c.status();
  return (*c)->Call(args);
}

// The map the seed holds (CLUSTER SYNAPSED-MAP). Fails the command when the
// seed cannot be reached, is not a cluster node, or sends no valid map.
cluster::ClusterConfig FetchMap(const MapChangeFlags& f, std::string_view what) {
  std::string host;
  int port = 0;
  if (!ParseHostPort(f.seed, &host, &port)) {
    FailWith(kExitError, fmt::format("{}: --seed wants HOST:PORT, not \"{}\"", what, f.seed));
  }
  auto reply = CallNode(host, port, {"CLUSTER", "SYNAPSED-MAP"}, f.timeout_ms);
  CheckOk(reply.status(), fmt::format("{}: --seed", what));
  if (reply->type != RespReply::Type::kBulk) {
    FailWith(kExitError, fmt::format("{}: --seed {} answered CLUSTER SYNAPSED-MAP with {} (is it "
                                     "a node started with `serve --cluster`?)",
                                     what, f.seed, reply->ToString()));
  }
  auto config = cluster::ParseClusterConfig(reply->str);
  CheckOk(config.status(), fmt::format("{}: the map --seed {} holds", what, f.seed));
  return *std::move(config);
}

// The node's map epoch (CLUSTER SYNAPSED-MAP); nullopt if it did not answer
// with a map.
std::optional<uint64_t> EpochOf(const cluster::ClusterNodeAddress& n, int timeout_ms) {
  auto r = CallNode(n.host, n.port, {"CLUSTER", "SYNAPSED-MAP"}, timeout_ms);
  if (!r.ok() || r->type != RespReply::Type::kBulk) return std::nullopt;
  auto map = cluster::ParseClusterConfig(r->str);
  if (!map.ok()) return std::nullopt;
  return map->epoch;
}

// Proposes `change` (its epoch one past `old_epoch`) to the cluster's
// configuration group through the seed: partition 0's leader commits it
// if the group's map is still the one read (-MOVED is followed; -TRYAGAIN,
// -CLUSTERDOWN and "not the leader" are retried for up to 15 s). Nothing is
// written to --out unless it commits. Then waits (up to 15 s) for each of
// `targets` to go by it, and reports who does: a node that is down takes
// it from its peers when it is back.
void ProposeMap(const MapChangeFlags& f, uint64_t old_epoch, cluster::MapChange change,
                const std::vector<cluster::ClusterNodeAddress>& targets, std::string_view what) {
  change.config.epoch = old_epoch + 1;
  const uint64_t epoch = change.config.epoch;
  const std::string json = cluster::ClusterConfigToJson(change.config);
  if (!f.out.empty()) StageMap(change.config, f.out, f.force, what);
  auto fail = [&](const std::string& why) {
    if (!f.out.empty()) std::filesystem::remove(f.out + ".tmp");
    FailWith(kExitError, fmt::format("{}: map epoch {} was not committed: {}", what, epoch, why));
  };
  std::string host;
  int port = 0;
  ParseHostPort(f.seed, &host, &port);  // FetchMap checked it
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (int hops = 0;; ++hops) {
    auto r = CallNode(host, port, {"CLUSTER", "SYNAPSED-SETMAP", json}, f.timeout_ms);
    if (!r.ok()) fail(std::string(r.status().message()));
    if (r->type == RespReply::Type::kStatus && r->str == "OK") break;
    const std::string& e = r->str;
    const bool moved = r->is_error() && e.starts_with("MOVED ");
    const bool retry = r->is_error() && (e.starts_with("TRYAGAIN") ||
                                         e.starts_with("CLUSTERDOWN") ||
                                         e.starts_with("ERR not the leader"));
    if ((!moved && !retry) || std::chrono::steady_clock::now() > deadline || hops > 100) {
      fail(r->ToString());
    }
    // "MOVED <slot> <host:port>": partition 0's leader, as that node knows it.
    if (moved && !ParseHostPort(std::string_view(e).substr(e.rfind(' ') + 1), &host, &port)) {
      fail(r->ToString());
    }
    if (retry) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!f.out.empty()) CommitMap(f.out, what);
  for (const cluster::ReplicaMove& m : change.moves) {
    std::cout << fmt::format("partition {}: node {} -> node {}", m.partition, m.from, m.to)
              << std::endl;
  }
  std::cout << fmt::format("map epoch {} committed", epoch) << std::endl;

  std::vector<std::string> taken, newer, pending;
  for (const cluster::ClusterNodeAddress& n : targets) {
    std::optional<uint64_t> theirs;
    do {
      theirs = EpochOf(n, f.timeout_ms);
      if (theirs && *theirs >= epoch) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    const std::string name = fmt::format("node {}", n.id);
    if (!theirs) {
      pending.push_back(name + " (unreachable)");
      std::cerr << fmt::format("synapsed: warning: node {} {}:{} is unreachable; it takes the "
                               "map from its peers when it is back",
                               n.id, n.host, n.port)
                << std::endl;
    } else if (*theirs == epoch) {
      taken.push_back(name);
    } else if (*theirs > epoch) {
      newer.push_back(fmt::format("{} (epoch {})", name, *theirs));
    } else {
      pending.push_back(fmt::format("{} (still at epoch {})", name, *theirs));
    }
  }
  std::cout << fmt::format("map epoch {} taken by {}", epoch,
                           taken.empty() ? "no node yet" : fmt::format("{}", fmt::join(taken, ", ")))
            << std::endl;
  if (!pending.empty()) {
    std::cout << fmt::format("not taken yet by: {}", fmt::join(pending, ", ")) << std::endl;
  }
  if (!f.out.empty()) std::cout << fmt::format("wrote {}", f.out) << std::endl;
  if (!newer.empty()) {
    std::cout << fmt::format("already past it: {}", fmt::join(newer, ", ")) << std::endl;
  }
}

void AddNode(const MapChangeFlags& f) {
  constexpr std::string_view kWhat = "cluster add-node";
  // "ID:" and the address.
  const std::string_view spec = f.node;
  const size_t colon = spec.find(':');
  uint64_t id = 0;
  std::optional<cluster::ClusterNodeAddress> node;
  if (colon != std::string_view::npos) {
    const auto [end, ec] = std::from_chars(spec.data(), spec.data() + colon, id);
    if (ec == std::errc() && end == spec.data() + colon) {
      node = ParseNode(spec.substr(colon + 1), id);
    }
  }
  if (!node) {
    FailWith(kExitError,
             fmt::format("{}: --node wants ID:HOST:PORT:RAFT_PORT, not \"{}\"", kWhat, f.node));
  }
  const cluster::ClusterConfig old = FetchMap(f, kWhat);
  auto change = cluster::AddNodeToMap(old, *node);
  CheckOk(change.status(), kWhat);
  // The new node is not running yet: it starts from --out.
  std::vector<cluster::ClusterNodeAddress> targets = change->config.nodes;
  std::erase_if(targets, [&](const cluster::ClusterNodeAddress& n) { return n.id == id; });
  ProposeMap(f, old.epoch, *std::move(change), targets, kWhat);
  std::cout << fmt::format("start node {} with: synapsed serve --cluster {} --node-id {} --dir DIR",
                           id, f.out, id)
            << std::endl;
}

void RemoveNode(const MapChangeFlags& f) {
  constexpr std::string_view kWhat = "cluster remove-node";
  const cluster::ClusterConfig old = FetchMap(f, kWhat);
  auto change = cluster::RemoveNodeFromMap(old, f.node_id);
  CheckOk(change.status(), kWhat);
  // The node leaving is told too: it learns it is leaving.
  ProposeMap(f, old.epoch, *std::move(change), old.nodes, kWhat);
  std::cout << fmt::format("node {} leaves once the partitions' leaders have moved its "
                           "replicas; stop it when its CLUSTER INFO shows "
                           "cluster_partitions_here:0",
                           f.node_id)
            << std::endl;
}

}  // namespace

void AddClusterCommand(CLI::App* app) {
  CLI::App* cmd = app->add_subcommand("cluster", "the replicated, partitioned mode's map");
  cmd->require_subcommand(1);
  auto f = std::make_shared<InitFlags>();
  CLI::App* init = cmd->add_subcommand(
      "init", "write a cluster.json (docs/format/cluster_config.md) for `serve --cluster`");
  init->add_option("--node", f->nodes, "HOST:PORT:RAFT_PORT of node 1, 2, ... (repeat)")
      ->required();
  init->add_option("--partitions", f->partitions, "partitions (Raft groups)")
      ->capture_default_str();
  init->add_option("--replication-factor", f->replication_factor, "replicas per partition")
      ->capture_default_str();
  init->add_option("--min-replicas", f->min_replicas,
                   "reachable replicas a write needs (0: Raft's majority only)")
      ->capture_default_str();
  init->add_option("--snapshot-threshold", f->snapshot_threshold,
                   "entries after which each group snapshots (0: the default, 1024)");
  init->add_option("--snapshot-trailing", f->snapshot_trailing,
                   "entries kept behind a snapshot (0: the default, 128)");
  init->add_option("--out", f->out, "where to write it")->required();
  init->add_flag("--force", f->force, "replace an existing file");
  init->callback([f] { Init(*f); });

  auto sf = std::make_shared<StatusFlags>();
  CLI::App* status = cmd->add_subcommand(
      "status", "each node's state and, per partition, leader, term, and each replica's applied "
                "index and lag (exit 3 if a node does not answer or a partition has no leader)");
  status->add_option("--cluster", sf->cluster, "the cluster.json the nodes were started with")
      ->required();
  status->add_option("--timeout-ms", sf->timeout_ms, "how long to wait for each node")
      ->capture_default_str();
  status->callback([sf] { Status(*sf); });

  auto af = std::make_shared<MapChangeFlags>();
  CLI::App* add = cmd->add_subcommand(
      "add-node", "give a running cluster a new node: move replicas to it in a new map, "
                  "committed by the cluster's configuration group, and write that map for "
                  "starting the new node");
  add->add_option("--seed", af->seed, "HOST:PORT of any node of the cluster")->required();
  add->add_option("--node", af->node, "ID:HOST:PORT:RAFT_PORT of the new node")->required();
  add->add_option("--out", af->out, "where to write the new map (start the node with it)")
      ->required();
  add->add_flag("--force", af->force, "replace an existing file");
  add->add_option("--timeout-ms", af->timeout_ms, "how long to wait for each node")
      ->capture_default_str();
  add->callback([af] { AddNode(*af); });

  auto rf = std::make_shared<MapChangeFlags>();
  CLI::App* remove = cmd->add_subcommand(
      "remove-node", "take a node out of a running cluster: move its replicas to the others in a "
                     "new map, committed by the cluster's configuration group");
  remove->add_option("--seed", rf->seed, "HOST:PORT of any node of the cluster")->required();
  remove->add_option("--node-id", rf->node_id, "the node to remove")->required();
  remove->add_option("--out", rf->out, "also write the new map there");
  remove->add_flag("--force", rf->force, "replace an existing file");
  remove->add_option("--timeout-ms", rf->timeout_ms, "how long to wait for each node")
      ->capture_default_str();
  remove->callback([rf] { RemoveNode(*rf); });
}

}  // namespace synapsed::storage::tools
