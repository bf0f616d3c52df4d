#include "memtable/memtable_bloom.h"

#include <string>

#include "gtest/gtest.h"
#include "memtable/arena.h"
#include "util/checksum.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::memtable {
namespace {

TEST(MemTableBloomTest, DisabledAdmitsEverything) {
  Arena arena;
  MemTableBloom bloom(0, &arena);
  EXPECT_FALSE(bloom.enabled());
  EXPECT_TRUE(bloom.MayContain(Hash64("anything")));
  EXPECT_EQ(arena.MemoryUsage(), 0u);
}

TEST(MemTableBloomTest, NoFalseNegativesAndFewFalsePositives) {
  Arena arena;
  Random rnd(testing::TestSeed());
  constexpr int kKeys = 10000;
  // 16 bits per key: FastLocalBloom-style filters give ~0.1-0.2% here.
  MemTableBloom bloom(kKeys * 16 / 8, &arena);
  const uint64_t salt = rnd.Next64();
  auto key = [&](int i) { return std::to_string(salt) + "/" + std::to_string(i); };
  for (int i = 0; i < kKeys; ++i) bloom.Add(Hash64(key(i)));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(bloom.MayContain(Hash64(key(i)))) << key(i);
  }
  int false_positives = 0;
  constexpr int kProbes = 100000;
  for (int i = kKeys; i < kKeys + kProbes; ++i) {
    false_positives += bloom.MayContain(Hash64(key(i)));
  }
  // Expected ~0.15%; 1% fails only if the probes are badly correlated.
  EXPECT_LT(false_positives, kProbes / 100) << false_positives;
}

TEST(MemTableBloomTest, OverfullFilterStaysCorrect) {
  Arena arena;
  MemTableBloom bloom(64, &arena);  // one line, far too small
  for (int i = 0; i < 1000; ++i) bloom.Add(Hash64(std::to_string(i)));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(bloom.MayContain(Hash64(std::to_string(i))));
  }
}

}  // namespace
}  // namespace synapsed::storage::memtable
