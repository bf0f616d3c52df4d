// A partition's replicas as Stores: writes through the leader reach every
// replica, strong reads need the leader, eventual reads do not, the
// replica's own keys stay hidden, transactions are first-committer-wins on
// every replica, and min_replicas refuses a write that could not reach them.
#include "cluster/replicated_store.h"

#include <string>

#include "absl/time/time.h"
#include "cluster/replicated_store_test_util.h"
#include "cluster/reserved_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TestPartition;
using testing::WaitFor;
using storage::testing::StatusIs;

std::string Contents(Store* s) {
  std::string out;
  auto all = s->Scan(KeyRange::All());
  if (!all.ok()) return "error: " + std::string(all.status().message());
  for (const KeyValue& kv : *all) out += kv.key + "=" + kv.value + " ";
  return out;
}

TEST(ReplicatedStore, WritesReachEveryReplicaAndStrongReadsNeedTheLeader) {
  TestPartition p("basics", 3);
  ASSERT_OK(p.StartAll());
  const int leader = p.Leader();
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % 3;
  ReplicatedStore* l = p.store(leader);

  ASSERT_OK(l->Put("k", "v"));
  ASSERT_OK_AND_ASSIGN(std::string v, l->Get("k"));
  EXPECT_EQ(v, "v");
  WriteBatch batch;
  ASSERT_OK(batch.Put("a", "1"));
  ASSERT_OK(batch.Put("b", "2"));
  ASSERT_OK(batch.Delete("k"));
  ASSERT_OK(l->Write(WriteOptions(), batch));
  EXPECT_EQ(Contents(l), "a=1 b=2 ");

  // A follower refuses strong reads and writes, naming the leader.
  const std::string leader_address = l->node()->Status().leader_address;
  EXPECT_THAT(p.store(follower)->Get("a"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(leader_address)));
  EXPECT_THAT(p.store(follower)->Put("c", "3"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not the leader")));
  // An eventual read on every replica sees the writes once applied there.
  for (int i = 0; i < 3; ++i) {
    ReplicatedStore eventual(p.store(i)->node(), p.store(i)->local(),
                             {.consistency = ReadConsistency::kEventual});
    EXPECT_TRUE(WaitFor([&] { return Contents(&eventual) == "a=1 b=2 "; }, 10s)) << i;
    EXPECT_THAT(eventual.Get("k"), StatusIs(absl::StatusCode::kNotFound));
  }
  ASSERT_OK_AND_ASSIGN(std::string raft, l->GetProperty("raft"));
  EXPECT_THAT(raft, HasSubstr("\"is_leader\":true"));
}

TEST(ReplicatedStore, TheReplicasOwnKeysAreRefusedAndHidden) {
  TestPartition p("reserved", 1);
  ASSERT_OK(p.StartAll());
  ASSERT_EQ(p.Leader(), 0);
  ReplicatedStore* s = p.store(0);
  ASSERT_OK_AND_ASSIGN(auto stream, s->Subscribe(KeyRange::All(), SubscribeOptions()));
  ASSERT_OK(s->Put("user", "1"));

  const std::string reserved(kAppliedIndexKey);
  EXPECT_THAT(s->Put(reserved, "x"), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("the cluster's own")));
  WriteBatch mixed;
  ASSERT_OK(mixed.Put("fine", "1"));
  ASSERT_OK(mixed.Put(std::string(kReservedPrefix) + "mine", "x"));
  EXPECT_THAT(s->Write(WriteOptions(), mixed), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s->Get(reserved), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s->Delete(reserved), StatusIs(absl::StatusCode::kInvalidArgument));

  // The engine holds the applied index; the store's readers never see it.
  EXPECT_OK(s->local()->Get(reserved).status());
  EXPECT_EQ(Contents(s), "user=1 ");
  auto it = s->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "user");
  it->SeekForPrev("\xff\xff\xff");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "user");
  ASSERT_OK_AND_ASSIGN(ChangeBatch changes, stream->Next(absl::Seconds(5)));
  ASSERT_EQ(changes.events.size(), 1u);
  EXPECT_EQ(changes.events[0].key, "user");
}

TEST(ReplicatedStore, TransactionsAreFirstCommitterWinsOnEveryReplica) {
  TestPartition p("transactions", 3);
  ASSERT_OK(p.StartAll());
  const int leader = p.Leader();
  ASSERT_GE(leader, 0);
  ReplicatedStore* l = p.store(leader);
  ASSERT_OK(l->Put("k", "0"));

  ASSERT_OK_AND_ASSIGN(auto t1, l->BeginTransaction());
  ASSERT_OK_AND_ASSIGN(auto t2, l->BeginTransaction());
  ASSERT_OK(t1->Put("k", "1"));
  ASSERT_OK(t2->Put("k", "2"));
  ASSERT_OK(t2->Put("other", "2"));
  ASSERT_OK(t1->Commit());
  EXPECT_THAT(t2->Commit(), StatusIs(absl::StatusCode::kAborted, HasSubstr("\"k\"")));

  // A transaction that read a key with GetForUpdate aborts if it changed,
  // even when the change came from a plain write.
  ASSERT_OK_AND_ASSIGN(auto t3, l->BeginTransaction());
  std::string seen;
  ASSERT_OK(t3->GetForUpdate("k", &seen));
  EXPECT_EQ(seen, "1");
  ASSERT_OK(t3->Put("after", "x"));
  ASSERT_OK(l->Put("k", "outside"));
  EXPECT_THAT(t3->Commit(), StatusIs(absl::StatusCode::kAborted));

  // Reads inside a transaction see its own writes over the snapshot.
  ASSERT_OK_AND_ASSIGN(auto t4, l->BeginTransaction());
  ASSERT_OK(t4->Put("new", "n"));
  ASSERT_OK(t4->Get("new", &seen));
  EXPECT_EQ(seen, "n");
  ASSERT_OK(t4->Commit());

  // Every replica applied the same entries and made the same decisions.
  for (int i = 0; i < 3; ++i) {
    ReplicatedStore eventual(p.store(i)->node(), p.store(i)->local(),
                             {.consistency = ReadConsistency::kEventual});
    EXPECT_TRUE(WaitFor([&] { return Contents(&eventual) == "k=outside new=n "; }, 10s))
        << i << ": " << Contents(&eventual);
  }
}

TEST(ReplicatedStore, MinReplicasRefusesAWriteAndAppliesNothing) {
  TestPartition p("min-replicas", 3);
  p.store_options.min_replicas = 3;
  ASSERT_OK(p.StartAll());
  const int leader = p.Leader();
  ASSERT_GE(leader, 0);
  ReplicatedStore* l = p.store(leader);
  ASSERT_TRUE(WaitFor([&] { return l->node()->Status().reachable_voters == 3; }, 10s));
  ASSERT_OK(l->Put("before", "1"));

  p.Stop((leader + 1) % 3);
  ASSERT_TRUE(WaitFor([&] { return l->node()->Status().reachable_voters == 2; }, 10s));
  EXPECT_THAT(l->Put("after", "1"),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("insufficient replicas: 3 required, 2 reachable")));
  ASSERT_OK_AND_ASSIGN(auto txn, l->BeginTransaction());
  ASSERT_OK(txn->Put("in-txn", "1"));
  EXPECT_THAT(txn->Commit(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Contents(l), "before=1 ");
}

}  // namespace
}  // namespace synapsed::storage::cluster
