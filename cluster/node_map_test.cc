// NodeMap: which maps a node adopts, and that an adopted map outlives a
// restart.
#include "cluster/node_map.h"

#include <stdlib.h>

#include <filesystem>

#include "cluster/map_changes.h"
#include "env/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

class NodeMapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_node_map_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_OK_AND_ASSIGN(first_, MakeClusterConfig({{1, "127.0.0.1", 7001, 7101},
                                                    {2, "127.0.0.1", 7002, 7111},
                                                    {3, "127.0.0.1", 7003, 7121}},
                                                   3, 3, 2));
    ASSERT_OK_AND_ASSIGN(MapChange added, AddNodeToMap(first_, {4, "127.0.0.1", 7004, 7131}));
    second_ = added.config;
    second_.epoch = 2;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  ClusterConfig first_;
  ClusterConfig second_;  // node 4 added, epoch 2
};

TEST_F(NodeMapTest, AdoptsANewerMapAndKeepsItAcrossARestart) {
  ASSERT_OK_AND_ASSIGN(auto map, NodeMap::Open(first_, dir_));
  EXPECT_EQ(map->Get()->epoch, 1u);
  ASSERT_OK_AND_ASSIGN(bool adopted, map->Adopt(second_));
  EXPECT_TRUE(adopted);
  EXPECT_EQ(map->Get()->epoch, 2u);
  EXPECT_NE(map->Get()->FindNode(4), nullptr);
  // The same map again changes nothing.
  ASSERT_OK_AND_ASSIGN(adopted, map->Adopt(second_));
  EXPECT_FALSE(adopted);

  // Restarted with the first map, the node goes by the one it adopted.
  map.reset();
  ASSERT_OK_AND_ASSIGN(map, NodeMap::Open(first_, dir_));
  EXPECT_EQ(map->Get()->epoch, 2u);
  EXPECT_EQ(ClusterConfigToJson(*map->Get()), ClusterConfigToJson(second_));
  // Given a newer map than the one kept, it goes by the given one.
  ClusterConfig third = second_;
  third.epoch = 3;
  map.reset();
  ASSERT_OK_AND_ASSIGN(map, NodeMap::Open(third, dir_));
  EXPECT_EQ(map->Get()->epoch, 3u);
}

TEST_F(NodeMapTest, RefusesOlderAndConflictingMapsAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(auto map, NodeMap::Open(first_, dir_));
  ASSERT_OK(map->Adopt(second_).status());
  const std::string kept = ClusterConfigToJson(*map->Get());

  EXPECT_THAT(map->Adopt(first_).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("stale map: epoch 1 is not newer than this node's 2")));
  ClusterConfig other = first_;  // epoch 2, but not the map adopted
  other.epoch = 2;
  EXPECT_THAT(map->Adopt(other).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("which differs")));

  ClusterConfig moved = second_;  // slots move between partitions
  moved.epoch = 3;
  moved.partitions[0].slots = {{0, 5000}};
  moved.partitions[1].slots = {{5001, 10921}};
  ASSERT_OK(ValidateClusterConfig(&moved));
  EXPECT_THAT(map->Adopt(moved).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("partition 0 serves other slots")));

  ClusterConfig readdressed = second_;  // node 2 at another port
  readdressed.epoch = 3;
  readdressed.nodes[1].port = 7999;
  EXPECT_THAT(map->Adopt(readdressed).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("node 2 has other addresses")));

  EXPECT_EQ(ClusterConfigToJson(*map->Get()), kept);
  ASSERT_OK_AND_ASSIGN(std::string file,
                       env::ReadFileToString(env::DefaultFileSystem(), NodeMap::PathIn(dir_)));
  EXPECT_EQ(file, kept);
}

TEST_F(NodeMapTest, AKeptMapThatDoesNotParseIsAnErrorNamingTheFile) {
  ASSERT_OK(env::WriteStringToFile(env::DefaultFileSystem(), "{\"epoch\": 2",
                                   NodeMap::PathIn(dir_), false));
  EXPECT_THAT(NodeMap::Open(first_, dir_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cluster-map.json")));
}

}  // namespace
}  // namespace synapsed::storage::cluster
