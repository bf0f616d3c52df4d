// End-to-end tests of `synapsed serve`: the real redis-cli (Debian's
// redis-tools) and raw sockets against the server binary, on 127.0.0.1 with
// ports the server picks. What is checked: the reply to every command
// (testdata/session.redis against testdata/session.expected, whose shapes
// and error strings are Redis 7.0's), WATCH conflicts, SCAN over thousands
// of keys, bad input, many connections, shutdown and kill -9 durability.
#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "layers/prometheus_text_test_util.h"
#include "server/cli_test_util.h"

namespace synapsed::storage::server::testing {
namespace {

std::string ReadTestData(const std::string& name) {
  std::ifstream in(std::string(SYNAPSED_SOURCE_DIR) + "/server/testdata/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

class ServerCliTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir(::testing::UnitTest::GetInstance()->current_test_info()->name()); }
  std::unique_ptr<ServeProcess> Serve(std::vector<std::string> args = {}) {
    args.insert(args.end(), {"--threads", "2"});
    auto p = std::make_unique<ServeProcess>(dir_ + "/db", args);
    EXPECT_TRUE(p->started()) << p->output();
    return p;
  }
  std::string dir_;
};

// Every command's reply as redis-cli shows it. SYNAPSED_REWRITE=1 rewrites
// the expected transcript (review the diff: it is the protocol).
TEST_F(ServerCliTest, ScriptedSessionMatchesTranscript) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  const std::string got = RedisCli(server->port(), {"--no-raw"}, ReadTestData("session.redis"));
  if (std::getenv("SYNAPSED_REWRITE") != nullptr) {
    std::ofstream(std::string(SYNAPSED_SOURCE_DIR) + "/server/testdata/session.expected") << got;
  }
  const auto want = Lines(ReadTestData("session.expected"));
  const auto have = Lines(got);
  for (size_t i = 0; i < std::max(want.size(), have.size()); ++i) {
    ASSERT_EQ(i < have.size() ? have[i] : "<missing>", i < want.size() ? want[i] : "<extra>")
        << "line " << i + 1 << " of testdata/session.expected";
  }
}

// The replies that vary from run to run: checked by their shape.
TEST_F(ServerCliTest, HelloInfoClientTimeReplies) {
  auto server = Serve({"--sync", "always"});
  ASSERT_TRUE(server->started());
  const std::string hello = RedisCli(server->port(), {"--no-raw", "HELLO", "3"});
  EXPECT_NE(hello.find("1# \"server\" => \"redis\""), std::string::npos) << hello;
  EXPECT_NE(hello.find("3# \"proto\" => (integer) 3"), std::string::npos) << hello;
  const std::string ids = RedisCli(server->port(), {"--no-raw"}, "CLIENT ID\nCLIENT SETNAME me\nCLIENT LIST\nTIME\n");
  EXPECT_NE(ids.find("(integer) "), std::string::npos) << ids;
  EXPECT_NE(ids.find(" name=me "), std::string::npos) << ids;
  EXPECT_NE(ids.find("laddr=127.0.0.1:" + std::to_string(server->port())), std::string::npos);
  EXPECT_NE(ids.find("1) \"1"), std::string::npos) << ids;  // TIME's seconds
  RedisCli(server->port(), {"SET", "k", "v"});
  const std::string info = RedisCli(server->port(), {"INFO"});
  for (const char* field :
       {"# Server", "tcp_port:" , "multiplexing_api:libuv", "# Clients", "connected_clients:",
        "# Stats", "total_commands_processed:", "# Persistence", "synapsed_sync:always",
        "synapsed_backend:native", "# Keyspace", "db0:keys=1,expires=0,avg_ttl=0",
        "# Engine", "engine_"}) {
    EXPECT_NE(info.find(field), std::string::npos) << field << "\n" << info;
  }
  EXPECT_EQ(RedisCli(server->port(), {"INFO", "persistence"}).find("# Server"), std::string::npos);
}

// --metrics-listen: GET /metrics over HTTP parses as Prometheus text and
// counts what redis-cli did; INFO shows the same operations.
TEST_F(ServerCliTest, MetricsEndpointServesPrometheusText) {
  auto server = Serve({"--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server->started());
  const int metrics_port = MetricsPort(*server);
  ASSERT_GT(metrics_port, 0) << server->output();
  RedisCli(server->port(), {}, "SET a 1\nSET b 22\nGET a\nGET missing\n");

  const std::string response = HttpGet(metrics_port, "/metrics");
  ASSERT_TRUE(response.starts_with("HTTP/1.0 200 OK\r\n")) << response.substr(0, 200);
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  auto samples = storage::testing::ParsePrometheusText(body);
  ASSERT_TRUE(samples.ok()) << samples.status();
  EXPECT_EQ(samples->count(R"x(synapsed_store_info{store="metrics(native)"})x"), 1u) << body;
  // SET is a put or a batched write; GET a read of the store.
  EXPECT_GE(samples->at(R"(synapsed_operations_total{op="put"})") +
                samples->at(R"(synapsed_operations_total{op="write"})"),
            2);
  EXPECT_GE(samples->at(R"(synapsed_operations_total{op="get"})"), 2);
  EXPECT_GE(samples->at("synapsed_server_commands_processed_total"), 4);
  EXPECT_EQ(samples->count("synapsed_engine_flushes_total"), 1u);

  EXPECT_TRUE(HttpGet(metrics_port, "/other").starts_with("HTTP/1.0 404 Not Found"));
  const std::string info = RedisCli(server->port(), {"INFO", "metrics"});
  EXPECT_NE(info.find("metrics_enabled:1"), std::string::npos) << info;
  EXPECT_NE(info.find("metrics_op_get:calls="), std::string::npos) << info;
  EXPECT_NE(info.find("err_not_found=1"), std::string::npos) << info;
}

// --sync everysec: a timer syncs the log (INFO counts the syncs).
// Keyspace notifications: redis-cli --csv psubscribe receives the writes
// another connection makes, as Redis sends them.
TEST_F(ServerCliTest, KeyspaceSubscriptionReceivesAnotherConnectionsWrites) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  BackgroundRedisCli sub(server->port(),
                         {"--csv", "psubscribe", "__keyspace@0__:user/*", "__keyevent@0__:del"});
  ASSERT_TRUE(sub.WaitFor("\"psubscribe\",\"__keyevent@0__:del\",2")) << sub.output();
  RedisCli(server->port(), {}, "SET user/1 a\nSET other b\nMSET user/2 x user/3 y\nDEL user/1\n");
  const std::string want =
      "\"pmessage\",\"__keyspace@0__:user/*\",\"__keyspace@0__:user/1\",\"set\"\n"
      "\"pmessage\",\"__keyspace@0__:user/*\",\"__keyspace@0__:user/2\",\"set\"\n"
      "\"pmessage\",\"__keyspace@0__:user/*\",\"__keyspace@0__:user/3\",\"set\"\n"
      "\"pmessage\",\"__keyspace@0__:user/*\",\"__keyspace@0__:user/1\",\"del\"\n"
      "\"pmessage\",\"__keyevent@0__:del\",\"__keyevent@0__:del\",\"user/1\"\n";
  ASSERT_TRUE(sub.WaitFor(want)) << sub.output();
  EXPECT_EQ(sub.output().find("other"), std::string::npos) << sub.output();
}

// SYNAPSED.SUBSCRIBE over a socket: the past commits from a sequence (read
// back from the native engine's log), then live ones, with sequence numbers.
TEST_F(ServerCliTest, SynapsedSubscribeResumesFromASequence) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  RedisCli(server->port(), {}, "SET user/1 a\nSET other b\nDEL user/1\n");  // sequences 1-3
  RawClient c(server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("*3\r\n$18\r\nSYNAPSED.SUBSCRIBE\r\n$5\r\nuser/\r\n$1\r\n1\r\n"));
  const std::string past =
      "*3\r\n$18\r\nsynapsed.subscribe\r\n$5\r\nuser/\r\n:1\r\n"
      "*4\r\n$14\r\nsynapsed.batch\r\n$5\r\nuser/\r\n:2\r\n"
      "*1\r\n*4\r\n:1\r\n$3\r\nset\r\n$6\r\nuser/1\r\n$1\r\na\r\n"
      "*4\r\n$14\r\nsynapsed.batch\r\n$5\r\nuser/\r\n:4\r\n"
      "*1\r\n*4\r\n:3\r\n$3\r\ndel\r\n$6\r\nuser/1\r\n$-1\r\n";
  EXPECT_EQ(c.Read(past.size(), 20), past);
  RedisCli(server->port(), {"SET", "user/2", "b"});
  const std::string live =
      "*4\r\n$14\r\nsynapsed.batch\r\n$5\r\nuser/\r\n:5\r\n"
      "*1\r\n*4\r\n:4\r\n$3\r\nset\r\n$6\r\nuser/2\r\n$1\r\nb\r\n";
  EXPECT_EQ(c.Read(live.size(), 20), live);
  // Subscribed (RESP2): other commands are refused, PING answers.
  ASSERT_TRUE(c.Send("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n"));
  const std::string refused =
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
      "RESET are allowed in this context\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n";
  EXPECT_EQ(c.Read(refused.size(), 20), refused);
}

TEST_F(ServerCliTest, EverysecSyncsTheLogInTheBackground) {
  auto server = Serve({"--sync", "everysec"});
  ASSERT_TRUE(server->started());
  EXPECT_EQ(RedisCli(server->port(), {"SET", "k", "v"}), "OK\n");
  std::string info;
  for (int i = 0; i < 300; ++i) {
    info = RedisCli(server->port(), {"INFO", "persistence"});
    if (info.find("synapsed_everysec_syncs:0") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(info.find("synapsed_sync:everysec"), std::string::npos) << info;
  EXPECT_EQ(info.find("synapsed_everysec_syncs:0"), std::string::npos) << info;
  EXPECT_NE(info.find("synapsed_sync_errors:0"), std::string::npos) << info;
}

// Client A watches, B writes the key, A's EXEC answers nil; then the same
// without B's write commits.
TEST_F(ServerCliTest, WatchConflictMakesExecReturnNil) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  RawClient a(server->port());
  ASSERT_TRUE(a.connected());
  ASSERT_TRUE(a.Send("WATCH balance\r\nMULTI\r\nSET balance 100\r\n"));
  EXPECT_EQ(a.Read(5 + 5 + 9), "+OK\r\n+OK\r\n+QUEUED\r\n");
  EXPECT_EQ(RedisCli(server->port(), {"SET", "balance", "7"}), "OK\n");
  ASSERT_TRUE(a.Send("EXEC\r\nGET balance\r\n"));
  EXPECT_EQ(a.Read(5 + 7), "*-1\r\n$1\r\n7\r\n");
  // redis-cli shows the nil, and a transaction without a conflict commits.
  EXPECT_EQ(RedisCli(server->port(), {"--no-raw"}, "WATCH balance\nMULTI\nINCR balance\nEXEC\n"),
            "OK\nOK\nQUEUED\n1) (integer) 8\n");
  ASSERT_TRUE(a.Send("WATCH balance\r\nMULTI\r\nINCR balance\r\n"));
  EXPECT_EQ(a.Read(5 + 5 + 9), "+OK\r\n+OK\r\n+QUEUED\r\n");
  EXPECT_EQ(RedisCli(server->port(), {"INCR", "balance"}), "9\n");
  ASSERT_TRUE(a.Send("EXEC\r\n"));
  EXPECT_EQ(a.Read(5), "*-1\r\n");
}

// SCAN returns every key exactly once: 5,000 short keys through
// redis-cli --scan, and long keys through explicit cursors.
TEST_F(ServerCliTest, ScanReturnsEveryKeyExactlyOnce) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  std::string load;
  for (int i = 0; i < 5000; ++i) load += "SET k" + std::to_string(10000 + i).substr(1) + " v\n";
  for (int i = 0; i < 300; ++i) load += "SET long:key:number:" + std::to_string(i) + " v\n";
  load += "SET other x\n";
  const std::string piped = RedisCli(server->port(), {"--pipe"}, load);
  EXPECT_NE(piped.find("errors: 0, replies: 5301"), std::string::npos) << piped;
  // The pipelined SETs were applied in batches: fewer store writes than SETs.
  const std::string stats = RedisCli(server->port(), {"INFO", "stats"});
  EXPECT_NE(stats.find("synapsed_batched_commands:5301"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("synapsed_batched_writes:5301"), std::string::npos) << stats;

  const auto keys = Lines(RedisCli(server->port(), {"--scan", "--pattern", "k*"}));
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(keys.size(), 5000u);
  EXPECT_EQ(unique.size(), 5000u);
  EXPECT_EQ(*unique.begin(), "k0000");
  EXPECT_EQ(*unique.rbegin(), "k4999");

  std::string cursor = "0";
  std::multiset<std::string> seen;
  int calls = 0;
  do {
    const auto reply = Lines(RedisCli(server->port(), {"SCAN", cursor, "MATCH", "long:*", "COUNT", "64"}));
    ASSERT_FALSE(reply.empty());
    cursor = reply[0];
    seen.insert(reply.begin() + 1, reply.end());
    ASSERT_LT(++calls, 20);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 300u);
  EXPECT_EQ(RedisCli(server->port(), {"DBSIZE"}), "5301\n");
}

// redis-cli --scan parses each cursor as a 64-bit integer: with keys of
// 10 to 40 bytes every cursor is a table id (scan_cursor.h), and both a full
// scan and a prefix scan still return every key exactly once.
TEST_F(ServerCliTest, RedisCliScanReturnsLongKeysExactlyOnce) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  std::mt19937 rng(7);
  std::set<std::string> all, users;
  std::string load;
  for (int i = 0; i < 3000; ++i) {
    // One in three shares the prefix "user/"; the rest sort before and after.
    const char* prefix = i % 3 == 0 ? "user/" : i % 3 == 1 ? "acct:" : "zone-";
    std::string key = prefix + std::to_string(i) + "-";
    const size_t length = 10 + rng() % 31;
    while (key.size() < length) key += static_cast<char>('a' + rng() % 26);
    all.insert(key);
    if (i % 3 == 0) users.insert(key);
    load += "SET " + key + " v\n";
  }
  const std::string piped = RedisCli(server->port(), {"--pipe"}, load);
  EXPECT_NE(piped.find("errors: 0, replies: 3000"), std::string::npos) << piped;

  const auto check = [&](const std::vector<std::string>& args,
                         const std::set<std::string>& want) {
    const std::string out = RedisCli(server->port(), args);
    const auto keys = Lines(out);
    std::map<std::string, int> seen;
    for (const std::string& k : keys) ++seen[k];
    size_t repeated = 0, unexpected = 0, missing = 0;
    for (const auto& [k, n] : seen) {
      repeated += n > 1;
      unexpected += !want.contains(k);
    }
    for (const std::string& k : want) missing += !seen.contains(k);
    EXPECT_EQ(keys.size(), want.size()) << out.substr(0, 200);
    EXPECT_EQ(repeated, 0u);
    EXPECT_EQ(unexpected, 0u);
    EXPECT_EQ(missing, 0u);
  };
  check({"--scan"}, all);
  check({"--scan", "--pattern", "user/*"}, users);
}

TEST_F(ServerCliTest, OversizedLengthsAreRefusedAndOthersServed) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  RawClient big(server->port());
  ASSERT_TRUE(big.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$999999999\r\n"));
  EXPECT_EQ(big.ReadLine(),
            "-ERR Protocol error: bulk length 999999999 exceeds the limit of 33554432 bytes\r\n");
  EXPECT_TRUE(big.WaitClosed());
  RawClient key(server->port());
  ASSERT_TRUE(key.Send("*2\r\n$3\r\nGET\r\n$16385\r\n"));
  EXPECT_EQ(key.ReadLine(), "-ERR Protocol error: key length 16385 exceeds the limit of 16384 bytes\r\n");
  EXPECT_TRUE(key.WaitClosed());
  RawClient garbage(server->port());
  ASSERT_TRUE(garbage.Send("*1\r\n+PING\r\n"));
  EXPECT_EQ(garbage.ReadLine(), "-ERR Protocol error: expected '$', got '+'\r\n");
  EXPECT_TRUE(garbage.WaitClosed());
  EXPECT_EQ(RedisCli(server->port(), {"PING"}), "PONG\n");
  EXPECT_NE(RedisCli(server->port(), {"INFO", "stats"}).find("protocol_errors:3"), std::string::npos);
}

TEST_F(ServerCliTest, HalfACommandThenStallDoesNotBlockOthers) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  RawClient stalled(server->port());
  ASSERT_TRUE(stalled.Send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\n01234"));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(RedisCli(server->port(), {"SET", "other" + std::to_string(i), "x"}), "OK\n");
  }
  EXPECT_EQ(RedisCli(server->port(), {"EXISTS", "half"}), "0\n");
  ASSERT_TRUE(stalled.Send("56789\r\n"));
  EXPECT_EQ(stalled.ReadLine(), "+OK\r\n");
  EXPECT_EQ(RedisCli(server->port(), {"GET", "half"}), "0123456789\n");
}

TEST_F(ServerCliTest, DisconnectInTheMiddleOfAPipeline) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  for (int round = 0; round < 20; ++round) {
    RawClient c(server->port());
    std::string pipeline;
    for (int i = 0; i < 2000; ++i) {
      pipeline += "*3\r\n$3\r\nSET\r\n$5\r\npipe" + std::to_string(i % 10) + "\r\n$3\r\nabc\r\n";
      pipeline += "*2\r\n$3\r\nGET\r\n$5\r\npipe" + std::to_string(i % 10) + "\r\n";
    }
    pipeline += "*3\r\n$3\r\nSET\r\n$3\r\nbad";  // cut off
    c.Send(pipeline);
    c.Close();  // without reading a reply
  }
  EXPECT_EQ(RedisCli(server->port(), {"PING"}), "PONG\n");
  EXPECT_EQ(RedisCli(server->port(), {"EXISTS", "bad"}), "0\n");
}

TEST_F(ServerCliTest, AThousandConnectionsAtOnce) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 1000; ++i) {
    clients.push_back(std::make_unique<RawClient>(server->port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(clients[i]->Send("*2\r\n$4\r\nINCR\r\n$4\r\nconn\r\n"));
  }
  std::set<std::string> replies;
  for (auto& c : clients) replies.insert(c->ReadLine());
  EXPECT_EQ(replies.size(), 1000u);  // every INCR saw its own value
  EXPECT_TRUE(replies.count(":1000\r\n"));
  const std::string info = RedisCli(server->port(), {"INFO", "clients"});
  EXPECT_NE(info.find("connected_clients:1001"), std::string::npos) << info;
  clients.clear();
  EXPECT_EQ(RedisCli(server->port(), {"GET", "conn"}), "1000\n");
  EXPECT_EQ(server->Wait(0), -1) << server->output();
}

TEST_F(ServerCliTest, TooManyClientsAreToldSo) {
  auto server = Serve({"--max-clients", "2"});
  ASSERT_TRUE(server->started());
  RawClient a(server->port()), b(server->port());
  ASSERT_TRUE(a.Send("PING\r\n") && b.Send("PING\r\n"));
  EXPECT_EQ(a.ReadLine(), "+PONG\r\n");
  EXPECT_EQ(b.ReadLine(), "+PONG\r\n");
  RawClient c(server->port());
  EXPECT_EQ(c.ReadLine(), "-ERR max number of clients reached\r\n");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerCliTest, IdleConnectionsAreClosed) {
  auto server = Serve({"--idle-timeout", "1"});
  ASSERT_TRUE(server->started());
  RawClient idle(server->port());
  ASSERT_TRUE(idle.Send("*1\r\n$4\r\nPI"));  // half a command, then nothing
  EXPECT_TRUE(idle.WaitClosed(30));
}

// A client that pipelines reads of a large value and reads no reply makes
// the server stop reading it, not buffer every reply.
TEST_F(ServerCliTest, SlowReaderDoesNotMakeTheServerBufferWithoutBound) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  const std::string value(1 << 20, 'v');
  RawClient writer(server->port());
  ASSERT_TRUE(writer.Send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) +
                          "\r\n" + value + "\r\n"));
  EXPECT_EQ(writer.ReadLine(), "+OK\r\n");
  RawClient slow(server->port());
  std::atomic<bool> done{false};
  // 2,000 GETs of 1 MiB: 2 GiB of replies if the server buffered them all.
  std::thread sender([&] {
    std::string gets;
    for (int i = 0; i < 100; ++i) gets += "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
    for (int i = 0; i < 20 && slow.Send(gets); ++i) {
    }
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::ifstream status("/proc/" + std::to_string(server->server_pid()) + "/status");
  std::string line;
  long rss_kb = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss_kb = std::stol(line.substr(6));
  }
  EXPECT_GT(rss_kb, 0);
  EXPECT_LT(rss_kb, 512 * 1024) << "the server buffered the slow reader's replies";
  EXPECT_EQ(RedisCli(server->port(), {"PING"}), "PONG\n");
  slow.Shutdown();
  sender.join();
}

TEST_F(ServerCliTest, ShutdownAndSigtermDrainFlushAndExit) {
  {
    auto server = Serve({"--sync", "never"});
    ASSERT_TRUE(server->started());
    EXPECT_EQ(RedisCli(server->port(), {"SET", "kept", "1"}), "OK\n");
    EXPECT_EQ(RedisCli(server->port(), {"SHUTDOWN"}), "");
    const int status = server->Wait(60);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0) << server->output();
    EXPECT_NE(server->output().find("stopped; the store is flushed"), std::string::npos);
  }
  {
    auto server = Serve({"--sync", "never"});
    ASSERT_TRUE(server->started());
    EXPECT_EQ(RedisCli(server->port(), {"GET", "kept"}), "1\n");
    EXPECT_EQ(RedisCli(server->port(), {"SET", "kept", "2"}), "OK\n");
    server->Signal(SIGTERM);
    const int status = server->Wait(60);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0) << server->output();
  }
  auto server = Serve();
  ASSERT_TRUE(server->started());
  EXPECT_EQ(RedisCli(server->port(), {"GET", "kept"}), "2\n");
}

// Writers on four connections under --sync always; SIGKILL at a random
// moment; every write acknowledged before the kill is there after a restart.
TEST_F(ServerCliTest, SigkillLosesNoAcknowledgedWriteWithSyncAlways) {
  auto server = Serve({"--sync", "always"});
  ASSERT_TRUE(server->started());
  constexpr int kWriters = 4;
  std::vector<std::vector<int>> acked(kWriters);  // read after the writers end
  std::array<std::atomic<int>, kWriters> progress{};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      RawClient c(server->port());
      for (int i = 0; !stop; ++i) {
        const std::string key = "w" + std::to_string(w) + ":" + std::to_string(i);
        const std::string val = std::to_string(i);
        if (!c.Send("*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key +
                    "\r\n$" + std::to_string(val.size()) + "\r\n" + val + "\r\n")) {
          return;
        }
        if (c.ReadLine(60) != "+OK\r\n") return;
        acked[w].push_back(i);
        progress[w].fetch_add(1);
      }
    });
  }
  // Kill once every writer has some acknowledged writes.
  for (int spins = 0; spins < 3000; ++spins) {
    bool all = true;
    for (int w = 0; w < kWriters; ++w) all = all && progress[w].load() > 0;
    if (all && spins > 50) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server->Signal(SIGKILL);
  server->Wait(60);
  stop = true;
  for (auto& t : writers) t.join();

  auto restarted = Serve({"--sync", "always"});
  ASSERT_TRUE(restarted->started());
  size_t checked = 0;
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_FALSE(acked[w].empty());
    std::string input;
    for (int i : acked[w]) input += "GET w" + std::to_string(w) + ":" + std::to_string(i) + "\n";
    const auto got = Lines(RedisCli(restarted->port(), {}, input));
    ASSERT_EQ(got.size(), acked[w].size());
    for (size_t j = 0; j < got.size(); ++j) {
      ASSERT_EQ(got[j], std::to_string(acked[w][j])) << "writer " << w << " write " << j;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST_F(ServerCliTest, RedisBenchmarkRunsAgainstIt) {
  auto server = Serve();
  ASSERT_TRUE(server->started());
  std::vector<std::string> argv = {"timeout", "-s", "KILL", "120", "redis-benchmark", "-p",
                                   std::to_string(server->port()), "-n", "200", "-c", "4",
                                   "-P", "4", "-t", "set,get,incr,mset", "-q"};
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  const int rc = std::system((cmd + "> /dev/null 2>&1").c_str());
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(RedisCli(server->port(), {"PING"}), "PONG\n");
}

TEST_F(ServerCliTest, NonLoopbackNeedsAnExplicitFlag) {
  ServeProcess p(dir_ + "/db", {"--listen", "0.0.0.0:0"});
  EXPECT_FALSE(p.started());
  const int status = p.Wait(60);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(p.output().find("refusing to listen on 0.0.0.0"), std::string::npos) << p.output();
  // The metrics endpoint too.
  ServeProcess m(dir_ + "/db2", {"--metrics-listen", "0.0.0.0:0"});
  EXPECT_FALSE(m.started());
  const int m_status = m.Wait(60);
  ASSERT_TRUE(WIFEXITED(m_status));
  EXPECT_EQ(WEXITSTATUS(m_status), 1);
  EXPECT_NE(m.output().find("refusing to serve /metrics on 0.0.0.0"), std::string::npos)
      << m.output();
}

}  // namespace
}  // namespace synapsed::storage::server::testing
