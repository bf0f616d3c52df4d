// End to end, logging in: `synapsed acl passwd` makes the hashes, a config
// with access control, passwords and an audit log is served, and the real
// redis-cli logs in (--user/--pass, -a, HELLO 3 AUTH) or fails to. Then no
// file the server or the test wrote holds a password, and the audit log
// holds every failed attempt.
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "security/password_hash.h"
#include "layers/prometheus_text_test_util.h"
#include "server/cli_test_util.h"

namespace synapsed::storage::server::testing {
namespace {

constexpr const char* kAlicePassword = "alice-Pw-7c2e91";
constexpr const char* kDefaultPassword = "default-Pw-04ab3d";
constexpr const char* kWrongPassword = "not-the-Pw-5f11";

// The stdout of a shell command line made here from constants, and its
// exit status (as waitpid's).
std::string Shell(const std::string& command, int* status) {
  FILE* p = popen(command.c_str(), "r");
  std::string out;
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[512];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  *status = pclose(p);
  return out;
}

// `synapsed acl passwd --cost 10` with the password on stdin.
std::string HashOf(const std::string& password) {
  int status = 0;
  std::string out = Shell("printf '%s\\n' '" + password + "' | timeout -s KILL 60 " +
                              SYNAPSED_BINARY + " acl passwd --cost 10",
                          &status);
  EXPECT_EQ(status, 0) << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ServerAuthCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(dir_ + "/audit.key") << "synapsed-key-file 1\naudit-1 "
                                       << std::string(64, 'c') << "\n";
    ::chmod((dir_ + "/audit.key").c_str(), 0600);
    config_ = dir_ + "/store.json";
    std::ofstream(config_) << R"({
  "type": "native", "path": ")" << dir_ << R"(/db",
  "access_control": {
    "roles": {"a_rw": {"rules": [{"prefix": "a/", "access": "readwrite"}]},
              "reader": {"rules": [{"prefix": "", "access": "read"}]}},
    "users": ["alice", "default", "nopass"],
    "grants": {"alice": ["a_rw"], "default": ["reader"], "nopass": ["a_rw"]},
    "passwords": {"alice": ")" << HashOf(kAlicePassword) << R"(",
                  "default": ")" << HashOf(kDefaultPassword) << R"("}
  },
  "audit": {"path": ")" << dir_ << R"(/db.audit", "hmac_key_file": ")" << dir_
                          << R"(/audit.key", "checkpoint_path": ")" << dir_
                          << R"(/db.checkpoints"}
})";
  }
  std::string dir_, config_;
};

TEST_F(ServerAuthCliTest, LoginThroughRedisCli) {
  ASSERT_NE(ReadAll(config_).find("$scrypt$ln=10,r=8,p=1$"), std::string::npos)
      << ReadAll(config_);
  ServeProcess server(dir_ + "/serve", {"--config", config_, "--threads", "2"});
  ASSERT_TRUE(server.started()) << server.output();
  const int port = server.port();
  const std::vector<std::string> alice = {"--no-auth-warning", "--user", "alice", "--pass",
                                          kAlicePassword};

  // Logged out: nothing but the login commands.
  EXPECT_EQ(RedisCli(port, {"PING"}), "NOAUTH Authentication required.\n\n");
  EXPECT_EQ(RedisCli(port, {"GET", "a/1"}), "NOAUTH Authentication required.\n\n");

  // Wrong password: redis-cli says so, and the command stays logged out.
  const std::string wrong =
      RedisCli(port, {"--no-auth-warning", "--user", "alice", "--pass", kWrongPassword,
                      "SET", "a/1", "x"});
  EXPECT_NE(wrong.find("AUTH failed: WRONGPASS invalid username-password pair or user is "
                       "disabled."),
            std::string::npos)
      << wrong;
  EXPECT_NE(wrong.find("NOAUTH Authentication required."), std::string::npos) << wrong;
  EXPECT_NE(RedisCli(port, {"--no-auth-warning", "--user", "nopass", "--pass", "", "PING"})
                .find("WRONGPASS"),
            std::string::npos);
  EXPECT_NE(RedisCli(port, {"--no-auth-warning", "--user", "nobody", "--pass",
                            kAlicePassword, "PING"})
                .find("WRONGPASS"),
            std::string::npos);

  // Right password: alice's keys, and only hers.
  std::vector<std::string> cmd = alice;
  cmd.insert(cmd.end(), {"SET", "a/1", "v1"});
  EXPECT_EQ(RedisCli(port, cmd), "OK\n");
  cmd = alice;
  cmd.insert(cmd.end(), {"GET", "a/1"});
  EXPECT_EQ(RedisCli(port, cmd), "v1\n");
  const std::string noperm =
      "NOPERM this user has no permissions to access one of the keys used as arguments\n\n";
  cmd = alice;
  cmd.insert(cmd.end(), {"SET", "b/1", "v"});
  EXPECT_EQ(RedisCli(port, cmd), noperm);
  cmd = alice;
  cmd.insert(cmd.end(), {"MSET", "a/2", "x", "b/2", "y"});
  EXPECT_EQ(RedisCli(port, cmd), noperm);
  cmd = alice;
  cmd.insert(cmd.end(), {"EXISTS", "a/2"});
  EXPECT_EQ(RedisCli(port, cmd), "0\n");
  cmd = alice;
  cmd.insert(cmd.end(), {"ACL", "WHOAMI"});
  EXPECT_EQ(RedisCli(port, cmd), "alice\n");

  // AUTH <password> is the principal "default" (-a): reads all, writes none.
  EXPECT_EQ(RedisCli(port, {"--no-auth-warning", "-a", kDefaultPassword, "GET", "a/1"}),
            "v1\n");
  EXPECT_EQ(RedisCli(port, {"--no-auth-warning", "-a", kDefaultPassword, "SET", "a/1", "z"}),
            noperm);

  // HELLO 3 AUTH in one command, then as alice in RESP3 (an interactive
  // session on stdin, one connection).
  const std::string hello = RedisCli(
      port, {}, std::string("HELLO 3 AUTH alice ") + kAlicePassword + "\nACL WHOAMI\nGET a/1\n");
  EXPECT_NE(hello.find("proto"), std::string::npos) << hello;
  EXPECT_NE(hello.find("alice\nv1\n"), std::string::npos) << hello;
  const std::string hello_bad =
      RedisCli(port, {}, std::string("HELLO 3 AUTH alice ") + kWrongPassword + "\nGET a/1\n");
  EXPECT_EQ(hello_bad,
            "WRONGPASS invalid username-password pair or user is disabled.\n\n"
            "NOAUTH Authentication required.\n\n");

  server.Signal(SIGTERM);
  const int status = server.Wait(60);
  ASSERT_TRUE(WIFEXITED(status)) << status << server.output();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server.output();

  // No file holds a password: the store's, the audit log, the config, the
  // server's output (ServeProcess writes it inside dir_ too).
  size_t files = 0;
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    if (e.is_regular_file()) paths.push_back(e.path());
  }
  for (const auto& p : paths) {
    ++files;
    const std::string bytes = ReadAll(p);
    for (const char* pw : {kAlicePassword, kDefaultPassword, kWrongPassword}) {
      EXPECT_EQ(bytes.find(pw), std::string::npos) << p << " holds a password";
    }
  }
  EXPECT_GE(files, 6u);  // config, key, audit, output, and the store's files

  // Every failed login is in the audit log, under the name it claimed.
  int show_status = 0;
  const std::string shown = Shell(std::string("timeout -s KILL 60 ") + SYNAPSED_BINARY +
                                      " audit show " + dir_ + "/db.audit",
                                  &show_status);
  EXPECT_EQ(show_status, 0) << shown;
  size_t failed_alice = 0, failed_nobody = 0, ok_alice = 0;
  std::istringstream lines(shown);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("op=auth") == std::string::npos) continue;
    const bool failed = line.find("UNAUTHENTICATED") != std::string::npos;
    if (line.find("principal=alice ") != std::string::npos) {
      (failed ? failed_alice : ok_alice)++;
    }
    if (line.find("principal=nobody ") != std::string::npos && failed) ++failed_nobody;
  }
  EXPECT_EQ(failed_alice, 2u) << shown;  // AUTH and HELLO AUTH with the wrong password
  EXPECT_EQ(failed_nobody, 1u) << shown;
  EXPECT_GE(ok_alice, 7u) << shown;
}

// Under access control, /metrics and INFO still show the store's numbers:
// counters and the LSM's shape are operational properties any principal
// may read (access_control.h), so neither the scrape (which has no login)
// nor a user without admin gets an error.
TEST_F(ServerAuthCliTest, MetricsWorkUnderAccessControl) {
  ServeProcess server(dir_ + "/serve",
                      {"--config", config_, "--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.started()) << server.output();
  const int metrics_port = MetricsPort(server);
  ASSERT_GT(metrics_port, 0) << server.output();
  EXPECT_EQ(RedisCli(server.port(), {"--no-auth-warning", "--user", "alice", "--pass",
                                     kAlicePassword, "SET", "a/1", "v"}),
            "OK\n");

  const std::string response = HttpGet(metrics_port, "/metrics");
  ASSERT_TRUE(response.starts_with("HTTP/1.0 200 OK\r\n")) << response.substr(0, 300);
  auto samples = storage::testing::ParsePrometheusText(
      response.substr(response.find("\r\n\r\n") + 4));
  ASSERT_TRUE(samples.ok()) << samples.status();
  EXPECT_GE(samples->at(R"(synapsed_operations_total{op="put"})") +
                samples->at(R"(synapsed_operations_total{op="write"})"),
            1);
  EXPECT_EQ(samples->count("synapsed_engine_pending_compaction_bytes"), 1u);

  const std::string info = RedisCli(server.port(), {"--no-auth-warning", "--user", "alice",
                                                    "--pass", kAlicePassword, "INFO"});
  EXPECT_NE(info.find("metrics_enabled:1"), std::string::npos) << info;
  EXPECT_NE(info.find("engine_pending_compaction_bytes:"), std::string::npos) << info;
  EXPECT_EQ(info.find("engine_stats:unavailable"), std::string::npos) << info;
  // alice may not read every key, so the keyspace line is left out rather
  // than counting what she cannot see.
  EXPECT_EQ(info.find("db0:keys="), std::string::npos) << info;
}

// `synapsed acl passwd`: the hash it prints verifies the line it read, and
// nothing else; no password, an empty one, a cost out of range or a
// password given as an argument are refused with nothing printed.
TEST(AclPasswdCli, HashesOneLineOfStdin) {
  const std::string bin = std::string("timeout -s KILL 60 ") + SYNAPSED_BINARY;
  int status = 0;
  std::string out = Shell("printf 'pass word\\r\\n' | " + bin + " acl passwd --cost 10", &status);
  ASSERT_EQ(status, 0) << out;
  ASSERT_FALSE(out.empty());
  out.pop_back();  // the newline
  auto ok = security::VerifyPassword(out, "pass word");
  ASSERT_TRUE(ok.ok()) << ok.status() << " " << out;
  EXPECT_TRUE(*ok);
  ok = security::VerifyPassword(out, "pass word\r");
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(*ok);
  for (const std::string& bad :
       {"printf '' | " + bin + " acl passwd --cost 10",
        "printf '\\n' | " + bin + " acl passwd --cost 10",
        "printf 'x\\n' | " + bin + " acl passwd --cost 9",
        "printf 'x\\n' | " + bin + " acl passwd hunter2"}) {
    const std::string got = Shell(bad + " 2>/dev/null", &status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << bad;
    EXPECT_EQ(got, "") << bad;
  }
}

}  // namespace
}  // namespace synapsed::storage::server::testing
