// TableCache over the in-memory file system.
#include <atomic>
#include <thread>
#include <vector>

#include "env/mem_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sstable/table_builder.h"
#include "sstable/table_cache.h"
#include "sstable/table_test_util.h"
#include "util/internal_key.h"
#include "util/status_matchers.h"

namespace synapsed::storage::sstable {
namespace {

using ::synapsed::storage::testing::StatusIs;

class TableCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = env::NewMemFileSystem();
    ASSERT_OK(fs_->CreateDirIfMissing("/db"));
    for (uint64_t n = 1; n <= 5; ++n) {
      auto file = fs_->NewWritableFile(TableFileName("/db", n));
      ASSERT_OK(file);
      TableBuilder b({}, file->get());
      ASSERT_OK(b.Add(MakeInternalKey("key", n, ValueType::kValue),
                      "value" + std::to_string(n)));
      ASSERT_OK_AND_ASSIGN(FinishedTable f, b.Finish());
      ASSERT_OK((*file)->Close());
      sizes_[n] = f.file_size;
    }
  }
  std::unique_ptr<env::FileSystem> fs_;
  uint64_t sizes_[6] = {};
};

TEST_F(TableCacheTest, FileNameFormat) {
  EXPECT_EQ(TableFileName("/db", 12), "/db/000012.sst");
  EXPECT_EQ(TableFileName("/db", 12345678), "/db/12345678.sst");
}

TEST_F(TableCacheTest, BoundsOpenReadersAndEvictsLeastRecentlyUsed) {
  TableCacheOptions o;
  o.max_open_files = 2;
  TableCache cache(fs_.get(), "/db", o, nullptr);
  ASSERT_OK_AND_ASSIGN(auto t1, cache.FindTable(1, sizes_[1]));
  ASSERT_OK_AND_ASSIGN(auto t2, cache.FindTable(2, sizes_[2]));
  ASSERT_OK_AND_ASSIGN(auto t1again, cache.FindTable(1, sizes_[1]));
  EXPECT_EQ(t1.get(), t1again.get());
  ASSERT_OK_AND_ASSIGN(auto t3, cache.FindTable(3, sizes_[3]));  // evicts 2
  EXPECT_EQ(cache.NumOpen(), 2u);
  ASSERT_OK_AND_ASSIGN(auto t2again, cache.FindTable(2, sizes_[2]));
  EXPECT_NE(t2.get(), t2again.get());  // reopened
  // The evicted reader still works for its holder.
  GetResult r;
  ASSERT_OK(t2->Get({}, MakeInternalKey("key", 100, kValueTypeForSeek), &r));
  EXPECT_EQ(r.value, "value2");
  cache.Evict(2);
  EXPECT_EQ(cache.NumOpen(), 1u);
}

TEST_F(TableCacheTest, GetAndIteratorKeepTheirReader) {
  TableCacheOptions o;
  o.max_open_files = 1;
  TableCache cache(fs_.get(), "/db", o, nullptr);
  GetResult r;
  ASSERT_OK(cache.Get({}, 4, sizes_[4],
                      MakeInternalKey("key", 100, kValueTypeForSeek),
                      FilterHash("key"), &r));
  EXPECT_TRUE(r.found);
  EXPECT_EQ(r.value, "value4");
  ASSERT_OK_AND_ASSIGN(auto it, cache.NewIterator({}, 5, sizes_[5]));
  ASSERT_OK_AND_ASSIGN(auto other, cache.FindTable(1, sizes_[1]));  // evicts 5
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "value5");
}

TEST_F(TableCacheTest, MissingOrDamagedFilesFail) {
  TableCache cache(fs_.get(), "/db", {}, nullptr);
  EXPECT_FALSE(cache.FindTable(99, 100).ok());
  EXPECT_THAT(cache.FindTable(1, sizes_[1] - 1).status(),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(cache.NumOpen(), 0u);
}

TEST_F(TableCacheTest, ConcurrentLookups) {
  TableCacheOptions o;
  o.max_open_files = 3;
  testing::TestCache block_cache;
  TableCache cache(fs_.get(), "/db", o, &block_cache);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const uint64_t n = 1 + (i * 7 + t) % 5;
        GetResult r;
        absl::Status s = cache.Get({}, n, sizes_[n],
                                   MakeInternalKey("key", 100, kValueTypeForSeek),
                                   FilterHash("key"), &r);
        if (!s.ok() || !r.found || r.value != "value" + std::to_string(n)) {
          ++errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_LE(cache.NumOpen(), 3u);
}

}  // namespace
}  // namespace synapsed::storage::sstable
