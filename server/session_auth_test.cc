// AUTH, HELLO AUTH and per-principal keys through a Session on a memory
// store with access control: reply bytes as Redis 7.0 sends them (checked
// against redis-server 7.0.15 with an ACL file; server_cli_test.cc drives
// the same through redis-cli).
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "security/password_hash.h"
#include "server/auth.h"
#include "server/session_test_util.h"

namespace synapsed::storage::server {
namespace {

std::string Hash(std::string_view password) {
  auto h = security::HashPassword(password, {.log2_n = 4, .r = 1, .p = 1});
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *h : "";
}

// alice reads and writes a/; default (AUTH <password>) reads everything.
StorageConfig SecuredConfig() {
  StorageConfig config = StorageConfig::Memory();
  AclConfig acl;
  AclRule a;
  a.prefix = "a/";
  a.access = AclRule::Access::kReadWrite;
  acl.roles["a_rw"].rules = {a};
  AclRule all;
  all.prefix = "";
  all.access = AclRule::Access::kRead;
  acl.roles["reader"].rules = {all};
  acl.users = {"alice", "default", "nopass"};
  acl.grants = {{"alice", {"a_rw"}}, {"default", {"reader"}}, {"nopass", {"a_rw"}}};
  acl.passwords = {{"alice", Hash("alice-pw")}, {"default", Hash("def-pw")}};
  config.access_control = acl;
  return config;
}

class SessionAuthTest : public SessionTestBase {
 protected:
  void SetUp() override { Open(SecuredConfig()); }
};

const std::string kNoAuth = "-NOAUTH Authentication required.\r\n";
const std::string kWrongPass =
    "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
const std::string kNoPerm =
    "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n";

TEST_F(SessionAuthTest, NothingRunsBeforeAuth) {
  ASSERT_NE(state_->secured, nullptr);
  auto c = Connect();
  EXPECT_FALSE(c->session->authenticated());
  EXPECT_EQ(Run(*c, "PING"), kNoAuth);
  EXPECT_EQ(Run(*c, "GET a/1"), kNoAuth);
  EXPECT_EQ(Run(*c, "SET a/1 v"), kNoAuth);  // not even gathered into a batch
  EXPECT_EQ(Run(*c, "MULTI"), kNoAuth);
  EXPECT_EQ(Run(*c, "ACL WHOAMI"), kNoAuth);
  // As Redis: unknown commands and wrong arity are answered first.
  EXPECT_EQ(Run(*c, "NOPE"), "-ERR unknown command 'NOPE', with args beginning with: \r\n");
  EXPECT_EQ(Run(*c, "GET"), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run(*c, "HELLO 3"),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise "
            "the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the "
            "client and select the RESP protocol version at the same time\r\n");
  EXPECT_EQ(Run(*c, "QUIT"), "+OK\r\n");
}

TEST_F(SessionAuthTest, WrongPasswordsAndUsers) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "AUTH alice wrong"), kWrongPass);
  EXPECT_EQ(Run(*c, "AUTH alice def-pw"), kWrongPass);
  EXPECT_EQ(Run(*c, "AUTH nobody alice-pw"), kWrongPass);
  EXPECT_EQ(Run(*c, "AUTH nopass \"\""), kWrongPass);
  EXPECT_EQ(Run(*c, "AUTH wrong"), kWrongPass);
  EXPECT_EQ(Run(*c, "AUTH a b c"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run(*c, "HELLO 3 AUTH alice wrong"), kWrongPass);
  EXPECT_EQ(c->session->reply().protocol(), 2);  // a failed HELLO changes nothing
  EXPECT_EQ(Run(*c, "GET a/1"), kNoAuth);
}

TEST_F(SessionAuthTest, RightPasswordRunsAsThePrincipal) {
  auto c = Connect();
  EXPECT_EQ(Run(*c, "AUTH alice alice-pw"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "ACL WHOAMI"), "$5\r\nalice\r\n");
  EXPECT_EQ(Run(*c, "SET a/1 v1"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "GET a/1"), "$2\r\nv1\r\n");
  EXPECT_EQ(Run(*c, "SET b/1 v"), kNoPerm);
  EXPECT_EQ(Run(*c, "GET b/1"), kNoPerm);
  EXPECT_EQ(Run(*c, "MSET a/2 x b/2 y"), kNoPerm);
  EXPECT_EQ(Run(*c, "GET a/2"), "$-1\r\n");  // the batch applied nothing
  EXPECT_EQ(Run(*c, "INCR b/n"), kNoPerm);
  EXPECT_EQ(Run(*c, "KEYS a/*"), "*1\r\n$3\r\na/1\r\n");
  EXPECT_EQ(Run(*c, "KEYS *"), kNoPerm);  // never a silent subset
  EXPECT_EQ(Run(*c, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "SET a/3 x"), "+QUEUED\r\n");
  EXPECT_EQ(Run(*c, "SET b/3 x"), "+QUEUED\r\n");
  // The denied write poisons the transaction (acl_store.h): nothing applied.
  EXPECT_EQ(Run(*c, "EXEC"), kNoPerm);
  EXPECT_EQ(Run(*c, "EXISTS a/3"), ":0\r\n");

  // Another connection, another principal: default reads all, writes none.
  auto d = Connect();
  EXPECT_EQ(Run(*d, "AUTH def-pw"), "+OK\r\n");
  EXPECT_EQ(Run(*d, "ACL WHOAMI"), "$7\r\ndefault\r\n");
  EXPECT_EQ(Run(*d, "GET a/1"), "$2\r\nv1\r\n");
  EXPECT_EQ(Run(*d, "SET a/1 v2"), kNoPerm);
  // A failed AUTH keeps the identity it had.
  EXPECT_EQ(Run(*d, "AUTH alice nope"), kWrongPass);
  EXPECT_EQ(Run(*d, "ACL WHOAMI"), "$7\r\ndefault\r\n");
  // And a good one switches it.
  EXPECT_EQ(Run(*d, "AUTH alice alice-pw"), "+OK\r\n");
  EXPECT_EQ(Run(*d, "SET a/1 v2"), "+OK\r\n");
}

// Pipelined writes are not gathered into one store write under access
// control: a forbidden key fails its own command only, as in Redis.
TEST_F(SessionAuthTest, PipelinedWritesFailAlone) {
  auto c = Connect();
  ASSERT_EQ(Run(*c, "AUTH alice alice-pw"), "+OK\r\n");
  c->out.clear();
  for (std::string_view line : {"SET a/p1 x", "SET b/p v", "MSET a/p2 y a/p3 z"}) {
    std::vector<std::string> args;
    ASSERT_TRUE(SplitInlineArgs(line, &args));
    c->session->Execute(std::move(args));
  }
  c->session->FlushBatch();
  EXPECT_EQ(c->out, "+OK\r\n" + kNoPerm + "+OK\r\n");
  EXPECT_EQ(Run(*c, "MGET a/p1 a/p2 a/p3"), "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n");
}

TEST_F(SessionAuthTest, HelloAuthLogsInAndSwitchesProtocol) {
  auto c = Connect();
  const std::string reply = Run(*c, "HELLO 3 AUTH alice alice-pw SETNAME w1");
  EXPECT_TRUE(reply.starts_with("%7\r\n$6\r\nserver\r\n")) << reply;
  EXPECT_EQ(c->session->reply().protocol(), 3);
  EXPECT_EQ(Run(*c, "ACL WHOAMI"), "$5\r\nalice\r\n");
  EXPECT_EQ(Run(*c, "CLIENT GETNAME"), "$2\r\nw1\r\n");
  EXPECT_EQ(Run(*c, "GET b/1"), kNoPerm);
  // Logged in, HELLO needs no AUTH.
  EXPECT_TRUE(Run(*c, "HELLO 2").starts_with("*14\r\n")) << c->out;
}

TEST(WipeArgs, ZeroesAndEmpties) {
  std::vector<std::string> args = {"AUTH", "s3cret-long-enough-to-be-on-the-heap"};
  const char* bytes = args[1].data();
  const size_t n = args[1].size();
  WipeArgs(&args);
  EXPECT_TRUE(args[1].empty());
  // clear() keeps the buffer: what it held is now zeros.
  EXPECT_EQ(std::string(bytes, n), std::string(n, '\0'));
}

TEST_F(SessionAuthTest, WithoutAccessControlAuthIsNotNeeded) {
  Open(StorageConfig::Memory());
  ASSERT_EQ(state_->secured, nullptr);
  auto c = Connect();
  EXPECT_TRUE(c->session->authenticated());
  EXPECT_EQ(Run(*c, "SET k v"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "AUTH secret"),
            "-ERR AUTH <password> called without any password configured for the default "
            "user. Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(Run(*c, "AUTH default anything"), "+OK\r\n");
  EXPECT_EQ(Run(*c, "AUTH bob secret"), kWrongPass);
  EXPECT_EQ(Run(*c, "ACL WHOAMI"), "$7\r\ndefault\r\n");
  EXPECT_TRUE(Run(*c, "HELLO 3 AUTH default x").starts_with("%7\r\n"));
}

// `config` plus "root" (password "root-pw"), who may read and write every key.
StorageConfig WithRoot(StorageConfig config) {
  AclRule all;
  all.prefix = "";
  all.access = AclRule::Access::kReadWrite;
  config.access_control->roles["all_rw"].rules = {all};
  config.access_control->users.push_back("root");
  config.access_control->grants["root"] = {"all_rw"};
  config.access_control->passwords["root"] = Hash("root-pw");
  return config;
}

// Subscriptions are opened as the logged-in principal: alice (a/ only) hears
// of a/ writes and nothing of the others', even subscribed to every key.
// RESP3, where a subscribed connection may still send AUTH.
TEST_F(SessionAuthTest, SubscriptionsShowOnlyWhatThePrincipalMayRead) {
  Open(WithRoot(SecuredConfig()));
  auto alice = Connect();
  auto writer = Connect();
  ASSERT_TRUE(Run(*alice, "HELLO 3 AUTH alice alice-pw").starts_with("%7\r\n"));
  ASSERT_EQ(Run(*writer, "AUTH root root-pw"), "+OK\r\n");
  EXPECT_EQ(Run(*alice, "PSUBSCRIBE __keyevent@0__:*"),
            ">3\r\n$10\r\npsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:1\r\n");
  EXPECT_EQ(Run(*writer, "SET b/secret x"), "+OK\r\n");
  EXPECT_EQ(Run(*writer, "SET a/1 v"), "+OK\r\n");
  alice->out.clear();
  EXPECT_EQ(alice->session->Deliver(1 << 20), Subscriptions::Delivery::kIdle);
  EXPECT_EQ(alice->out,
            ">4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n"
            "$18\r\n__keyevent@0__:set\r\n$3\r\na/1\r\n");
  // A new identity would need new streams: refused, nothing changes.
  EXPECT_EQ(Run(*alice, "AUTH default def-pw"),
            "-ERR AUTH on a subscribed connection is not supported: unsubscribe first\r\n");
  EXPECT_EQ(Run(*alice, "PUNSUBSCRIBE"),
            ">3\r\n$12\r\npunsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:0\r\n");
  EXPECT_EQ(Run(*alice, "AUTH default def-pw"), "+OK\r\n");
}

// SYNAPSED.RANGE reads through the principal's store like KEYS and SCAN:
// a range the principal may not wholly read is denied, never cut down to
// a silent subset, so a key outside its rules never comes back.
TEST_F(SessionAuthTest, RangeNeverReturnsADeniedKey) {
  Open(WithRoot(SecuredConfig()));
  auto root = Connect();
  ASSERT_EQ(Run(*root, "AUTH root root-pw"), "+OK\r\n");
  ASSERT_EQ(Run(*root, "MSET a/1 x a/2 y b/1 secret"), "+OK\r\n");

  auto alice = Connect();
  ASSERT_EQ(Run(*alice, "AUTH alice alice-pw"), "+OK\r\n");
  const std::string a_keys = "*4\r\n$3\r\na/1\r\n$1\r\nx\r\n$3\r\na/2\r\n$1\r\ny\r\n";
  EXPECT_EQ(Run(*alice, "SYNAPSED.RANGE 0 [a/ (a0 10"), a_keys);  // a/ is [a/, a0)
  EXPECT_EQ(Run(*alice, "SYNAPSED.RANGE 0 [a/1 [a/2 10 REV"),
            "*4\r\n$3\r\na/2\r\n$1\r\ny\r\n$3\r\na/1\r\n$1\r\nx\r\n");
  for (const char* denied : {"- +", "[a/ +", "[a/ [b/1", "- (a0", "[b/ +"}) {
    const std::string got = Run(*alice, std::string("SYNAPSED.RANGE 0 ") + denied + " 10");
    EXPECT_EQ(got, kNoPerm) << denied;
  }
  // Even with a count that the allowed keys would fill first, either way.
  EXPECT_EQ(Run(*alice, "SYNAPSED.RANGE 0 [a/ + 1"), kNoPerm);
  EXPECT_EQ(Run(*alice, "SYNAPSED.RANGE 0 - (a0 1 REV"), kNoPerm);
  EXPECT_EQ(Run(*alice, "MULTI"), "+OK\r\n");
  EXPECT_EQ(Run(*alice, "SYNAPSED.RANGE 0 - + 10"), "+QUEUED\r\n");
  const std::string exec = Run(*alice, "EXEC");
  EXPECT_NE(exec.find("NOPERM"), std::string::npos) << exec;
  EXPECT_EQ(exec.find("secret"), std::string::npos) << exec;

  // default reads everything, and never the ACL's own keys (which sort last).
  auto reader = Connect();
  ASSERT_EQ(Run(*reader, "AUTH def-pw"), "+OK\r\n");
  const std::string every =
      "*6\r\n$3\r\na/1\r\n$1\r\nx\r\n$3\r\na/2\r\n$1\r\ny\r\n$3\r\nb/1\r\n$6\r\nsecret\r\n";
  EXPECT_EQ(Run(*reader, "SYNAPSED.RANGE 0 - + 10"), every);
  EXPECT_EQ(Run(*reader, "SYNAPSED.RANGE 0 - + 1 REV"), "*2\r\n$3\r\nb/1\r\n$6\r\nsecret\r\n");
}

}  // namespace
}  // namespace synapsed::storage::server
