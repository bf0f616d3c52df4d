#include "cluster/cluster_config.h"

#include <fstream>
#include <sstream>

#include "backends/hash_slot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace synapsed::storage::cluster {
namespace {

using ::testing::HasSubstr;

// The ```json block of docs/format/cluster_config.md.
std::string DocExample() {
  std::ifstream in(std::string(SYNAPSED_SOURCE_DIR) + "/docs/format/cluster_config.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const size_t begin = doc.find("```json\n");
  const size_t end = doc.find("```", begin + 8);
  EXPECT_NE(begin, std::string::npos);
  return doc.substr(begin + 8, end - begin - 8);
}

TEST(ClusterConfig, DocExample) {
  auto c = ParseClusterConfig(DocExample());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->epoch, 1u);
  EXPECT_EQ(c->replication_factor, 3u);
  EXPECT_EQ(c->min_replicas, 2u);
  EXPECT_FALSE(c->eventual_reads);
  ASSERT_EQ(c->nodes.size(), 3u);
  EXPECT_EQ(KeyHashSlot("foo"), 12182);
  const PartitionConfig& p = c->PartitionOfSlot(KeyHashSlot("foo"));
  EXPECT_EQ(p.id, 2u);
  EXPECT_EQ(p.replicas, (std::vector<uint64_t>{3, 1, 2}));
  EXPECT_EQ(c->RaftAddress(*c->FindNode(3), 2), "127.0.0.1:7123");
  EXPECT_EQ(c->RaftAddress(*c->FindNode(1), 2), "127.0.0.1:7103");
  EXPECT_EQ(c->RaftAddress(*c->FindNode(2), 2), "127.0.0.1:7113");

  // `cluster init` with the doc's arguments makes the same map.
  auto made = MakeClusterConfig({{1, "127.0.0.1", 7001, 7101},
                                 {2, "127.0.0.1", 7002, 7111},
                                 {3, "127.0.0.1", 7003, 7121}},
                                3, 3, 2);
  ASSERT_TRUE(made.ok()) << made.status();
  auto again = ParseClusterConfig(ClusterConfigToJson(*made));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ClusterConfigToJson(*again), ClusterConfigToJson(*c));
}

// The doc example with `from` replaced by `to`; the error must name `field`.
void ExpectFieldError(const std::string& from, const std::string& to, const std::string& field,
                      const std::string& why) {
  std::string text = DocExample();
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  auto c = ParseClusterConfig(text);
  ASSERT_FALSE(c.ok()) << "accepted: " << to;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("\"" + field + "\""));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr(why));
}

TEST(ClusterConfig, EveryInconsistencyNamesItsField) {
  ExpectFieldError("\"epoch\": 1", "\"epoch\": 0", "epoch", "epochs start at 1");
  ExpectFieldError("\"epoch\": 1", "\"epoch\": -1", "epoch", "expected an integer");
  ExpectFieldError("\"consistency\"", "\"consistancy\"", "consistancy", "unknown field");
  ExpectFieldError("\"raft_port\": 7111}", "\"raft_port\": 7111, \"weight\": 1}", "nodes[1].weight",
                   "unknown field");
  ExpectFieldError("[[5461, 10921]]", "[[5461, 10920]]", "partitions", "slot 10921 belongs to no partition");
  ExpectFieldError("[[5461, 10921]]", "[[5460, 10921]]", "partitions[1].slots", "slot 5460 is also partition 0's");
  ExpectFieldError("[[0, 5460]]", "[[0, 16384]]", "partitions[0].slots", "pairs of slots");
  ExpectFieldError("[2, 3, 1]", "[2, 3, 9]", "partitions[1].replicas", "node 9 is not in \"nodes\"");
  ExpectFieldError("[2, 3, 1]", "[2, 3, 3]", "partitions[1].replicas", "node 3 holds two replicas");
  ExpectFieldError("[2, 3, 1]", "[2, 3]", "partitions[1].replicas", "2 replicas where replication_factor is 3");
  ExpectFieldError("\"min_replicas\": 2", "\"min_replicas\": 4", "min_replicas", "exceeds replication_factor");
  ExpectFieldError("\"port\": 7002", "\"port\": 70000", "nodes[1].port", "0 to 65535");
  ExpectFieldError("\"id\": 2,", "\"id\": 1,", "nodes[1].id", "listed twice");
  ExpectFieldError("{\"id\": 1, \"replicas\"", "{\"id\": 7, \"replicas\"", "partitions[1].id",
                   "expected 1");
  ExpectFieldError("\"strong\"", "\"linear\"", "consistency", "\"strong\" or \"eventual\"");
  EXPECT_FALSE(ParseClusterConfig("{not json").ok());
}

TEST(ClusterConfig, InitNeedsAsManyNodesAsReplicas) {
  auto c = MakeClusterConfig({{1, "127.0.0.1", 7001, 7101}, {2, "127.0.0.1", 7002, 7111}}, 4, 3, 0);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("3 replicas need as many nodes; 2 given"));
  // Uneven splits still cover every slot once, each partition on
  // consecutive nodes.
  auto d = MakeClusterConfig({{1, "h", 1, 100}, {2, "h", 2, 200}, {3, "h", 3, 300}}, 7, 2, 1);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->partitions[6].slots.back().second, kHashSlots - 1);
  EXPECT_EQ(d->partitions[4].replicas, (std::vector<uint64_t>{2, 3}));
}

}  // namespace
}  // namespace synapsed::storage::cluster
