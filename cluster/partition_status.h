// The line a node's CLUSTER INFO carries for each partition it holds, in
// the shape of INFO's keyspace lines (docs/format/cluster_config.md):
//
//   partition_0:leader=2,term=3,commit=41,applied=41,restores=0
//
// Written by the node (cluster_node.h), read by `synapsed cluster status`
// and the cluster's end-to-end tests.
#ifndef SYNAPSED_CLUSTER_PARTITION_STATUS_H_
#define SYNAPSED_CLUSTER_PARTITION_STATUS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace synapsed::storage::cluster {

struct PartitionStatus {
  uint64_t leader = 0;  // 0: none known
  uint64_t term = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
  uint64_t restores = 0;  // snapshots restored since the node started
};

// The line for partition `p`, with its CRLF.
std::string FormatPartitionStatus(uint32_t p, const PartitionStatus& status);
// Every partition line in CLUSTER INFO's text, by partition; other lines
// are skipped.
std::map<uint32_t, PartitionStatus> ParsePartitionStatus(std::string_view info);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_PARTITION_STATUS_H_
