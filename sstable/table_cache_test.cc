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
  ASSERT_OK(cache.Get({}, 4, sizes_[4], nullptr,
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
  // Half the threads go through slots (racing to fill them, two pins at
  // most), half through the cache alone.
  TableSlot slots[6];
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const uint64_t n = 1 + (i * 7 + t) % 5;
        GetResult r;
        absl::Status s = cache.Get({}, n, sizes_[n], t % 2 == 0 ? &slots[n] : nullptr,
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
  EXPECT_LE(cache.NumPinned(), 2u);
  size_t filled = 0;
  for (const TableSlot& slot : slots) filled += slot.reader() != nullptr;
  EXPECT_EQ(filled, cache.NumPinned());
}

absl::Status GetKey(TableCache& cache, uint64_t n, uint64_t size, const TableSlot* slot,
                    GetResult* r) {
  r->Clear();
  return cache.Get({}, n, size, slot, MakeInternalKey("key", 100, kValueTypeForSeek),
                   FilterHash("key"), r);
}

TEST_F(TableCacheTest, SlotKeepsItsReaderAndSkipsTheCache) {
  TableCacheOptions o;
  o.max_open_files = 3;
  TableCache cache(fs_.get(), "/db", o, nullptr);
  GetResult r;
  {
    TableSlot slot;
    ASSERT_OK(GetKey(cache, 1, sizes_[1], &slot, &r));
    EXPECT_EQ(r.value, "value1");
    ASSERT_NE(slot.reader(), nullptr);
    EXPECT_EQ(cache.NumPinned(), 1u);
    // Out of the cache, the slot still reads, and the cache is not asked.
    cache.Evict(1);
    EXPECT_EQ(cache.NumOpen(), 0u);
    ASSERT_OK(GetKey(cache, 1, sizes_[1], &slot, &r));
    EXPECT_EQ(r.value, "value1");
    EXPECT_EQ(cache.NumOpen(), 0u);
    // A copy starts empty; assigning empties.
    TableSlot copy(slot);
    EXPECT_EQ(copy.reader(), nullptr);
    ASSERT_OK(GetKey(cache, 2, sizes_[2], &copy, &r));
    EXPECT_EQ(r.value, "value2");
    EXPECT_EQ(cache.NumPinned(), 2u);
    copy = TableSlot();
    EXPECT_EQ(copy.reader(), nullptr);
    EXPECT_EQ(cache.NumPinned(), 1u);
  }
  EXPECT_EQ(cache.NumPinned(), 0u);  // the slot's end gives its pin back
}

TEST_F(TableCacheTest, PinsCountAgainstMaxOpenFiles) {
  TableCacheOptions o;
  o.max_open_files = 3;
  TableCache cache(fs_.get(), "/db", o, nullptr);
  TableSlot slots[6];
  GetResult r;
  for (uint64_t n = 1; n <= 4; ++n) {
    ASSERT_OK(GetKey(cache, n, sizes_[n], &slots[n], &r));
    EXPECT_EQ(r.value, "value" + std::to_string(n));
  }
  // Two pins take all the budget but the one the cache keeps; 3 and 4 went
  // through the cache, which kept one of them.
  EXPECT_NE(slots[1].reader(), nullptr);
  EXPECT_NE(slots[2].reader(), nullptr);
  EXPECT_EQ(slots[3].reader(), nullptr);
  EXPECT_EQ(slots[4].reader(), nullptr);
  EXPECT_EQ(cache.NumPinned(), 2u);
  EXPECT_EQ(cache.NumOpen(), 1u);
  // A released pin lets the next lookup pin.
  slots[1] = TableSlot();
  ASSERT_OK(GetKey(cache, 3, sizes_[3], &slots[3], &r));
  EXPECT_EQ(r.value, "value3");
  EXPECT_NE(slots[3].reader(), nullptr);
  EXPECT_EQ(cache.NumPinned(), 2u);
}

TEST_F(TableCacheTest, IteratorThroughASlotOutlivesIt) {
  TableCache cache(fs_.get(), "/db", {}, nullptr);
  std::unique_ptr<TableIterator> it;
  {
    TableSlot slot;
    ASSERT_OK_AND_ASSIGN(it, cache.NewIterator({}, 5, sizes_[5], &slot));
    ASSERT_NE(slot.reader(), nullptr);
    cache.Evict(5);
    // A second iterator shares the slot's reader (and so holds its pin).
    ASSERT_OK_AND_ASSIGN(auto again, cache.NewIterator({}, 5, sizes_[5], &slot));
    EXPECT_EQ(cache.NumOpen(), 0u);
    slot = TableSlot();
    EXPECT_EQ(cache.NumPinned(), 1u);
    again->SeekToFirst();
    ASSERT_TRUE(again->Valid());
    EXPECT_EQ(again->value(), "value5");
  }
  EXPECT_EQ(cache.NumPinned(), 0u);
  // The first still reads: it holds the reader, though not the pin.
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "value5");
}

}  // namespace
}  // namespace synapsed::storage::sstable
