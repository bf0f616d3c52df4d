// A Session in cluster mode (command_router.h), with a router that stands
// in for the cluster module's. A key's first byte decides its slot: 'a'
// slot 1 and 'c' slot 5, two slots of one partition served here by store
// A; 'b' slot 2, another partition served here by store B; 'm' slot 3,
// served by another node (-MOVED); any other slot has no leader
// (-TRYAGAIN).
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/command_router.h"
#include "server/session_test_util.h"

namespace synapsed::storage::server {
namespace {

class FakeRouter : public CommandRouter {
 public:
  FakeRouter(Store* a, Store* b) : a_(a), b_(b) {}
  static int SlotOf(std::string_view key) {
    switch (key.empty() ? '\0' : key[0]) {
      case 'a': return 1;
      case 'c': return 5;
      case 'b': return 2;
      case 'm': return 3;
      default: return 4;
    }
  }
  // Slots 1 and 5 are one partition; every other slot its own.
  static int PartitionOf(int slot) { return slot == 5 ? 1 : slot; }

  // As ClusterNode: the first key's slot, if every key is in its partition.
  Route RouteKeys(const std::vector<std::string_view>& keys) override {
    const int slot = SlotOf(keys.front());
    for (std::string_view k : keys) {
      if (PartitionOf(SlotOf(k)) != PartitionOf(slot)) {
        Route r;
        r.slot = slot;
        r.redirect = std::string(kCrossSlotError);
        return r;
      }
    }
    return RouteSlot(slot);
  }
  Route RouteSlot(int slot) override {
    ++slots_routed;
    Route r;
    r.slot = slot;
    switch (slot) {
      // Not owned: the test's stores outlive the router.
      case 1: case 5: r.store = std::shared_ptr<Store>(std::shared_ptr<Store>(), a_); break;
      case 2: r.store = std::shared_ptr<Store>(std::shared_ptr<Store>(), b_); break;
      case 3: r.redirect = "MOVED 3 127.0.0.1:7002"; break;
      default: r.redirect = "TRYAGAIN no leader"; break;
    }
    return r;
  }
  void Cluster(const std::vector<std::string>& args, ReplyWriter& reply) override {
    reply.Bulk("cluster " + args[1]);
  }

  int slots_routed = 0;

 private:
  Store* a_;
  Store* b_;
};

class SessionClusterTest : public SessionTestBase {
 protected:
  void SetUp() override {
    Open(StorageConfig::Memory());  // the server's own store: keyless commands
    a_ = *StorageBuilder(StorageConfig::Memory()).Build();
    b_ = *StorageBuilder(StorageConfig::Memory()).Build();
    router_ = std::make_unique<FakeRouter>(a_.get(), b_.get());
    state_->router = router_.get();
  }
  bool Has(Store& s, const std::string& key) { return *s.Exists(ReadOptions(), key); }

  std::unique_ptr<Store> a_, b_;
  std::unique_ptr<FakeRouter> router_;
};

TEST_F(SessionClusterTest, EachKeyedCommandRunsOnItsPartitionsStore) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "SET a1 x"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET b1 y"), "+OK\r\n");
  EXPECT_TRUE(Has(*a_, "a1"));
  EXPECT_FALSE(Has(*b_, "a1"));
  EXPECT_TRUE(Has(*b_, "b1"));
  EXPECT_FALSE(Has(*store_, "a1"));
  EXPECT_EQ(Run(*c, "GET b1"), "$1\r\ny\r\n");
  EXPECT_EQ(Run(*c, "MSET a2 1 a3 2"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "MGET a2 a3"), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run(*c, "INCR b2"), ":1\r\n");
  EXPECT_TRUE(Has(*b_, "b2"));
}

TEST_F(SessionClusterTest, RedirectsAreTheReplyAndNothingRuns) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "SET m1 x"), "-MOVED 3 127.0.0.1:7002\r\n");
  EXPECT_EQ(Run(*c, "GET t1"), "-TRYAGAIN no leader\r\n");
  // Keys in two partitions (a and b) are refused, as Redis Cluster does.
  EXPECT_EQ(Run(*c, "MSET a1 1 b1 2"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(Run(*c, "DEL a1 b1"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_FALSE(Has(*a_, "a1"));
  EXPECT_FALSE(Has(*b_, "b1"));
  EXPECT_FALSE(Has(*store_, "m1"));
}

TEST_F(SessionClusterTest, ATransactionStaysInOnePartition) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET a1 1"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "INCR a2"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "EXEC"), "*2\r\n+OK\r\n:1\r\n");
  EXPECT_TRUE(Has(*a_, "a1"));
  EXPECT_TRUE(Has(*a_, "a2"));

  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET a3 1"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "SET b3 1"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(Run(*c, "EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_FALSE(Has(*a_, "a3"));

  // WATCH pins the partition of the MULTI that follows, not the commands
  // between.
  EXPECT_EQ(Run(*c, "WATCH b4"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "GET a1"), "$1\r\n1\r\n");
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET a4 1"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(Run(*c, "DISCARD"), "+OK\r\n");
  // After UNWATCH (DISCARD dropped the watch too) any partition may start
  // again.
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET b5 1"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "EXEC"), "*1\r\n+OK\r\n");
  EXPECT_TRUE(Has(*b_, "b5"));
}

// Keys of two slots of one partition go together: in one command and in
// one WATCH/MULTI, which the partition's store applies atomically.
TEST_F(SessionClusterTest, SlotsOfOnePartitionGoTogether) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "MSET a1 1 c1 2"), "+OK\r\n");
  EXPECT_TRUE(Has(*a_, "a1"));
  EXPECT_TRUE(Has(*a_, "c1"));
  EXPECT_EQ(Run(*c, "MGET c1 a1"), "*2\r\n$1\r\n2\r\n$1\r\n1\r\n");
  EXPECT_EQ(Run(*c, "DEL a1 c1 b1"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");

  EXPECT_EQ(Run(*c, "WATCH a1"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "WATCH c1"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "INCR a1"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "INCR c1"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 5 - + 10"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "EXEC"),
            "*3\r\n:2\r\n:3\r\n*4\r\n$2\r\na1\r\n$1\r\n2\r\n$2\r\nc1\r\n$1\r\n3\r\n");

  // A WATCH of one partition refuses a MULTI on the other.
  EXPECT_EQ(Run(*c, "WATCH c1"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "WATCH b1"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 2 - + 10"),
            "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(Run(*c, "EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

// SYNAPSED.RANGE has no keys: it is routed by its slot, and reads the whole
// store of that slot's partition.
TEST_F(SessionClusterTest, RangeIsRoutedBySlot) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "MSET a1 1 c1 2"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET b1 3"), "+OK\r\n");
  const std::string partition_a = "*4\r\n$2\r\na1\r\n$1\r\n1\r\n$2\r\nc1\r\n$1\r\n2\r\n";
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 1 - + 10"), partition_a);
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 5 - + 10"), partition_a);
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 2 - + 10 REV"), "*2\r\n$2\r\nb1\r\n$1\r\n3\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 3 - + 10"), "-MOVED 3 127.0.0.1:7002\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 4 - + 10"), "-TRYAGAIN no leader\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 16383 - + 10"), "-TRYAGAIN no leader\r\n");
  // A bad slot is refused before the router is asked; the other arguments
  // are the command's to check, on the routed store.
  const int routed = router_->slots_routed;
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 16384 - + 10"),
            "-ERR slot out of range: expected an integer from 0 to 16383\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE x - + 10"),
            "-ERR slot out of range: expected an integer from 0 to 16383\r\n");
  EXPECT_EQ(router_->slots_routed, routed);
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 1 x + 10"), "-ERR min or max not valid string range item\r\n");
  EXPECT_EQ(Run(*c, "SYNAPSED.RANGE 3 x + 10"), "-MOVED 3 127.0.0.1:7002\r\n");
}

TEST_F(SessionClusterTest, WholeKeyspaceCommandsAreRefusedAndClusterIsRouted) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "DBSIZE"),
            "-ERR 'dbsize' is not served in cluster mode: a node's keys are spread over "
            "several partitions\r\n");
  EXPECT_EQ(Run(*c, "SCAN 0").substr(0, 17), "-ERR 'scan' is no");
  EXPECT_EQ(Run(*c, "FLUSHDB").substr(0, 20), "-ERR 'flushdb' is no");
  EXPECT_EQ(Run(*c, "CLUSTER NODES"), "$13\r\ncluster NODES\r\n");
  EXPECT_EQ(Run(*c, "PING"), "+PONG\r\n");
}

TEST_F(SessionClusterTest, WithoutARouterClusterIsDisabled) {
  state_->router = nullptr;
  auto c = Connect();
  EXPECT_EQ(Run(*c, "CLUSTER INFO"), "-ERR This instance has cluster support disabled\r\n");
}

}  // namespace
}  // namespace synapsed::storage::server
