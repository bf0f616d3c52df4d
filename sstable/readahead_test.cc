#include "sstable/readahead.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "sstable/table_test_util.h"
#include "util/internal_key.h"
#include "util/random.h"
#include "util/status_matchers.h"

namespace synapsed::storage::sstable {
namespace {

// A file that counts the reads that reach it.
class CountingSource final : public env::RandomAccessFile {
 public:
  explicit CountingSource(std::string bytes) : inner_(std::move(bytes)) {}
  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    ++reads_;
    return inner_.Read(offset, n, scratch);
  }
  uint64_t Size() const override { return inner_.Size(); }
  uint64_t reads() const { return reads_; }

 private:
  testing::StringSource inner_;
  mutable std::atomic<uint64_t> reads_{0};
};

TEST(ReadaheadTest, SequentialReadsShareSystemCalls) {
  Random rnd(3);
  const std::string bytes = rnd.Bytes(1 << 20);
  CountingSource file(bytes);
  Readahead ra;
  std::string scratch(5000, '\0');
  uint64_t offset = 0, calls = 0;
  while (offset < bytes.size()) {
    const size_t n = 3000 + rnd.Uniform(1500);
    ASSERT_OK_AND_ASSIGN(std::string_view got,
                         ra.Read(file, bytes.size(), offset, n, scratch.data()));
    ASSERT_EQ(got, std::string_view(bytes).substr(offset, n)) << offset;
    offset += n;
    ++calls;
  }
  // 1 MiB in ~280 reads: three plain reads, then windows of 16, 32, 64,
  // 128 and 256 KiB.
  EXPECT_GT(calls, 200u);
  EXPECT_LE(file.reads(), 12u);
  EXPECT_EQ(ra.hits() + ra.refills() + 2, calls);
}

TEST(ReadaheadTest, ReadsThatJumpGoStraightToTheFile) {
  Random rnd(4);
  const std::string bytes = rnd.Bytes(1 << 20);
  CountingSource file(bytes);
  Readahead ra;
  std::string scratch(4096, '\0');
  for (int i = 0; i < 100; ++i) {
    const uint64_t offset = rnd.Uniform(bytes.size() - 4096) / 2 * 2 + 1;
    ASSERT_OK_AND_ASSIGN(std::string_view got,
                         ra.Read(file, bytes.size(), offset, 4096, scratch.data()));
    ASSERT_EQ(got, std::string_view(bytes).substr(offset, 4096));
  }
  EXPECT_EQ(file.reads(), 100u);
  EXPECT_EQ(ra.refills(), 0u);
  // Backwards, block by block: never sequential either.
  for (uint64_t offset = 500000; offset >= 4096 * 10; offset -= 4096) {
    ASSERT_OK(ra.Read(file, bytes.size(), offset, 4096, scratch.data()).status());
  }
  EXPECT_EQ(ra.refills(), 0u);
}

// A seek then a few steps (one block boundary crossed) reads no window.
TEST(ReadaheadTest, ShortRunsReadNoWindow) {
  Random rnd(5);
  const std::string bytes = rnd.Bytes(1 << 20);  // 256 blocks of 4 KiB
  CountingSource file(bytes);
  Readahead ra;
  std::string scratch(4096, '\0');
  for (int i = 0; i < 50; ++i) {
    // Each pair starts a block below the previous one: never a third read
    // in a row.
    const uint64_t offset = (200 - i) * uint64_t{4096};
    ASSERT_OK(ra.Read(file, bytes.size(), offset, 4096, scratch.data()).status());
    ASSERT_OK(ra.Read(file, bytes.size(), offset + 4096, 4096, scratch.data()).status());
  }
  EXPECT_EQ(ra.refills(), 0u);
  EXPECT_EQ(file.reads(), 100u);
}

TEST(ReadaheadTest, TheWindowStopsAtTheEndOfTheFile) {
  const std::string bytes(10000, 'z');
  CountingSource file(bytes);
  Readahead ra;
  std::string scratch(6000, '\0');
  ASSERT_OK(ra.Read(file, bytes.size(), 0, 1000, scratch.data()).status());
  ASSERT_OK(ra.Read(file, bytes.size(), 1000, 1000, scratch.data()).status());
  ASSERT_OK(ra.Read(file, bytes.size(), 2000, 2000, scratch.data()).status());
  ASSERT_OK_AND_ASSIGN(std::string_view got, ra.Read(file, bytes.size(), 4000, 6000, scratch.data()));
  EXPECT_EQ(got.size(), 6000u);
  ASSERT_OK_AND_ASSIGN(got, ra.Read(file, bytes.size(), 10000, 100, scratch.data()));
  EXPECT_TRUE(got.empty());
}

// A table scan reads its data blocks through the iterator's window: the
// entries are all there and far fewer reads reach the file than there are
// blocks. Point lookups read one block each.
TEST(ReadaheadTest, TableScansReadManyBlocksPerRead) {
  testing::Model model;
  for (int i = 0; i < 20000; ++i) {
    char user[32];
    std::snprintf(user, sizeof(user), "key%06d", i);
    model[MakeInternalKey(user, 1, ValueType::kValue)] = std::string(100, 'v');
  }
  TableBuilderOptions o;
  o.compression = CompressionType::kNone;
  ASSERT_OK_AND_ASSIGN(std::string bytes, testing::BuildTable(o, model));
  auto source = std::make_unique<CountingSource>(bytes);
  const CountingSource* file = source.get();
  ASSERT_OK_AND_ASSIGN(auto table, TableReader::Open({}, std::move(source), bytes.size(), 1,
                                                     "1.sst", nullptr));
  const uint64_t opened = file->reads();
  const uint64_t blocks = table->properties().num_data_blocks;
  ASSERT_GT(blocks, 500u);
  auto it = table->NewIterator({});
  auto want = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
    ASSERT_NE(want, model.end());
    ASSERT_EQ(it->key(), want->first);
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(want, model.end());
  EXPECT_LT(file->reads() - opened, blocks / 10);
}

}  // namespace
}  // namespace synapsed::storage::sstable
