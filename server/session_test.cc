// Every command through a Session on a memory store: reply bytes exactly as
// Redis 7.0 sends them (the end-to-end test drives the same through
// redis-cli over the network).
#include "server/session.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/scan_cursor.h"
#include "server/scan_cursor_table.h"
#include "server/session_test_util.h"
#include "synapsed/storage/options.h"
#include "util/test_seed.h"

namespace synapsed::storage::server {
namespace {

class SessionTest : public SessionTestBase {
 protected:
  void SetUp() override {
    Open(StorageConfig::Memory());
    state_->request_shutdown = [this] { shutdown_requested_ = true; };
  }

  bool shutdown_requested_ = false;
};

TEST_F(SessionTest, ConnectionCommands) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "PING"), "+PONG\r\n");
  EXPECT_EQ(Run(*c, "ping hi"), "$2\r\nhi\r\n");
  EXPECT_EQ(Run(*c, "PING a b"), "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(Run(*c, "ECHO x"), "$1\r\nx\r\n");
  EXPECT_EQ(Run(*c, "SELECT 0"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SELECT 1"), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run(*c, "AUTH secret"),
            "-ERR AUTH <password> called without any password configured for the default "
            "user. Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(Run(*c, "AUTH bob secret"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Run(*c, "CLIENT ID"), ":1\r\n");
  EXPECT_EQ(Run(*c, "CLIENT GETNAME"), "$-1\r\n");
  EXPECT_EQ(Run(*c, "CLIENT SETNAME has\\ space"), "-ERR wrong number of arguments for 'client|setname' command\r\n");
  EXPECT_EQ(Run(*c, "CLIENT SETNAME \"a b\""),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(Run(*c, "CLIENT SETNAME worker"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "CLIENT GETNAME"), "$6\r\nworker\r\n");
  EXPECT_NE(Run(*c, "CLIENT LIST").find("id=1 addr= laddr= name=worker "), std::string::npos);
  EXPECT_EQ(Run(*c, "CLIENT NOPE"), "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(Run(*c, "FOO a b"),
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(Run(*c, "GET"), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run(*c, "QUIT"), "+OK\r\n");
  EXPECT_TRUE(c->session->close_requested());
}

TEST_F(SessionTest, HelloSwitchesToResp3) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "HELLO 4"), "-NOPROTO unsupported protocol version\r\n");
  const std::string hello = Run(*c, "HELLO 3 SETNAME n1");
  EXPECT_EQ(hello.substr(0, 4), "%7\r\n");
  EXPECT_NE(hello.find("$5\r\nproto\r\n:3\r\n"), std::string::npos);
  EXPECT_EQ(Run(*c, "GET missing"), "_\r\n");
  EXPECT_EQ(Run(*c, "CLIENT GETNAME"), "$2\r\nn1\r\n");
  EXPECT_EQ(Run(*c, "HELLO 2").substr(0, 5), "*14\r\n");
  EXPECT_EQ(Run(*c, "GET missing"), "$-1\r\n");
}

TEST_F(SessionTest, StringCommands) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "SET k v"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "GET k"), "$1\r\nv\r\n");
  EXPECT_EQ(Run(*c, "SET k w NX"), "$-1\r\n");
  EXPECT_EQ(Run(*c, "SET k w XX GET"), "$1\r\nv\r\n");
  EXPECT_EQ(Run(*c, "SET n 1 XX"), "$-1\r\n");
  EXPECT_EQ(Run(*c, "SET n 1 NX"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET n 1 NX XX"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run(*c, "SET n 1 EX 10"),
            "-ERR SET with EX/PX/EXAT/PXAT is not supported: this server keeps no TTLs\r\n");
  EXPECT_EQ(Run(*c, "INCR n"), ":2\r\n");
  EXPECT_EQ(Run(*c, "INCRBY n 40"), ":42\r\n");
  EXPECT_EQ(Run(*c, "DECR n"), ":41\r\n");
  EXPECT_EQ(Run(*c, "DECRBY n 41"), ":0\r\n");
  EXPECT_EQ(Run(*c, "INCR k"), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run(*c, "SET big 9223372036854775807"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "INCR big"), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Run(*c, "APPEND k xyz"), ":4\r\n");
  EXPECT_EQ(Run(*c, "STRLEN k"), ":4\r\n");
  EXPECT_EQ(Run(*c, "STRLEN none"), ":0\r\n");
  EXPECT_EQ(Run(*c, "MSET a 1 b 2"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "MSET a 1 b"), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(Run(*c, "MGET a none b"), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run(*c, "GETDEL a"), "$1\r\n1\r\n");
  EXPECT_EQ(Run(*c, "GETDEL a"), "$-1\r\n");
  EXPECT_EQ(Run(*c, "EXISTS a b b k"), ":3\r\n");
  EXPECT_EQ(Run(*c, "DEL b b k none"), ":2\r\n");
  EXPECT_EQ(Run(*c, "UNLINK n"), ":1\r\n");
  EXPECT_EQ(Run(*c, "DBSIZE"), ":1\r\n");
  EXPECT_EQ(Run(*c, "FLUSHDB"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "DBSIZE"), ":0\r\n");
}

// Pipelined plain writes become one store write, replies in order.
TEST_F(SessionTest, PipelinedWritesShareOneBatch) {
  auto c = Connect();
  c->out.clear();
  for (std::string line : {"SET a 1", "SET b 2", "MSET c 3 d 4"}) {
    std::vector<std::string> args;
    ASSERT_TRUE(SplitInlineArgs(line, &args));
    c->session->Execute(std::move(args));
  }
  EXPECT_EQ(c->out, "");  // not yet applied
  c->session->Execute({"GET", "c"});  // a read applies the batch first
  EXPECT_EQ(c->out, "+OK\r\n+OK\r\n+OK\r\n$1\r\n3\r\n");
  EXPECT_EQ(state_->stats.batched_writes.load(), 1u);
  EXPECT_EQ(state_->stats.batched_commands.load(), 3u);
}

// Pipelined counter commands run as one transaction, each with its own
// reply, in order with the plain writes around them.
TEST_F(SessionTest, PipelinedCountersShareOneTransaction) {
  auto c = Connect();
  c->out.clear();
  for (std::string line : {"SET k 5", "INCR k", "INCRBY k 10", "DECR k", "INCR n", "SET s x",
                           "INCR s", "DECRBY k 2", "SET k 100", "INCR k"}) {
    std::vector<std::string> args;
    ASSERT_TRUE(SplitInlineArgs(line, &args));
    c->session->Execute(std::move(args));
  }
  c->session->Execute({"MGET", "k", "n", "s"});
  EXPECT_EQ(c->out,
            "+OK\r\n:6\r\n:16\r\n:15\r\n:1\r\n+OK\r\n"
            "-ERR value is not an integer or out of range\r\n:13\r\n+OK\r\n:101\r\n"
            "*3\r\n$3\r\n101\r\n$1\r\n1\r\n$1\r\nx\r\n");
  // An INCR gathered with others still sees another connection's write
  // made before the gathered ones run.
  auto other = Connect();
  c->out.clear();
  c->session->Execute({"INCR", "k"});
  EXPECT_EQ(Run(*other, "SET k 7"), "+OK\r\n");
  c->session->Execute({"INCR", "k"});
  c->session->FlushBatch();
  EXPECT_EQ(c->out, ":8\r\n:9\r\n");
}

TEST_F(SessionTest, ScanResumesFromTheLastKey) {
  auto c = Connect();
  for (int i = 0; i < 25; ++i) Run(*c, "SET user:" + std::to_string(100 + i) + " x");
  Run(*c, "SET other y");
  std::string cursor = "0";
  std::set<std::string> seen;
  int calls = 0;
  do {
    const std::string out = Run(*c, "SCAN " + cursor + " MATCH user:* COUNT 10");
    // *2 $len cursor *n ($len key)...
    size_t pos = out.find("\r\n", 4) + 2;
    const size_t end = out.find("\r\n", pos);
    cursor = out.substr(pos, end - pos);
    size_t k = out.find("user:");
    while (k != std::string::npos) {
      EXPECT_TRUE(seen.insert(out.substr(k, 8)).second);
      k = out.find("user:", k + 1);
    }
    ++calls;
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(Run(*c, "SCAN x"), "-ERR invalid cursor\r\n");
  // A 20-digit cursor the server never gave out.
  EXPECT_EQ(Run(*c, "SCAN 10000000000000000000"), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run(*c, "KEYS user:?"),
            "-ERR only patterns of the form 'prefix*', '*' or an exact key are supported\r\n");
  EXPECT_EQ(Run(*c, "KEYS oth*"), "*1\r\n$5\r\nother\r\n");
  EXPECT_EQ(Run(*c, "KEYS other"), "*1\r\n$5\r\nother\r\n");
}

// Keys of at most 6 bytes are written in digits, which need no table.
TEST(ScanCursor, ShortKeysRoundTripInDigits) {
  ScanCursorTable table(100, 8, 1 << 20);
  for (std::string key : {std::string(), std::string("ab"),
                          std::string("\0\xff", 2), std::string("abcdef")}) {
    const std::string cursor = EncodeCursor(key, table);
    EXPECT_EQ(cursor.size(), 1 + 3 * key.size());
    std::optional<std::string> back;
    ASSERT_TRUE(DecodeCursor(cursor, table, &back));
    EXPECT_EQ(back, key);
  }
  EXPECT_FALSE(table.Find(100));  // nothing was added
  EXPECT_EQ(EncodeCursor("ab", table), "1097098");
  EXPECT_EQ(EncodeCursor("\xff\xff\xff\xff\xff\xff", table),
            "1255255255255255255");  // the largest: below 2^63
  std::optional<std::string> k = "x";
  ASSERT_TRUE(DecodeCursor("0", table, &k));
  EXPECT_FALSE(k);
  // A long key in digits, as servers before the table wrote it.
  ASSERT_TRUE(DecodeCursor("1097098099100101102103", table, &k));
  EXPECT_EQ(k, "abcdefg");
  for (const char* bad : {"1256", "10", "", "x", "1097098 ", "-1097098"}) {
    EXPECT_FALSE(DecodeCursor(bad, table, &k)) << bad;
  }
}

// What redis-cli --scan does with a cursor: strtoull, then print it back.
std::string AsUint64(const std::string& cursor) {
  errno = 0;
  const unsigned long long v = std::strtoull(cursor.c_str(), nullptr, 10);
  EXPECT_EQ(errno, 0) << cursor;
  return std::to_string(v);
}

TEST(ScanCursor, LongKeysGetA20DigitCursorThatFitsIn64Bits) {
  ScanCursorTable table;
  const std::string longest(kMaxKeySize, '\xff');
  std::set<std::string> cursors;
  for (const std::string& key : {std::string("abcdefg"), longest,
                                 std::string("abcdefg")}) {
    const std::string cursor = EncodeCursor(key, table);
    EXPECT_EQ(cursor.size(), 20u);
    EXPECT_EQ(AsUint64(cursor), cursor);
    EXPECT_TRUE(cursors.insert(cursor).second);  // a new id every time
    std::optional<std::string> back;
    ASSERT_TRUE(DecodeCursor(cursor, table, &back)) << cursor;
    EXPECT_EQ(back, key);
  }
  // The last id there is is the largest uint64_t; the next starts over.
  ScanCursorTable top(ScanCursorTable::kIdLimit - 1, 8, 1 << 20);
  const std::string last = EncodeCursor("abcdefg", top);
  EXPECT_EQ(last, "18446744073709551615");
  EXPECT_EQ(AsUint64(last), last);
  std::optional<std::string> back;
  ASSERT_TRUE(DecodeCursor(last, top, &back));
  EXPECT_EQ(back, "abcdefg");
  EXPECT_EQ(EncodeCursor("hijklmn", top), "10000000000000000000");
  EXPECT_FALSE(DecodeCursor(last, top, &back));
}

TEST(ScanCursorTable, EvictsTheOldestFirst) {
  ScanCursorTable table(100, 3, 1 << 20);
  for (std::string key : {"a", "b", "c", "d"}) table.Add(key);
  EXPECT_FALSE(table.Find(100));
  EXPECT_EQ(table.Find(101), "b");
  EXPECT_EQ(table.Find(103), "d");
  EXPECT_FALSE(table.Find(104));
  std::optional<std::string> k;
  EXPECT_FALSE(DecodeCursor("10000000000000000100", table, &k));
  ASSERT_TRUE(DecodeCursor("10000000000000000101", table, &k));
  EXPECT_EQ(k, "b");
  // The byte bound: the oldest go until the keys fit, but the newest stays.
  ScanCursorTable bytes(0, 100, 10);
  EXPECT_EQ(bytes.Add("12345678"), 0u);
  EXPECT_EQ(bytes.Add("abcd"), 1u);
  EXPECT_FALSE(bytes.Find(0));
  EXPECT_EQ(bytes.Find(1), "abcd");
  EXPECT_EQ(bytes.Add("a key over ten bytes"), 2u);
  EXPECT_FALSE(bytes.Find(1));
  EXPECT_EQ(bytes.Find(2), "a key over ten bytes");
}

// An id the table never gave out — garbage, another server's, one from
// before a restart — is an invalid cursor, never a new scan.
TEST(ScanCursor, UnknownTableCursorsAreInvalid) {
  ScanCursorTable table, restarted;
  const std::string cursor = EncodeCursor("abcdefgh", table);
  std::optional<std::string> k;
  EXPECT_FALSE(DecodeCursor(cursor, restarted, &k));
  const uint64_t seed = synapsed::storage::testing::TestSeed();
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 1000; ++i) {
    std::string garbage = "1";
    while (garbage.size() < 20) garbage += static_cast<char>('0' + rng() % 10);
    if (garbage == cursor) continue;
    EXPECT_FALSE(DecodeCursor(garbage, table, &k)) << garbage;
  }
  for (const char* bad : {"18446744073709551616", "99999999999999999999",
                          "20000000000000000000", "+1000000000000000000",
                          " 1000000000000000000", "1000000000000000000 ",
                          "1000000000000000000x"}) {
    EXPECT_FALSE(DecodeCursor(bad, table, &k)) << bad;
  }
  ASSERT_TRUE(DecodeCursor(cursor, table, &k));
  EXPECT_EQ(k, "abcdefgh");
}

TEST(ScanCursorTable, IsSharedByThreads) {
  ScanCursorTable table;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        const std::string key =
            "thread" + std::to_string(t) + "/" + std::to_string(i);
        if (table.Find(table.Add(key)) != key) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(SessionTest, MultiExecAndWatchConflict) {
  auto a = Connect();
  auto b = Connect();
  EXPECT_EQ(Run(*a, "EXEC"), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Run(*a, "DISCARD"), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(Run(*a, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "MULTI"), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(Run(*a, "WATCH x"), "-ERR WATCH inside MULTI is not allowed\r\n");
  EXPECT_EQ(Run(*a, "SET x 1"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*a, "INCR x"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*a, "GET x"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*a, "EXEC"), "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
  // A refused command aborts the transaction.
  EXPECT_EQ(Run(*a, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "NOPE"), "-ERR unknown command 'NOPE', with args beginning with: \r\n");
  EXPECT_EQ(Run(*a, "EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  // WATCH: another client's write makes EXEC return nil.
  EXPECT_EQ(Run(*a, "WATCH x"), "+OK\r\n");
  EXPECT_EQ(Run(*b, "SET x 10"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "SET x 99"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*a, "EXEC"), "*-1\r\n");
  EXPECT_EQ(Run(*a, "GET x"), "$2\r\n10\r\n");
  // Without a conflict (and after UNWATCH) EXEC applies.
  EXPECT_EQ(Run(*a, "WATCH x"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "SET x 99"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*a, "EXEC"), "*1\r\n+OK\r\n");
  EXPECT_EQ(Run(*a, "WATCH x"), "+OK\r\n");
  EXPECT_EQ(Run(*b, "SET x 11"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "UNWATCH"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "GET x"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*a, "EXEC"), "*1\r\n$2\r\n11\r\n");
  EXPECT_EQ(Run(*a, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*a, "DISCARD"), "+OK\r\n");
}

// Check-and-set increments from several threads, each WATCH/GET/MULTI/SET/
// EXEC retried on nil: a conflict WATCH missed would lose an update.
TEST_F(SessionTest, ConcurrentCheckAndSetLosesNoUpdate) {
  constexpr int kThreads = 4, kIncrements = 150;
  std::vector<std::unique_ptr<Client>> clients;
  for (int t = 0; t < kThreads; ++t) clients.push_back(Connect());
  std::atomic<int> nils{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client& c = *clients[t];
      for (int done = 0; done < kIncrements;) {
        Run(c, "WATCH counter");
        const std::string got = Run(c, "GET counter");
        int value = 0;
        if (got != "$-1\r\n") value = std::stoi(got.substr(got.find("\r\n") + 2));
        Run(c, "MULTI");
        Run(c, "SET counter " + std::to_string(value + 1));
        const std::string exec = Run(c, "EXEC");
        if (exec == "*-1\r\n") {
          ++nils;
        } else {
          ASSERT_EQ(exec, "*1\r\n+OK\r\n");
          ++done;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto c = Connect();
  EXPECT_EQ(Run(*c, "GET counter"), "$3\r\n" + std::to_string(kThreads * kIncrements) + "\r\n");
  std::cout << "EXEC answered nil " << nils.load() << " times\n";
}

// INCR from several threads: the read-modify-write is atomic.
TEST_F(SessionTest, ConcurrentIncrIsAtomic) {
  constexpr int kThreads = 4, kIncrements = 300;
  std::vector<std::unique_ptr<Client>> clients;
  for (int t = 0; t < kThreads; ++t) clients.push_back(Connect());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        const std::string r = Run(*clients[t], "INCR n");
        ASSERT_EQ(r[0], ':') << r;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto c = Connect();
  EXPECT_EQ(Run(*c, "GET n"), "$4\r\n1200\r\n");
}

TEST_F(SessionTest, ServerCommands) {
  auto c = Connect();
  Run(*c, "SET k v");
  const std::string info = Run(*c, "INFO");
  for (const char* field :
       {"# Server\r\n", "redis_version:", "# Clients\r\nconnected_clients:1\r\n", "# Stats\r\n",
        "# Persistence\r\n", "synapsed_sync:never\r\n", "# Keyspace\r\ndb0:keys=1,",
        "# Engine\r\n"}) {
    EXPECT_NE(info.find(field), std::string::npos) << field;
  }
  EXPECT_EQ(Run(*c, "INFO keyspace").find("# Server"), std::string::npos);
  EXPECT_EQ(Run(*c, "TIME").substr(0, 4), "*2\r\n");
  EXPECT_EQ(Run(*c, "COMMAND COUNT"), ":" + std::to_string(AllCommands().size()) + "\r\n");
  EXPECT_TRUE(Run(*c, "COMMAND INFO get").starts_with("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly"));
  EXPECT_TRUE(Run(*c, "COMMAND DOCS get").starts_with("*2\r\n$3\r\nget\r\n*6\r\n$7\r\nsummary"));
  EXPECT_EQ(Run(*c, "SHUTDOWN ABORT"), "-ERR No shutdown in progress.\r\n");
  EXPECT_EQ(Run(*c, "SHUTDOWN NOSAVE"), "");
  EXPECT_TRUE(shutdown_requested_);
  EXPECT_TRUE(c->session->close_requested());
}

// The fenced block after `marker` in docs/format/resp.md, with the written-out
// "\r\n" turned into the bytes.
std::string DocExample(const std::string& marker) {
  std::ifstream in(std::string(SYNAPSED_SOURCE_DIR) + "/docs/format/resp.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  size_t at = doc.find(marker);
  EXPECT_NE(at, std::string::npos) << marker;
  at = doc.find("```\n", at) + 4;
  std::string text = doc.substr(at, doc.find("\n```", at) - at);
  std::string bytes;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 4, "\\r\\n") == 0) {
      bytes += "\r\n";
      i += 3;
    } else {
      bytes += text[i];
    }
  }
  return bytes;
}

TEST_F(SessionTest, TheSubscriptionDocsWorkedExample) {
  auto sub = Connect();
  auto writer = Connect();
  std::string got = Run(*sub, "SYNAPSED.SUBSCRIBE user/ 1");
  Run(*writer, "MSET user/a 1 other 2 user/b 3");
  Run(*writer, "DEL user/a");
  sub->out.clear();
  EXPECT_EQ(sub->session->Deliver(1 << 20), Subscriptions::Delivery::kIdle);
  got += sub->out;
  EXPECT_EQ(got, DocExample("<!-- resp-example-subscribe -->"));
}

TEST_F(SessionTest, TheScanCursorDocsWorkedExample) {
  auto c = Connect();
  Run(*c, "MSET ab 1 user/alice 2 zz 3");
  std::string got = Run(*c, "SCAN 0 COUNT 1");
  const std::string second = Run(*c, "SCAN 1097098 COUNT 1");
  // *2 $20 <cursor>: the id is the server's, the doc shows 42.
  ASSERT_TRUE(second.starts_with("*2\r\n$20\r\n")) << second;
  const std::string cursor = second.substr(9, 20);
  got += second;
  got += Run(*c, "SCAN " + cursor + " COUNT 1");
  const std::string doc = DocExample("<!-- resp-example-scan -->");
  const size_t at = doc.find("10000000000000000042");
  ASSERT_NE(at, std::string::npos);
  std::string want = doc;
  want.replace(at, 20, cursor);
  EXPECT_EQ(got, want);
}

TEST_F(SessionTest, TheWireFormatDocsWorkedExample) {
  RespParser parser(RespLimits(), IsKeyArgument);
  parser.Feed(DocExample("<!-- resp-example-request -->"));
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> args;
  while (parser.Next(&args) == RespParser::Result::kCommand) commands.push_back(args);
  ASSERT_EQ(commands.size(), 3u) << parser.error();
  EXPECT_EQ(commands[0], (std::vector<std::string>{"SET", "user", "alice"}));
  EXPECT_EQ(commands[1], (std::vector<std::string>{"GET", "user"}));
  EXPECT_EQ(commands[2], (std::vector<std::string>{"INCR", "counter"}));
  auto c = Connect();
  for (auto& command : commands) c->session->Execute(command);
  c->session->FlushBatch();
  EXPECT_EQ(c->out, DocExample("<!-- resp-example-reply -->"));
}

TEST_F(SessionTest, TheRangeDocsWorkedExample) {
  auto c = Connect();
  Run(*c, "MSET user/alice 1 user/bob 2 user/carol 3 zed 4");
  RespParser parser(RespLimits(), IsKeyArgument);
  parser.Feed(DocExample("<!-- resp-example-range-request -->"));
  std::vector<std::string> args;
  c->out.clear();
  int commands = 0;
  while (parser.Next(&args) == RespParser::Result::kCommand) {
    ++commands;
    c->session->Execute(args);
  }
  EXPECT_EQ(commands, 2) << parser.error();
  EXPECT_EQ(c->out, DocExample("<!-- resp-example-range-reply -->"));
}

TEST(IsKeyArgument, FollowsTheCommandTable) {
  EXPECT_TRUE(IsKeyArgument("SET", 1));
  EXPECT_FALSE(IsKeyArgument("SET", 2));
  EXPECT_TRUE(IsKeyArgument("mset", 3));
  EXPECT_FALSE(IsKeyArgument("mset", 4));
  EXPECT_TRUE(IsKeyArgument("del", 7));
  EXPECT_FALSE(IsKeyArgument("echo", 1));
  EXPECT_FALSE(IsKeyArgument("nope", 1));
}

}  // namespace
}  // namespace synapsed::storage::server
