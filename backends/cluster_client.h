// ClusterClient: the `distributed` backend's way to a cluster — pooled RESP
// connections to its nodes, the slot → partition → leader map
// (cluster_topology.h), and the retries a leader change needs.
//
// Call sends commands to the leader of a slot's partition and returns their
// replies. Until the retry deadline (DistributedOptions::retry_timeout_ms)
// it follows -MOVED (the node named leads now), and waits and asks again
// after -TRYAGAIN, -CLUSTERDOWN, "not the leader", "insufficient
// replicas", a stopping node, an entry that did not commit, or a
// connection that failed. When the deadline passes, the last
// of those is returned as Unavailable naming the node and its words (e.g.
// "CLUSTERDOWN insufficient replicas: ..."); if an earlier attempt may have
// been applied (its connection broke after sending, or its entry did not
// commit under the leader that appended it), the message adds "the outcome
// is unknown" and names that attempt. Because a retried pipeline may
// have been applied once already, only pipelines that are safe to apply
// twice go through Call (SET, DEL, a MULTI of them, reads); a transaction
// with WATCH takes its own connection (Take) and is never re-sent.
//
// Thread-safe.
#ifndef SYNAPSED_BACKENDS_CLUSTER_CLIENT_H_
#define SYNAPSED_BACKENDS_CLUSTER_CLIENT_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/cluster_topology.h"
#include "backends/resp_connection.h"
#include "synapsed/storage/config.h"
#include "util/mutex.h"

namespace synapsed::storage {

class ClusterClient {
 public:
  // Reads the password file, asks the seed nodes for the map, and checks
  // the options' expectations against the cluster's CLUSTER INFO.
  static absl::StatusOr<std::unique_ptr<ClusterClient>> Connect(const DistributedOptions& options);
  ~ClusterClient();

  using Command = std::vector<std::string_view>;
  // `commands`, pipelined, on the leader of `slot`'s partition (above).
  absl::StatusOr<std::vector<RespReply>> Call(uint16_t slot, const std::vector<Command>& commands);
  absl::StatusOr<RespReply> Call(uint16_t slot, const Command& command);

  // A copy of the current map.
  ClusterTopology Topology() const;
  // The partition that holds `slot` (no copy of the map).
  size_t PartitionOfSlot(uint16_t slot) const;
  // A slot of each partition, to address it by (SYNAPSED.RANGE).
  std::vector<uint16_t> PartitionSlots() const;
  // A connection of its own (authenticated) to the leader of `slot`'s
  // partition as the map knows it; Give it back when done.
  absl::StatusOr<std::unique_ptr<RespConnection>> Take(uint16_t slot);
  void Give(std::unique_ptr<RespConnection> connection);

 private:
  ClusterClient(const DistributedOptions& options, std::string password);
  absl::StatusOr<std::unique_ptr<RespConnection>> TakeFrom(const std::string& address);
  // Asks the known nodes, then the seeds, for a new map.
  absl::Status Refresh();
  absl::Status CheckExpectations();
  // Sends `commands` once to `address`; `sent` (if given) becomes true once
  // a connection took them, so that a failure from then on may have been
  // applied.
  absl::StatusOr<std::vector<RespReply>> CallOnce(const std::string& address,
                                                  const std::vector<Command>& commands,
                                                  bool* sent = nullptr);

  const DistributedOptions options_;
  const std::string password_;
  const std::chrono::milliseconds timeout_;
  const std::chrono::milliseconds retry_timeout_;
  mutable Mutex mu_;
  ClusterTopology topology_ ABSL_GUARDED_BY(mu_);
  // Idle connections by "host:port".
  std::map<std::string, std::vector<std::unique_ptr<RespConnection>>> idle_ ABSL_GUARDED_BY(mu_);
};

// The status a reply's error means, or OK if it is not an error: -NOPERM
// is PermissionDenied, -CROSSSLOT InvalidArgument, -EXECABORT Aborted, any
// other error Unknown; each message names `address` and the error.
absl::Status ReplyStatus(const RespReply& reply, std::string_view address);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_CLUSTER_CLIENT_H_
