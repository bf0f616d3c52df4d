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
// propose it (CLUSTER SYNAPSED-SETMAP) through the seed to the cluster's
// configuration group, partition 0's Raft group, whose leader commits it
// only if the group's map is still the one read: of two changes made from
// one map, one commits and the other fails with "stale map". The nodes then
// take the map from the group and their peers and move the replicas
// themselves. The command waits (up to 15 s) for the nodes to go by the
// new map — those of the new map for add-node (not the new node, which is
// not running yet), those of the old one for remove-node (the leaving node
// too) — and prints each replica move and the nodes that did not take the
// map yet; a node that is down is warned about and takes it from its peers
// when back. add-node then wants the new node started with the new map:
// `synapsed serve --cluster FILE --node-id ID --dir DIR`.
#ifndef SYNAPSED_TOOLS_CLUSTER_COMMAND_H_
#define SYNAPSED_TOOLS_CLUSTER_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddClusterCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_CLUSTER_COMMAND_H_
