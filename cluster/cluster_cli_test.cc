// End to end: three `synapsed serve --cluster` processes on loopback, made
// from `synapsed cluster init`, driven by redis-cli -c and by a small RESP
// client that follows -MOVED and retries -TRYAGAIN. Every process runs
// under `timeout` and is killed by its PID at the end (cli_test_util.h).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backends/distributed_store.h"
#include "backends/hash_slot.h"
#include "backends/resp_reply.h"
#include "cluster/linearizability.h"
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
using server::testing::RawClient;
using server::testing::RedisCli;
using server::testing::RunSynapsed;
using server::testing::ServeProcess;
using server::testing::TempDir;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr int kNodes = 3;
constexpr int kPartitions = 3;

// Which partition `cluster init` gives slot s: p serves from p*16384/P.
int PartitionOf(int slot) {
  int p = 0;
  while (p + 1 < kPartitions && (p + 1) * kHashSlots / kPartitions <= slot) ++p;
  return p;
}

std::string Bulk(const std::string& s) { return fmt::format("${}\r\n{}\r\n", s.size(), s); }

// redis-cli -c, run again while the cluster answers that a partition is
// between leaders (-TRYAGAIN, or a leader lost under the command), as a
// cluster client retries; redis-cli itself only follows -MOVED.
std::string Cli(int port, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"-c"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  std::string out;
  do {
    out = RedisCli(port, argv);
    if (out.find("TRYAGAIN") == std::string::npos &&
        out.find("lost leadership") == std::string::npos &&
        out.find("not the leader") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (Clock::now() < deadline);
  return out;
}

// One register operation sent over RESP; `sent` false when the node could
// not be reached (nothing was asked), `reply` empty when it was asked and
// never answered (killed meanwhile).
struct Sent {
  bool sent = false;
  std::string reply;
};
Sent SendOnce(int port, const std::vector<std::string>& args) {
  RawClient c(port);
  if (!c.connected()) return {};
  std::string req;
  AppendCommand({args.begin(), args.end()}, &req);
  if (!c.Send(req)) return {};
  Sent out{true, c.ReadLine(10)};
  if (out.reply.size() > 3 && out.reply[0] == '$' && out.reply != "$-1\r\n") {
    out.reply += c.Read(std::stoul(out.reply.substr(1)) + 2, 10);
  }
  return out;
}

// One command over a fresh connection: the reply (a bulk reply's value
// with it), or empty if the node did not answer.
std::string Send(int port, const std::vector<std::string>& args) {
  return SendOnce(port, args).reply;
}

class ClusterCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("cluster_" + std::string(
                                    ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::vector<std::string> init = {"cluster", "init"};
    for (int i = 0; i < kNodes; ++i) {
      ports_.push_back(FreePort());
      init.insert(init.end(),
                  {"--node",
                   fmt::format("127.0.0.1:{}:{}", ports_.back(), FreePorts(kPartitions))});
    }
    init.insert(init.end(), {"--partitions", std::to_string(kPartitions), "--replication-factor",
                             "3", "--min-replicas", "2", "--out", dir_ + "/cluster.json"});
    init.insert(init.end(), init_extra_.begin(), init_extra_.end());
    std::string cmd = SYNAPSED_BINARY;
    for (const auto& a : init) cmd += " " + a;
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
    nodes_.resize(kNodes);
    for (int i = 0; i < kNodes; ++i) ASSERT_NO_FATAL_FAILURE(Start(i));
    // One key per partition, to write to each.
    for (int p = 0; p < kPartitions; ++p) {
      for (int i = 0;; ++i) {
        const std::string k = fmt::format("probe{}", i);
        if (PartitionOf(KeyHashSlot(k)) == p) {
          probes_.push_back(k);
          break;
        }
      }
    }
  }

  void Start(int i) {
    nodes_[i].reset();  // a killed one is reaped first: its ports are free again
    nodes_[i] = std::make_unique<ServeProcess>(
        fmt::format("{}/node{}", dir_, i + 1),
        std::vector<std::string>{"--cluster", dir_ + "/cluster.json", "--node-id",
                                 std::to_string(i + 1)});
    ASSERT_TRUE(nodes_[i]->started()) << nodes_[i]->output();
    ASSERT_EQ(nodes_[i]->port(), ports_[i]);
  }

  // SET through `port`, following MOVED and retrying TRYAGAIN and refused
  // connections until `deadline`. True once a node answered +OK.
  bool Set(int port, const std::string& key, const std::string& value, Clock::time_point deadline) {
    while (Clock::now() < deadline) {
      const std::string r = Send(port, {"SET", key, value});
      if (r == "+OK\r\n") return true;
      if (r.rfind("-MOVED ", 0) == 0) {
        port = std::stoi(r.substr(r.rfind(':') + 1));
        continue;
      }
      // -TRYAGAIN, a dead node, or a leader lost under the write: another
      // node may lead by now.
      port = ports_[(std::find(ports_.begin(), ports_.end(), port) - ports_.begin() + 1) % kNodes];
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // GET through any live node, following MOVED; the reply.
  std::string Get(const std::string& key) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    int port = ports_[live_];
    std::string r;
    while (Clock::now() < deadline) {
      r = Send(port, {"GET", key});
      if (r.rfind("-MOVED ", 0) == 0) {
        port = std::stoi(r.substr(r.rfind(':') + 1));
        continue;
      }
      if (!r.empty() && r[0] == '$') return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return r;
  }

  // `synapsed cluster status` on this cluster: its exit code and output.
  std::pair<int, std::string> ClusterStatus() {
    return RunSynapsed(fmt::format("cluster status --cluster {}/cluster.json", dir_));
  }

  // Reads every acknowledged pair back; stops at the third that fails (each
  // waits up to 20 s).
  void ExpectAllRead(const std::vector<std::pair<std::string, std::string>>& pairs) {
    int failed = 0;
    for (const auto& [key, value] : pairs) {
      const std::string got = Get(key);
      EXPECT_EQ(got, Bulk(value)) << key;
      if (got != Bulk(value) && ++failed == 3) {
        ADD_FAILURE() << "stopped reading back after three failures";
        return;
      }
    }
  }

  // Waits until a write to every partition succeeds.
  bool AllPartitionsWritable(std::chrono::seconds within) {
    const auto deadline = Clock::now() + within;
    for (const std::string& k : probes_) {
      if (!Set(ports_[live_], k, "x", deadline)) return false;
    }
    return true;
  }

  // Partition p's line of node i's CLUSTER INFO (all zero if none).
  PartitionStatus Info(int i, int p) {
    auto lines = ParsePartitionStatus(Send(ports_[i], {"CLUSTER", "INFO"}));
    auto it = lines.find(p);
    return it == lines.end() ? PartitionStatus() : it->second;
  }
  // The index of the node leading `slot`'s partition, as node 0 reports
  // it; -1 if none within 20 s.
  int LeaderIndexOf(int slot) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    for (;;) {
      const int leader = static_cast<int>(Info(0, PartitionOf(slot)).leader) - 1;
      if (leader >= 0 || Clock::now() >= deadline) return leader;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // Waits until node i applied partition p's entries up to `index`.
  bool AppliedUpTo(int i, int p, uint64_t index) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      if (Info(i, p).applied >= index) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::vector<std::string> init_extra_;  // more `cluster init` flags
  std::string dir_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<ServeProcess>> nodes_;
  std::vector<std::string> probes_;
  int live_ = 0;  // a node known to be up
};

TEST_F(ClusterCliTest, RedisCliReadsAndWritesThroughAnyNode) {
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  for (int i = 0; i < 24; ++i) {
    const std::string key = fmt::format("key:{}", i);
    EXPECT_EQ(Cli(ports_[i % kNodes], {"SET", key, fmt::format("v{}", i)}), "OK\n");
    EXPECT_EQ(Cli(ports_[(i + 1) % kNodes], {"GET", key}), fmt::format("v{}\n", i));
  }
  // Keys of one hash tag share a slot; others do not.
  EXPECT_EQ(Cli(ports_[0], {"MSET", "{user}:a", "1", "{user}:b", "2"}), "OK\n");
  EXPECT_EQ(Cli(ports_[1], {"MGET", "{user}:a", "{user}:b"}), "1\n2\n");
  EXPECT_THAT(Cli(ports_[0], {"MSET", "a", "1", "b", "2"}), HasSubstr("CROSSSLOT"));
  // ... unless one partition holds both slots: "a" (15495) and "foo"
  // (12182) are both in partition 2. SYNAPSED.RANGE, routed by any slot of
  // that partition, reads all of it.
  ASSERT_EQ(PartitionOf(KeyHashSlot("a")), PartitionOf(KeyHashSlot("foo")));
  ASSERT_NE(KeyHashSlot("a"), KeyHashSlot("foo"));
  EXPECT_EQ(Cli(ports_[0], {"MSET", "a", "1", "foo", "2"}), "OK\n");
  for (const char* slot : {"12182", "15495", "16383"}) {
    EXPECT_EQ(Cli(ports_[1], {"SYNAPSED.RANGE", slot, "[a", "[foo", "10"}), "a\n1\nfoo\n2\n")
        << slot;
  }
  const std::string info = RedisCli(ports_[0], {"CLUSTER", "INFO"});
  EXPECT_THAT(info, HasSubstr("cluster_replication_factor:3\r\n"));
  EXPECT_THAT(info, HasSubstr("cluster_min_replicas:2\r\n"));
  EXPECT_THAT(info, HasSubstr("cluster_consistency:strong\r\n"));
  // Without -c, the nodes that do not lead foo's partition say who does
  // (asked again while an election makes one answer TRYAGAIN).
  int moved = 0;
  for (int attempt = 0; attempt < 50 && moved != kNodes - 1; ++attempt) {
    moved = 0;
    for (int port : ports_) {
      const std::string r = RedisCli(port, {"GET", "foo"});
      if (r.find("MOVED 12182 127.0.0.1:") != std::string::npos) ++moved;
    }
    if (moved != kNodes - 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(moved, kNodes - 1);
  const std::string nodes = RedisCli(ports_[2], {"CLUSTER", "NODES"});
  EXPECT_EQ(std::count(nodes.begin(), nodes.end(), '\n'), kNodes) << nodes;
  EXPECT_THAT(nodes, HasSubstr("myself,master"));
  EXPECT_EQ(RedisCli(ports_[0], {"CLUSTER", "KEYSLOT", "foo"}), "12182\n");
  EXPECT_THAT(RedisCli(ports_[1], {"DBSIZE"}), HasSubstr("not served in cluster mode"));
  // Every node up, every partition led, each replica's lag shown.
  const auto [code, status] = ClusterStatus();
  EXPECT_EQ(code, 0) << status;
  EXPECT_THAT(status, HasSubstr("node 3 127.0.0.1:" + std::to_string(ports_[2]) + ": up"));
  EXPECT_THAT(status, HasSubstr("partition 2 slots 10922-16383: leader "));
  EXPECT_THAT(status, HasSubstr(" lag "));
}

TEST_F(ClusterCliTest, ALeaderKilledUnderWritesLosesNoAcknowledgedWrite) {
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  // The node leading foo's partition (slot 12182, partition 2).
  const int victim = LeaderIndexOf(12182);
  ASSERT_GE(victim, 0);
  live_ = (victim + 1) % kNodes;

  std::atomic<bool> stop{false};
  std::vector<std::pair<std::string, std::string>> acked;
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string key = fmt::format("w:{}", i), value = fmt::format("value-{}", i);
      if (Set(ports_[i % kNodes == victim ? live_ : i % kNodes], key, value,
              Clock::now() + std::chrono::seconds(10))) {
        acked.emplace_back(key, value);
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto killed = Clock::now();
  nodes_[victim]->Signal(SIGKILL);
  // Every partition takes writes again, led by the two survivors.
  const bool writable = AllPartitionsWritable(std::chrono::seconds(10));
  const auto recovered = Clock::now() - killed;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  writer.join();
  ASSERT_TRUE(writable);
  const auto recovered_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(recovered).count();
  std::cout << "every partition writable again " << recovered_ms << " ms after the kill; "
            << acked.size() << " writes acknowledged" << std::endl;
  EXPECT_LT(recovered, std::chrono::seconds(3)) << recovered_ms << " ms";
  ASSERT_GT(acked.size(), 20u);
  ExpectAllRead(acked);

  // The killed node restarts from its files and rejoins its groups: a write
  // sent to it is routed (MOVED) and commits.
  ASSERT_NO_FATAL_FAILURE(Start(victim));
  ASSERT_TRUE(Set(ports_[victim], "after-restart", "1", Clock::now() + std::chrono::seconds(30)));
  // Then every process is killed and restarted from its files: nothing
  // acknowledged is lost. (That the restarted node caught up by the log is
  // not checked here: a read goes to a partition's leader, which holds
  // every committed entry whichever node it is.)
  for (int i = 0; i < kNodes; ++i) nodes_[i]->Signal(SIGKILL);
  for (int i = 0; i < kNodes; ++i) ASSERT_NO_FATAL_FAILURE(Start(i));
  live_ = victim;
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  ExpectAllRead(acked);
  EXPECT_EQ(Get("after-restart"), Bulk("1"));
}

// The distributed backend under a steady write load from two threads while
// a partition's leader is killed: its retries carry every write through the
// election (none fails), and every acknowledged write — single keys and
// one-partition batches — reads back, through the backend and after a
// restart of every node.
TEST_F(ClusterCliTest, TheDistributedBackendRidesThroughALeaderKill) {
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  const int victim = LeaderIndexOf(12182);
  ASSERT_GE(victim, 0);
  DistributedOptions o;
  for (int port : ports_) o.nodes.push_back(fmt::format("127.0.0.1:{}", port));
  o.replication_factor = 3;
  o.min_replicas = 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, OpenDistributedStore(o));

  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::vector<std::pair<std::string, std::string>> acked[2];
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string key = fmt::format("d{}:{}", t, i), value = fmt::format("v{}", i);
        absl::Status s;
        if (i % 4 == 3) {  // a batch of two keys of one slot
          WriteBatch b;
          s = b.Put("{" + key + "}a", value);
          if (s.ok()) s = b.Put("{" + key + "}b", value);
          if (s.ok()) s = store->Write(WriteOptions(), b);
          if (s.ok()) {
            acked[t].emplace_back("{" + key + "}a", value);
            acked[t].emplace_back("{" + key + "}b", value);
          }
        } else {
          s = store->Put(key, value);
          if (s.ok()) acked[t].emplace_back(key, value);
        }
        if (!s.ok()) {
          ++failed;
          ADD_FAILURE() << key << ": " << s;
        }
        // Paced: a few thousand writes span the kill, and reading them all
        // back stays quick under the sanitizers.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  nodes_[victim]->Signal(SIGKILL);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  stop = true;
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(failed.load(), 0);
  const size_t total = acked[0].size() + acked[1].size();
  std::cout << total << " writes acknowledged through the distributed backend" << std::endl;
  ASSERT_GT(total, 40u);

  auto read_back = [&](Store& s) {
    for (const auto& writes : acked) {
      for (const auto& [key, value] : writes) {
        auto got = s.Get(key);
        ASSERT_OK(got.status()) << key;
        ASSERT_EQ(*got, value) << key;
      }
    }
  };
  ASSERT_NO_FATAL_FAILURE(read_back(*store));
  for (int i = 0; i < kNodes; ++i) {
    if (i != victim) nodes_[i]->Signal(SIGKILL);
  }
  for (int i = 0; i < kNodes; ++i) ASSERT_NO_FATAL_FAILURE(Start(i));
  ASSERT_NO_FATAL_FAILURE(read_back(*store));
  ASSERT_OK_AND_ASSIGN(auto scanned, store->Scan(KeyRange::All()));
  EXPECT_GE(scanned.size(), total);  // and the probes
}

// An error reply after which the command is known not to have been
// proposed (routing, leadership, the min_replicas check, a stopping node).
bool NothingProposed(const std::string& r) {
  for (const char* s : {"-MOVED", "-TRYAGAIN", "-CLUSTERDOWN", "not the leader",
                        "insufficient replicas", "is stopping", "is stopped"}) {
    if (r.find(s) != std::string::npos) return true;
  }
  return false;
}

TEST_F(ClusterCliTest, RegistersStayLinearizableThroughLeaderKills) {
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  // Six registers in one partition, so that every kill hits them. Each
  // client paces itself so that the histories (at most 1000 operations a
  // key, what the checker is fast on) span every kill; checked below.
  const std::string tag = "{" + probes_[1] + "}";
  const int partition = 1;
  const auto start = Clock::now();
  auto now = [&] {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  };
  std::mutex history_mu;
  std::map<std::string, std::vector<RegisterOp>> history;
  std::atomic<bool> done{false};
  std::atomic<int> acknowledged{0}, unknown{0}, unexpected{0};
  uint64_t last_kill = 0;

  auto client = [&](int id) {
    std::mt19937 rng(4000 + id);
    int port = ports_[id % kNodes];
    for (int n = 0; !done.load(); ++n) {
      std::this_thread::sleep_for(std::chrono::milliseconds(8));
      const std::string key = fmt::format("{}:reg{}", tag, rng() % 6);
      {
        // Capped before the call, never after the answer: dropping a write
        // whose value a recorded read returned would fake a violation.
        std::lock_guard l(history_mu);
        if (history[key].size() >= 1000) continue;
      }
      RegisterOp op;
      op.kind = rng() % 2 == 0 ? RegisterOp::Kind::kWrite : RegisterOp::Kind::kRead;
      if (op.kind == RegisterOp::Kind::kWrite) op.value = fmt::format("c{}-{}", id, n);
      op.call = now();
      const Sent sent = op.kind == RegisterOp::Kind::kWrite ? SendOnce(port, {"SET", key, *op.value})
                                                            : SendOnce(port, {"GET", key});
      op.answer = now();
      const std::string& r = sent.reply;
      if (r.rfind("-MOVED ", 0) == 0) {
        port = std::stoi(r.substr(r.rfind(':') + 1));
        continue;
      }
      if (!sent.sent || NothingProposed(r)) {
        port = ports_[(std::find(ports_.begin(), ports_.end(), port) - ports_.begin() + 1) % kNodes];
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      if (op.kind == RegisterOp::Kind::kRead) {
        if (r == "$-1\r\n") {
          op.value.reset();
        } else if (!r.empty() && r[0] == '$') {
          op.value = r.substr(r.find("\r\n") + 2, std::stoul(r.substr(1)));
        } else {
          continue;  // a read without an answer tells nothing
        }
        ++acknowledged;
      } else if (r == "+OK\r\n") {
        ++acknowledged;
      } else if (r.empty() || r.find("may or may not") != std::string::npos ||
                 r.find("may still commit") != std::string::npos) {
        op.answer = kNoAnswer;  // it may take effect any time after its call, or never
        ++unknown;
      } else {
        ++unexpected;
        ADD_FAILURE() << "client " << id << ": unexpected reply " << r;
        continue;
      }
      std::lock_guard l(history_mu);
      history[key].push_back(op);
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) clients.emplace_back(client, i);
  // Kill the partition's leader with SIGKILL, let the others elect, bring it
  // back from its files; three times.
  bool chaos_ok = true;
  for (int round = 0; round < 3 && chaos_ok; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    int leader = -1;
    for (int i = 0; i < kNodes && leader < 0; ++i) {
      leader = static_cast<int>(Info(i, partition).leader) - 1;
    }
    if (leader < 0) {
      ADD_FAILURE() << "no leader in round " << round;
      chaos_ok = false;
      break;
    }
    last_kill = now();
    nodes_[leader]->Signal(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    Start(leader);
    chaos_ok = !HasFatalFailure();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  done = true;
  for (std::thread& t : clients) t.join();
  ASSERT_TRUE(chaos_ok);

  std::cout << acknowledged.load() << " operations answered, " << unknown.load()
            << " writes of unknown outcome" << std::endl;
  EXPECT_GT(acknowledged.load(), 50) << "too few operations to judge";
  EXPECT_EQ(unexpected.load(), 0);
  std::lock_guard l(history_mu);
  EXPECT_EQ(history.size(), 6u);
  for (const auto& [key, ops] : history) {
    ASSERT_FALSE(ops.empty());
    EXPECT_GT(ops.back().call, last_kill) << key << ": its history ends before the last kill";
    const LinearizabilityResult r = CheckRegisterHistory(ops, std::nullopt);
    EXPECT_TRUE(r.linearizable) << key << " (" << ops.size() << " ops): " << r.explanation;
  }
}

class ClusterSnapshotTest : public ClusterCliTest {
 protected:
  ClusterSnapshotTest() { init_extra_ = {"--snapshot-threshold", "64", "--snapshot-trailing", "16"}; }
};

TEST_F(ClusterSnapshotTest, AFollowerCatchesUpByLogThenBySnapshot) {
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  const int p = 0;
  const std::string tag = "{" + probes_[p] + "}";
  const uint64_t leader_id = Info(0, p).leader;
  ASSERT_NE(leader_id, 0u);
  const int leader = static_cast<int>(leader_id) - 1;
  const int follower = (leader + 1) % kNodes;
  live_ = leader;
  auto write = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_TRUE(Set(ports_[leader], fmt::format("{}:{}", tag, i), std::to_string(i),
                      Clock::now() + std::chrono::seconds(20)));
    }
  };

  // Down while 20 entries commit (fewer than the 64 a snapshot waits for):
  // back, it takes them from the leader's log.
  nodes_[follower]->Signal(SIGKILL);
  write(0, 20);
  uint64_t target = Info(leader, p).commit;
  ASSERT_NO_FATAL_FAILURE(Start(follower));
  ASSERT_TRUE(AppliedUpTo(follower, p, target));
  EXPECT_EQ(Info(follower, p).restores, 0u);

  // Down while 300 commit: the leader snapshots and trims its log to 16
  // entries behind, so the follower can only be sent the snapshot.
  nodes_[follower]->Signal(SIGKILL);
  write(20, 300);
  target = Info(leader, p).commit;
  ASSERT_NO_FATAL_FAILURE(Start(follower));
  ASSERT_TRUE(AppliedUpTo(follower, p, target));
  EXPECT_GE(Info(follower, p).restores, 1u);
  for (int i = 0; i < 300; i += 37) {
    EXPECT_EQ(Get(fmt::format("{}:{}", tag, i)), Bulk(std::to_string(i)));
  }
}

TEST_F(ClusterCliTest, WithTwoOfThreeDownAWriteFailsAndNothingIsApplied) {
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  nodes_[1]->Signal(SIGKILL);
  nodes_[2]->Signal(SIGKILL);
  live_ = 0;
  // Each attempt writes its own key: one proposed just before the leader
  // noticed may still commit later; those refused up front never can.
  std::vector<std::string> refused;
  std::string reply;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  for (int i = 0; Clock::now() < deadline && refused.size() < 3; ++i) {
    const std::string key = fmt::format("{{{}}}:lost:{}", probes_[0], i);
    reply = Send(ports_[0], {"SET", key, "x"});
    if (reply.find("insufficient replicas") != std::string::npos) refused.push_back(key);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(refused.size(), 3u) << reply;
  EXPECT_THAT(reply, HasSubstr("CLUSTERDOWN insufficient replicas: partition 0"));
  const auto [code, status] = ClusterStatus();
  EXPECT_EQ(code, 3) << status;
  EXPECT_THAT(status, HasSubstr("node 2 127.0.0.1:" + std::to_string(ports_[1]) + ": unreachable"));
  EXPECT_THAT(status, HasSubstr("leader none"));
  ASSERT_NO_FATAL_FAILURE(Start(1));
  ASSERT_NO_FATAL_FAILURE(Start(2));
  ASSERT_TRUE(AllPartitionsWritable(std::chrono::seconds(30)));
  for (const std::string& key : refused) EXPECT_EQ(Get(key), "$-1\r\n") << key;
}

}  // namespace
}  // namespace synapsed::storage::cluster
