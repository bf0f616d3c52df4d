// End to end: `synapsed cluster add-node` and `remove-node` against running
// `synapsed serve --cluster` processes on loopback (part of
// cluster_cli_test, whose binary is given the tool's path). A node added
// takes replicas, catches up by snapshot and serves; a node removed hands
// its replicas over; no acknowledged write is lost. Every process runs
// under `timeout` and is killed by its PID at the end (cli_test_util.h).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backends/hash_slot.h"
#include "backends/resp_connection.h"
#include "cluster/cluster_config.h"
#include "cluster/partition_status.h"
#include "cluster/raft_test_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/cli_test_util.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using cluster::testing::FreePort;
using cluster::testing::FreePorts;
using server::testing::RunSynapsed;
using server::testing::ServeProcess;
using server::testing::TempDir;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr int kPartitions = 3;

// One command over a fresh connection; an error reply "unreachable" when
// the node did not answer.
RespReply Call(int port, const std::vector<std::string_view>& args) {
  auto c = RespConnection::Connect("127.0.0.1", port, std::chrono::seconds(10));
  absl::StatusOr<RespReply> r = c.ok() ? (*c)->Call(args) : absl::StatusOr<RespReply>(c.status());
  if (r.ok()) return *std::move(r);
  RespReply unreachable;
  unreachable.type = RespReply::Type::kError;
  unreachable.str = "unreachable: " + std::string(r.status().message());
  return unreachable;
}

// The client port a -MOVED reply names; 0 if it is not one.
int MovedTo(const RespReply& r) {
  if (!r.is_error() || r.str.rfind("MOVED ", 0) != 0) return 0;
  return std::stoi(r.str.substr(r.str.rfind(':') + 1));
}

class ClusterMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("membership_" +
                   std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  }

  // `cluster init` for `nodes` nodes (replication factor 3, groups that
  // snapshot every 64 entries and keep 16 behind, so that a replica added
  // later can only be caught up by snapshot), each started.
  void StartCluster(int nodes) {
    std::string init = "cluster init";
    for (int i = 0; i < nodes; ++i) {
      ports_.push_back(FreePort());
      init += fmt::format(" --node 127.0.0.1:{}:{}", ports_.back(), FreePorts(kPartitions));
    }
    init += fmt::format(" --partitions {} --replication-factor 3 --snapshot-threshold 64 "
                        "--snapshot-trailing 16 --out {}/cluster.json",
                        kPartitions, dir_);
    const auto [code, out] = RunSynapsed(init);
    ASSERT_EQ(code, 0) << out;
    ASSERT_OK_AND_ASSIGN(map_, ReadClusterConfig(dir_ + "/cluster.json"));
    for (int i = 0; i < nodes; ++i) ASSERT_NO_FATAL_FAILURE(Start(i, dir_ + "/cluster.json"));
  }

  // Node i + 1 from the map at `map`.
  void Start(int i, const std::string& map) {
    if (static_cast<int>(nodes_.size()) <= i) nodes_.resize(i + 1);
    nodes_[i].reset();
    nodes_[i] = std::make_unique<ServeProcess>(
        fmt::format("{}/node{}", dir_, i + 1),
        std::vector<std::string>{"--cluster", map, "--node-id", std::to_string(i + 1)});
    ASSERT_TRUE(nodes_[i]->started()) << nodes_[i]->output();
    ASSERT_EQ(nodes_[i]->port(), ports_[i]);
  }

  // SET sent to via[0], following MOVED, and to the next of `via` after
  // any other answer, until `deadline`. True once a node answered +OK.
  static bool Set(const std::vector<int>& via, const std::string& key, const std::string& value,
                  Clock::time_point deadline) {
    int port = via[0];
    for (size_t next = 1; Clock::now() < deadline;) {
      const RespReply r = Call(port, {"SET", key, value});
      if (r.type == RespReply::Type::kStatus && r.str == "OK") return true;
      if (const int to = MovedTo(r); to != 0) {
        port = to;
        continue;
      }
      port = via[next++ % via.size()];
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // GET sent to `port`, following MOVED; after any other error, sent to
  // `port` again. The last reply within 20 s.
  static RespReply GetVia(int port, const std::string& key) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    RespReply r;
    for (int to = port; Clock::now() < deadline;) {
      r = Call(to, {"GET", key});
      if (const int moved = MovedTo(r); moved != 0) {
        to = moved;
        continue;
      }
      if (!r.is_error()) return r;
      to = port;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return r;
  }

  // `count` acknowledged writes of "PREFIX:i" through `via`.
  static Pairs Write(const std::vector<int>& via, const std::string& prefix, int count) {
    Pairs acked;
    for (int i = 0; i < count; ++i) {
      const std::string key = fmt::format("{}:{}", prefix, i), value = fmt::format("v{}", i);
      if (Set(via, key, value, Clock::now() + std::chrono::seconds(10))) {
        acked.emplace_back(key, value);
      }
    }
    return acked;
  }

  // Reads every pair back through the node at `port`; stops at the third
  // that fails.
  static void ExpectAllRead(int port, const Pairs& pairs) {
    int failed = 0;
    for (const auto& [key, value] : pairs) {
      const RespReply got = GetVia(port, key);
      const bool ok = got.type == RespReply::Type::kBulk && got.str == value;
      EXPECT_TRUE(ok) << key << " via " << port << ": " << got.ToString();
      if (!ok && ++failed == 3) {
        ADD_FAILURE() << "stopped reading back through " << port << " after three failures";
        return;
      }
    }
  }

  // Node i's CLUSTER INFO (empty if it did not answer).
  std::string Info(int i) {
    const RespReply r = Call(ports_[i], {"CLUSTER", "INFO"});
    return r.type == RespReply::Type::kBulk ? r.str : "";
  }
  // CLUSTER INFO's cluster_partitions_here; -1 if none.
  static int PartitionsHere(const std::string& info) {
    const std::string field = "cluster_partitions_here:";
    const size_t at = info.find(field);
    return at == std::string::npos ? -1 : std::stoi(info.substr(at + field.size()));
  }
  // Node i + 1's replicas in `map`.
  static int ReplicasIn(const ClusterConfig& map, int i) {
    int n = 0;
    for (const PartitionConfig& p : map.partitions) {
      n += std::count(p.replicas.begin(), p.replicas.end(), static_cast<uint64_t>(i + 1));
    }
    return n;
  }
  // Polls until every running node of `nodes` holds the replicas `map` gives
  // it and each of those partitions knows a leader there; false after
  // `within`.
  bool Settled(const ClusterConfig& map, const std::vector<int>& nodes,
               std::chrono::seconds within) {
    const auto deadline = Clock::now() + within;
    for (;;) {
      bool settled = true;
      for (int i : nodes) {
        const std::string info = Info(i);
        int led = 0;
        for (const auto& [p, s] : ParsePartitionStatus(info)) led += s.leader != 0;
        settled =
            settled && PartitionsHere(info) == ReplicasIn(map, i) && led == ReplicasIn(map, i);
      }
      if (settled) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // Waits until a write to every partition succeeds through `via`.
  bool AllPartitionsWritable(const std::vector<int>& via, std::chrono::seconds within) {
    const auto deadline = Clock::now() + within;
    std::vector<bool> written(map_.partitions.size(), false);
    for (int i = 0; std::count(written.begin(), written.end(), false) > 0; ++i) {
      const std::string key = fmt::format("probe{}", i);
      const uint32_t p = map_.PartitionOfSlot(KeyHashSlot(key)).id;
      if (written[p]) continue;
      if (!Set(via, key, "x", deadline)) return false;
      written[p] = true;
    }
    return true;
  }

  std::string dir_;
  std::vector<int> ports_;  // node i + 1's client port
  std::vector<std::unique_ptr<ServeProcess>> nodes_;
  ClusterConfig map_;  // the one `cluster init` wrote
};

TEST_F(ClusterMembershipTest, ANodeAddedTakesReplicasAndServes) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3));
  const std::vector<int> old_ports = ports_;
  ASSERT_TRUE(AllPartitionsWritable(old_ports, std::chrono::seconds(30)));
  const auto start = Clock::now();
  const Pairs before = Write(old_ports, "k", 300);
  ASSERT_GT(before.size(), 290u);

  // A node already listed: refused, nothing sent.
  const std::string seed = fmt::format("--seed 127.0.0.1:{}", ports_[0]);
  auto [code, out] = RunSynapsed(fmt::format("cluster add-node {} --node 2:127.0.0.1:{}:{} --out {}/x",
                                      seed, FreePort(), FreePorts(kPartitions), dir_));
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("node 2 is in the map already"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x"));

  ports_.push_back(FreePort());
  const std::string map = dir_ + "/cluster4.json";
  std::tie(code, out) = RunSynapsed(fmt::format("cluster add-node {} --node 4:127.0.0.1:{}:{} --out {}",
                                         seed, ports_[3], FreePorts(kPartitions), map));
  ASSERT_EQ(code, 0) << out;
  std::cout << out;
  EXPECT_THAT(out, HasSubstr("-> node 4\n"));
  EXPECT_THAT(out, HasSubstr("map epoch 2 taken by node 1, node 2, node 3\n"));
  EXPECT_THAT(out, HasSubstr("--cluster " + map + " --node-id 4"));
  ASSERT_OK_AND_ASSIGN(const ClusterConfig added, ReadClusterConfig(map));
  EXPECT_EQ(added.epoch, 2u);
  ASSERT_GT(ReplicasIn(added, 3), 0);
  // The same map again: the configuration group's leader says it holds it
  // already; the other nodes send the client there.
  for (int port : old_ports) {
    const RespReply again = Call(port, {"CLUSTER", "SYNAPSED-SETMAP", ClusterConfigToJson(added)});
    EXPECT_TRUE(again.ToString() == "+OK" || again.str.starts_with("MOVED "))
        << again.ToString();
  }

  // Writes go on while node 4 joins and catches up.
  std::atomic<bool> stop{false};
  Pairs during;
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string key = fmt::format("during:{}", i), value = fmt::format("v{}", i);
      if (Set(old_ports, key, value, Clock::now() + std::chrono::seconds(10))) {
        during.emplace_back(key, value);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  Start(3, map);
  const bool started = !HasFatalFailure();
  // Node 4 holds what the map gives it, with a leader known for each, and
  // the nodes that gave replicas up no longer hold them.
  const bool settled = started && Settled(added, {0, 1, 2, 3}, std::chrono::seconds(60));
  stop = true;
  writer.join();
  ASSERT_TRUE(started);
  ASSERT_TRUE(settled) << "node 4: " << Info(3) << "\nnode 1: " << Info(0);
  std::cout << "node 4 settled; " << during.size() << " writes acknowledged meanwhile; "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()
            << " s since the first write" << std::endl;
  EXPECT_GT(during.size(), 10u);
  // It caught up by snapshot: the leaders had trimmed their logs.
  uint64_t restores = 0;
  for (const auto& [p, s] : ParsePartitionStatus(Info(3))) restores += s.restores;
  EXPECT_GE(restores, 1u);

  // Every acknowledged write reads back through every node.
  for (int port : ports_) {
    ExpectAllRead(port, before);
    ExpectAllRead(port, during);
  }
  // Writes through node 4 commit and read back through the others.
  const Pairs after = Write({ports_[3], ports_[0]}, "after", 30);
  EXPECT_EQ(after.size(), 30u);
  ExpectAllRead(ports_[1], after);

  // Node 4 knows itself, and a GET it is sent for a key of a partition it
  // holds gets the value, or MOVED to a node holding that partition.
  const RespReply nodes = Call(ports_[3], {"CLUSTER", "NODES"});
  EXPECT_THAT(nodes.str, HasSubstr(fmt::format("127.0.0.1:{}@", ports_[3])));
  EXPECT_THAT(nodes.str, HasSubstr("myself"));
  EXPECT_EQ(std::count(nodes.str.begin(), nodes.str.end(), '\n'), 4) << nodes.str;
  int checked = 0;
  for (const auto& [key, value] : before) {
    const PartitionConfig& p = added.PartitionOfSlot(KeyHashSlot(key));
    if (std::count(p.replicas.begin(), p.replicas.end(), 4u) == 0 || ++checked > 20) continue;
    RespReply r = Call(ports_[3], {"GET", key});
    for (int retry = 0; r.is_error() && r.str.rfind("TRYAGAIN", 0) == 0 && retry < 50; ++retry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      r = Call(ports_[3], {"GET", key});
    }
    if (const int to = MovedTo(r); to != 0) {
      const auto holder = std::find_if(p.replicas.begin(), p.replicas.end(),
                                       [&](uint64_t id) { return ports_[id - 1] == to; });
      EXPECT_NE(holder, p.replicas.end()) << key << ": " << r.ToString();
    } else {
      EXPECT_EQ(r.ToString(), "$" + value) << key;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST_F(ClusterMembershipTest, ANodeRemovedHandsItsReplicasOver) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(4));
  ASSERT_TRUE(AllPartitionsWritable(ports_, std::chrono::seconds(30)));
  const Pairs before = Write(ports_, "k", 300);
  ASSERT_GT(before.size(), 290u);

  const std::string seed = fmt::format("--seed 127.0.0.1:{}", ports_[1]);
  auto [code, out] = RunSynapsed(fmt::format("cluster remove-node {} --node-id 9", seed));
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("node 9 is not in the map"));

  const std::string map = dir_ + "/cluster3.json";
  std::tie(code, out) = RunSynapsed(fmt::format("cluster remove-node {} --node-id 1 --out {}", seed, map));
  ASSERT_EQ(code, 0) << out;
  std::cout << out;
  EXPECT_THAT(out, HasSubstr(": node 1 -> node "));
  // The leaving node is told too.
  EXPECT_THAT(out, HasSubstr("map epoch 2 taken by node 1, node 2, node 3, node 4\n"));
  ASSERT_OK_AND_ASSIGN(const ClusterConfig removed, ReadClusterConfig(map));
  EXPECT_EQ(removed.epoch, 2u);
  EXPECT_EQ(removed.FindNode(1), nullptr);

  // Node 1 gives up every replica; the others hold what the map says.
  const bool settled = Settled(removed, {1, 2, 3}, std::chrono::seconds(60));
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (PartitionsHere(Info(0)) != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(settled) << "node 2: " << Info(1);
  const std::string info = Info(0);
  EXPECT_EQ(PartitionsHere(info), 0) << info;

  // Without node 1, nothing acknowledged is lost and writes go on.
  nodes_[0]->Signal(SIGKILL);
  const std::vector<int> rest = {ports_[1], ports_[2], ports_[3]};
  for (int port : rest) ExpectAllRead(port, before);
  const Pairs after = Write(rest, "after", 30);
  EXPECT_EQ(after.size(), 30u);
  ExpectAllRead(ports_[2], after);
}

// Refused before anything is sent: a malformed --node or --seed, a seed
// that does not answer, a seed that is not a cluster node.
TEST(ClusterMembershipBadInputTest, AddNodeRefusesBadInput) {
  const std::string dir = TempDir("membership_bad_input");
  const std::string out = dir + "/new.json";
  const int nobody = FreePort();
  for (const std::string node : {"127.0.0.1:7001:7101", "x:127.0.0.1:7001:7101", "4:127.0.0.1:7001",
                                 "4:127.0.0.1:port:7101", "4:127.0.0.1:7001:0"}) {
    const auto [code, text] = RunSynapsed(
        fmt::format("cluster add-node --seed 127.0.0.1:{} --node {} --out {}", nobody, node, out));
    EXPECT_EQ(code, 1) << node << ": " << text;
    EXPECT_THAT(text, HasSubstr("--node wants ID:HOST:PORT:RAFT_PORT, not \"" + node + "\""));
  }
  auto [code, text] = RunSynapsed(
      fmt::format("cluster add-node --seed 127.0.0.1 --node 4:127.0.0.1:7001:7101 --out {}", out));
  EXPECT_EQ(code, 1) << text;
  EXPECT_THAT(text, HasSubstr("--seed wants HOST:PORT"));
  std::tie(code, text) =
      RunSynapsed(fmt::format("cluster add-node --seed 127.0.0.1:{} --node "
                       "4:127.0.0.1:7001:7101 --out {}",
                       nobody, out));
  EXPECT_EQ(code, 1) << text;
  EXPECT_THAT(text, HasSubstr("cluster add-node: --seed: "));
  EXPECT_THAT(text, HasSubstr(std::to_string(nobody)));

  // A server not in cluster mode answers with an error.
  ServeProcess plain(dir + "/plain", {});
  ASSERT_TRUE(plain.started()) << plain.output();
  std::tie(code, text) =
      RunSynapsed(fmt::format("cluster add-node --seed 127.0.0.1:{} --node "
                       "4:127.0.0.1:7001:7101 --out {}",
                       plain.port(), out));
  EXPECT_EQ(code, 1) << text;
  EXPECT_THAT(text, HasSubstr("answered CLUSTER SYNAPSED-MAP with -"));
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
}

}  // namespace
}  // namespace synapsed::storage::cluster
