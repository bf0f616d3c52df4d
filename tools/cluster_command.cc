#include "tools/cluster_command.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "backends/resp_connection.h"
#include "cluster/cluster_config.h"
#include "cluster/partition_status.h"
#include "env/env.h"
#include "fmt/format.h"
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

// "HOST:PORT:RAFT_PORT".
cluster::ClusterNodeAddress ParseNode(const std::string& spec, uint64_t id) {
  const size_t second = spec.rfind(':');
  const size_t first = second == std::string::npos || second == 0
                           ? std::string::npos
                           : spec.rfind(':', second - 1);
  cluster::ClusterNodeAddress n;
  n.id = id;
  try {
    if (first == std::string::npos) throw std::invalid_argument("shape");
    n.host = spec.substr(0, first);
    n.port = std::stoi(spec.substr(first + 1, second - first - 1));
    n.raft_port = std::stoi(spec.substr(second + 1));
  } catch (const std::exception&) {
    FailWith(kExitError,
             fmt::format("cluster init: --node wants HOST:PORT:RAFT_PORT, not \"{}\"", spec));
  }
  return n;
}

void Init(const InitFlags& f) {
  std::vector<cluster::ClusterNodeAddress> nodes;
  for (const std::string& spec : f.nodes) nodes.push_back(ParseNode(spec, nodes.size() + 1));
  auto config = cluster::MakeClusterConfig(std::move(nodes), f.partitions,
                                           f.replication_factor, f.min_replicas);
  CheckOk(config.status(), "cluster init");
  config->snapshot_threshold = f.snapshot_threshold;
  config->snapshot_trailing = f.snapshot_trailing;
  if (!f.force && std::filesystem::exists(f.out)) {
    FailWith(kExitError, fmt::format("cluster init: {} exists (--force replaces it)", f.out));
  }
  const std::string tmp = f.out + ".tmp";
  CheckOk(env::WriteStringToFile(env::DefaultFileSystem(), cluster::ClusterConfigToJson(*config),
                                 tmp, /*sync=*/true),
          "cluster init");
  std::error_code ec;
  std::filesystem::rename(tmp, f.out, ec);
  if (ec) FailWith(kExitError, fmt::format("cluster init: {}: {}", f.out, ec.message()));
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
}

}  // namespace synapsed::storage::tools
