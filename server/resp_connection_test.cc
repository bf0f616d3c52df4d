// The `distributed` backend's client connection (backends/resp_connection.h)
// against this project's server, in process, on loopback.
#include "backends/resp_connection.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "gtest/gtest.h"
#include "server/server.h"
#include "synapsed/storage/builder.h"

namespace synapsed::storage {
namespace {

using namespace std::chrono_literals;

class RespConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *StorageBuilder(StorageConfig::Memory()).Build();
    server::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    server_ = std::make_unique<server::Server>(store_.get(), o);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->RequestShutdown();
    server_->Wait();
  }
  std::unique_ptr<RespConnection> Connect() {
    auto c = RespConnection::Connect("127.0.0.1", server_->port(), 5s);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(RespConnectionTest, CallsAndPipelines) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Call({"SET", "k", "v"})->ToString(), "+OK");
  EXPECT_EQ(c->Call({"GET", "k"})->ToString(), "$v");
  EXPECT_EQ(c->Call({"GET", "nope"})->ToString(), "(nil)");
  EXPECT_EQ(c->Call({"INCR", "k"})->ToString(), "-ERR value is not an integer or out of range");
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(c->Call({"SET", "big", big})->ToString(), "+OK");
  auto got = c->Call({"GET", "big"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->str, big);
  auto replies = c->CallAll({{"SET", "a", "1"}, {"INCR", "a"}, {"MGET", "a", "b"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[1].ToString(), ":2");
  EXPECT_EQ((*replies)[2].ToString(), "[$2, (nil)]");
  EXPECT_FALSE(c->broken());
}

TEST_F(RespConnectionTest, AClosedServerBreaksTheConnection) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Call({"QUIT"})->ToString(), "+OK");
  auto r = c->Call({"PING"});
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_TRUE(c->broken());
  EXPECT_TRUE(absl::IsUnavailable(c->Call({"PING"}).status()));
}

TEST(RespConnection, RefusedSilentAndBadAddresses) {
  // A port nobody listens on: refused.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  auto refused = RespConnection::Connect("127.0.0.1", port, 1s);
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  // Listening but never answering: the call times out.
  ASSERT_EQ(listen(fd, 4), 0);
  auto silent = RespConnection::Connect("127.0.0.1", port, 300ms);
  ASSERT_TRUE(silent.ok()) << silent.status();
  auto r = (*silent)->Call({"PING"});
  EXPECT_TRUE(absl::IsUnavailable(r.status()));
  EXPECT_NE(r.status().message().find("no reply within 300 ms"), std::string::npos) << r.status();
  close(fd);
  EXPECT_TRUE(absl::IsInvalidArgument(RespConnection::Connect("localhost", 1, 1s).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(RespConnection::Connect("127.0.0.1", 70000, 1s).status()));
}

}  // namespace
}  // namespace synapsed::storage
