// Test-only: what the Session tests share — a store built from a config
// (`Open`), a server state over it, and clients whose inline command lines
// run through their own Session (`Connect`, `Run`).
#ifndef SYNAPSED_SERVER_SESSION_TEST_UTIL_H_
#define SYNAPSED_SERVER_SESSION_TEST_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "server/resp_parser.h"
#include "server/session.h"
#include "synapsed/storage/builder.h"

namespace synapsed::storage::server {

class SessionTestBase : public ::testing::Test {
 protected:
  void Open(const StorageConfig& config) {
    auto s = StorageBuilder(config).Build();
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    state_ = std::make_unique<ServerState>(store_.get(), SyncMode::kNever);
  }

  struct Client {
    ClientInfo info;
    std::string out;
    std::unique_ptr<Session> session;
  };
  std::unique_ptr<Client> Connect() {
    auto c = std::make_unique<Client>();
    EXPECT_TRUE(state_->clients.Add(&c->info, 0));
    c->session = std::make_unique<Session>(state_.get(), &c->info, &c->out);
    return c;
  }
  // The reply bytes of one inline command line.
  std::string Run(Client& c, std::string_view line) {
    std::vector<std::string> args;
    EXPECT_TRUE(SplitInlineArgs(line, &args));
    c.out.clear();
    c.session->Execute(std::move(args));
    c.session->FlushBatch();
    return c.out;
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<ServerState> state_;
};

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_SESSION_TEST_UTIL_H_
