// A cluster in the test's own process: each node's replicas
// (cluster_node.h) behind a Redis-protocol server on its client port, as
// `synapsed serve --cluster` runs them, so that a test can point the
// `distributed` backend (backends/distributed_store.h) at it. Ports from
// FreePort; Raft timeouts short, so that a group elects quickly.
#ifndef SYNAPSED_CLUSTER_LOCAL_CLUSTER_TEST_UTIL_H_
#define SYNAPSED_CLUSTER_LOCAL_CLUSTER_TEST_UTIL_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cluster/cluster_node.h"
#include "cluster/raft_test_util.h"
#include "fmt/format.h"
#include "server/server.h"
#include "util/status_macros.h"

namespace synapsed::storage::cluster::testing {

// A map of `nodes` loopback nodes and `partitions` partitions, every
// partition on `replication_factor` of them.
inline absl::StatusOr<ClusterConfig> LocalClusterConfig(int nodes, int partitions,
                                                        int replication_factor) {
  std::vector<ClusterNodeAddress> addresses;
  for (int i = 1; i <= nodes; ++i) {
    addresses.push_back({static_cast<uint64_t>(i), "127.0.0.1", FreePort(), FreePorts(partitions)});
  }
  return MakeClusterConfig(std::move(addresses), partitions, replication_factor,
                           (replication_factor / 2) + 1);
}

// One node: its replicas in `dir`, served on the config's client port.
class LocalNode {
 public:
  static absl::StatusOr<std::unique_ptr<LocalNode>> Start(const ClusterConfig& config,
                                                          uint64_t id, const std::string& dir) {
    ClusterNodeOptions o;
    o.config = config;
    o.node_id = id;
    o.dir = dir;
    o.election_timeout = std::chrono::milliseconds(200);
    o.heartbeat_timeout = std::chrono::milliseconds(20);
    std::unique_ptr<LocalNode> n(new LocalNode);
    ASSIGN_OR_RETURN(n->node_, ClusterNode::Open(std::move(o)));
    server::ServerOptions s;
    s.host = "127.0.0.1";
    s.port = config.FindNode(id)->port;
    s.threads = 1;
    s.sync = server::SyncMode::kAlways;
    s.router = n->node_.get();
    n->server_ = std::make_unique<server::Server>(n->node_->node_store(), s);
    RETURN_IF_ERROR(n->server_->Start());
    return n;
  }

  ~LocalNode() {
    if (server_ != nullptr) {
      server_->RequestShutdown();
      server_->Wait();
    }
    server_.reset();
    node_.reset();
  }

  std::string address() const { return fmt::format("127.0.0.1:{}", server_->port()); }

 private:
  LocalNode() = default;
  std::unique_ptr<ClusterNode> node_;
  std::unique_ptr<server::Server> server_;
};

}  // namespace synapsed::storage::cluster::testing

#endif  // SYNAPSED_CLUSTER_LOCAL_CLUSTER_TEST_UTIL_H_
