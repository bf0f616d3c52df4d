// Changing a running cluster's map (cluster_node.h, docs/cluster.md
// "Changing the map"), in this process: a node added takes replicas (caught
// up by snapshot) and serves, a node removed gives its replicas up, and no
// acknowledged write is lost; a node restarted with the first map goes by
// the one it adopted.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "backends/distributed_store.h"
#include "backends/resp_connection.h"
#include "cluster/local_cluster_test_util.h"
#include "cluster/map_changes.h"
#include "cluster/partition_status.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using ::testing::HasSubstr;

class ClusterMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_membership_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_OK_AND_ASSIGN(first_, testing::LocalClusterConfig(3, 3, 3));
    // Short logs, so that a replica added later needs a snapshot.
    first_.snapshot_threshold = 64;
    first_.snapshot_trailing = 16;
    map_ = first_;
    for (uint64_t id = 1; id <= 3; ++id) Start(id, first_);
  }

  void TearDown() override {
    nodes_.clear();
    std::filesystem::remove_all(dir_);
  }

  void Start(uint64_t id, const ClusterConfig& config) {
    ASSERT_OK_AND_ASSIGN(nodes_[id], testing::LocalNode::Start(config, id, NodeDir(id)));
  }
  std::string NodeDir(uint64_t id) const { return fmt::format("{}/node{}", dir_, id); }

  absl::StatusOr<RespReply> Call(uint64_t id, const std::vector<std::string_view>& args) {
    const ClusterNodeAddress* n = map_.FindNode(id);
    if (n == nullptr) n = first_.FindNode(id);
    ASSIGN_OR_RETURN(auto c, RespConnection::Connect(n->host, n->port, std::chrono::seconds(5)));
    return c->Call(args);
  }

  // A field of node `id`'s CLUSTER INFO, as a number (-1 if missing).
  int64_t Info(uint64_t id, std::string_view field) {
    absl::StatusOr<RespReply> r = Call(id, {"CLUSTER", "INFO"});
    if (!r.ok()) return -1;
    for (const std::string& line : std::vector<std::string>(absl::StrSplit(r->str, "\r\n"))) {
      if (line.starts_with(std::string(field) + ":")) {
        int64_t v = -1;
        return absl::SimpleAtoi(line.substr(field.size() + 1), &v) ? v : -1;
      }
    }
    return -1;
  }

  // Proposes `next` through node `via`, following -MOVED to the
  // configuration group's leader and retrying -TRYAGAIN, -CLUSTERDOWN and
  // "not the leader" (an election under way) for up to 5 s; the last reply.
  RespReply Propose(const ClusterConfig& next, uint64_t via = 1) {
    const std::string json = ClusterConfigToJson(next);
    const ClusterNodeAddress* n = map_.FindNode(via);
    std::string host = n->host;
    int port = n->port;
    for (int i = 0;; ++i) {
      auto c = RespConnection::Connect(host, port, std::chrono::seconds(5));
      EXPECT_OK(c.status());
      if (!c.ok()) return RespReply();
      absl::StatusOr<RespReply> r = (*c)->Call({"CLUSTER", "SYNAPSED-SETMAP", json});
      EXPECT_OK(r.status());
      if (!r.ok() || i == 50) return r.ok() ? *r : RespReply();
      if (r->str.starts_with("MOVED ")) {
        const std::string address = r->str.substr(r->str.rfind(' ') + 1);
        host = address.substr(0, address.rfind(':'));
        port = std::stoi(address.substr(address.rfind(':') + 1));
      } else if (r->str.starts_with("TRYAGAIN") || r->str.starts_with("CLUSTERDOWN") ||
                 r->str.starts_with("ERR not the leader")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      } else {
        return *r;
      }
    }
  }

  // Commits `next` in the configuration group, and goes by it.
  void SetMap(ClusterConfig next) {
    const RespReply r = Propose(next);
    EXPECT_EQ(r.str, "OK");
    map_ = std::move(next);
  }

  // Waits (up to a minute) until every running node holds exactly the
  // replicas the map gives it.
  void AwaitPlacement() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      std::string wrong;
      for (const auto& [id, node] : nodes_) {
        int64_t want = 0;
        for (const PartitionConfig& p : map_.partitions) {
          want += std::count(p.replicas.begin(), p.replicas.end(), id);
        }
        const int64_t here = Info(id, "cluster_partitions_here");
        if (here != want) wrong += fmt::format(" node {} holds {} of {};", id, here, want);
      }
      if (wrong.empty()) return;
      if (std::chrono::steady_clock::now() > deadline) FAIL() << "placement:" << wrong;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::unique_ptr<Store> Client(uint64_t seed) {
    const ClusterNodeAddress* n = map_.FindNode(seed);
    DistributedOptions o;
    o.nodes = {fmt::format("{}:{}", n->host, n->port)};
    o.retry_timeout_ms = 20000;
    auto store = OpenDistributedStore(o);
    EXPECT_OK(store.status());
    return store.ok() ? *std::move(store) : nullptr;
  }

  void ExpectEveryKey(uint64_t seed) {
    auto reader = Client(seed);
    ASSERT_NE(reader, nullptr);
    for (const auto& [k, v] : model_) {
      ASSERT_OK_AND_ASSIGN(std::string got, reader->Get(k));
      ASSERT_EQ(got, v) << k;
    }
  }

  std::string dir_;
  ClusterConfig first_;
  ClusterConfig map_;  // the newest map sent
  std::map<uint64_t, std::unique_ptr<testing::LocalNode>> nodes_;
  std::map<std::string, std::string> model_;  // acknowledged writes
};

TEST_F(ClusterMembershipTest, ANodeAddedTakesReplicasAndANodeRemovedGivesThemUp) {
  auto writer = Client(1);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 600; ++i) {
    const std::string k = fmt::format("k{:04}", i);
    ASSERT_OK(writer->Put(k, fmt::format("v{}", i)));
    model_[k] = fmt::format("v{}", i);
  }

  // Node 4 joins: the map moves replicas to it, then it starts.
  const ClusterNodeAddress four{4, "127.0.0.1", testing::FreePort(), testing::FreePorts(3)};
  ASSERT_OK_AND_ASSIGN(MapChange added, AddNodeToMap(map_, four));
  ASSERT_FALSE(added.moves.empty());
  added.config.epoch = 2;
  SetMap(added.config);
  Start(4, added.config);
  AwaitPlacement();
  EXPECT_EQ(Info(4, "cluster_epoch"), 2);

  // It serves: every acknowledged write reads back through it, and writes
  // go on through it.
  ExpectEveryKey(4);
  auto via4 = Client(4);
  ASSERT_NE(via4, nullptr);
  for (int i = 600; i < 700; ++i) {
    const std::string k = fmt::format("k{:04}", i);
    ASSERT_OK(via4->Put(k, fmt::format("v{}", i)));
    model_[k] = fmt::format("v{}", i);
  }
  // Its replicas came by snapshot: the leaders had trimmed their logs.
  ASSERT_OK_AND_ASSIGN(RespReply info, Call(4, {"CLUSTER", "INFO"}));
  uint64_t restores = 0;
  for (const auto& [p, status] : ParsePartitionStatus(info.str)) restores += status.restores;
  EXPECT_GE(restores, 1u) << info.str;

  // Node 1 leaves: its replicas move to the others, and it gives them up.
  ASSERT_OK_AND_ASSIGN(MapChange removed, RemoveNodeFromMap(map_, 1));
  removed.config.epoch = 3;
  SetMap(removed.config);
  AwaitPlacement();
  EXPECT_EQ(Info(1, "cluster_partitions_here"), 0);
  ExpectEveryKey(2);
  // Its replicas' files are kept, renamed, for the operator to remove.
  bool retired = false;
  for (const auto& e : std::filesystem::directory_iterator(NodeDir(1))) {
    retired |= e.path().filename().string().find(".retired-3") != std::string::npos;
  }
  EXPECT_TRUE(retired);

  // Restarted with the first map, node 2 goes by the one it adopted.
  nodes_.erase(2);
  Start(2, first_);
  EXPECT_EQ(Info(2, "cluster_epoch"), 3);
  AwaitPlacement();
  ExpectEveryKey(3);
}

TEST_F(ClusterMembershipTest, AStaleOrInvalidMapIsRefusedAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(RespReply r, Call(1, {"CLUSTER", "SYNAPSED-SETMAP", "{\"epoch\": 2"}));
  EXPECT_THAT(r.str, HasSubstr("ERR invalid map: invalid cluster config: not JSON"));
  EXPECT_EQ(Propose(first_).str, "OK");  // the map the cluster has
  ClusterConfig other = first_;
  other.min_replicas = 3;
  EXPECT_THAT(Propose(other).str,
              HasSubstr("ERR stale map: epoch 1 does not follow the cluster's epoch 1"));
  other.epoch = 2;
  other.partitions.pop_back();
  other.partitions.back().slots.back().second = 16383;
  EXPECT_THAT(Propose(other).str,
              HasSubstr("ERR invalid map: the map has 2 partitions where the cluster has 3"));
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_OK_AND_ASSIGN(r, Call(id, {"CLUSTER", "SYNAPSED-MAP"}));
    EXPECT_EQ(r.str, ClusterConfigToJson(first_));
    EXPECT_EQ(Info(id, "cluster_epoch"), 1);
  }
}

// Two changes made from one map: the configuration group commits one, and
// the other is refused, whichever node each is sent through.
TEST_F(ClusterMembershipTest, OfTwoChangesFromOneMapOnlyOneCommits) {
  const ClusterNodeAddress four{4, "127.0.0.1", testing::FreePort(), testing::FreePorts(3)};
  const ClusterNodeAddress five{5, "127.0.0.1", testing::FreePort(), testing::FreePorts(3)};
  ASSERT_OK_AND_ASSIGN(MapChange with4, AddNodeToMap(first_, four));
  ASSERT_OK_AND_ASSIGN(MapChange with5, AddNodeToMap(first_, five));
  with4.config.epoch = with5.config.epoch = 2;
  EXPECT_EQ(Propose(with4.config, 2).str, "OK");
  EXPECT_THAT(Propose(with5.config, 3).str,
              HasSubstr("ERR stale map: epoch 2 does not follow the cluster's epoch 2"));
  // Every node comes to the one committed.
  const std::string committed = ClusterConfigToJson(with4.config);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (uint64_t id = 1; id <= 3; ++id) {
    std::string theirs;
    while (std::chrono::steady_clock::now() < deadline) {
      ASSERT_OK_AND_ASSIGN(RespReply r, Call(id, {"CLUSTER", "SYNAPSED-MAP"}));
      theirs = r.str;
      if (theirs == committed) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(theirs, committed) << "node " << id;
  }
}

}  // namespace
}  // namespace synapsed::storage::cluster
