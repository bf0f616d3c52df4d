// RaftNode on real loopback sockets and real directories: three nodes in
// one process elect a leader, replicate, survive the leader's stop, and
// bring a restarted node up to date from the log and from a snapshot.
#include "cluster/raft_node.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_split.h"
#include "util/mutex.h"
#include "cluster/raft_command.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(RaftCommand, FramesArePaddedToEightBytesAndChecked) {
  for (std::string_view command : {"", "a", "seven77", "eight888", "nine99999"}) {
    const std::string entry = FrameCommand(command);
    EXPECT_EQ(entry.size() % 8, 0u) << command;
    EXPECT_EQ(UnframeCommand(entry), std::optional(command));
  }
  std::string entry = FrameCommand("abc");
  EXPECT_EQ(UnframeCommand(entry.substr(0, 4)), std::nullopt);  // not a multiple of 8
  entry[7] = 'x';  // padding that is not zero
  EXPECT_EQ(UnframeCommand(entry), std::nullopt);
  std::string long_length = FrameCommand("abc");
  long_length[0] = 9;  // past the entry
  EXPECT_EQ(UnframeCommand(long_length), std::nullopt);
}

TEST(RaftCommand, DocExampleDecodes) {
  // docs/format/raft_command.md, "Worked example".
  const std::string entry("\x07\x00\x00\x00set k v\x00\x00\x00\x00\x00", 16);
  EXPECT_EQ(UnframeCommand(entry), std::optional<std::string_view>("set k v"));
  EXPECT_EQ(FrameCommand("set k v"), entry);
}

// "set KEY VALUE" into a map; the applied index is kept with the data and
// entries at or below it are skipped, as the engine's state machine will.
class MapMachine : public RaftStateMachine {
 public:
  std::string Apply(uint64_t index, std::string_view command) override {
    MutexLock l(&mu_);
    if (index <= applied_) return "SKIPPED";
    applied_ = index;
    std::vector<std::string> parts = absl::StrSplit(absl::string_view(command.data(), command.size()), ' ');
    if (parts.size() != 3 || parts[0] != "set") return "ERR unknown command";
    map_[parts[1]] = parts[2];
    return "OK";
  }
  std::string Snapshot() override {
    MutexLock l(&mu_);
    std::string out = std::to_string(applied_);
    for (const auto& [k, v] : map_) out += fmt::format("\n{} {}", k, v);
    return out;
  }
  absl::Status Restore(std::string_view snapshot) override {
    MutexLock l(&mu_);
    std::vector<std::string> lines = absl::StrSplit(absl::string_view(snapshot.data(), snapshot.size()), '\n');
    map_.clear();
    applied_ = std::stoull(lines[0]);
    for (size_t i = 1; i < lines.size(); ++i) {
      std::vector<std::string> kv = absl::StrSplit(lines[i], ' ');
      if (kv.size() != 2) return absl::DataLossError("bad snapshot line");
      map_[kv[0]] = kv[1];
    }
    ++restores_;
    return absl::OkStatus();
  }
  size_t size() {
    MutexLock l(&mu_);
    return map_.size();
  }
  std::optional<std::string> Get(const std::string& k) {
    MutexLock l(&mu_);
    auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional(it->second);
  }
  int restores() {
    MutexLock l(&mu_);
    return restores_;
  }

 private:
  Mutex mu_;
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::string> map_ ABSL_GUARDED_BY(mu_);
  int restores_ ABSL_GUARDED_BY(mu_) = 0;
};

// A loopback port nothing listens on now.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Polls `done` every 20 ms for at most `limit`.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

class RaftCluster : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            fmt::format("synapsed-raft-{}-{}", getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    for (int i = 0; i < kNodes; ++i) {
      peers_.push_back({static_cast<uint64_t>(i + 1), fmt::format("127.0.0.1:{}", FreePort())});
      machines_.push_back(std::make_unique<MapMachine>());
    }
    nodes_.resize(kNodes);
  }
  void TearDown() override {
    nodes_.clear();
    std::filesystem::remove_all(root_);
  }

  RaftNodeOptions Options(int i) {
    RaftNodeOptions o;
    o.id = peers_[i].id;
    o.address = peers_[i].address;
    o.dir = (root_ / fmt::format("node{}", i + 1)).string();
    o.voters = peers_;
    o.state_machine = machines_[i].get();
    o.snapshot_threshold = snapshot_threshold_;
    o.snapshot_trailing = 8;
    o.install_snapshot_timeout = 1000ms;
    return o;
  }
  void StartNode(int i) {
    auto n = RaftNode::Start(Options(i));
    ASSERT_OK(n.status());
    nodes_[i] = std::move(*n);
  }
  void StartAll() {
    for (int i = 0; i < kNodes; ++i) ASSERT_NO_FATAL_FAILURE(StartNode(i));
  }
  // The index of the leading node among the running ones, once there is
  // one (at most 10 s), or -1.
  int Leader() {
    int leader = -1;
    WaitFor([&] {
      for (int i = 0; i < kNodes; ++i) {
        if (nodes_[i] != nullptr && nodes_[i]->Status().is_leader) {
          leader = i;
          return true;
        }
      }
      return false;
    }, 10s);
    return leader;
  }
  void Put(int leader, int from, int to) {
    for (int k = from; k < to; ++k) {
      auto r = nodes_[leader]->Propose(fmt::format("set k{} v{}", k, k), 5s);
      ASSERT_OK(r.status()) << "k" << k;
      EXPECT_EQ(*r, "OK");
    }
  }

  std::filesystem::path root_;
  unsigned snapshot_threshold_ = 1024;
  std::vector<RaftPeer> peers_;
  std::vector<std::unique_ptr<MapMachine>> machines_;
  std::vector<std::unique_ptr<RaftNode>> nodes_;
};

TEST_F(RaftCluster, ElectsALeaderAndReplicates) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  const int leader = Leader();
  ASSERT_GE(leader, 0);
  ASSERT_NO_FATAL_FAILURE(Put(leader, 0, 50));
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_TRUE(WaitFor([&] { return machines_[i]->size() == 50; }, 10s)) << "node " << i + 1;
    EXPECT_EQ(machines_[i]->Get("k7"), "v7");
  }
  // A follower refuses, naming the leader.
  const int follower = (leader + 1) % kNodes;
  auto r = nodes_[follower]->Propose("set x y", 2s);
  EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(peers_[leader].address));
  EXPECT_OK(nodes_[leader]->Barrier(5s));
  EXPECT_TRUE(absl::IsFailedPrecondition(nodes_[follower]->Barrier(2s)));
  // A command the machine refuses commits and carries its error back.
  auto bad = nodes_[leader]->Propose("del x", 5s);
  ASSERT_OK(bad.status());
  EXPECT_EQ(*bad, "ERR unknown command");
}

TEST_F(RaftCluster, ANewLeaderAfterTheLeaderStopsAndTheOldOneCatchesUp) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  const int first = Leader();
  ASSERT_GE(first, 0);
  ASSERT_NO_FATAL_FAILURE(Put(first, 0, 20));
  nodes_[first].reset();  // stops it
  const int second = Leader();
  ASSERT_GE(second, 0);
  EXPECT_NE(second, first);
  ASSERT_NO_FATAL_FAILURE(Put(second, 20, 40));
  // The old leader restarts from its own log (odd-length entries: the
  // padding is what lets the log load) with an empty machine, which the
  // log replays into, and then catches up.
  machines_[first] = std::make_unique<MapMachine>();
  ASSERT_NO_FATAL_FAILURE(StartNode(first));
  EXPECT_TRUE(WaitFor([&] { return machines_[first]->size() == 40; }, 10s))
      << machines_[first]->size();
  EXPECT_EQ(machines_[first]->Get("k33"), "v33");
}

TEST_F(RaftCluster, AFollowerFarBehindCatchesUpBySnapshot) {
  snapshot_threshold_ = 32;
  ASSERT_NO_FATAL_FAILURE(StartAll());
  const int leader = Leader();
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % kNodes;
  nodes_[follower].reset();
  // Remove its state: it comes back empty, and the leader has trimmed
  // the entries it would need.
  std::filesystem::remove_all(Options(follower).dir);
  ASSERT_NO_FATAL_FAILURE(Put(leader, 0, 200));
  machines_[follower] = std::make_unique<MapMachine>();
  RaftNodeOptions o = Options(follower);
  o.voters.clear();  // it is a member already; it learns the configuration
  auto n = RaftNode::Start(o);
  ASSERT_OK(n.status());
  nodes_[follower] = std::move(*n);
  EXPECT_TRUE(WaitFor([&] { return machines_[follower]->size() == 200; }, 20s))
      << machines_[follower]->size();
  EXPECT_GE(machines_[follower]->restores(), 1);
}

TEST(RaftNodeStart, RefusesMissingOptions) {
  RaftNodeOptions o;
  EXPECT_TRUE(absl::IsInvalidArgument(RaftNode::Start(o).status()));
}

}  // namespace
}  // namespace synapsed::storage::cluster
