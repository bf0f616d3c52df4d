// ClusterTopology: which partition holds each hash slot and which node
// leads it, as the `distributed` backend sees a cluster — read from one
// node's `CLUSTER SHARDS` reply and corrected by `-MOVED` replies.
//
// A shard of CLUSTER SHARDS is one partition (one Raft group): its slot
// ranges and its replicas, the one with role "master" being the leader the
// node knew of. A server without cluster mode (a lone `synapsed serve`)
// answers CLUSTER with an error: it is then one partition holding every
// slot, led by itself (SingleNode).
#ifndef SYNAPSED_BACKENDS_CLUSTER_TOPOLOGY_H_
#define SYNAPSED_BACKENDS_CLUSTER_TOPOLOGY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/resp_reply.h"

namespace synapsed::storage {

struct PartitionRoute {
  // Inclusive slot ranges.
  std::vector<std::pair<uint16_t, uint16_t>> slots;
  // "host:port" of each replica, and of the leader (may be stale).
  std::vector<std::string> replicas;
  std::string leader;
};

class ClusterTopology {
 public:
  // Parses a CLUSTER SHARDS reply. InvalidArgument if it is malformed, or
  // if some slot has no partition or two.
  static absl::StatusOr<ClusterTopology> FromShards(const RespReply& shards);
  // One partition of every slot at `address`.
  static ClusterTopology SingleNode(const std::string& address);

  size_t partitions() const { return partitions_.size(); }
  const PartitionRoute& partition(size_t p) const { return partitions_[p]; }
  size_t PartitionOfSlot(uint16_t slot) const { return partition_of_slot_[slot]; }
  size_t PartitionOfKey(std::string_view key) const;
  // A slot the partition holds, to address it by (SYNAPSED.RANGE).
  uint16_t FirstSlot(size_t p) const { return partitions_[p].slots.front().first; }
  // A -MOVED named `address` as the leader of `slot`'s partition.
  void SetLeader(uint16_t slot, const std::string& address);

 private:
  std::vector<PartitionRoute> partitions_;
  std::vector<uint16_t> partition_of_slot_;  // one entry per slot
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_CLUSTER_TOPOLOGY_H_
