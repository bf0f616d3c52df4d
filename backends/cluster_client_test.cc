// ClusterClient's retries against a scripted node on loopback: what the
// final error says when every retry failed, and whether it says that an
// earlier attempt may still be applied.
#include "backends/cluster_client.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "backends/resp_reply.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace synapsed::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A node that answers each command with what `script` returns for it:
// RESP bytes to send, or "" to close the connection without an answer.
// Listens on an ephemeral loopback port; one thread per connection.
class ScriptedNode {
 public:
  using Script = std::function<std::string(const std::vector<std::string>& command)>;

  explicit ScriptedNode(Script script) : script_(std::move(script)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~ScriptedNode() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    close(listener_);
    for (std::thread& t : connections_) t.join();
  }

  std::string address() const { return fmt::format("127.0.0.1:{}", port_); }

  // How many commands it has received.
  int commands() const { return commands_.load(); }

 private:
  void Accept() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 20) != 1) continue;
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd >= 0) connections_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string in;
    char buf[4096];
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) != 1) continue;
      const ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      RespReply command;
      size_t used = 0;
      std::string error;
      bool closed = false;
      while (ParseReply(in, &command, &used, &error) == ParseOutcome::kDone) {
        in.erase(0, used);
        std::vector<std::string> words;
        for (const RespReply& w : command.elements) words.push_back(w.str);
        commands_.fetch_add(1);
        const std::string reply = script_(words);
        if (reply.empty()) {
          closed = true;
          break;
        }
        if (write(fd, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) {
          closed = true;
          break;
        }
      }
      if (closed) break;
    }
    close(fd);
  }

  const Script script_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // only the acceptor adds, before the join
  std::atomic<int> commands_{0};
};

// A node without cluster support (the client then sends every slot to it),
// answering SET with `on_set(n)` for its n-th SET, counted from 0.
ScriptedNode::Script SingleNode(std::function<std::string(int)> on_set) {
  auto sets = std::make_shared<std::atomic<int>>(0);
  return [sets, on_set = std::move(on_set)](const std::vector<std::string>& c) -> std::string {
    if (c.size() >= 2 && c[0] == "CLUSTER") return "-ERR This instance has cluster support disabled\r\n";
    if (!c.empty() && c[0] == "SET") return on_set((*sets)++);
    return "-ERR unexpected command\r\n";
  };
}

constexpr char kDidNotCommit[] =
    "-ERR the entry did not commit here (it may still commit under the next leader)\r\n";
constexpr char kInsufficient[] =
    "-ERR insufficient replicas: 2 required, 1 reachable; nothing was applied\r\n";

absl::Status Set(const ScriptedNode& node) {
  DistributedOptions o;
  o.nodes = {node.address()};
  o.timeout_ms = 1000;
  o.retry_timeout_ms = 300;
  auto client = ClusterClient::Connect(o);
  if (!client.ok()) return client.status();
  auto reply = (*client)->Call(0, ClusterClient::Command{"SET", "k", "v"});
  if (!reply.ok()) return reply.status();
  return ReplyStatus(*reply, node.address());
}

TEST(ClusterClient, RefusalsThatAppliedNothingSayNothingOfAnUnknownOutcome) {
  ScriptedNode node(SingleNode([](int) { return kInsufficient; }));
  const absl::Status s = Set(node);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("insufficient replicas"));
  EXPECT_THAT(s.message(), HasSubstr("still failing after retrying for 300 ms"));
  EXPECT_THAT(s.message(), Not(HasSubstr("outcome is unknown")));
  EXPECT_GT(node.commands(), 2);  // it did retry
}

TEST(ClusterClient, AnEntryThatDidNotCommitMakesTheFinalErrorSayTheOutcomeIsUnknown) {
  // The first attempt was appended by a leader that then lost its
  // majority; every later attempt is refused up front.
  ScriptedNode node(SingleNode([](int n) { return n == 0 ? kDidNotCommit : kInsufficient; }));
  const absl::Status s = Set(node);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("insufficient replicas"));  // the last answer
  EXPECT_THAT(s.message(), HasSubstr("the outcome is unknown"));
  EXPECT_THAT(s.message(), HasSubstr(node.address() + ": ERR the entry did not commit here"));
}

TEST(ClusterClient, AConnectionLostAfterSendingMakesTheOutcomeUnknown) {
  ScriptedNode node(SingleNode([](int n) { return n == 0 ? "" : kInsufficient; }));
  const absl::Status s = Set(node);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("the outcome is unknown"));
}

TEST(ClusterClient, ASuccessAfterRetriesIsASuccess) {
  ScriptedNode node(SingleNode([](int n) { return n < 2 ? kDidNotCommit : "+OK\r\n"; }));
  EXPECT_TRUE(Set(node).ok());
}

}  // namespace
}  // namespace synapsed::storage
