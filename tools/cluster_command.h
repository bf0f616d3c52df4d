// `synapsed cluster`: operations on a cluster's map.
//
//   cluster init --node HOST:PORT:RAFT_PORT (once per node, ids 1, 2, ... in
//                order) --partitions P --replication-factor R
//                [--min-replicas M] --out cluster.json [--force]
//
// Writes a cluster.json (docs/format/cluster_config.md) splitting the 16384
// slots into P near-equal ranges, each partition with R replicas on
// consecutive nodes. Each node is then started with `synapsed serve
// --cluster cluster.json --node-id N --dir DIR`; the groups elect their
// leaders by themselves.
//
//   cluster status --cluster cluster.json [--timeout-ms 2000]
//
// Asks every node for CLUSTER INFO and prints each node (up, or unreachable
// and why) and, per partition, its slots, leader, term and commit index,
// and each replica's applied index and lag behind the highest commit.
// Exit 0 when every node answers and every partition has a leader, 3
// otherwise.
#ifndef SYNAPSED_TOOLS_CLUSTER_COMMAND_H_
#define SYNAPSED_TOOLS_CLUSTER_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddClusterCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_CLUSTER_COMMAND_H_
