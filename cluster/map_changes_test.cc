#include "cluster/map_changes.h"

#include <algorithm>
#include <map>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::cluster {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<ClusterNodeAddress> Nodes(int n) {
  std::vector<ClusterNodeAddress> nodes;
  for (int i = 1; i <= n; ++i) {
    nodes.push_back({static_cast<uint64_t>(i), "127.0.0.1", 7000 + i, 8000 + 100 * i});
  }
  return nodes;
}

std::map<uint64_t, size_t> Load(const ClusterConfig& c) {
  std::map<uint64_t, size_t> load;
  for (const ClusterNodeAddress& n : c.nodes) load[n.id] = 0;
  for (const PartitionConfig& p : c.partitions) {
    for (uint64_t r : p.replicas) ++load[r];
  }
  return load;
}

TEST(MapChanges, AFourthNodeTakesItsShareOfThreeFullyReplicatedNodes) {
  ASSERT_OK_AND_ASSIGN(ClusterConfig three, MakeClusterConfig(Nodes(3), 3, 3, 2));
  ASSERT_OK_AND_ASSIGN(MapChange add, AddNodeToMap(three, {4, "127.0.0.1", 7004, 8400}));
  // Nine replicas over four nodes: the newcomer takes two, one from each of
  // the two most loaded nodes, each of a partition it did not hold.
  EXPECT_THAT(add.moves, ElementsAre(ReplicaMove{0, 1, 4}, ReplicaMove{1, 2, 4}));
  EXPECT_THAT(Load(add.config), ElementsAre(std::pair<const uint64_t, size_t>{1, 2},
                                            std::pair<const uint64_t, size_t>{2, 2},
                                            std::pair<const uint64_t, size_t>{3, 3},
                                            std::pair<const uint64_t, size_t>{4, 2}));
  EXPECT_EQ(add.config.partitions[0].slots, three.partitions[0].slots);  // slots stay

  // Removing it again moves its two replicas to the least loaded holders.
  ASSERT_OK_AND_ASSIGN(MapChange remove, RemoveNodeFromMap(add.config, 4));
  EXPECT_THAT(remove.moves, ElementsAre(ReplicaMove{0, 4, 1}, ReplicaMove{1, 4, 2}));
  EXPECT_EQ(remove.config.nodes.size(), 3u);
  for (const PartitionConfig& p : remove.config.partitions) EXPECT_EQ(p.replicas.size(), 3u);
}

TEST(MapChanges, BadChangesAreRefusedNamingTheCause) {
  ASSERT_OK_AND_ASSIGN(ClusterConfig c, MakeClusterConfig(Nodes(3), 4, 3, 2));
  EXPECT_THAT(AddNodeToMap(c, {0, "127.0.0.1", 7100, 9000}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("node.id")));
  EXPECT_THAT(AddNodeToMap(c, {2, "127.0.0.1", 7100, 9000}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("in the map already")));
  // Node 1 listens on 7001 and Raft 8100..8103 (four partitions).
  EXPECT_THAT(AddNodeToMap(c, {9, "127.0.0.1", 7001, 9000}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overlaps node 1")));
  EXPECT_THAT(AddNodeToMap(c, {9, "127.0.0.1", 8103, 9000}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overlaps node 1")));
  EXPECT_THAT(AddNodeToMap(c, {9, "127.0.0.1", 7100, 8097}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overlaps node 1")));
  EXPECT_OK(AddNodeToMap(c, {9, "127.0.0.2", 7001, 8100}).status());  // another host
  EXPECT_THAT(AddNodeToMap(c, {9, "127.0.0.1", 7100, 65534}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("raft_port")));
  EXPECT_THAT(RemoveNodeFromMap(c, 7), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(RemoveNodeFromMap(c, 1),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("replication factor")));
}

// Any map init makes, grown by a node and shrunk by one: every result is a
// valid map, each move takes a replica from a holder to a non-holder, and
// adding leaves the newcomer within one replica of the most loaded node.
TEST(MapChanges, RandomMapsStayValidAndEven) {
  Random rnd(testing::TestSeed());
  for (int round = 0; round < 200; ++round) {
    const int nodes = 1 + static_cast<int>(rnd.Uniform(7));
    const int rf = 1 + static_cast<int>(rnd.Uniform(std::min(nodes, 3)));
    const int partitions = 1 + static_cast<int>(rnd.Uniform(12));
    SCOPED_TRACE(fmt::format("{} nodes, rf {}, {} partitions", nodes, rf, partitions));
    ASSERT_OK_AND_ASSIGN(ClusterConfig c, MakeClusterConfig(Nodes(nodes), partitions, rf, 1));
    const uint64_t id = nodes + 1;
    ASSERT_OK_AND_ASSIGN(MapChange add,
                         AddNodeToMap(c, {id, "127.0.0.1", 7000 + static_cast<int>(id),
                                          8000 + 100 * static_cast<int>(id)}));
    for (const ReplicaMove& m : add.moves) {
      const auto& before = c.partitions[m.partition].replicas;
      const auto& after = add.config.partitions[m.partition].replicas;
      EXPECT_NE(std::find(before.begin(), before.end(), m.from), before.end());
      EXPECT_EQ(std::find(after.begin(), after.end(), m.from), after.end());
      EXPECT_NE(std::find(after.begin(), after.end(), m.to), after.end());
    }
    const auto load = Load(add.config);
    size_t most = 0;
    for (const auto& [n, held] : load) most = std::max(most, held);
    EXPECT_EQ(load.at(id), add.moves.size());
    if (load.at(id) < static_cast<size_t>(partitions)) EXPECT_LE(most, load.at(id) + 1);
    if (nodes + 1 > rf) {
      ASSERT_OK_AND_ASSIGN(MapChange remove,
                           RemoveNodeFromMap(add.config, 1 + rnd.Uniform(nodes + 1)));
      for (const PartitionConfig& p : remove.config.partitions) {
        EXPECT_EQ(p.replicas.size(), static_cast<size_t>(rf));
      }
    }
  }
}

}  // namespace
}  // namespace synapsed::storage::cluster
