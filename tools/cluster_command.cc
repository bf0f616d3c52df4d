#include "tools/cluster_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cluster/cluster_config.h"
#include "fmt/format.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

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
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << cluster::ClusterConfigToJson(*config);
    if (!out.flush()) FailWith(kExitError, fmt::format("cluster init: cannot write {}", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, f.out, ec);
  if (ec) FailWith(kExitError, fmt::format("cluster init: {}: {}", f.out, ec.message()));
  std::cout << fmt::format("wrote {}: {} nodes, {} partitions, replication factor {}", f.out,
                           config->nodes.size(), config->partitions.size(),
                           config->replication_factor)
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
}

}  // namespace synapsed::storage::tools
