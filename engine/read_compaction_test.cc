// Read-triggered L0 compaction (engine/db_read_compaction.cc): L0 tables
// under the trigger go down once reads have paid for them through a whole
// window with no write, and never while writes keep coming.
#include <chrono>
#include <string>
#include <thread>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/status_matchers.h"

namespace synapsed::storage::engine {
namespace {

std::string Key(int i) { return fmt::format("key{:06}", i); }

class ReadCompactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = env::NewMemFileSystem();
    options_.fs = fs_.get();
    options_.use_io_uring = false;
    ASSERT_OK_AND_ASSIGN(db_, OpenNativeStore(options_, "/db"));
    impl_ = AsNativeEngine(db_.get());
    ASSERT_NE(impl_, nullptr);
    // Two L0 tables over the same range: even keys, then odd keys. Every
    // Get of an even key probes the newer table in vain.
    for (int parity = 0; parity < 2; ++parity) {
      for (int i = parity; i < 2000; i += 2) ASSERT_OK(db_->Put(Key(i), "v" + Key(i)));
      ASSERT_OK(db_->Flush());
    }
    ASSERT_EQ(L0Tables(), 2u);
  }

  size_t L0Tables() { return impl_->current_version()->shape().levels[0].size(); }

  uint64_t Triggers() {
    auto stats = db_->GetProperty("stats.json");
    EXPECT_TRUE(stats.ok()) << stats.status();
    if (!stats.ok()) return 0;
    return nlohmann::json::parse(*stats)["read_triggered_compactions"].get<uint64_t>();
  }

  // Waits (at most 20 s) for L0 to empty.
  bool WaitForEmptyL0() {
    for (int i = 0; i < 2000 && L0Tables() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return L0Tables() == 0;
  }

  void ExpectEveryKey() {
    for (int i = 0; i < 2000; ++i) {
      ASSERT_OK_AND_ASSIGN(std::string v, db_->Get(Key(i)));
      ASSERT_EQ(v, "v" + Key(i));
    }
  }

  std::unique_ptr<env::FileSystem> fs_;
  EngineOptions options_;
  std::unique_ptr<Store> db_;
  DBImpl* impl_ = nullptr;
};

TEST_F(ReadCompactionTest, GetsWithNoWriteMoveL0Down) {
  for (int64_t i = 0; i < 3 * DBImpl::kL0ReadWindow; ++i) {
    ASSERT_OK(db_->Get(Key(static_cast<int>(2 * (i % 1000)))).status());
  }
  EXPECT_GE(Triggers(), 1u);
  ASSERT_TRUE(WaitForEmptyL0());
  ExpectEveryKey();
}

TEST_F(ReadCompactionTest, IteratorsWithNoWriteMoveL0Down) {
  // Each iterator charges both L0 tables.
  for (int64_t i = 0; i < 2 * DBImpl::kL0ReadWindow; ++i) {
    auto it = db_->NewIterator(ReadOptions(), KeyRange::All());
    it->Seek(Key(static_cast<int>(i % 2000)));
    ASSERT_TRUE(it->Valid());
  }
  EXPECT_GE(Triggers(), 1u);
  ASSERT_TRUE(WaitForEmptyL0());
  ExpectEveryKey();
}

TEST_F(ReadCompactionTest, ReadsAmongWritesLeaveL0Alone) {
  for (int64_t i = 0; i < 6 * DBImpl::kL0ReadWindow; ++i) {
    if (i % 500 == 0) ASSERT_OK(db_->Put("other", std::to_string(i)));
    ASSERT_OK(db_->Get(Key(static_cast<int>(2 * (i % 1000)))).status());
  }
  EXPECT_EQ(Triggers(), 0u);
  EXPECT_EQ(L0Tables(), 2u);
}

}  // namespace
}  // namespace synapsed::storage::engine
