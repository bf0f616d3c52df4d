// NodeMap: the cluster map one node goes by, and how it changes.
//
// A node starts from the map it is given (`serve --cluster FILE`) or from
// the one it adopted last, kept in its directory as `cluster-map.json`:
// whichever has the higher epoch. A newer map is one the cluster's
// configuration group committed (cluster_node.h); the node adopts it when
// it commits it itself, when its replica of the group applied it, or when a
// peer has it. Adopt writes it to the directory (synced, then renamed over
// the old one) before the node goes by it, so a restart never goes back to
// an older map.
//
// A map is a map change only if it keeps what the data depends on: the
// same partitions serving the same slots (moving slots between partitions
// would move data, which is not built), and every node listed in both at
// the same addresses. Nodes and replicas may come and go.
//
// Epochs order the maps the group commits: each commits only over the one
// before it, so no two maps share an epoch.
//
// Thread-safe.
#ifndef SYNAPSED_CLUSTER_NODE_MAP_H_
#define SYNAPSED_CLUSTER_NODE_MAP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cluster/cluster_config.h"
#include "util/mutex.h"

namespace synapsed::storage::cluster {

class NodeMap {
 public:
  // The newer of `given` and `dir`/cluster-map.json (if it exists; a file
  // that does not parse is an error naming it). `dir` must exist.
  static absl::StatusOr<std::unique_ptr<NodeMap>> Open(ClusterConfig given, std::string dir);

  std::shared_ptr<const ClusterConfig> Get() const;

  // Goes by `next` from now on if its epoch is newer: true. False if it is
  // the map the node has (same epoch, same JSON). FailedPrecondition "stale
  // map" for an older epoch, or the same epoch with other contents;
  // InvalidArgument for a map that changes the partitions' slots or a
  // listed node's addresses; the file system's error if it cannot be kept
  // (nothing changes then).
  absl::StatusOr<bool> Adopt(const ClusterConfig& next);

  // Where the adopted map is kept.
  static std::string PathIn(const std::string& dir);

 private:
  NodeMap(std::shared_ptr<const ClusterConfig> map, std::string dir)
      : dir_(std::move(dir)), map_(std::move(map)) {}

  const std::string dir_;
  mutable Mutex mu_;
  std::shared_ptr<const ClusterConfig> map_ ABSL_GUARDED_BY(mu_);
};

// OK if `next` may follow `now` (as Adopt says), else InvalidArgument
// naming what differs.
absl::Status CheckMapChange(const ClusterConfig& now, const ClusterConfig& next);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_NODE_MAP_H_
