// The cache-local bloom filter.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sstable/bloom.h"
#include "util/coding.h"
#include "util/status_matchers.h"

namespace synapsed::storage::sstable {
namespace {

using ::synapsed::storage::testing::StatusIs;

std::unique_ptr<BloomFilter> Load(const std::string& s) {
  BlockBuffer b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  auto f = BloomFilter::Create(std::move(b), "t.sst", 9);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *std::move(f) : nullptr;
}

std::string Key(int i) { return "user-key-" + std::to_string(i); }

TEST(BloomTest, ProbesForTenBitsPerKey) { EXPECT_EQ(BloomProbesFor(10), 6); }

TEST(BloomTest, EmptyFilterMatchesNothing) {
  BloomFilterBuilder b(10);
  auto f = Load(b.Finish());
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->num_lines(), 0u);
  EXPECT_FALSE(f->MayMatch(FilterHash("x")));
}

TEST(BloomTest, NoFalseNegativesAndFewFalsePositives) {
  for (int n : {1, 10, 100, 1000, 10000}) {
    BloomFilterBuilder b(10);
    for (int i = 0; i < n; ++i) b.AddKey(Key(i));
    auto f = Load(b.Finish());
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->size(), (n * 10 + 511) / 512 * 64 + 5);
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(f->MayMatch(FilterHash(Key(i)))) << n << " " << i;
    }
    int fp = 0;
    const int probes = 20000;
    for (int i = 0; i < probes; ++i) {
      fp += f->MayMatch(FilterHash(Key(i + 1000000)));
    }
    // Expected ~1% at 10 bits per key; tiny filters round up and do better.
    EXPECT_LT(fp, probes * 3 / 100) << "n=" << n;
  }
}

TEST(BloomTest, DuplicateKeysAddedOnce) {
  BloomFilterBuilder b(10);
  b.AddKey("a");
  b.AddKey("a");
  b.AddKey("b");
  EXPECT_EQ(b.num_keys(), 2u);
}

TEST(BloomTest, CorruptTrailerIsDataLoss) {
  BloomFilterBuilder b(10);
  for (int i = 0; i < 100; ++i) b.AddKey(Key(i));
  const std::string good = b.Finish();
  for (std::string bad : {good.substr(0, 3), good.substr(0, good.size() - 1),
                          good}) {
    if (bad == good) bad[bad.size() - 5] = 0;  // zero probes
    BlockBuffer buf(bad.size());
    std::memcpy(buf.data(), bad.data(), bad.size());
    EXPECT_THAT(BloomFilter::Create(std::move(buf), "t.sst", 9).status(),
                StatusIs(absl::StatusCode::kDataLoss,
                         ::testing::HasSubstr("t.sst: ")));
  }
}

}  // namespace
}  // namespace synapsed::storage::sstable
