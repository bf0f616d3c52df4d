// The `distributed` backend (backends/distributed_store.h) as a client of a
// lone `synapsed serve` (no cluster mode: one partition holding every
// slot), from several threads at once. The server runs in its own process,
// so the sanitizers see only the client: its connection pool, its map and
// its retries.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "backends/distributed_store.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "server/cli_test_util.h"
#include "util/status_matchers.h"

namespace synapsed::storage::server::testing {
namespace {

using ::synapsed::storage::testing::StatusIs;

TEST(DistributedClientCliTest, ThreadsShareOneClientOfALoneServer) {
  const std::string dir = TempDir("distributed_client");
  ServeProcess server(dir + "/db", {"--threads", "2"});
  ASSERT_TRUE(server.started()) << server.output();
  DistributedOptions o;
  o.nodes = {fmt::format("127.0.0.1:{}", server.port())};
  o.retry_timeout_ms = 2000;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, OpenDistributedStore(o));
  // Not a cluster: expectations of a cluster's map cannot hold.
  o.replication_factor = 1;
  EXPECT_THAT(OpenDistributedStore(o), StatusIs(absl::StatusCode::kFailedPrecondition));

  constexpr int kThreads = 4, kRounds = 50;
  ASSERT_OK(store->Put("counter", "0"));
  std::atomic<int> aborted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string key = fmt::format("t{}/k{:03}", t, i);
        EXPECT_OK(store->Put(key, "v"));
        WriteBatch b;
        EXPECT_OK(b.Put(key + "/a", "1"));
        EXPECT_OK(b.Put(key + "/b", "2"));
        EXPECT_OK(b.Delete(key));
        EXPECT_OK(store->Write(WriteOptions(), b));
        // A read-modify-write of the shared counter, again after a conflict.
        for (;;) {
          auto txn = store->BeginTransaction();
          ASSERT_OK(txn.status());
          std::string v;
          EXPECT_OK((*txn)->Get("counter", &v));
          EXPECT_OK((*txn)->Put("counter", std::to_string(std::stoi(v) + 1)));
          const absl::Status s = (*txn)->Commit();
          if (s.ok()) break;
          ASSERT_TRUE(absl::IsAborted(s)) << s;
          ++aborted;
        }
      }
      auto mine = store->Scan(KeyRange::Prefix(fmt::format("t{}/", t)));
      ASSERT_OK(mine.status());
      EXPECT_EQ(mine->size(), 2u * kRounds);  // the batches' /a and /b, not the deleted keys
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_OK_AND_ASSIGN(std::string counter, store->Get("counter"));
  EXPECT_EQ(counter, std::to_string(kThreads * kRounds));
  ASSERT_OK_AND_ASSIGN(auto all, store->Scan(KeyRange::All()));
  EXPECT_EQ(all.size(), 2u * kThreads * kRounds + 1);
  std::cout << "transactions retried after a conflict: " << aborted.load() << "\n";

  // The server gone: an operation fails as Unavailable, naming it, once
  // the retry deadline passes.
  server.Signal(SIGKILL);
  server.Wait(10);
  EXPECT_THAT(store->Put("after", "x"),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::HasSubstr(o.nodes[0])));
}

}  // namespace
}  // namespace synapsed::storage::server::testing
