// The log under power loss and I/O errors (env/fault_injection_env.h): what
// recovery reads back is always a prefix of what was written and contains
// every record acknowledged with sync; a failed write makes the writer stop.
#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace synapsed::storage::wal {
namespace {

using ::synapsed::storage::testing::StatusIs;

// Power cuts after random writes, some synced; with `out_of_order_pages`
// the cache is written back in any order, leaving zero pages with intact
// records after them. Returns how many trials recovered past such a page.
int PowerLossTrials(bool out_of_order_pages) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  int holes = 0;
  for (int trial = 0; trial < 150; ++trial) {
    auto base = env::NewMemFileSystem();
    env::FaultInjectionFileSystem fs(base.get());
    const std::string path = "/000009.log";
    std::vector<std::string> written;
    size_t synced = 0;  // records [0, synced) were acknowledged durable
    {
      auto file = fs.NewWritableFile(path);
      EXPECT_OK(file.status());
      if (!file.ok()) return holes;
      EXPECT_OK(fs.SyncDir("/"));
      const size_t buffer = rnd.OneIn(2) ? 0 : 1 + rnd.Uniform(3 * kBlockSize);
      LogWriter w(std::move(*file), 9, {.buffer_bytes = buffer});
      // Losing pages out of order needs several unsynced pages: longer
      // records, fewer syncs.
      const int n = 1 + static_cast<int>(rnd.Uniform(60));
      const size_t typical = out_of_order_pages ? 3000 : 400;
      const uint64_t sync_one_in = out_of_order_pages ? 12 : 4;
      for (int i = 0; i < n; ++i) {
        const size_t len =
            rnd.OneIn(8) ? rnd.Uniform(2 * kBlockSize) : rnd.Uniform(typical);
        written.push_back(rnd.Bytes(len));
        const bool sync = rnd.OneIn(sync_one_in);
        EXPECT_OK(w.AddRecord(written.back(), sync));
        if (sync) synced = written.size();
      }
      // The crash: nothing more reaches the file (buffered records are lost
      // with the process), then the page cache keeps a random prefix.
      fs.Freeze();
    }
    EXPECT_OK(fs.SimulatePowerLoss({.rnd = &rnd, .out_of_order_pages = out_of_order_pages}));
    fs.Unfreeze();

    auto file = fs.NewSequentialFile(path);
    EXPECT_OK(file.status());
    if (!file.ok()) return holes;
    LogReader reader(std::move(*file), path, 9, {.last_log = true});
    std::string record;
    uint64_t offset;
    size_t got = 0;
    while (true) {
      absl::StatusOr<bool> more = reader.ReadRecord(&record, &offset);
      EXPECT_OK(more) << "trial " << trial << " seed " << seed;
      if (!more.ok() || !*more) break;
      EXPECT_LT(got, written.size());
      if (got >= written.size()) break;
      EXPECT_EQ(record, written[got]) << "trial " << trial << " seed " << seed;
      ++got;
    }
    EXPECT_GE(got, synced) << "trial " << trial << " seed " << seed;
    if (reader.unwritten_page_offset()) ++holes;
  }
  return holes;
}

TEST(LogRecoveryTest, PowerLossLeavesAPrefixWithEverySyncedRecord) {
  EXPECT_EQ(PowerLossTrials(/*out_of_order_pages=*/false), 0);
}

// Pages written back out of order: a zero page with intact records after it
// ends the last log there (docs/format/wal.md); still a prefix with every
// synced record. Before this rule, such a log failed as corrupt.
TEST(LogRecoveryTest, PagesLostOutOfOrderLeaveAPrefixWithEverySyncedRecord) {
  EXPECT_GT(PowerLossTrials(/*out_of_order_pages=*/true), 0)
      << "no trial lost a page before intact records: the test needs more of them";
}

// Writes `n` records of `len` bytes to log 9 at `path`; returns the bytes.
std::string WriteLog(env::FileSystem* fs, const std::string& path, int n, size_t len) {
  auto file = fs->NewWritableFile(path);
  EXPECT_OK(file.status());
  LogWriter w(std::move(*file), 9);
  for (int i = 0; i < n; ++i) {
    EXPECT_OK(w.AddRecord(std::string(len, static_cast<char>('a' + i % 26)), false));
  }
  EXPECT_OK(w.Close());
  auto bytes = env::ReadFileToString(fs, path);
  EXPECT_OK(bytes.status());
  return *bytes;
}

// Reads log 9 at `path`; the records read, and the final status.
absl::Status ReadLog(env::FileSystem* fs, const std::string& path, bool last, int* records,
                     std::optional<uint64_t>* hole = nullptr) {
  ASSIGN_OR_RETURN(auto file, fs->NewSequentialFile(path));
  LogReader reader(std::move(file), path, 9, {.last_log = last});
  std::string record;
  uint64_t offset;
  *records = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.ReadRecord(&record, &offset));
    if (!more) break;
    ++*records;
  }
  if (hole != nullptr) *hole = reader.unwritten_page_offset();
  return absl::OkStatus();
}

absl::Status Rewrite(env::FileSystem* fs, const std::string& path, const std::string& bytes) {
  ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(path));
  RETURN_IF_ERROR(file->Append(bytes));
  return file->Close();
}

TEST(LogRecoveryTest, AZeroPageEndsOnlyTheLastLog) {
  auto fs = env::NewMemFileSystem();
  // 100 records of 1000 bytes: about 25 pages; zero the 10th page.
  std::string bytes = WriteLog(fs.get(), "/9.log", 100, 1000);
  ASSERT_GT(bytes.size(), 20 * 4096u);
  std::fill(bytes.begin() + 9 * 4096, bytes.begin() + 10 * 4096, '\0');
  ASSERT_OK(Rewrite(fs.get(), "/9.log", bytes));
  int records = 0;
  std::optional<uint64_t> hole;
  ASSERT_OK(ReadLog(fs.get(), "/9.log", /*last=*/true, &records, &hole));
  EXPECT_GT(records, 30);
  EXPECT_LT(records, 40);
  EXPECT_EQ(hole, std::optional<uint64_t>(9 * 4096));
  // An older log was synced whole before the next began: corruption.
  EXPECT_THAT(ReadLog(fs.get(), "/9.log", /*last=*/false, &records),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("intact records of "
                                                                         "this log follow")));
}

TEST(LogRecoveryTest, DamageThatIsNotAZeroPageIsCorruption) {
  auto fs = env::NewMemFileSystem();
  std::string bytes = WriteLog(fs.get(), "/9.log", 100, 1000);
  // A page of garbage, and a zero run shorter than a page.
  for (const auto& [from, to, fill] : {std::tuple{9 * 4096, 10 * 4096, '\x5a'},
                                       std::tuple{9 * 4096 + 1, 10 * 4096 + 1, '\0'},
                                       std::tuple{9 * 4096, 10 * 4096 - 100, '\0'}}) {
    std::string bad = bytes;
    std::fill(bad.begin() + from, bad.begin() + to, fill);
    ASSERT_OK(Rewrite(fs.get(), "/9.log", bad));
    int records = 0;
    EXPECT_THAT(ReadLog(fs.get(), "/9.log", /*last=*/true, &records),
                StatusIs(absl::StatusCode::kDataLoss))
        << from << ".." << to;
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
