// Pub/sub through Sessions on a memory store (no network): the reply and
// message bytes of SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE in
// RESP2 and RESP3 (push type), keyspace and keyevent messages for another
// client's writes, the subscribed-mode restrictions, and SYNAPSED.SUBSCRIBE's
// batches and end message. server_cli_test drives the same over the network.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/session_test_util.h"

namespace synapsed::storage::server {
namespace {

class PubSubTest : public SessionTestBase {
 protected:
  void SetUp() override { Open(StorageConfig::Memory()); }
  // What the subscriptions deliver now (the memory store queues a write's
  // events before the write returns).
  std::string Messages(Client& c, size_t budget = 1 << 20) {
    c.out.clear();
    last_delivery_ = c.session->Deliver(budget);
    return c.out;
  }

  Subscriptions::Delivery last_delivery_ = Subscriptions::Delivery::kIdle;
};

TEST_F(PubSubTest, KeyspaceNotificationsInResp2) {
  auto sub = Connect();
  auto writer = Connect();
  EXPECT_EQ(Run(*sub, "PSUBSCRIBE __keyspace@0__:user/* __keyevent@0__:*"),
            "*3\r\n$10\r\npsubscribe\r\n$21\r\n__keyspace@0__:user/*\r\n:1\r\n"
            "*3\r\n$10\r\npsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:2\r\n");
  EXPECT_EQ(Run(*sub, "SUBSCRIBE __keyevent@0__:del"),
            "*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:del\r\n:3\r\n");
  EXPECT_EQ(Run(*writer, "SET user/1 a"), "+OK\r\n");
  EXPECT_EQ(Run(*writer, "DEL user/1 other"), ":1\r\n");
  EXPECT_EQ(Messages(*sub),
            "*4\r\n$8\r\npmessage\r\n$21\r\n__keyspace@0__:user/*\r\n"
            "$21\r\n__keyspace@0__:user/1\r\n$3\r\nset\r\n"
            "*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n"
            "$18\r\n__keyevent@0__:set\r\n$6\r\nuser/1\r\n"
            "*4\r\n$8\r\npmessage\r\n$21\r\n__keyspace@0__:user/*\r\n"
            "$21\r\n__keyspace@0__:user/1\r\n$3\r\ndel\r\n"
            "*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:del\r\n$6\r\nuser/1\r\n"
            "*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n"
            // DEL writes only the keys that exist: "other" makes no event.
            "$18\r\n__keyevent@0__:del\r\n$6\r\nuser/1\r\n");
  EXPECT_EQ(last_delivery_, Subscriptions::Delivery::kIdle);

  // Subscribed RESP2: only pub/sub, PING and QUIT.
  EXPECT_EQ(Run(*sub, "GET user/1"),
            "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context\r\n");
  EXPECT_EQ(Run(*sub, "PING"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(Run(*sub, "PUNSUBSCRIBE"),
            "*3\r\n$12\r\npunsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:2\r\n"
            "*3\r\n$12\r\npunsubscribe\r\n$21\r\n__keyspace@0__:user/*\r\n:1\r\n");
  EXPECT_EQ(Run(*sub, "UNSUBSCRIBE"),
            "*3\r\n$11\r\nunsubscribe\r\n$18\r\n__keyevent@0__:del\r\n:0\r\n");
  EXPECT_EQ(Run(*sub, "UNSUBSCRIBE"), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(Run(*sub, "PING"), "+PONG\r\n");  // no longer subscribed
  EXPECT_EQ(Run(*writer, "SET user/2 b"), "+OK\r\n");
  EXPECT_EQ(Messages(*sub), "");
}

TEST_F(PubSubTest, Resp3UsesPushAndAllowsOtherCommands) {
  auto sub = Connect();
  auto writer = Connect();
  ASSERT_NE(Run(*sub, "HELLO 3").find("proto"), std::string::npos);
  EXPECT_EQ(Run(*sub, "SUBSCRIBE __keyspace@0__:k"),
            ">3\r\n$9\r\nsubscribe\r\n$16\r\n__keyspace@0__:k\r\n:1\r\n");
  EXPECT_EQ(Run(*sub, "GET k"), "_\r\n");
  EXPECT_EQ(Run(*writer, "SET k v"), "+OK\r\n");
  EXPECT_EQ(Messages(*sub), ">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n");
}

TEST_F(PubSubTest, PubSubIsRefusedInsideMulti) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SUBSCRIBE x"), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(Run(*c, "EXEC"),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST_F(PubSubTest, SynapsedSubscribeStreamsBatchesWithSequences) {
  auto sub = Connect();
  auto writer = Connect();
  EXPECT_EQ(Run(*sub, "SYNAPSED.SUBSCRIBE user/ 1"),
            "*3\r\n$18\r\nsynapsed.subscribe\r\n$5\r\nuser/\r\n:1\r\n");
  EXPECT_EQ(Run(*writer, "MSET user/a 1 other 2 user/b 3"), "+OK\r\n");
  EXPECT_EQ(Run(*writer, "DEL user/a"), ":1\r\n");
  EXPECT_EQ(Messages(*sub),
            "*4\r\n$14\r\nsynapsed.batch\r\n$5\r\nuser/\r\n:4\r\n"
            "*2\r\n*4\r\n:1\r\n$3\r\nset\r\n$6\r\nuser/a\r\n$1\r\n1\r\n"
            "*4\r\n:3\r\n$3\r\nset\r\n$6\r\nuser/b\r\n$1\r\n3\r\n"
            "*4\r\n$14\r\nsynapsed.batch\r\n$5\r\nuser/\r\n:5\r\n"
            "*1\r\n*4\r\n:4\r\n$3\r\ndel\r\n$6\r\nuser/a\r\n$-1\r\n");
  // The memory store keeps no history: a past sequence names the next one.
  EXPECT_EQ(Run(*sub, "SYNAPSED.SUBSCRIBE other 2"),
            "-ERR sequence 2 is not available: the memory backend streams only the writes "
            "made through this process after Subscribe; the oldest available sequence is "
            "5\r\n");
  EXPECT_EQ(Run(*sub, "SYNAPSED.SUBSCRIBE other x"),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run(*sub, "SYNAPSED.SUBSCRIBE user/ $"),
            "-ERR this connection already has a SYNAPSED.SUBSCRIBE stream for the prefix "
            "'user/'\r\n");
  EXPECT_EQ(Run(*sub, "SYNAPSED.UNSUBSCRIBE"),
            "*3\r\n$20\r\nsynapsed.unsubscribe\r\n$5\r\nuser/\r\n:0\r\n");
}

TEST_F(PubSubTest, AKeyspaceSubscriberThatFallsBehindIsDropped) {
  auto sub = Connect();
  auto writer = Connect();
  Run(*sub, "SUBSCRIBE __keyevent@0__:set");
  EXPECT_FALSE(sub->session->KeyspaceEnded());
  const std::string value(1 << 20, 'v');
  for (int i = 0; i < 10; ++i) {  // past the stream's 8 MiB queue
    std::vector<std::string> args = {"SET", "k" + std::to_string(i), value};
    writer->session->Execute(std::move(args));
    writer->session->FlushBatch();
  }
  EXPECT_TRUE(sub->session->KeyspaceEnded());  // the connection drops it at once
  while (last_delivery_ != Subscriptions::Delivery::kDrop) {
    Messages(*sub);
    ASSERT_NE(last_delivery_, Subscriptions::Delivery::kIdle);
  }
}

TEST_F(PubSubTest, ASlowStreamEndsWithWhereToResume) {
  auto sub = Connect();
  auto writer = Connect();
  ASSERT_EQ(Run(*sub, "SYNAPSED.SUBSCRIBE k $"),
            "*3\r\n$18\r\nsynapsed.subscribe\r\n$1\r\nk\r\n:1\r\n");
  // Past the stream's 8 MiB queue while nothing is delivered.
  const std::string value(1 << 20, 'v');
  for (int i = 0; i < 10; ++i) {
    std::vector<std::string> args = {"SET", "k" + std::to_string(i), value};
    sub->out.clear();
    writer->session->Execute(std::move(args));
    writer->session->FlushBatch();
  }
  // A small budget: delivery stops and says so.
  Messages(*sub, 1000);
  EXPECT_EQ(last_delivery_, Subscriptions::Delivery::kFull);
  std::string all;
  while (true) {
    all += Messages(*sub);
    if (last_delivery_ == Subscriptions::Delivery::kIdle) break;
  }
  const std::string end = "*4\r\n$12\r\nsynapsed.end\r\n$1\r\nk\r\n:";
  const size_t at = all.find(end);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(all.find("fell behind; resume from sequence", at), std::string::npos);
  EXPECT_EQ(Run(*sub, "PING"), "+PONG\r\n");  // the stream is gone
}

}  // namespace
}  // namespace synapsed::storage::server
