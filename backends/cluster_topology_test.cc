#include "backends/cluster_topology.h"

#include <string>

#include "backends/hash_slot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

RespReply Bulk(std::string s) {
  RespReply r;
  r.type = RespReply::Type::kBulk;
  r.str = std::move(s);
  return r;
}
RespReply Int(int64_t i) {
  RespReply r;
  r.type = RespReply::Type::kInteger;
  r.integer = i;
  return r;
}
RespReply Array(std::vector<RespReply> e) {
  RespReply r;
  r.type = RespReply::Type::kArray;
  r.elements = std::move(e);
  return r;
}

RespReply Node(int port, const char* role) {
  return Array({Bulk("id"), Bulk("abc"), Bulk("port"), Int(port), Bulk("ip"), Bulk("127.0.0.1"),
                Bulk("endpoint"), Bulk("127.0.0.1"), Bulk("role"), Bulk(role), Bulk("health"),
                Bulk("online")});
}

// Two partitions as a node in cluster mode lists them (RESP2: maps as flat
// arrays of names and values): 0-5460 and 10923-16383 on one, the rest on
// the other, each on two nodes with its leader as "master".
RespReply TwoShards() {
  return Array({
      Array({Bulk("slots"), Array({Int(0), Int(5460), Int(10923), Int(16383)}), Bulk("nodes"),
             Array({Node(7001, "master"), Node(7002, "replica")})}),
      Array({Bulk("slots"), Array({Int(5461), Int(10922)}), Bulk("nodes"),
             Array({Node(7001, "replica"), Node(7002, "master")})}),
  });
}

TEST(ClusterTopology, ReadsPartitionsSlotsAndLeadersFromClusterShards) {
  ASSERT_OK_AND_ASSIGN(ClusterTopology t, ClusterTopology::FromShards(TwoShards()));
  ASSERT_EQ(t.partitions(), 2u);
  EXPECT_EQ(t.PartitionOfSlot(0), 0u);
  EXPECT_EQ(t.PartitionOfSlot(5460), 0u);
  EXPECT_EQ(t.PartitionOfSlot(5461), 1u);
  EXPECT_EQ(t.PartitionOfSlot(10922), 1u);
  EXPECT_EQ(t.PartitionOfSlot(16383), 0u);
  EXPECT_EQ(t.partition(0).leader, "127.0.0.1:7001");
  EXPECT_EQ(t.partition(1).leader, "127.0.0.1:7002");
  EXPECT_THAT(t.partition(1).replicas,
              ::testing::ElementsAre("127.0.0.1:7001", "127.0.0.1:7002"));
  EXPECT_EQ(t.FirstSlot(1), 5461);
  // "foo" hashes to 12182 (Redis's documented example): partition 0.
  EXPECT_EQ(KeyHashSlot("foo"), 12182);
  EXPECT_EQ(t.PartitionOfKey("foo"), 0u);
  // A MOVED names the new leader of the slot's whole partition.
  t.SetLeader(12182, "127.0.0.1:7002");
  EXPECT_EQ(t.partition(0).leader, "127.0.0.1:7002");
  EXPECT_EQ(t.partition(1).leader, "127.0.0.1:7002");
}

TEST(ClusterTopology, ASingleNodeHoldsEverySlot) {
  ClusterTopology t = ClusterTopology::SingleNode("127.0.0.1:6379");
  ASSERT_EQ(t.partitions(), 1u);
  EXPECT_EQ(t.PartitionOfSlot(0), 0u);
  EXPECT_EQ(t.PartitionOfSlot(16383), 0u);
  EXPECT_EQ(t.partition(0).leader, "127.0.0.1:6379");
}

TEST(ClusterTopology, AMalformedOrIncompleteMapIsRefused) {
  auto refused = [](RespReply r, const char* why) {
    EXPECT_THAT(ClusterTopology::FromShards(r),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(why)));
  };
  refused(Bulk("nope"), "array of shards");
  refused(Array({}), "array of shards");
  RespReply gap = TwoShards();
  gap.elements.pop_back();
  refused(gap, "slot 5461 has no shard");
  RespReply twice = TwoShards();
  twice.elements[1].elements[1] = Array({Int(5000), Int(10922)});
  refused(twice, "slot 5000 is in two shards");
  RespReply range = TwoShards();
  range.elements[1].elements[1] = Array({Int(5461), Int(16384)});
  refused(range, "out of 0..16383");
  RespReply reversed = TwoShards();
  reversed.elements[1].elements[1] = Array({Int(10922), Int(5461)});
  refused(reversed, "out of 0..16383");
  RespReply no_port = TwoShards();
  no_port.elements[0].elements[3].elements[0].elements[3] = Bulk("7001");
  refused(no_port, "without ip and port");
  RespReply no_nodes = TwoShards();
  no_nodes.elements[0].elements[3] = Array({});
  refused(no_nodes, "without slot ranges or nodes");
}

}  // namespace
}  // namespace synapsed::storage
