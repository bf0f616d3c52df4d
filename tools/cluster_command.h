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
//
//   cluster add-node --seed HOST:PORT --node ID:HOST:PORT:RAFT_PORT
//                    --out FILE [--force] [--timeout-ms 2000]
//   cluster remove-node --seed HOST:PORT --node-id ID [--out FILE [--force]]
//
// Change a running cluster's map: read it from the seed (CLUSTER
// SYNAPSED-MAP), move replicas to the new node or off the leaving one
// (cluster/map_changes.h), number the new map one epoch past the old, and
// give it (CLUSTER SYNAPSED-SETMAP) to the seed first, then to every other
// node: of the new map for add-node (not the new node, which is not running
// yet), of the old one for remove-node (the leaving node too, so that it
// learns it leaves). The nodes then move the replicas themselves. If the
// seed refuses the map (a newer one raced it) the command fails and no other
// node is asked; it fails too, after reporting, if another node has a newer
// map. A node that is down is warned about and takes the map from its peers
// when back. Prints each replica move and the nodes that did not take the
// map. add-node then wants the new node started with the new map:
// `synapsed serve --cluster FILE --node-id ID --dir DIR`.
#ifndef SYNAPSED_TOOLS_CLUSTER_COMMAND_H_
#define SYNAPSED_TOOLS_CLUSTER_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddClusterCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_CLUSTER_COMMAND_H_
