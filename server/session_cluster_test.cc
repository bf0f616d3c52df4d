// A Session in cluster mode (command_router.h), with a router that stands
// in for the cluster module's: keys starting with 'a' are served here by
// store A (slot 1), 'b' by store B (slot 2), 'm' belong to another node
// (-MOVED) and 't' to a partition with no leader (-TRYAGAIN).
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
  Route RouteKeys(const std::vector<std::string_view>& keys) override {
    Route r;
    for (std::string_view k : keys) {
      if (k.empty() || k[0] != keys.front()[0]) {
        r.redirect = "CROSSSLOT Keys in request don't hash to the same slot";
        return r;
      }
    }
    switch (keys.front()[0]) {
      case 'a': r.store = a_; r.slot = 1; break;
      case 'b': r.store = b_; r.slot = 2; break;
      case 'm': r.slot = 3; r.redirect = "MOVED 3 127.0.0.1:7002"; break;
      default: r.slot = 4; r.redirect = "TRYAGAIN no leader"; break;
    }
    return r;
  }
  void Cluster(const std::vector<std::string>& args, ReplyWriter& reply) override {
    reply.Bulk("cluster " + args[1]);
  }

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
  EXPECT_EQ(Run(*c, "MSET a1 1 b1 2"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(Run(*c, "DEL a1 b1"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_FALSE(Has(*a_, "a1"));
  EXPECT_FALSE(Has(*b_, "b1"));
  EXPECT_FALSE(Has(*store_, "m1"));
}

TEST_F(SessionClusterTest, ATransactionStaysInOneSlot) {
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

  // WATCH pins the slot of the MULTI that follows, not the commands between.
  EXPECT_EQ(Run(*c, "WATCH b4"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "GET a1"), "$1\r\n1\r\n");
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET a4 1"), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(Run(*c, "DISCARD"), "+OK\r\n");
  // After UNWATCH (DISCARD dropped the watch too) any slot may start again.
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET b5 1"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "EXEC"), "*1\r\n+OK\r\n");
  EXPECT_TRUE(Has(*b_, "b5"));
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
