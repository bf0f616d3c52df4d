// AdaptiveCodec's choice rule, fed measurements by hand.
#include "layers/adaptive_codec.h"

#include "gtest/gtest.h"

namespace synapsed::storage::layers {
namespace {

using C = AdaptiveCodec;

// Feeds `n` choices with fixed measurements per codec (ratio, ns per byte)
// and returns how many values each codec got.
std::array<uint64_t, C::kNumCodecs> Feed(C* a, int n, double lz4_ratio, double lz4_ns,
                                        double zstd_ratio, double zstd_ns) {
  const auto before = a->counts();
  for (int i = 0; i < n; ++i) {
    const C::Codec c = a->Choose();
    if (c == C::kLz4) a->Record(c, 1000, static_cast<uint64_t>(1000 * lz4_ratio), 1000 * lz4_ns);
    if (c == C::kZstd) {
      a->Record(c, 1000, static_cast<uint64_t>(1000 * zstd_ratio), 1000 * zstd_ns);
    }
  }
  auto after = a->counts();
  for (int c = 0; c < C::kNumCodecs; ++c) after[c] -= before[c];
  return after;
}

TEST(AdaptiveCodecTest, MeasuresBothCodecsFirst) {
  C a;
  EXPECT_EQ(a.Choose(), C::kZstd);
  a.Record(C::kZstd, 100, 50, 100);
  EXPECT_EQ(a.Choose(), C::kLz4);
}

TEST(AdaptiveCodecTest, IncompressibleDataIsStoredRawExceptProbes) {
  C a;
  auto n = Feed(&a, 3200, 1.001, 0.2, 1.001, 1.0);
  // Two first measurements, then one probe in kProbeInterval.
  EXPECT_GE(n[C::kNone], 3200u - 2 - 3200 / C::kProbeInterval);
  EXPECT_LE(n[C::kLz4] + n[C::kZstd], 2u + 3200 / C::kProbeInterval + 1);
  EXPECT_GT(n[C::kLz4], 0u);  // probes alternate
  EXPECT_GT(n[C::kZstd], 0u);
}

TEST(AdaptiveCodecTest, ClearlySmallerZstandardWinsOverFasterLz4) {
  C a;
  auto n = Feed(&a, 3200, 0.50, 0.2, 0.30, 1.5);
  EXPECT_GE(n[C::kZstd], 3200u - 3200 / C::kProbeInterval - 2);
  EXPECT_EQ(n[C::kNone], 0u);
}

TEST(AdaptiveCodecTest, NearTieGoesToTheFasterCodec) {
  C a;
  // Zstandard 2% smaller: within the slack, so LZ4's speed decides.
  auto n = Feed(&a, 3200, 0.50, 0.2, 0.49, 1.5);
  EXPECT_GE(n[C::kLz4], 3200u - 3200 / C::kProbeInterval - 2);
}

TEST(AdaptiveCodecTest, FollowsTheDataWhenItChanges) {
  C a;
  auto random = Feed(&a, 1000, 1.001, 0.2, 1.001, 1.0);
  EXPECT_GT(random[C::kNone], 900u);
  // Now compressible: the probes measure it and the choice moves within a
  // few probe intervals.
  Feed(&a, 20 * C::kProbeInterval, 0.5, 0.2, 0.3, 1.5);
  auto text = Feed(&a, 1000, 0.5, 0.2, 0.3, 1.5);
  EXPECT_GE(text[C::kZstd], 1000u - 1000 / C::kProbeInterval - 1);
}

}  // namespace
}  // namespace synapsed::storage::layers
