// Log preallocation (EngineOptions::wal_preallocate_bytes) on a real
// directory: a log that only takes unsynced writes gets no zeros; the first
// synced write gives it a zero tail, extended as the log reaches it; what a
// kill -9 leaves (the log, then zeros) reads back whole; and a power cut
// after synced writes keeps them.
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/db.h"
#include "engine/filenames.h"
#include "env/fault_injection_env.h"
#include "env/posix_env.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "wal/log_reader.h"

namespace synapsed::storage::engine {
namespace {

constexpr uint64_t kAhead = 64 * 1024;

class LogPreallocationTest : public ::testing::Test {
 protected:
  LogPreallocationTest() : base_(env::NewPosixFileSystem()), fs_(base_.get()) {
    char dir_template[] = "/tmp/log_prealloc.XXXXXX";
    EXPECT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    options_.fs = &fs_;
    options_.use_io_uring = true;  // the io_uring file preallocates (or its fallback)
    options_.wal_preallocate_bytes = kAhead;
    options_.background_threads = false;
  }
  ~LogPreallocationTest() override {
    auto names = base_->ListDir(dir_);
    if (names.ok()) {
      for (const auto& n : *names) (void)base_->DeleteFile(env::JoinPath(dir_, n));
    }
    (void)base_->DeleteDir(dir_);
  }
  absl::StatusOr<std::unique_ptr<Store>> Open() { return OpenNativeStore(options_, dir_); }

  // The newest log's bytes as they are on disk now.
  std::string NewestLog(uint64_t* number) {
    auto names = base_->ListDir(dir_);
    EXPECT_OK(names.status());
    *number = 0;
    for (const auto& n : *names) {
      if (auto num = ParseLogFileName(n)) *number = std::max(*number, *num);
    }
    auto bytes = env::ReadFileToString(base_.get(), LogFileName(dir_, *number));
    EXPECT_OK(bytes.status());
    return bytes.ok() ? *bytes : "";
  }
  static size_t ZeroTail(const std::string& bytes) {
    const size_t last = bytes.find_last_not_of('\0');
    return last == std::string::npos ? bytes.size() : bytes.size() - last - 1;
  }

  std::string dir_;
  std::unique_ptr<env::FileSystem> base_;
  env::FaultInjectionFileSystem fs_;
  EngineOptions options_;
};

TEST_F(LogPreallocationTest, FirstSyncedWriteStartsAZeroTailThatReadsAsTheEnd) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  for (int i = 0; i < 50; ++i) ASSERT_OK(db->Put("u" + std::to_string(i), "value"));
  uint64_t number = 0;
  EXPECT_EQ(ZeroTail(NewestLog(&number)), 0u) << "no zeros without a synced write";
  EXPECT_EQ(fs_.OpCount(env::OpKind::kPreallocate), 0);
  WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(db->Put(sync, "s" + std::to_string(i), std::string(100, 'v')));
    // The zeros are written in whole pages, extended as the log reaches them.
    ASSERT_EQ(NewestLog(&number).size() % 4096, 0u) << i;
  }
  EXPECT_EQ(fs_.OpCount(env::OpKind::kPreallocate), 1);
  // What a kill -9 leaves now: every record, then zeros (a clean end).
  const std::string image = NewestLog(&number);
  const std::string copy = env::JoinPath(dir_, "image");
  ASSERT_OK(env::WriteStringToFile(base_.get(), image, copy, false));
  ASSERT_OK_AND_ASSIGN(auto file, base_->NewSequentialFile(copy));
  wal::LogReaderOptions ro;
  ro.last_log = true;
  wal::LogReader reader(std::move(file), copy, number, ro);
  std::string record;
  uint64_t offset = 0;
  int records = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, reader.ReadRecord(&record, &offset));
    if (!more) break;
    ++records;
  }
  EXPECT_EQ(records, 1 + 50 + 200);  // the header, then every write
  EXPECT_EQ(reader.dropped_tail_bytes(), 0u);
  EXPECT_EQ(reader.valid_end_offset() + reader.ignored_tail_bytes(), image.size());
  ASSERT_OK(base_->DeleteFile(copy));
}

TEST_F(LogPreallocationTest, SyncedWritesSurviveAPowerCut) {
  Random rnd(11);
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(round);
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    WriteOptions sync;
    sync.sync = true;
    const std::string prefix = "r" + std::to_string(round) + "_";
    for (int i = 0; i < 100; ++i) {
      ASSERT_OK(db->Put(sync, prefix + std::to_string(i), std::string(80, 'a' + round)));
    }
    for (int i = 100; i < 120; ++i) ASSERT_OK(db->Put(prefix + std::to_string(i), "maybe"));
    db.reset();
    ASSERT_OK(fs_.SimulatePowerLoss({.rnd = &rnd, .out_of_order_pages = true}));
    ASSERT_OK_AND_ASSIGN(db, Open());
    for (int r = 0; r <= round; ++r) {
      for (int i = 0; i < 100; ++i) {
        const std::string key = "r" + std::to_string(r) + "_" + std::to_string(i);
        ASSERT_OK_AND_ASSIGN(std::string v, db->Get(key));
        ASSERT_EQ(v, std::string(80, 'a' + r)) << key;
      }
    }
  }
}

}  // namespace
}  // namespace synapsed::storage::engine
