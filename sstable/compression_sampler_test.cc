// CompressionSampler alone, and the adaptive mode of TableBuilder on random
// bytes, compressible values and runs of both.
#include "sstable/compression_sampler.h"

#include <string>

#include "gtest/gtest.h"
#include "sstable/table_builder.h"
#include "sstable/table_reader.h"
#include "sstable/table_test_util.h"
#include "util/internal_key.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::sstable {
namespace {

using testing::BuildTable;
using testing::Model;
using testing::OpenTable;
using testing::StringSink;

TEST(CompressionSamplerTest, TriesEveryBlockWhileTriesPay) {
  CompressionSampler s(/*failures_to_skip=*/2, /*sample_interval=*/4);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(s.ShouldTry()) << i;
    s.Record(true);
  }
  EXPECT_EQ(s.tried(), 10u);
  EXPECT_EQ(s.skipped(), 0u);
}

TEST(CompressionSamplerTest, SamplesAfterFailuresAndResumesWhenASamplePays) {
  CompressionSampler s(/*failures_to_skip=*/2, /*sample_interval=*/4);
  // Two failed tries in a row switch to sampling.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(s.ShouldTry());
    s.Record(false);
  }
  // Then one block in four is tried: three skipped, one sample.
  std::string pattern;
  for (int i = 0; i < 8; ++i) {
    const bool t = s.ShouldTry();
    pattern += t ? 'T' : '-';
    if (t) s.Record(false);
  }
  EXPECT_EQ(pattern, "---T---T");
  // A sample that pays brings back trying every block.
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(s.ShouldTry());
  ASSERT_TRUE(s.ShouldTry());
  s.Record(true);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(s.ShouldTry()) << i;
    s.Record(true);
  }
  EXPECT_EQ(s.skipped(), 9u);
  EXPECT_EQ(s.tried(), 2u + 2u + 1u + 5u);
}

TEST(CompressionSamplerTest, OneFailureAmongSuccessesDoesNotSkip) {
  CompressionSampler s(/*failures_to_skip=*/2, /*sample_interval=*/4);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(s.ShouldTry()) << i;
    s.Record(i % 2 == 0);  // never two failures in a row
  }
}

// About 4 KiB blocks of 500-byte values, `random` or repetitive.
void AddValues(Random* rnd, int first, int n, bool random, Model* m) {
  for (int i = first; i < first + n; ++i) {
    char user[16];
    std::snprintf(user, sizeof(user), "k%06d", i);
    (*m)[MakeInternalKey(user, 1, ValueType::kValue)] =
        random ? rnd->Bytes(500) : std::string(500, "abc"[i % 3]);
  }
}

struct Built {
  std::string bytes;
  FinishedTable fin;
  uint64_t tried = 0;
  uint64_t not_tried = 0;
};

Built Build(const Model& m, CompressionType c, bool adaptive) {
  TableBuilderOptions o;
  o.compression = c;
  o.adaptive_compression = adaptive;
  Built b;
  StringSink sink(&b.bytes);
  TableBuilder builder(o, &sink);
  for (const auto& [k, v] : m) EXPECT_OK(builder.Add(k, v));
  auto fin = builder.Finish();
  EXPECT_OK(fin.status());
  if (fin.ok()) b.fin = *fin;
  b.tried = builder.DataBlocksTried();
  b.not_tried = builder.DataBlocksNotTried();
  return b;
}

void ExpectReadsBack(const Model& m, const std::string& bytes) {
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
  auto it = table->NewIterator({});
  auto want = m.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
    ASSERT_NE(want, m.end());
    ASSERT_EQ(it->key(), want->first);
    ASSERT_EQ(it->value(), want->second);
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(want, m.end());
}

TEST(AdaptiveTableTest, SkipsCompressingRandomBytes) {
  Random rnd(synapsed::storage::testing::TestSeed());
  Model m;
  AddValues(&rnd, 0, 2000, /*random=*/true, &m);  // ~250 blocks
  for (CompressionType c : {CompressionType::kLz4, CompressionType::kZstd}) {
    const Built fixed = Build(m, c, /*adaptive=*/false);
    const Built adaptive = Build(m, c, /*adaptive=*/true);
    const uint64_t blocks = adaptive.fin.properties.num_data_blocks;
    ASSERT_GT(blocks, 100u);
    // Fixed mode runs the codec on every block; adaptive on 4 + 1/16.
    EXPECT_EQ(fixed.not_tried, 0u);
    EXPECT_EQ(adaptive.tried + adaptive.not_tried, blocks);
    EXPECT_LE(adaptive.tried, 4 + blocks / 16 + 1);
    // Nothing compressed either way, so the tables are the same size.
    EXPECT_EQ(adaptive.fin.properties.blocks_by_codec[0], blocks);
    EXPECT_EQ(adaptive.fin.file_size, fixed.fin.file_size);
    ExpectReadsBack(m, adaptive.bytes);
  }
}

TEST(AdaptiveTableTest, CompressesCompressibleValuesLikeFixedMode) {
  Random rnd(synapsed::storage::testing::TestSeed());
  Model m;
  AddValues(&rnd, 0, 1000, /*random=*/false, &m);
  const Built fixed = Build(m, CompressionType::kLz4, false);
  const Built adaptive = Build(m, CompressionType::kLz4, true);
  EXPECT_EQ(adaptive.not_tried, 0u);
  EXPECT_EQ(adaptive.fin.properties.blocks_by_codec[1],
            adaptive.fin.properties.num_data_blocks);
  EXPECT_EQ(adaptive.fin.properties.data_size, fixed.fin.properties.data_size);
  ExpectReadsBack(m, adaptive.bytes);
}

TEST(AdaptiveTableTest, ResumesCompressingWhenTheDataTurnsCompressible) {
  Random rnd(synapsed::storage::testing::TestSeed());
  Model m;
  // Long runs of random and compressible values, one after the other.
  for (int run = 0; run < 4; ++run) {
    AddValues(&rnd, run * 800, 800, /*random=*/run % 2 == 0, &m);
  }
  const Built b = Build(m, CompressionType::kZstd, /*adaptive=*/true);
  const auto& by = b.fin.properties.blocks_by_codec;
  EXPECT_GT(b.not_tried, 0u);
  // Each compressible run (~100 blocks) loses at most 15 blocks to the
  // sampling delay; the rest compress.
  EXPECT_GE(by[static_cast<int>(CompressionType::kZstd)], 2u * (100 - 15) - 10);
  EXPECT_EQ(by[0] + by[2], b.fin.properties.num_data_blocks);
  ExpectReadsBack(m, b.bytes);
}

}  // namespace
}  // namespace synapsed::storage::sstable
