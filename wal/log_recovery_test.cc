// The log under power loss and I/O errors (env/fault_injection_env.h): what
// recovery reads back is always a prefix of what was written and contains
// every record acknowledged with sync; a failed write makes the writer stop.
#include <string>
#include <vector>

#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace synapsed::storage::wal {
namespace {

using ::synapsed::storage::testing::StatusIs;

TEST(LogRecoveryTest, PowerLossLeavesAPrefixWithEverySyncedRecord) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  for (int trial = 0; trial < 150; ++trial) {
    auto base = env::NewMemFileSystem();
    env::FaultInjectionFileSystem fs(base.get());
    const std::string path = "/000009.log";
    std::vector<std::string> written;
    size_t synced = 0;  // records [0, synced) were acknowledged durable
    {
      ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(path));
      ASSERT_OK(fs.SyncDir("/"));
      const size_t buffer = rnd.OneIn(2) ? 0 : 1 + rnd.Uniform(3 * kBlockSize);
      LogWriter w(std::move(file), 9, {.buffer_bytes = buffer});
      const int n = 1 + static_cast<int>(rnd.Uniform(60));
      for (int i = 0; i < n; ++i) {
        const size_t len =
            rnd.OneIn(8) ? rnd.Uniform(2 * kBlockSize) : rnd.Uniform(400);
        written.push_back(rnd.Bytes(len));
        const bool sync = rnd.OneIn(4);
        ASSERT_OK(w.AddRecord(written.back(), sync));
        if (sync) synced = written.size();
      }
      // The crash: nothing more reaches the file (buffered records are lost
      // with the process), then the page cache keeps a random prefix.
      fs.Freeze();
    }
    ASSERT_OK(fs.SimulatePowerLoss(&rnd));
    fs.Unfreeze();

    ASSERT_OK_AND_ASSIGN(auto file, fs.NewSequentialFile(path));
    LogReader reader(std::move(file), path, 9, {.last_log = true});
    std::string record;
    uint64_t offset;
    size_t got = 0;
    while (true) {
      absl::StatusOr<bool> more = reader.ReadRecord(&record, &offset);
      ASSERT_OK(more) << "trial " << trial << " seed " << seed;
      if (!*more) break;
      ASSERT_LT(got, written.size());
      ASSERT_EQ(record, written[got]) << "trial " << trial << " seed " << seed;
      ++got;
    }
    ASSERT_GE(got, synced) << "trial " << trial << " seed " << seed;
  }
}

TEST(LogRecoveryTest, WriteErrorsAreSticky) {
  auto base = env::NewMemFileSystem();
  env::FaultInjectionFileSystem fs(base.get());
  ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile("/1.log"));
  LogWriter w(std::move(file), 1);
  ASSERT_OK(w.AddRecord("first", false));
  fs.FailNth(env::OpKind::kAppend, 1);
  EXPECT_THAT(w.AddRecord("second", false),
              StatusIs(absl::StatusCode::kUnavailable));
  const int appends = fs.OpCount(env::OpKind::kAppend);
  // Later calls return the first error and do not touch the file.
  EXPECT_THAT(w.AddRecord("third", true),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(w.Sync(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(w.Close(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(fs.OpCount(env::OpKind::kAppend), appends);

  // A failed sync is sticky too.
  ASSERT_OK_AND_ASSIGN(auto file2, fs.NewWritableFile("/2.log"));
  LogWriter w2(std::move(file2), 2, {.buffer_bytes = 4096});
  ASSERT_OK(w2.AddRecord("a", false));
  fs.FailNth(env::OpKind::kSync, 1);
  EXPECT_THAT(w2.AddRecord("b", true),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(w2.AddRecord("c", false),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace synapsed::storage::wal
