// RaftNode on real loopback sockets and real directories: three nodes in
// one process elect a leader, replicate, survive the leader's stop, and
// bring a restarted node up to date from the log and from a snapshot.
#include "cluster/raft_node.h"


#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_split.h"
#include "util/mutex.h"
#include "cluster/raft_command.h"
#include "cluster/raft_test_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::TestRaftGroup;
using testing::WaitFor;

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

class RaftCluster : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  RaftCluster()
      : group_(::testing::UnitTest::GetInstance()->current_test_info()->name(), kNodes,
               [this](int i) { return machines_[i].get(); }) {
    for (int i = 0; i < kNodes; ++i) machines_.push_back(std::make_unique<MapMachine>());
  }
  void StartAll() { ASSERT_OK(group_.StartAll()); }
  void StartNode(int i) { ASSERT_OK(group_.Start(i)); }
  int Leader() { return group_.Leader(); }
  void Put(int leader, int from, int to) {
    for (int k = from; k < to; ++k) {
      auto r = group_.node(leader)->Propose(fmt::format("set k{} v{}", k, k), 5s);
      ASSERT_OK(r.status()) << "k" << k;
      EXPECT_EQ(*r, "OK");
    }
  }

  std::vector<std::unique_ptr<MapMachine>> machines_;
  TestRaftGroup group_;
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
  auto r = group_.node(follower)->Propose("set x y", 2s);
  EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(group_.peer(leader).address));
  EXPECT_OK(group_.node(leader)->Barrier(5s));
  EXPECT_TRUE(absl::IsFailedPrecondition(group_.node(follower)->Barrier(2s)));
  // A command the machine refuses commits and carries its error back.
  auto bad = group_.node(leader)->Propose("del x", 5s);
  ASSERT_OK(bad.status());
  EXPECT_EQ(*bad, "ERR unknown command");
}

TEST_F(RaftCluster, TooFewReachableReplicasRefuseAWriteAndApplyNothing) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  const int leader = Leader();
  ASSERT_GE(leader, 0);
  // Every voter answers within a few heartbeats.
  EXPECT_TRUE(WaitFor([&] { return group_.node(leader)->Status().reachable_voters == 3; }, 5s));
  auto ok = group_.node(leader)->Propose("set a 1", 5s, /*min_replicas=*/3);
  ASSERT_OK(ok.status());
  const RaftStatus before = group_.node(leader)->Status();
  ASSERT_EQ(before.peers.size(), 3u);
  for (const RaftPeerProgress& p : before.peers) EXPECT_TRUE(p.reachable) << p.id;
  group_.Stop((leader + 1) % kNodes);
  // A majority remains, so the leader leads on; after an election timeout
  // it no longer counts the stopped one.
  EXPECT_TRUE(WaitFor([&] { return group_.node(leader)->Status().reachable_voters == 2; }, 5s));
  const uint64_t applied = group_.node(leader)->Status().last_applied;
  auto r = group_.node(leader)->Propose("set b 2", 5s, /*min_replicas=*/3);
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("insufficient replicas: 3 required, 2 reachable"));
  EXPECT_EQ(group_.node(leader)->Status().last_applied, applied);
  EXPECT_EQ(machines_[leader]->Get("b"), std::nullopt);
  // Two suffice for min_replicas 2.
  ASSERT_OK(group_.node(leader)->Propose("set b 2", 5s, /*min_replicas=*/2).status());
  EXPECT_EQ(machines_[leader]->Get("b"), "2");
}

TEST_F(RaftCluster, ANewLeaderAfterTheLeaderStopsAndTheOldOneCatchesUp) {
  ASSERT_NO_FATAL_FAILURE(StartAll());
  const int first = Leader();
  ASSERT_GE(first, 0);
  ASSERT_NO_FATAL_FAILURE(Put(first, 0, 20));
  group_.Stop(first);
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
  group_.snapshot_threshold = 32;
  ASSERT_NO_FATAL_FAILURE(StartAll());
  const int leader = Leader();
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % kNodes;
  group_.Stop(follower);
  // Remove its state: it comes back empty, and the leader has trimmed
  // the entries it would need.
  std::filesystem::remove_all(group_.dir(follower));
  ASSERT_NO_FATAL_FAILURE(Put(leader, 0, 200));
  machines_[follower] = std::make_unique<MapMachine>();
  RaftNodeOptions o = group_.Options(follower);
  o.voters.clear();  // it is a member already; it learns the configuration
  ASSERT_OK(group_.Start(follower, o));
  EXPECT_TRUE(WaitFor([&] { return machines_[follower]->size() == 200; }, 20s))
      << machines_[follower]->size();
  EXPECT_GE(machines_[follower]->restores(), 1);
}

// A member added to a running group: it starts with no configuration,
// the leader adds it (a spare first, caught up by a snapshot since the
// entries it lacks are trimmed, then a voter), leadership moves to it, and
// an old member leaves — the steps by which a node takes a partition's
// replica over.
TEST(RaftMembership, ANewMemberCatchesUpVotesLeadsAndAnOldOneLeaves) {
  std::vector<std::unique_ptr<MapMachine>> machines;
  for (int i = 0; i < 4; ++i) machines.push_back(std::make_unique<MapMachine>());
  TestRaftGroup group("membership", 4, [&](int i) { return machines[i].get(); });
  group.snapshot_threshold = 32;
  const std::vector<RaftPeer> first_three = {group.peer(0), group.peer(1), group.peer(2)};
  for (int i = 0; i < 3; ++i) {
    RaftNodeOptions o = group.Options(i);
    o.voters = first_three;
    ASSERT_OK(group.Start(i, o));
  }
  auto leader_of = [&](std::initializer_list<int> members) {
    int leader = -1;
    WaitFor([&] {
      for (int i : members) {
        if (group.node(i) != nullptr && group.node(i)->Status().is_leader) leader = i;
      }
      return leader >= 0;
    }, 10s);
    return leader;
  };
  int leader = leader_of({0, 1, 2});
  ASSERT_GE(leader, 0);
  for (int k = 0; k < 200; ++k) {
    ASSERT_OK(group.node(leader)->Propose(fmt::format("set k{} v{}", k, k), 5s).status());
  }
  // Only the leader may change the membership.
  const int follower = (leader + 1) % 3;
  EXPECT_THAT(group.node(follower)->AddVoter(4, group.peer(3).address, 2s),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not the leader")));

  RaftNodeOptions joining = group.Options(3);
  joining.voters.clear();  // joins: no configuration until the leader adds it
  ASSERT_OK(group.Start(3, joining));
  ASSERT_OK(group.node(leader)->AddVoter(4, group.peer(3).address, 20s));
  EXPECT_OK(group.node(leader)->AddVoter(4, group.peer(3).address, 5s));  // a voter already
  ASSERT_OK(group.node(leader)->Propose("set after join", 5s).status());
  EXPECT_TRUE(WaitFor([&] { return machines[3]->size() == 201; }, 20s)) << machines[3]->size();
  EXPECT_GE(machines[3]->restores(), 1);  // the trimmed entries came as a snapshot
  const RaftStatus s = group.node(leader)->Status();
  ASSERT_EQ(s.peers.size(), 4u);
  for (const RaftPeerProgress& p : s.peers) EXPECT_TRUE(p.voter) << p.id;

  // The newcomer takes the lead, and the old leader leaves the group.
  ASSERT_OK(group.node(leader)->TransferLeadership(4, 10s));
  EXPECT_TRUE(group.node(3)->Status().is_leader);
  ASSERT_OK(group.node(3)->RemoveMember(group.peer(leader).id, 10s));
  group.Stop(leader);
  ASSERT_OK(group.node(3)->Propose("set k7 changed", 5s).status());
  const RaftStatus after = group.node(3)->Status();
  EXPECT_EQ(after.peers.size(), 3u);
  EXPECT_EQ(machines[3]->Get("k7"), "changed");
  for (int i = 0; i < 3; ++i) {
    if (i == leader) continue;
    EXPECT_TRUE(WaitFor([&] { return machines[i]->Get("k7") == "changed"; }, 10s)) << i;
  }
}

TEST(RaftNodeStart, RefusesMissingOptions) {
  RaftNodeOptions o;
  EXPECT_TRUE(absl::IsInvalidArgument(RaftNode::Start(o).status()));
}

}  // namespace
}  // namespace synapsed::storage::cluster
