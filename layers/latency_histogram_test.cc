#include "layers/latency_histogram.h"

#include "gtest/gtest.h"

namespace synapsed::storage::layers {
namespace {

TEST(LatencyHistogram, BoundsAreInclusiveAndOverflowHasItsBucket) {
  LatencyHistogram h;
  h.Record(0);
  h.Record(1'000);  // le="1e-06" is inclusive
  h.Record(1'001);
  h.Record(10'000'000'000);
  h.Record(10'000'000'001);  // past the last bound: +Inf only
  const auto s = h.Read();
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.buckets[0], 2u);
  EXPECT_EQ(s.buckets[1], 1u);
  EXPECT_EQ(s.buckets[LatencyHistogram::kBuckets - 2], 1u);
  EXPECT_EQ(s.buckets[LatencyHistogram::kBuckets - 1], 1u);
  EXPECT_EQ(s.sum_nanos, 0u + 1'000 + 1'001 + 10'000'000'000 + 10'000'000'001);
}

TEST(LatencyHistogram, QuantilesInterpolateWithinTheBucket) {
  LatencyHistogram h;
  for (int i = 0; i < 900; ++i) h.Record(1'500);  // (1us, 2us]
  for (int i = 0; i < 90; ++i) h.Record(15'000);  // (10us, 20us]
  for (int i = 0; i < 9; ++i) h.Record(300'000);  // (200us, 500us]
  h.Record(20'000'000'000);                       // +Inf
  const auto s = h.Read();
  ASSERT_EQ(s.count, 1000u);
  // Rank 500 of 900 in (1000, 2000].
  EXPECT_DOUBLE_EQ(s.QuantileNanos(0.5), 1000.0 + 1000.0 * 500 / 900);
  // Rank 990: the last of the 90 in (10000, 20000].
  EXPECT_DOUBLE_EQ(s.QuantileNanos(0.99), 20000.0);
  // Rank 999: the last of the 9 in (200000, 500000].
  EXPECT_DOUBLE_EQ(s.QuantileNanos(0.999), 500000.0);
  // Rank 1000 is in +Inf: the largest finite bound, as histogram_quantile.
  EXPECT_DOUBLE_EQ(s.QuantileNanos(1.0), 10'000'000'000.0);
  // Rank 0: the start of the first non-empty bucket.
  EXPECT_DOUBLE_EQ(s.QuantileNanos(0.0), 1000.0);
}

TEST(LatencyHistogram, EmptyHasZeroQuantiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.Read().count, 0u);
  EXPECT_EQ(h.Read().QuantileNanos(0.99), 0.0);
}

TEST(LatencyHistogram, FirstBucketStartsAtZero) {
  LatencyHistogram h;
  for (int i = 0; i < 4; ++i) h.Record(100);
  EXPECT_DOUBLE_EQ(h.Read().QuantileNanos(0.5),
                   500.0);  // rank 2 of 4 in [0, 1000]
}

}  // namespace
}  // namespace synapsed::storage::layers
