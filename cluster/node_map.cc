#include "cluster/node_map.h"

#include "env/env.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {

std::string NodeMap::PathIn(const std::string& dir) {
  return env::JoinPath(dir, "cluster-map.json");
}

absl::StatusOr<std::unique_ptr<NodeMap>> NodeMap::Open(ClusterConfig given, std::string dir) {
  env::FileSystem* fs = env::DefaultFileSystem();
  const std::string path = PathIn(dir);
  ASSIGN_OR_RETURN(bool kept, fs->FileExists(path));
  auto map = std::make_shared<const ClusterConfig>(std::move(given));
  if (kept) {
    ASSIGN_OR_RETURN(ClusterConfig adopted, ReadClusterConfig(path));
    if (adopted.epoch > map->epoch) {
      map = std::make_shared<const ClusterConfig>(std::move(adopted));
    }
  }
  return std::unique_ptr<NodeMap>(new NodeMap(std::move(map), std::move(dir)));
}

std::shared_ptr<const ClusterConfig> NodeMap::Get() const {
  MutexLock l(&mu_);
  return map_;
}

absl::Status CheckMapChange(const ClusterConfig& now, const ClusterConfig& next) {
  if (next.partitions.size() != now.partitions.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "the map has {} partitions where the cluster has {}; partitions cannot be added or "
        "removed",
        next.partitions.size(), now.partitions.size()));
  }
  for (size_t p = 0; p < now.partitions.size(); ++p) {
    if (next.partitions[p].slots != now.partitions[p].slots) {
      return absl::InvalidArgumentError(fmt::format(
          "partition {} serves other slots in the map; moving slots between partitions is not "
          "supported",
          p));
    }
  }
  for (const ClusterNodeAddress& n : next.nodes) {
    const ClusterNodeAddress* old = now.FindNode(n.id);
    if (old != nullptr &&
        (old->host != n.host || old->port != n.port || old->raft_port != n.raft_port)) {
      return absl::InvalidArgumentError(
          fmt::format("node {} has other addresses in the map; a node keeps its addresses", n.id));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> NodeMap::Adopt(const ClusterConfig& next) {
  // One adoption at a time, so that the file and the map in memory agree.
  MutexLock l(&mu_);
  const std::string json = ClusterConfigToJson(next);
  if (next.epoch <= map_->epoch) {
    if (next.epoch == map_->epoch && json == ClusterConfigToJson(*map_)) return false;
    return absl::FailedPreconditionError(
        fmt::format("stale map: epoch {} is not newer than this node's {}{}", next.epoch,
                    map_->epoch, next.epoch == map_->epoch ? " (which differs from it)" : ""));
  }
  RETURN_IF_ERROR(CheckMapChange(*map_, next));
  env::FileSystem* fs = env::DefaultFileSystem();
  const std::string path = PathIn(dir_);
  const std::string temp = path + ".tmp";
  RETURN_IF_ERROR(env::WriteStringToFile(fs, json, temp, /*sync=*/true));
  RETURN_IF_ERROR(fs->RenameFile(temp, path));
  RETURN_IF_ERROR(fs->SyncDir(dir_));
  map_ = std::make_shared<const ClusterConfig>(next);
  return true;
}

}  // namespace synapsed::storage::cluster
