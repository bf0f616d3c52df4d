// The partition's commands and state machine: the codec, applying each entry
// once (and across a restart), refusing malformed commands alike on every
// replica, snapshots, and three replicas on native engines.
#include "cluster/partition_machine.h"
#include "cluster/reserved_keys.h"

#include <filesystem>

#include "cluster/partition_command.h"
#include "cluster/raft_test_util.h"
#include "engine/db.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using ::testing::HasSubstr;
using storage::testing::StatusIs;
using namespace std::chrono_literals;

WriteBatch Batch(std::initializer_list<std::pair<std::string, std::optional<std::string>>> ops) {
  WriteBatch b;
  for (const auto& [k, v] : ops) {
    absl::Status s = v ? b.Put(k, *v) : b.Delete(k);
    EXPECT_OK(s);
  }
  return b;
}

TEST(PartitionCommand, WriteRoundTripsAndMalformedBytesAreRefused) {
  const WriteBatch b = Batch({{"a", "1"}, {"b", std::nullopt}, {"c", std::string(300, 'x')}});
  const std::string command = EncodeWriteCommand(b);
  WriteBatch back;
  ASSERT_OK(DecodeWriteCommand(command, &back));
  EXPECT_EQ(back.Count(), 3u);
  EXPECT_EQ(EncodeWriteCommand(back), command);
  for (size_t cut = 0; cut < command.size(); ++cut) {
    WriteBatch partial;
    EXPECT_TRUE(absl::IsDataLoss(DecodeWriteCommand(command.substr(0, cut), &partial))) << cut;
    EXPECT_EQ(partial.Count(), 0u);
  }
  std::string version = command;
  version[0] = 9;
  WriteBatch v;
  EXPECT_THAT(std::string(DecodeWriteCommand(version, &v).message()),
              HasSubstr("unknown version 9"));
  EXPECT_TRUE(absl::IsDataLoss(DecodeWriteCommand(command + "x", &v)));
}

TEST(PartitionCommand, DocExampleDecodes) {
  // docs/format/raft_command.md, "Partition commands": put a=1, delete b.
  const std::string command("\x01\x01\x02\x01\x01" "a" "\x01" "1" "\x00\x01" "b", 11);
  WriteBatch b;
  ASSERT_OK(DecodeWriteCommand(command, &b));
  EXPECT_EQ(EncodeWriteCommand(Batch({{"a", "1"}, {"b", std::nullopt}})), command);
  EXPECT_EQ(EncodeResult(absl::OkStatus()), std::string(1, '\0'));
  EXPECT_EQ(EncodeResult(absl::NotFoundError("x")), "\x05x");
}

TEST(PartitionCommand, Results) {
  EXPECT_OK(DecodeResult(EncodeResult(absl::OkStatus())));
  absl::Status s = DecodeResult(EncodeResult(absl::UnavailableError("disk full")));
  EXPECT_TRUE(absl::IsUnavailable(s));
  EXPECT_EQ(s.message(), "disk full");
  EXPECT_TRUE(absl::IsDataLoss(DecodeResult("")));
  EXPECT_TRUE(absl::IsDataLoss(DecodeResult("\x40")));
}

// docs/format/raft_command.md, "Worked example" of a transaction: k held
// "0", x absent; put k=1.
const std::string kTransactionExample = std::string(
    "\x01\x02\x02\x01k\x01"
    "\x5f\xec\xeb\x66\xff\xc8\x6f\x38\xd9\x52\x78\x6c\x6d\x69\x6c\x79"
    "\xc2\xdb\xc2\x39\xdd\x4e\x91\xb4\x67\x29\xd7\x3a\x27\xfb\x57\xe9"
    "\x01x\x00\x01\x01\x01k\x01"
    "1",
    47);

TEST(PartitionCommand, TransactionRoundTripsAndMalformedBytesAreRefused) {
  ASSERT_OK_AND_ASSIGN(ValueHash zero, HashValue("0"));
  const std::vector<PartitionCondition> conditions = {{"k", zero}, {"x", std::nullopt}};
  const std::string command = EncodeTransactionCommand(conditions, Batch({{"k", "1"}}));
  EXPECT_EQ(command, kTransactionExample);
  PartitionCommand back;
  ASSERT_OK(DecodePartitionCommand(command, &back));
  EXPECT_EQ(back.kind, PartitionCommandKind::kTransaction);
  EXPECT_EQ(back.conditions, conditions);
  EXPECT_EQ(back.batch.Count(), 1u);
  for (size_t cut = 0; cut < command.size(); ++cut) {
    PartitionCommand partial;
    EXPECT_TRUE(absl::IsDataLoss(DecodePartitionCommand(command.substr(0, cut), &partial)))
        << cut;
    EXPECT_TRUE(partial.conditions.empty());
  }
  std::string form = command;
  form[5] = '\x07';  // the first condition's presence byte
  PartitionCommand bad;
  EXPECT_THAT(std::string(DecodePartitionCommand(form, &bad).message()),
              HasSubstr("unknown form 7"));
  // A transaction is not a write.
  WriteBatch b;
  EXPECT_TRUE(absl::IsDataLoss(DecodeWriteCommand(command, &b)));
  EXPECT_EQ(b.Count(), 0u);
}

class PartitionMachineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("synapsed-partition-{}-{}", getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    machine_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(const std::string& name = "db") {
    machine_.reset();
    db_.reset();
    auto db = engine::OpenNativeStore(engine::EngineOptions(), (dir_ / name).string());
    ASSERT_OK(db.status());
    db_ = std::move(*db);
    auto m = PartitionMachine::Open(db_.get());
    ASSERT_OK(m.status());
    machine_ = std::move(*m);
  }
  std::optional<std::string> Get(const std::string& key) {
    auto v = db_->Get(key);
    return v.ok() ? std::optional(*v) : std::nullopt;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> db_;
  std::unique_ptr<PartitionMachine> machine_;
};

TEST_F(PartitionMachineTest, EachEntryAppliesOnceAcrossARestart) {
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(machine_->applied_index(), 0u);
  EXPECT_OK(DecodeResult(machine_->Apply(1, EncodeWriteCommand(Batch({{"a", "1"}})))));
  EXPECT_OK(DecodeResult(machine_->Apply(2, EncodeWriteCommand(Batch({{"a", "2"}, {"b", "x"}})))));
  // A replay of entry 1 changes nothing.
  EXPECT_OK(DecodeResult(machine_->Apply(1, EncodeWriteCommand(Batch({{"a", "1"}})))));
  EXPECT_EQ(Get("a"), "2");
  EXPECT_EQ(machine_->skipped(), 1u);
  ASSERT_NO_FATAL_FAILURE(Open());  // the index was stored with the data
  EXPECT_EQ(machine_->applied_index(), 2u);
  EXPECT_OK(DecodeResult(machine_->Apply(2, EncodeWriteCommand(Batch({{"a", "old"}})))));
  EXPECT_EQ(Get("a"), "2");
  EXPECT_OK(DecodeResult(machine_->Apply(3, EncodeWriteCommand(Batch({{"b", std::nullopt}})))));
  EXPECT_EQ(Get("b"), std::nullopt);
  EXPECT_EQ(machine_->applied_index(), 3u);
}

TEST_F(PartitionMachineTest, TransactionDocExampleDecodes) {
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_OK(DecodeResult(machine_->Apply(1, EncodeWriteCommand(Batch({{"k", "0"}})))));
  // Its conditions hold: k is "0" and x is absent.
  EXPECT_OK(DecodeResult(machine_->Apply(2, kTransactionExample)));
  EXPECT_EQ(Get("k"), "1");
  // Applied again, k is "1" now: refused, nothing written, index advanced.
  const std::string result = machine_->Apply(3, kTransactionExample);
  EXPECT_EQ(result[0], '\x0a');
  EXPECT_THAT(DecodeResult(result),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("key \"k\" changed")));
  EXPECT_EQ(machine_->applied_index(), 3u);
  // x present fails the other condition, even with k back at "0".
  EXPECT_OK(DecodeResult(machine_->Apply(4, EncodeWriteCommand(Batch({{"k", "0"}, {"x", "!"}})))));
  EXPECT_THAT(DecodeResult(machine_->Apply(5, kTransactionExample)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("\"x\"")));
  EXPECT_EQ(Get("k"), "0");
}

TEST_F(PartitionMachineTest, AMalformedCommandIsRefusedAndStillCounted) {
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::Status s = DecodeResult(machine_->Apply(1, "not a command"));
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_EQ(machine_->applied_index(), 1u);
  EXPECT_FALSE(machine_->stopped());
}

TEST_F(PartitionMachineTest, SnapshotsRestoreTheSameState) {
  ASSERT_NO_FATAL_FAILURE(Open("a"));
  ASSERT_OK(DecodeResult(machine_->Apply(
      5, EncodeWriteCommand(Batch({{"k1", "v1"}, {"k2", std::string(5000, 'z')},
                                   {std::string(kClusterMapKey), "{\"epoch\": 2}"}})))));
  const std::string snapshot = machine_->Snapshot();
  ASSERT_NO_FATAL_FAILURE(Open("b"));
  ASSERT_OK(db_->Put("stale", "goes"));
  ASSERT_OK(machine_->Restore(snapshot));
  EXPECT_EQ(machine_->applied_index(), 5u);
  EXPECT_EQ(Get("k1"), "v1");
  EXPECT_EQ(Get("k2"), std::string(5000, 'z'));
  EXPECT_EQ(Get("stale"), std::nullopt);
  // The cluster's map travels with the data: a replica of partition 0
  // caught up by snapshot holds the configuration group's map.
  EXPECT_EQ(Get(std::string(kClusterMapKey)), "{\"epoch\": 2}");
  ASSERT_NO_FATAL_FAILURE(Open("b"));
  EXPECT_EQ(machine_->applied_index(), 5u);
  // A damaged snapshot changes nothing.
  EXPECT_TRUE(absl::IsDataLoss(machine_->Restore(snapshot.substr(0, snapshot.size() - 3))));
  EXPECT_TRUE(absl::IsDataLoss(machine_->Restore("")));
  EXPECT_EQ(Get("k1"), "v1");
}

// Three replicas, each a native engine in its own directory.
TEST(PartitionGroup, ReplicasApplyEveryWriteOnceThroughRestarts) {
  constexpr int kNodes = 3;
  const auto root = std::filesystem::temp_directory_path() /
                    fmt::format("synapsed-partition-group-{}", getpid());
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  std::vector<std::unique_ptr<Store>> dbs(kNodes);
  std::vector<std::unique_ptr<PartitionMachine>> machines(kNodes);
  auto open = [&](int i) {
    machines[i].reset();
    dbs[i].reset();
    auto db = engine::OpenNativeStore(engine::EngineOptions(),
                                      (root / fmt::format("engine{}", i)).string());
    EXPECT_OK(db.status());
    dbs[i] = std::move(*db);
    auto m = PartitionMachine::Open(dbs[i].get());
    EXPECT_OK(m.status());
    machines[i] = std::move(*m);
    return machines[i].get();
  };
  {
    testing::TestRaftGroup group("partition-group", kNodes, [&](int i) { return open(i); });
    ASSERT_OK(group.StartAll());
    int leader = group.Leader();
    ASSERT_GE(leader, 0);
    auto put = [&](int from, int to) {
      for (int k = from; k < to; ++k) {
        auto r = group.node(leader)->Propose(
            EncodeWriteCommand(Batch({{fmt::format("key{}", k), fmt::format("v{}", k)}})), 5s);
        ASSERT_OK(r.status());
        ASSERT_OK(DecodeResult(*r));
      }
    };
    ASSERT_NO_FATAL_FAILURE(put(0, 30));
    const int follower = (leader + 1) % kNodes;
    group.Stop(follower);  // its engine keeps what it applied
    ASSERT_NO_FATAL_FAILURE(put(30, 60));
    ASSERT_OK(group.Start(follower));  // reopens its engine: applied index from disk
    EXPECT_TRUE(testing::WaitFor(
        [&] { return machines[follower]->applied_index() >= machines[leader]->applied_index(); },
        10s));
    // The log replayed entries the engine already held; none applied twice.
    EXPECT_GT(machines[follower]->skipped(), 0u);
    for (int i = 0; i < kNodes; ++i) {
      EXPECT_TRUE(testing::WaitFor([&] { return dbs[i]->Get("key59").ok(); }, 10s)) << i;
      auto v = dbs[i]->Get("key42");
      ASSERT_OK(v.status());
      EXPECT_EQ(*v, "v42");
    }
  }
  machines.clear();
  dbs.clear();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace synapsed::storage::cluster
