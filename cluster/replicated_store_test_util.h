// Test helper: a partition of `size` replicas in one process, each a
// ReplicatedStore opened whole (engine, machine, Raft node) in its own
// directory, on loopback, with the test cluster secret.
#ifndef SYNAPSED_CLUSTER_REPLICATED_STORE_TEST_UTIL_H_
#define SYNAPSED_CLUSTER_REPLICATED_STORE_TEST_UTIL_H_

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cluster/raft_test_util.h"
#include "cluster/replicated_store.h"
#include "fmt/format.h"

namespace synapsed::storage::cluster::testing {

class TestPartition {
 public:
  // Under `root` if given (kept), else a fresh directory removed at the end.
  TestPartition(const std::string& name, int size, std::string root = "")
      : owns_root_(root.empty()) {
    root_ = root.empty() ? (std::filesystem::temp_directory_path() /
                            fmt::format("synapsed-replicas-{}-{}", getpid(), name))
                               .string()
                         : root;
    if (owns_root_) std::filesystem::remove_all(root_);
    for (int i = 0; i < size; ++i) {
      peers_.push_back({static_cast<uint64_t>(i + 1), fmt::format("127.0.0.1:{}", FreePort())});
    }
    stores_.resize(size);
  }
  ~TestPartition() {
    stores_.clear();
    if (owns_root_) std::filesystem::remove_all(root_);
  }

  int size() const { return static_cast<int>(stores_.size()); }
  ReplicatedStore* store(int i) { return stores_[i].get(); }
  ReplicatedStoreOptions store_options;

  absl::Status Start(int i) {
    ReplicaOptions o;
    o.dir = fmt::format("{}/replica{}", root_, i + 1);
    o.raft.id = peers_[i].id;
    o.raft.address = peers_[i].address;
    o.raft.voters = peers_;
    o.raft.cluster_secret = &TestSecret();
    o.raft.install_snapshot_timeout = std::chrono::milliseconds(1000);
    o.store = store_options;
    auto s = ReplicatedStore::Open(o);
    if (!s.ok()) return s.status();
    stores_[i] = std::move(*s);
    return absl::OkStatus();
  }
  absl::Status StartAll() {
    for (int i = 0; i < size(); ++i) {
      if (absl::Status s = Start(i); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  void Stop(int i) { stores_[i].reset(); }

  // The running replica that leads, once one does (at most 10 s), or -1.
  int Leader() {
    return WaitForLeader(size(), [this](int i) {
      return stores_[i] != nullptr ? stores_[i]->node() : nullptr;
    });
  }

 private:
  bool owns_root_;
  std::string root_;
  std::vector<RaftPeer> peers_;
  std::vector<std::unique_ptr<ReplicatedStore>> stores_;
};

}  // namespace synapsed::storage::cluster::testing

#endif  // SYNAPSED_CLUSTER_REPLICATED_STORE_TEST_UTIL_H_
